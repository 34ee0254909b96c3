package store_test

import (
	"fmt"
	"os"
	"path/filepath"

	"saelab/sae"
	"saelab/store"
	"saelab/toymodel"
)

// Save a toy model and an SAE, then load both back.
func Example_saveAndLoad() {
	dir, _ := os.MkdirTemp("", "saelab-example-")
	defer os.RemoveAll(dir)

	cfg := toymodel.Config{NInst: 2, NFeatures: 5, DHidden: 2, FeatMagDistn: "unif"}
	m, _ := toymodel.New(cfg, toymodel.Scalar(1), toymodel.Scalar(0.025), 1)
	specs := store.ModelSpecs{Importance: "1", FeatureProbability: "0.025"}
	if err := store.WriteModel(filepath.Join(dir, store.ModelFile), m, specs); err != nil {
		fmt.Println(err)
		return
	}
	back, backSpecs, err := store.LoadModel(dir) // a run directory or the file itself
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("model:", back.Cfg.NInst, "instances, feature probability", backSpecs.FeatureProbability)

	s, _ := sae.New(sae.DefaultConfig(2, 2, 5), back, 1)
	tc := sae.DefaultTrainConfig()
	file := filepath.Join(dir, store.SAEFile("sae-none"))
	if err := store.WriteSAE(file, "sae-none", s, tc); err != nil {
		fmt.Println(err)
		return
	}
	loaded, loadedTC, err := store.LoadSAE(file, back)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("sae:", loaded.Cfg.Arch, loaded.Cfg.DSAE, "latents, trained for", loadedTC.Steps, "steps")
	// Output:
	// model: 2 instances, feature probability 0.025
	// sae: standard 5 latents, trained for 10000 steps
}
