package store

import (
	"os"
	"path/filepath"
	"testing"

	"saelab/sae"
)

// FuzzDecodeDataLog: the data-log reader never panics on any bytes, and a log it accepts
// writes back and reads again unchanged in size.
func FuzzDecodeDataLog(f *testing.F) {
	for _, log := range []sae.DataLog{
		makeLog(2, 3, 2, 2, 3, standardParams(2, 2, 3), []string{"L_reconstruction", "L_sparsity"}, 1),
		{NInst: 1, DIn: 1, DSAE: 1, SampleSize: 1},
	} {
		ts, md, err := dataLogTensors(log, DataLogOptions{})
		if err != nil {
			f.Fatal(err)
		}
		b, err := EncodeSafetensors(ts, md)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		ts, md, err := decodeSafetensors(data, isSampleTensor)
		if err != nil {
			return
		}
		log, err := dataLogFromTensors(ts, md)
		if err != nil {
			return
		}
		p := filepath.Join(t.TempDir(), "d.safetensors")
		if err := WriteDataLog(p, log); err != nil {
			return // e.g. a value that F32 cannot hold: refused with an error, not a panic
		}
		back, err := ReadDataLog(p)
		if err != nil {
			t.Fatalf("a log written from an accepted file does not read back: %v", err)
		}
		if len(back.Records) != len(log.Records) || len(back.Scalars) != len(log.Scalars) || len(back.Resamples) != len(log.Resamples) {
			t.Fatalf("round trip changed the log's size")
		}
	})
}

// FuzzDecodeSummary: summary.json validation never panics, and a summary it accepts encodes
// and decodes to an accepted summary.
func FuzzDecodeSummary(f *testing.F) {
	if b, err := os.ReadFile(filepath.Join("testdata", "summary-demo.json")); err == nil {
		f.Add(b)
	}
	f.Add([]byte(`{"version":"x","seed":1,"runs":[{"name":"toy-model","kind":"toymodel","steps":1,"wall_seconds":0,"final_loss":1}]}`))
	f.Add([]byte(`{"version":"x","seed":1,"runs":[{"name":"a","kind":"sae","status":"failed","error":"boom"}]}`))
	f.Add([]byte(`{"version":"x","runs":[{"name":"a","kind":"sae","arch":"standard","resample":"none","steps":3,"wall_seconds":1,"monosemantic_instances":0,"mean_mmcs":0.5,"instances":[{"index":0,"loss":1,"l_reconstruction":1,"l_sparsity":0,"l0":0,"dead_latents":0,"mmcs":0.5,"recovered_features":0,"monosemantic":false,"extra":{"x":1}}]}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := DecodeSummary(data)
		if err != nil {
			return
		}
		b, err := EncodeSummary(s)
		if err != nil {
			t.Fatalf("an accepted summary does not encode: %v", err)
		}
		if _, err := DecodeSummary(b); err != nil {
			t.Fatalf("an accepted summary does not decode again: %v", err)
		}
	})
}
