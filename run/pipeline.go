package run

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"saelab/config"
	"saelab/report"
	"saelab/store"
	"saelab/toymodel"
)

// Plan is what a pipeline does: train a toy model (or load one), then train SAE runs on it.
type Plan struct {
	// Name names the run directory (runs/<time>-<Name>) when Options.Out is empty.
	Name   string
	Config config.Config
	// TrainModel trains the toy model of Config.Model; otherwise it is loaded from
	// Config.ModelPath.
	TrainModel bool
	// SAEs trains the SAE runs of Config (none for a toy model alone).
	SAEs bool
	// Compare marks a comparison of runs: summary.json's command "compare", the runs' instance
	// means in their extra, and a report with the comparison table.
	Compare bool
	// Select keeps only the runs named here or of these architectures (all when empty).
	Select []string
}

// DemoPlan is the seed notebook's workflow on c: a toy model, then c's SAE runs.
func DemoPlan(c config.Config) Plan {
	return Plan{Name: "demo", Config: c, TrainModel: true, SAEs: true}
}

// ComparePlan trains the toy model once and then c's runs selected by sel, for comparison.
func ComparePlan(c config.Config, sel []string) Plan {
	return Plan{Name: "compare", Config: c, TrainModel: true, SAEs: true, Compare: true, Select: sel}
}

// TrainModelPlan trains a toy model alone.
func TrainModelPlan(c config.Config) Plan {
	return Plan{Name: "train-model", Config: c, TrainModel: true}
}

// TrainSAEPlan trains c's SAE runs on the toy model at c.ModelPath.
func TrainSAEPlan(c config.Config) Plan { return Plan{Name: "train-sae", Config: c, SAEs: true} }

// Options are how a plan runs: where it writes and who listens.
type Options struct {
	// Out is the run directory to create (it must not exist or be empty); "" means
	// runs/<YYYYMMDD-HHMMSS>-<plan name> under the current directory.
	Out      string
	Observer Observer
	// NoReport skips report.html; NoDataLog skips the data-log files (the report needs them).
	NoReport, NoDataLog bool
}

// prepared is a validated plan: the initial or loaded model and the resolved runs.
type prepared struct {
	c          config.Config
	model      *toymodel.Model
	modelBytes []byte // train-sae: the model file, copied into the run directory
	runs       []config.SAERun
}

// Execute runs the plan: everything is validated before the run directory is made; then the
// toy model, each SAE run in turn, and the report. On failure the directory keeps what was
// finished, and the error says so.
func Execute(ctx context.Context, p Plan, o Options) (*Dir, error) {
	obs := o.Observer
	if obs == nil {
		obs = nop{}
	}
	pr, err := prepare(p)
	if err != nil {
		return nil, err
	}
	d, err := CreateDir(o.Out, p.Name, pr.c.Seed, obs)
	if err != nil {
		return nil, err
	}
	defer d.Close()
	if p.Compare {
		d.Summary.Command = report.CompareCommand
	}
	if err := d.execute(ctx, p, pr, o); err != nil {
		return d, fmt.Errorf("%w\n(the run directory %s holds the files written before the failure; summary.json lists the finished runs)", err, d.Path)
	}
	return d, nil
}

// prepare validates the plan and resolves its model and runs.
func prepare(p Plan) (*prepared, error) {
	pr := &prepared{c: p.Config.Clone()}
	c := &pr.c
	var err error
	switch {
	case p.TrainModel && c.ModelPath != "":
		return nil, fmt.Errorf("model_path = %q: %s trains its own toy model; use train-sae --model to train SAEs on an existing one", c.ModelPath, p.Name)
	case p.TrainModel:
		if pr.model, err = c.ResolveModel(); err != nil {
			return nil, err
		}
	case c.ModelPath == "":
		return nil, errors.New("model_path: missing; name the toy model (a run directory or a model.safetensors file)")
	default:
		if err := pr.load(); err != nil {
			return nil, err
		}
	}
	if p.SAEs {
		if pr.runs, err = c.ResolveSAERuns(pr.model.Cfg.NInst, pr.model.Cfg.DHidden); err != nil {
			return nil, err
		}
		if pr.runs, err = c.SelectRuns(pr.runs, p.Select); err != nil {
			return nil, fmt.Errorf("selected runs %s: %w", strings.Join(p.Select, ","), err)
		}
	}
	if err := pr.checkMemory(p); err != nil {
		return nil, err
	}
	return pr, nil
}

// load reads the toy model of c.ModelPath; its config replaces the model section.
func (pr *prepared) load() error {
	c := &pr.c
	model, specs, err := store.LoadModel(c.ModelPath)
	if err != nil {
		return err
	}
	pr.model = model
	c.Model = config.ModelConfig{Config: model.Cfg, Importance: config.Values(specs.Importance), FeatureProbability: config.Values(specs.FeatureProbability)}
	if abs, err := filepath.Abs(c.ModelPath); err == nil {
		c.ModelPath = abs
	}
	file, _ := store.ModelPath(c.ModelPath)
	pr.modelBytes, err = os.ReadFile(file)
	return err
}

// execute runs a prepared plan in d.
func (d *Dir) execute(ctx context.Context, p Plan, pr *prepared, o Options) error {
	if err := d.WriteConfig(pr.c, sections(p)...); err != nil {
		return err
	}
	model := pr.model
	if p.TrainModel {
		mr, err := TrainModel(model, pr.c.ModelTrain, pr.c.Seed, d.obs)
		if err != nil {
			return d.unfinished(ctx, store.RunSummary{Name: ModelRunName, Kind: store.KindToyModel, Steps: pr.c.ModelTrain.Steps}, err)
		}
		if model, err = d.SaveModel(mr, pr.c.Model); err != nil {
			return err
		}
	} else if err := d.copyModel(pr); err != nil {
		return err
	}
	for _, rc := range pr.runs {
		if err := ctx.Err(); err != nil {
			return interruptedError(ctx)
		}
		r, err := d.TrainSAE(model, rc, pr.c.Seed, !o.NoDataLog)
		if err != nil {
			rs := store.RunSummary{Name: rc.Name, Kind: store.KindSAE, Arch: rc.SAE.Arch, Resample: rc.Train.Resample, Steps: rc.Train.Steps}
			return d.unfinished(ctx, rs, err)
		}
		if p.Compare {
			r.RunExtra = r.RunSummary().Means().RunExtra()
		}
		if err := d.AddSAERun(r); err != nil {
			return err
		}
	}
	reportPath := ""
	if !o.NoReport && !o.NoDataLog {
		var err error
		if reportPath, err = d.WriteReport(); err != nil {
			return err
		}
	}
	d.obs.Observe(Finished{Dir: d.Path, Summary: d.Summary, Report: reportPath})
	return nil
}

// unfinished records a run that failed or was interrupted in summary.json and returns err.
func (d *Dir) unfinished(ctx context.Context, rs store.RunSummary, err error) error {
	rs.Status, rs.Error = store.StatusFailed, err.Error()
	if ctx.Err() != nil {
		err = interruptedError(ctx)
		rs.Status, rs.Error = store.StatusInterrupted, err.Error()
	}
	if werr := d.AddRun(rs, nil); werr != nil {
		return errors.Join(err, werr)
	}
	return err
}

// interruptedError says why the pipeline stopped early.
func interruptedError(ctx context.Context) error {
	return fmt.Errorf("stopped before the end: %w", context.Cause(ctx))
}

// sections are the config sections a plan uses, written to config.yaml.
func sections(p Plan) []string {
	s := []string{config.SecSeed}
	if !p.TrainModel {
		s = append(s, config.SecModelPath)
	}
	s = append(s, config.SecModel)
	if p.TrainModel {
		s = append(s, config.SecModelTrain)
	}
	if p.SAEs {
		s = append(s, config.SecSAE, config.SecSAETrain, config.SecRuns)
	}
	return s
}

// copyModel copies the loaded model file into the directory, and the toy model's summary entry
// and metrics rows from the directory it came from, so that the report shows its loss.
func (d *Dir) copyModel(pr *prepared) error {
	path := d.File(store.ModelFile)
	if err := store.WriteFileAtomic(path, pr.modelBytes, 0o644); err != nil {
		return err
	}
	d.written(path)
	st, err := os.Stat(pr.c.ModelPath)
	if err != nil || !st.IsDir() {
		return nil
	}
	sum, err := store.ReadSummary(filepath.Join(pr.c.ModelPath, store.SummaryFile))
	if errors.Is(err, os.ErrNotExist) {
		return nil
	} else if err != nil {
		return err
	}
	for _, rs := range sum.Runs {
		if rs.Kind != store.KindToyModel {
			continue
		}
		var rows []map[string]any
		if all, err := store.ReadMetricsJSONL(filepath.Join(pr.c.ModelPath, store.MetricsFile)); err == nil {
			for _, r := range all {
				if r["run"] == rs.Name {
					rows = append(rows, r)
				}
			}
		}
		return d.AddRun(rs, rows)
	}
	return nil
}
