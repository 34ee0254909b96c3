package config

import (
	"fmt"
	"strings"

	"saelab/sae"
	"saelab/store"
	"saelab/toymodel"
)

// ResolveModel validates the toy-model sections and builds the initialised model
// (toymodel.New with the config's seed). Errors name the section and field.
func (c *Config) ResolveModel() (*toymodel.Model, error) {
	if err := c.Model.Config.Validate(); err != nil {
		return nil, fmt.Errorf("model: %w", err)
	}
	imp, p, err := c.Model.Values()
	if err != nil {
		return nil, err
	}
	if err := c.ModelTrain.Validate(); err != nil {
		return nil, fmt.Errorf("model_train: %w", err)
	}
	m, err := toymodel.New(c.Model.Config, imp, p, c.Seed)
	if err != nil {
		return nil, fmt.Errorf("model: %w", err)
	}
	return m, nil
}

// Values resolves the importance and feature-probability specs for the model's shape.
func (mc *ModelConfig) Values() (imp, p toymodel.Values, err error) {
	I, F := mc.NInst, mc.NFeatures
	if imp, err = mc.Importance.Resolve("model.importance", I, F); err != nil {
		return
	}
	p, err = mc.FeatureProbability.Resolve("model.feature_probability", I, F)
	return
}

// SAERun is one fully resolved SAE run.
type SAERun struct {
	Name  string
	SAE   sae.Config
	Train sae.TrainConfig
}

// DefaultRunName names a run from its architecture and resampling method: none, simple, ...
// for the standard SAE, <arch>-<resample> otherwise (gated-advanced). Its files are then
// sae-<run>.safetensors and datalog-<run>.safetensors.
func DefaultRunName(arch, resample string) string {
	if arch == "" || arch == "standard" {
		return resample
	}
	return arch + "-" + resample
}

// ResolveSAERuns returns the SAE runs of the config for a toy model of nInst instances and
// hidden size dIn: the sae/sae_train sections with each run's overrides, n_inst and d_in filled
// in from the model, each validated. Errors name the run, section and field. It also fills
// c.SAE's n_inst and d_in where they are 0, so the config written afterwards is resolved.
func (c *Config) ResolveSAERuns(nInst, dIn int) ([]SAERun, error) {
	if c.SAE.NInst == 0 {
		c.SAE.NInst = nInst
	}
	if c.SAE.DIn == 0 {
		c.SAE.DIn = dIn
	}
	specs := c.Runs
	if len(specs) == 0 {
		specs = []RunSpec{{Name: DefaultRunName(c.SAE.Arch, c.SAETrain.Resample)}}
	}
	seen := map[string]bool{}
	var out []SAERun
	for k, spec := range specs {
		at := fmt.Sprintf("runs[%d] (%s)", k, spec.Name)
		if len(c.Runs) == 0 {
			at = "run " + spec.Name
		}
		rc, err := c.resolveRun(k, spec, at, nInst, dIn)
		if err != nil {
			return nil, err
		}
		if seen[spec.Name] {
			return nil, fmt.Errorf("%s.name: %q is used by two runs; names must be unique", at, spec.Name)
		}
		seen[spec.Name] = true
		out = append(out, rc)
	}
	return out, nil
}

// resolveRun applies one run's overrides to the shared sections and validates the result.
func (c *Config) resolveRun(k int, spec RunSpec, at string, nInst, dIn int) (SAERun, error) {
	rc := SAERun{Name: spec.Name, SAE: c.SAE, Train: c.SAETrain}
	if err := spec.apply(k, &rc.SAE, &rc.Train); err != nil {
		return SAERun{}, err
	}
	if err := store.ValidateRunName(spec.Name); err != nil {
		return SAERun{}, fmt.Errorf("%s.name: %w", at, err)
	}
	if rc.SAE.NInst == 0 {
		rc.SAE.NInst = nInst
	}
	if rc.SAE.DIn == 0 {
		rc.SAE.DIn = dIn
	}
	if rc.SAE.NInst != nInst {
		return SAERun{}, fmt.Errorf("%s: sae.n_inst = %d: must equal the toy model's n_inst = %d (or be left out)", at, rc.SAE.NInst, nInst)
	}
	if rc.SAE.DIn != dIn {
		return SAERun{}, fmt.Errorf("%s: sae.d_in = %d: must equal the toy model's d_hidden = %d (or be left out)", at, rc.SAE.DIn, dIn)
	}
	if err := rc.SAE.Validate(); err != nil {
		return SAERun{}, fmt.Errorf("%s: sae: %w", at, err)
	}
	if err := rc.Train.Validate(); err != nil {
		return SAERun{}, fmt.Errorf("%s: sae_train: %w", at, err)
	}
	if err := sae.CheckTraining(rc.SAE, rc.Train); err != nil {
		return SAERun{}, fmt.Errorf("%s: sae: %w", at, err)
	}
	return rc, nil
}

// SelectRuns keeps the runs named by sel (a run name, or an architecture for all its runs), in
// the config's order, and drops the others from c.Runs too, so that the config written
// afterwards lists exactly the runs trained. An entry that matches nothing is an error listing
// what is available.
func (c *Config) SelectRuns(runs []SAERun, sel []string) ([]SAERun, error) {
	if len(sel) == 0 {
		return runs, nil
	}
	keep := map[string]bool{}
	for _, s := range sel {
		s = strings.TrimSpace(s)
		found := false
		for _, r := range runs {
			if r.Name == s || r.SAE.Arch == s {
				keep[r.Name], found = true, true
			}
		}
		if !found {
			names := make([]string, len(runs))
			for k, r := range runs {
				names[k] = r.Name
			}
			return nil, fmt.Errorf("no run is named %q or has that architecture; the runs are %s", s, strings.Join(names, ", "))
		}
	}
	var out []SAERun
	for _, r := range runs {
		if keep[r.Name] {
			out = append(out, r)
		}
	}
	var specs []RunSpec
	for _, r := range c.Runs {
		if keep[r.Name] {
			specs = append(specs, r)
		}
	}
	c.Runs = specs
	return out, nil
}
