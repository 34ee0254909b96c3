package phase

import "github.com/spf13/pflag"

// Bind registers the config's flags on fs (saelab phase-diagram), with c's values as defaults.
func (c *Config) Bind(fs *pflag.FlagSet) {
	fs.IntVar(&c.Experiment, "experiment", c.Experiment, "1 (n = 2 features, m = 1 dimension) or 2 (n = 3, m = 2)")
	fs.IntVar(&c.Grid, "grid", c.Grid, "cells per axis")
	fs.IntVar(&c.Instances, "instances", c.Instances, "models trained per cell")
	fs.IntVar(&c.Steps, "steps", c.Steps, "training steps")
	fs.IntVar(&c.BatchSize, "batch-size", c.BatchSize, "batch size")
	fs.Float64Var(&c.LR, "lr", c.LR, "learning rate")
	fs.StringVar(&c.Optimizer, "optimizer", c.Optimizer, "adamw or adam")
	fs.StringVar(&c.Aggregate, "aggregate", c.Aggregate, "how a cell's models combine: paper (drop the worst, average the rest), best, zf or all")
	fs.Float64Var(&c.TauN, "tau-n", c.TauN, "not represented below this mean norm of the extra feature")
	fs.Float64Var(&c.TauS, "tau-s", c.TauS, "dedicated below this mean superposition of the extra feature")
	fs.Uint64Var(&c.Seed, "seed", c.Seed, "random seed")
}
