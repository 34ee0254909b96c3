// Package modeldir reads and writes SAELens's synthetic-model directory (synthetic.md §7.3):
// synthetic_model_config.json, synthetic_model.safetensors and, when the model has a
// hierarchy, hierarchy.json.
//
// Writing follows SAELens's layout (config keys in serialisation order, floats written as
// Python writes them, tensors without metadata). Reading is tolerant where SAELens is strict
// (§7.1): unknown config keys are ignored with a warning, pre-release keys are accepted, and
// missing optional keys take their defaults. Loading follows load_from_disk (§7.3.2) with one
// deliberate difference: the copula thresholds are computed from the stored probabilities,
// not from the ones the config regenerates. σ and μ are not stored; they are regenerated from
// the config, PyTorch's draws reproduced exactly (synth.TorchRandn).
//
// The package is the only part of synth that touches files; synth itself stays pure. Every
// write is atomic (store.WriteFileAtomic, store.WriteSafetensors); the config is written last,
// so a directory with a config is complete.
package modeldir
