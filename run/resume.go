package run

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"saelab/config"
	"saelab/internal/version"
	"saelab/sae"
	"saelab/store"
	"saelab/toymodel"
)

// How an interrupted run directory is continued (Options.Resume): its config.yaml is the
// plan's config (ResumeConfig); summary.json's finished runs are kept with their files and
// metrics rows; the first unfinished phase continues from its checkpoint file
// (checkpoint-toymodel.ckpt, checkpoint-sae-<run>.ckpt), written atomically every
// Options.CheckpointEvery during training and removed once the phase's results are in place;
// the later phases run as they would have. Each instance of a phase restarts from its last
// snapshot, so the directory ends bit for bit as an uninterrupted run's would (wall times
// aside).

// DefaultCheckpointEvery is how often a training phase checkpoints: each instance snapshots
// its state at its first logged step after this long, and the checkpoint file is rewritten at
// most this often.
const DefaultCheckpointEvery = 10 * time.Second

// planSections are the config.yaml sections each command's directory holds.
var planSections = map[string][]string{
	"demo":        {config.SecSeed, config.SecModel, config.SecModelTrain, config.SecSAE, config.SecSAETrain, config.SecRuns},
	"compare":     {config.SecSeed, config.SecModel, config.SecModelTrain, config.SecSAE, config.SecSAETrain, config.SecRuns},
	"train-model": {config.SecSeed, config.SecModel, config.SecModelTrain},
	"train-sae":   {config.SecSeed, config.SecModelPath, config.SecModel, config.SecSAE, config.SecSAETrain, config.SecRuns},
}

// ResumeConfig returns the config of the run directory dir, written by command (demo,
// compare, train-model or train-sae): its config.yaml decoded onto the command's defaults. It
// refuses a directory without config.yaml, or one that another command wrote.
func ResumeConfig(dir, command string, defaults config.Config) (config.Config, error) {
	st, err := os.Stat(dir)
	if err != nil {
		return config.Config{}, fmt.Errorf("--resume %s: %w", dir, errors.Unwrap(err))
	}
	if !st.IsDir() {
		return config.Config{}, fmt.Errorf("--resume %s: not a directory; give the run directory to continue", dir)
	}
	path := filepath.Join(dir, store.ConfigFile)
	data, err := config.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return config.Config{}, fmt.Errorf("--resume %s: it has no %s, so it is not a run directory saelab can continue", dir, store.ConfigFile)
	} else if err != nil {
		return config.Config{}, fmt.Errorf("--resume %s: %w", dir, err)
	}
	var top map[string]yaml.Node
	if err := yaml.Unmarshal(data, &top); err != nil {
		return config.Config{}, fmt.Errorf("--resume %s: %s is not valid YAML", dir, store.ConfigFile)
	}
	var keys []string
	for k := range top {
		keys = append(keys, k)
	}
	want := slices.Clone(planSections[command])
	slices.Sort(keys)
	slices.Sort(want)
	if !slices.Equal(keys, want) {
		return config.Config{}, fmt.Errorf("--resume %s: its %s has the sections %s, not those of a %s run (%s); continue it with the command that made it",
			dir, store.ConfigFile, strings.Join(keys, ", "), command, strings.Join(want, ", "))
	}
	c := defaults.Clone()
	if err := config.Decode(data, &c); err != nil {
		return config.Config{}, fmt.Errorf("--resume %s: %s: %w", dir, store.ConfigFile, err)
	}
	if sum, err := store.ReadSummary(filepath.Join(dir, store.SummaryFile)); err == nil {
		if (sum.Command == "compare") != (command == "compare") {
			return config.Config{}, fmt.Errorf("--resume %s: it was written by %s, not %s; continue it with the command that made it", dir, commandOf(sum), command)
		}
	}
	return c, nil
}

// commandOf names the command of a summary: compare, or "another command".
func commandOf(s store.Summary) string {
	if s.Command != "" {
		return s.Command
	}
	return "another command"
}

// OpenDir claims an existing run directory to continue it: summary.json and metrics.jsonl
// are read back (when they exist) with the finished runs only, and must be of seed.
func OpenDir(dir string, seed uint64, obs Observer) (*Dir, error) {
	d := &Dir{Summary: store.Summary{Version: version.Version, Seed: seed, Runs: []store.RunSummary{}}, obs: obs, Path: dir}
	lock, err := store.ClaimDir(dir, false)
	if err != nil {
		return nil, fmt.Errorf("--resume %s: %w; wait for it to finish", dir, err)
	}
	d.lock, d.resumed = lock, true
	if err := d.readBack(seed); err != nil {
		lock.Release()
		return nil, fmt.Errorf("--resume %s: %w", dir, err)
	}
	obs.Observe(DirCreated{Path: d.Path})
	return d, nil
}

// readBack loads the finished runs of summary.json and their metrics rows.
func (d *Dir) readBack(seed uint64) error {
	sum, err := store.ReadSummary(d.File(store.SummaryFile))
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	} else if err != nil {
		return err
	}
	if sum.Seed != seed {
		return fmt.Errorf("summary.json has seed %d but config.yaml seed %d; the directory mixes runs", sum.Seed, seed)
	}
	d.Summary.Command = sum.Command
	for _, rs := range sum.Runs {
		if rs.Finished() {
			d.Summary.Runs = append(d.Summary.Runs, rs)
		}
	}
	if _, err := os.Stat(d.File(store.MetricsFile)); err == nil {
		rows, err := store.ReadMetricsJSONL(d.File(store.MetricsFile))
		if err != nil {
			return err
		}
		for _, r := range rows {
			if name, _ := r["run"].(string); d.finished(name) {
				d.Metrics = append(d.Metrics, r)
			}
		}
	}
	return nil
}

// finished reports whether summary.json lists run name as finished.
func (d *Dir) finished(name string) bool {
	for _, rs := range d.Summary.Runs {
		if rs.Name == name && rs.Finished() {
			return true
		}
	}
	return false
}

// hasToyModelRun reports whether summary.json has a finished toy-model entry.
func (d *Dir) hasToyModelRun() bool {
	for _, rs := range d.Summary.Runs {
		if rs.Kind == store.KindToyModel && rs.Finished() {
			return true
		}
	}
	return false
}

// runTag describes a training phase for its checkpoint: the seed and the phase's configs, so
// that a checkpoint is only ever resumed by the run that wrote it.
func runTag(seed uint64, parts ...any) string {
	h := sha256.New()
	fmt.Fprintf(h, "seed %d\n", seed)
	for _, p := range parts {
		b, _ := yaml.Marshal(p)
		h.Write(b)
	}
	return hex.EncodeToString(h.Sum(nil))[:32]
}

// modelControl is the toy model's training control: checkpoints into the directory and, when
// continuing, the checkpoint left there.
func (d *Dir) modelControl(pr *prepared, o Options, ctl *toymodel.Control) error {
	c := pr.c
	tag := runTag(c.Seed, c.Model, c.ModelTrain)
	path := d.File(store.ToyModelCheckpointFile)
	ctl.Every = checkpointEvery(o)
	ctl.Checkpoint = func(ck *toymodel.Checkpoint) error {
		return store.WriteToyModelCheckpoint(path, ck, c.Model.Config, c.ModelTrain, tag)
	}
	if !d.resumed {
		return nil
	}
	if _, err := os.Stat(path); err != nil {
		return nil // killed before its first checkpoint: the phase starts over
	}
	ck, err := store.ReadToyModelCheckpoint(path, c.Model.Config, c.ModelTrain, tag)
	if err != nil {
		return err
	}
	ctl.Resume = ck
	return nil
}

// saeControl is an SAE run's training control, as modelControl.
func (d *Dir) saeControl(rc config.SAERun, seed uint64, o Options, ctl *sae.Control) error {
	tag := runTag(seed, rc.Name, rc.SAE, rc.Train)
	path := d.File(store.SAECheckpointFile(rc.Name))
	ctl.Every = checkpointEvery(o)
	ctl.Checkpoint = func(ck *sae.Checkpoint) error {
		return store.WriteSAECheckpoint(path, ck, rc.SAE, rc.Train, tag)
	}
	if !d.resumed {
		return nil
	}
	if _, err := os.Stat(path); err != nil {
		return nil
	}
	ck, err := store.ReadSAECheckpoint(path, rc.SAE, rc.Train, tag)
	if err != nil {
		return err
	}
	ctl.Resume = ck
	return nil
}

// checkpointEvery is the engine's interval for o: DefaultCheckpointEvery when unset, 0 (every
// logged step) when negative.
func checkpointEvery(o Options) time.Duration {
	switch {
	case o.CheckpointEvery == 0:
		return DefaultCheckpointEvery
	case o.CheckpointEvery < 0:
		return 0
	}
	return o.CheckpointEvery
}

// dropCheckpoint removes a finished phase's checkpoint.
func (d *Dir) dropCheckpoint(name string) {
	os.Remove(d.File(name))
}
