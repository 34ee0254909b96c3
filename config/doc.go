// Package config holds saelab's one config format: the YAML file that every training command
// reads with --config and writes as config.yaml, its defaults, the order in which defaults,
// the file and command-line flags combine, and its resolution into the engine's own configs.
//
// A Config has the sections seed, model_path, model, model_train, sae, sae_train and runs.
// The sections map onto the engine's structs (toymodel.Config, toymodel.TrainConfig,
// sae.Config, sae.TrainConfig) through their yaml tags, so a field added there is a config
// key here with no change in this package.
//
// Invariants:
//   - Decoding is strict: an unknown key, a duplicate key, a value of the wrong type, a
//     fractional number where an integer belongs, a second document, or a file larger than
//     MaxFileBytes is an error naming the line and key; messages never name Go types.
//   - Precedence is defaults, then the file, then the flags the user set (Flags.Resolve).
//   - Resolve* validates every field before anything is allocated or written, and every error
//     names the section, the field, the value and what is allowed.
//   - Marshal of a resolved config, decoded again, gives the same config (config.yaml repeats
//     its run).
package config
