// Package fingerprint pins saelab's results. Its test builds the saelab command, runs a small
// demo, a compare of every architecture, and train-model followed by train-sae, with
// GOMAXPROCS 1 and 2, and hashes every tensor of every safetensors file and every number of
// summary.json and metrics.jsonl (wall times and versions aside). The hashes must equal the
// committed testdata/fingerprint.json in the plain-Go and the SIMD builds alike: a refactor
// that changes one bit of a result fails here.
//
// To accept a deliberate change of results, regenerate the file with
//
//	SAELAB_UPDATE_FINGERPRINT=1 go test ./internal/fingerprint
//
// and say why in the commit.
package fingerprint
