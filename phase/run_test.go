package phase

import (
	"bytes"
	"context"
	"errors"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// tiny is a grid small enough for unit tests.
func tiny(exp int) Config {
	c := DefaultConfig(exp)
	c.Grid, c.Instances, c.Steps, c.BatchSize, c.EvalBatch, c.Seed = 4, 3, 60, 64, 500, 7
	return c
}

func mustRun(t *testing.T, c Config) *Result {
	t.Helper()
	r, err := Run(context.Background(), c, nil)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func mustJSON(t *testing.T, r *Result) []byte {
	t.Helper()
	b, err := r.JSON()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// The same seed gives the same bits with GOMAXPROCS 1 and 2, and the shards of a grid, run
// apart and merged, give the result of one run.
func TestDeterministicAndSharded(t *testing.T) {
	for _, exp := range []int{1, 2} {
		c := tiny(exp)
		c.Grid = 5 // 25 cells × 3 instances: blocks straddle cells and shards
		whole := mustJSON(t, mustRun(t, c))
		prev := runtime.GOMAXPROCS(1)
		one := mustJSON(t, mustRun(t, c))
		runtime.GOMAXPROCS(prev)
		if !bytes.Equal(whole, one) {
			t.Fatalf("exp %d: GOMAXPROCS 1 and %d give different results", exp, prev)
		}
		var parts []*Result
		for _, sh := range c.Shards(4) {
			p, err := RunShard(context.Background(), c, sh, nil)
			if err != nil {
				t.Fatal(err)
			}
			if p, err = ReadJSON(mustJSON(t, p)); err != nil { // as a sweep merges shard files
				t.Fatal(err)
			}
			parts = append(parts, p)
		}
		parts[0], parts[3] = parts[3], parts[0] // the order of the parts does not matter
		merged, err := Merge(parts...)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(whole, mustJSON(t, merged)) {
			t.Fatalf("exp %d: merged shards differ from one run", exp)
		}
		if _, err := Merge(parts[0], parts[0]); err == nil {
			t.Error("merging a shard with itself must fail")
		}
	}
}

func TestShards(t *testing.T) {
	c := tiny(1)
	for _, n := range []int{1, 3, 16, 100} {
		sh := c.Shards(n)
		if len(sh) != min(n, 16) || sh[0].Lo != 0 || sh[len(sh)-1].Hi != 16 {
			t.Fatalf("Shards(%d) = %v", n, sh)
		}
		for k := 1; k < len(sh); k++ {
			if sh[k].Lo != sh[k-1].Hi || sh[k].Lo >= sh[k].Hi {
				t.Fatalf("Shards(%d) = %v: not contiguous and non-empty", n, sh)
			}
		}
	}
	for _, bad := range []Shard{{-1, 3}, {3, 3}, {0, 17}} {
		if _, err := RunShard(context.Background(), c, bad, nil); err == nil || !strings.Contains(err.Error(), "shard") {
			t.Errorf("shard %v: %v", bad, err)
		}
	}
}

// The files: the JSON reads back to the same result, the CSV has one row per cell, and both are
// written atomically into the directory.
func TestFiles(t *testing.T) {
	r := mustRun(t, tiny(2))
	js := mustJSON(t, r)
	back, err := ReadJSON(js)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(js, mustJSON(t, back)) {
		t.Fatal("phase_diagram.json does not read back to the same result")
	}
	for _, want := range []string{`"n_e"`, `"sigma_e"`, `"D_e"`, `"c_e"`, `"theory_label"`, `"n_bar"`, `"sigma_bar"`, `"W":[[`, `"b":[`} {
		if !bytes.Contains(js, []byte(want)) {
			t.Errorf("phase_diagram.json has no %s", want)
		}
	}
	csv := string(r.CSV())
	lines := strings.Split(strings.TrimSpace(csv), "\n")
	if len(lines) != 1+r.Config.Cells() || !strings.HasPrefix(lines[0], "index,ir,ip,r,p,label,") {
		t.Fatalf("csv: %d lines, header %q", len(lines), lines[0])
	}
	for _, l := range lines[1:] {
		if strings.Count(l, ",") != strings.Count(lines[0], ",") || strings.Contains(l, "NaN") || strings.Contains(l, "Inf") {
			t.Fatalf("csv row %q", l)
		}
	}
	dir := t.TempDir()
	if err := r.WriteFiles(dir); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{JSONFile, CSVFile} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Error(err)
		}
	}
	if err := r.WriteFiles(filepath.Join(dir, "missing", "dir")); err == nil {
		t.Error("writing into a missing directory must fail")
	}
	// A file edited to be inconsistent is refused.
	bad := bytes.Replace(js, []byte(`"index":0,`), []byte(`"index":99,`), 1)
	if _, err := ReadJSON(bad); err == nil {
		t.Error("a cell index out of range was accepted")
	}
}

func TestValidateNamesField(t *testing.T) {
	for _, c := range []struct {
		edit func(*Config)
		want string
	}{
		{func(c *Config) { c.Experiment = 3 }, "experiment = 3"},
		{func(c *Config) { c.Grid = 1 }, "grid = 1"},
		{func(c *Config) { c.Grid = 5000 }, "grid = 5000"},
		{func(c *Config) { c.Instances = 0 }, "instances = 0"},
		{func(c *Config) { c.Grid, c.Instances = 1000, 100 }, "grid²·instances"},
		{func(c *Config) { c.Steps = 0 }, "steps = 0"},
		{func(c *Config) { c.BatchSize = 0 }, "batch_size = 0"},
		{func(c *Config) { c.EvalBatch = -1 }, "eval_batch = -1"},
		{func(c *Config) { c.Aggregate = "median" }, `aggregate = "median"`},
		{func(c *Config) { c.TauN = math.NaN() }, "tau_n = NaN"},
		{func(c *Config) { c.TauS = -1 }, "tau_s = -1"},
		{func(c *Config) { c.Engine = "gpu" }, `engine = "gpu"`},
		{func(c *Config) { c.Optimizer = "sgd" }, `optimizer = "sgd"`},
		{func(c *Config) { c.Optimizer = "" }, `optimizer = ""`},
		{func(c *Config) { c.WeightDecay = 2 }, "weight_decay = 2"},
		{func(c *Config) { c.LR = 0 }, "lr = 0"},
		{func(c *Config) { c.Schedule = "step" }, `"step"`},
	} {
		cfg := DefaultConfig(1)
		c.edit(&cfg)
		err := cfg.Validate()
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("want an error containing %q, got %v", c.want, err)
		}
		if _, err := Run(context.Background(), cfg, nil); err == nil {
			t.Errorf("Run accepted the config with %q", c.want)
		}
	}
	for _, exp := range []int{1, 2} {
		if err := DefaultConfig(exp).Validate(); err != nil {
			t.Errorf("default config of experiment %d: %v", exp, err)
		}
	}
}

// The grid of §4.1 and the init σ of §4.2 (0.3015 for (2, 1), 0.2357 for (3, 2), K = 10).
func TestGridAndInitStd(t *testing.T) {
	c := DefaultConfig(1)
	R, P := c.Axes()
	if len(R) != 40 || R[0] != 0.1 || R[39] != 10 || P[0] != 0.01 || P[39] != 1 {
		t.Fatalf("axes: r %v … %v, p %v … %v", R[0], R[39], P[0], P[39])
	}
	for k := 1; k < 40; k++ {
		if math.Abs(math.Log10(R[k]/R[k-1])-2.0/39) > 1e-12 || math.Abs(math.Log10(P[k]/P[k-1])-2.0/39) > 1e-12 {
			t.Fatal("axes are not log-spaced")
		}
	}
	if got := c.InitStd(); math.Abs(got-0.3015) > 5e-5 {
		t.Errorf("σ for (2, 1) = %v, want 0.3015", got)
	}
	if got := DefaultConfig(2).InitStd(); math.Abs(got-0.2357) > 5e-5 {
		t.Errorf("σ for (3, 2) = %v, want 0.2357", got)
	}
	c.Grid = 7 // σ does not depend on the grid
	if c.InitStd() != DefaultConfig(1).InitStd() {
		t.Error("σ depends on the grid size")
	}
	// The initial weights have that σ.
	var s2 float64
	n := 0
	for _, in := range c.instances(0, c.Cells()) {
		for _, w := range c.initW(in) {
			s2 += w * w
			n++
		}
	}
	if got := math.Sqrt(s2 / float64(n)); math.Abs(got/c.InitStd()-1) > 0.06 {
		t.Errorf("empirical init std %v, want %v", got, c.InitStd())
	}
}

func TestCancel(t *testing.T) {
	c := tiny(1)
	c.Steps = 100000
	ctx, cancel := context.WithCancel(context.Background())
	calls := 0
	_, err := Run(ctx, c, func(p Progress) {
		calls++
		if p.Done > 0 {
			cancel()
		}
	})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
}

// The observer sees the progress grow to the total.
func TestProgress(t *testing.T) {
	c := tiny(1)
	var last Progress
	mustRun(t, c)
	if _, err := Run(context.Background(), c, func(p Progress) {
		if p.Done < last.Done {
			t.Errorf("progress went back: %d after %d", p.Done, last.Done)
		}
		last = p
	}); err != nil {
		t.Fatal(err)
	}
	want := int64(c.Cells()*c.Instances) * int64(c.Steps)
	if last.Done != want || last.Total != want {
		t.Fatalf("final progress %d of %d, want %d", last.Done, last.Total, want)
	}
}
