package run

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"saelab/config"
	"saelab/report"
	"saelab/sae"
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
	// Resume continues this interrupted run directory instead of creating one (the plan's
	// config must be the directory's, see ResumeConfig); Out must then be empty.
	Resume string
	// CheckpointEvery is how often each training phase checkpoints (see
	// DefaultCheckpointEvery, used when 0); negative checkpoints at every logged step.
	CheckpointEvery time.Duration
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
	pr, err := prepareFor(p, o.Resume)
	if err != nil {
		return nil, err
	}
	var d *Dir
	switch {
	case o.Resume != "" && o.Out != "":
		return nil, fmt.Errorf("--out %s: a resumed run stays in its directory (%s); drop --out", o.Out, o.Resume)
	case o.Resume != "":
		d, err = OpenDir(o.Resume, pr.c.Seed, obs)
	default:
		d, err = CreateDir(o.Out, p.Name, pr.c.Seed, obs)
	}
	if err != nil {
		return nil, err
	}
	defer d.Close()
	if p.Compare {
		d.Summary.Command = report.CompareCommand
	}
	if err := d.execute(ctx, p, pr, o); err != nil {
		if ctx.Err() != nil {
			return d, fmt.Errorf("%w\n(summary.json lists the finished runs and the interrupted one; to continue: saelab %s --resume %s)", err, p.Name, d.Path)
		}
		return d, fmt.Errorf("%w\n(the run directory %s holds the files written before the failure; summary.json lists the finished runs and the failed one)", err, d.Path)
	}
	return d, nil
}

// prepare validates the plan and resolves its model and runs.
func prepare(p Plan) (*prepared, error) { return prepareFor(p, "") }

// prepareFor is prepare for a plan continuing the run directory resume (when not ""): a
// loaded toy model is read from the directory's copy when it has one, so that the SAEs train
// on what the finished ones trained on.
func prepareFor(p Plan, resume string) (*prepared, error) {
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
		if err := pr.load(resume); err != nil {
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

// load reads the toy model of c.ModelPath (or of the directory being continued, when it holds
// a copy); its config replaces the model section.
func (pr *prepared) load(resume string) error {
	c := &pr.c
	src := c.ModelPath
	if resume != "" {
		if _, err := os.Stat(filepath.Join(resume, store.ModelFile)); err == nil {
			src = resume
		}
	}
	model, specs, err := store.LoadModel(src)
	if err != nil {
		return err
	}
	pr.model = model
	c.Model = config.ModelConfig{Config: model.Cfg, Importance: config.Values(specs.Importance), FeatureProbability: config.Values(specs.FeatureProbability)}
	if abs, err := filepath.Abs(c.ModelPath); err == nil {
		c.ModelPath = abs
	}
	file, _ := store.ModelPath(src)
	pr.modelBytes, err = os.ReadFile(file)
	return err
}

// execute runs a prepared plan in d: each phase not finished yet (all of them in a new
// directory), with checkpoints.
func (d *Dir) execute(ctx context.Context, p Plan, pr *prepared, o Options) error {
	if !d.resumed {
		if err := d.WriteConfig(pr.c, sections(p)...); err != nil {
			return err
		}
	}
	model, err := d.modelPhase(ctx, p, pr, o)
	if err != nil {
		return err
	}
	for _, rc := range pr.runs {
		if d.finished(rc.Name) {
			continue
		}
		if err := ctx.Err(); err != nil {
			return d.unfinished(ctx, saeRunSummary(rc), err)
		}
		ctl := sae.Control{Context: ctx}
		if err := d.saeControl(rc, pr.c.Seed, o, &ctl); err != nil {
			return err
		}
		r, err := d.trainSAE(model, rc, pr.c.Seed, !o.NoDataLog, ctl)
		if err != nil {
			if errors.Is(err, sae.ErrDiverged) { // resuming would diverge again
				d.dropCheckpoint(store.SAECheckpointFile(rc.Name))
			}
			return d.unfinished(ctx, saeRunSummary(rc), err)
		}
		if p.Compare {
			r.RunExtra = r.RunSummary().Means().RunExtra()
		}
		if err := d.AddSAERun(r); err != nil {
			return err
		}
		d.dropCheckpoint(store.SAECheckpointFile(rc.Name))
	}
	reportPath := ""
	if !o.NoReport && !o.NoDataLog {
		if reportPath, err = d.WriteReport(); err != nil {
			return err
		}
	}
	d.obs.Observe(Finished{Dir: d.Path, Summary: d.Summary, Report: reportPath})
	return nil
}

// saeRunSummary is the summary entry of an SAE run that did not finish.
func saeRunSummary(rc config.SAERun) store.RunSummary {
	return store.RunSummary{Name: rc.Name, Kind: store.KindSAE, Arch: rc.SAE.Arch, Resample: rc.Train.Resample, Steps: rc.Train.Steps}
}

// modelPhase trains the toy model (from its checkpoint when continuing) and saves it, or
// copies the loaded one, and returns the model the SAEs train on; a directory that has it
// already reads it back.
func (d *Dir) modelPhase(ctx context.Context, p Plan, pr *prepared, o Options) (*toymodel.Model, error) {
	if !p.TrainModel {
		return pr.model, d.copyModel(pr)
	}
	if d.finished(ModelRunName) {
		m, _, err := store.LoadModel(d.File(store.ModelFile))
		return m, err
	}
	ctl := toymodel.Control{Context: ctx}
	if err := d.modelControl(pr, o, &ctl); err != nil {
		return nil, err
	}
	mr, err := trainModel(pr.model, pr.c.ModelTrain, pr.c.Seed, d.obs, ctl)
	if err != nil {
		if errors.Is(err, toymodel.ErrDiverged) {
			d.dropCheckpoint(store.ToyModelCheckpointFile)
		}
		return nil, d.unfinished(ctx, store.RunSummary{Name: ModelRunName, Kind: store.KindToyModel, Steps: pr.c.ModelTrain.Steps}, err)
	}
	model, err := d.SaveModel(mr, pr.c.Model)
	if err == nil {
		d.dropCheckpoint(store.ToyModelCheckpointFile)
	}
	return model, err
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
// and metrics rows from the directory it came from, so that the report shows its loss. A
// directory being continued keeps what it has of them.
func (d *Dir) copyModel(pr *prepared) error {
	if d.hasToyModelRun() {
		return nil
	}
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
