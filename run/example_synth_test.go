package run_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"saelab/run"
	"saelab/synth"
)

// Generate a small synthetic model (the mini preset shrunk by a few overrides), train a TopK
// SAE on it and read its scores and files.
func Example_synthTrain() {
	dir, _ := os.MkdirTemp("", "saelab-example-")
	defer os.RemoveAll(dir)

	cfg, err := run.SynthConfig(synth.PresetMini, []byte("num_features: 256\nhidden_dim: 32\nhierarchy: {total_root_nodes: 2}\northogonalization: {num_steps: 5}"))
	if err != nil {
		fmt.Println(err)
		return
	}
	model := filepath.Join(dir, "model")
	if _, err := run.SynthGenerate(cfg, model, nil); err != nil {
		fmt.Println(err)
		return
	}
	r, err := run.SynthTrain(context.Background(), run.SynthTrainOptions{ModelDir: model, Out: filepath.Join(dir, "topk"),
		Arch: "topk", TargetL0: 4, Samples: 100 * 1024, EvalSamples: 2048})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("%s, width %d, %d steps, L0 %.0f, saved as %s\n", r.Arch, r.Width, r.Steps, r.Metrics.SAEL0, r.SavedAs)
	files, _ := filepath.Glob(filepath.Join(dir, "topk", "*", "*"))
	top, _ := filepath.Glob(filepath.Join(dir, "topk", "*.*"))
	for _, f := range append(top, files...) {
		rel, _ := filepath.Rel(filepath.Join(dir, "topk"), f)
		fmt.Println(rel)
	}
	// Output:
	// topk, width 64, 100 steps, L0 4, saved as topk
	// report.html
	// report.md
	// summary.json
	// sae/cfg.json
	// sae/sae_weights.safetensors
}
