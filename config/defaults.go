package config

import (
	"strconv"

	"saelab/sae"
	"saelab/toymodel"
)

// Demo is the seed notebook's workflow: the SAE base model (16 instances, 5 features,
// d_hidden 2, p = 0.025, 5,000 steps), then two SAEs (d_sae 5, 20,000 steps) without and with
// simple resampling.
func Demo() Config {
	c := Config{
		Model:      ModelConfig{Config: toymodel.DefaultConfig(), Importance: "1", FeatureProbability: "0.025"},
		ModelTrain: toymodel.DefaultTrainConfig(),
		SAE:        sae.DefaultConfig(0, 0, 5),
		SAETrain:   sae.DefaultTrainConfig(),
	}
	c.SAETrain.Steps = 20000
	c.Runs = []RunSpec{
		{Name: "none", SAETrain: mapNode("resample_method", "none")},
		{Name: "simple", SAETrain: mapNode("resample_method", "simple")},
	}
	return c
}

// TrainModel is the reference's ToyModel and optimize defaults (spec §1.1, §1.7), with the
// SAE base model's 16 instances (n_inst has no default in the reference).
func TrainModel() Config {
	c := Demo()
	c.Model.FeatureProbability = "0.01"
	c.Runs = nil
	return c
}

// TrainSAE is the reference's ToySAE and optimize defaults (spec §2.1, §2.7): d_sae 5,
// 10,000 steps, no resampling.
func TrainSAE() Config {
	c := Demo()
	c.SAETrain = sae.DefaultTrainConfig()
	c.Runs = nil
	return c
}

// CompareK is the k of BatchTopK and Matryoshka in Compare: F·p = 5 × 0.025 = 0.125, the
// expected number of active features per sample of the seed model (saelab's choice: with
// d_sae 5 a k of 1 or more keeps far more latents than the data have active features).
const CompareK = 0.125

// Compare is the demo's toy model and SAE training (20,000 steps, d_sae 5) with one run per
// architecture, each with its reference hyperparameters stated explicitly, so that the
// config.yaml of a compare directory documents them.
func Compare() Config {
	c := Demo()
	k := strconv.FormatFloat(CompareK, 'g', -1, 64)
	c.Runs = []RunSpec{
		{Name: "standard", SAE: mapNode("arch", "standard", "sparsity_coeff", "0.2", "tied_weights", "false"),
			SAETrain: mapNode("resample_method", "simple")},
		{Name: "gated", SAE: mapNode("arch", "gated", "sparsity_coeff", "1.0", "tied_weights", "false"),
			SAETrain: mapNode("resample_method", "advanced")},
		{Name: "jumprelu", SAE: mapNode("arch", "jumprelu", "sparsity_coeff", "0.1", "tied_weights", "true"),
			SAETrain: mapNode("resample_method", "advanced")},
		{Name: "topk-k1", SAE: mapNode("arch", "topk", "k", "1", "aux_k_coeff", "1"),
			SAETrain: mapNode("resample_method", "none")},
		{Name: "topk-k2", SAE: mapNode("arch", "topk", "k", "2", "aux_k_coeff", "1"),
			SAETrain: mapNode("resample_method", "none")},
		{Name: "batchtopk", SAE: mapNode("arch", "batchtopk", "k", k, "aux_k_coeff", "1"),
			SAETrain: mapNode("resample_method", "none")},
		{Name: "matryoshka", SAE: mapNode("arch", "matryoshka", "k", k, "aux_k_coeff", "1"),
			SAETrain: mapNode("resample_method", "none")},
		{Name: "matching_pursuit", SAE: mapNode("arch", "matching_pursuit", "k", "1", "tied_weights", "false"),
			SAETrain: mapNode("resample_method", "none")},
	}
	return c
}

// RunNames lists the names of c's runs.
func (c Config) RunNames() []string {
	names := make([]string, len(c.Runs))
	for k, r := range c.Runs {
		names[k] = r.Name
	}
	return names
}
