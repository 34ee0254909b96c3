package sweep

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// tiny is a base that trains in a few milliseconds.
const tiny = `
base:
  model: {n_inst: 2}
  model_train: {steps: 60, batch_size: 64, log_freq: 20}
  sae_train: {steps: 80, batch_size: 64, log_freq: 40, resample_freq: 40, resample_window: 20}
`

func mustParse(t *testing.T, text string) *File {
	t.Helper()
	f, err := Parse([]byte(text), "test")
	if err != nil {
		t.Fatalf("%v\n%s", err, text)
	}
	return f
}

func mustCells(t *testing.T, f *File) []Cell {
	t.Helper()
	cells, err := f.Cells()
	if err != nil {
		t.Fatal(err)
	}
	return cells
}

// paramsOf lists each cell's params and seed as "k=v,k=v@seed".
func paramsOf(f *File, cells []Cell) []string {
	var out []string
	for _, c := range cells {
		var kv []string
		for k, key := range f.Keys {
			kv = append(kv, key+"="+c.Params[k])
		}
		out = append(out, fmt.Sprintf("%s@%d", strings.Join(kv, ","), c.Seed))
	}
	return out
}

func TestGridProductAndSeeds(t *testing.T) {
	f := mustParse(t, tiny+`
grid:
  sae.arch: [standard, gated]
  model.feature_probability: [0.01, 0.05]
seeds: [3, 1]
`)
	if !f.SAE || f.Name != "test" || !slices.Equal(f.Keys, []string{"sae.arch", "model.feature_probability"}) {
		t.Fatalf("file: SAE %v, name %q, keys %v", f.SAE, f.Name, f.Keys)
	}
	cells := mustCells(t, f)
	want := []string{
		"sae.arch=standard,model.feature_probability=0.01@3", "sae.arch=standard,model.feature_probability=0.01@1",
		"sae.arch=standard,model.feature_probability=0.05@3", "sae.arch=standard,model.feature_probability=0.05@1",
		"sae.arch=gated,model.feature_probability=0.01@3", "sae.arch=gated,model.feature_probability=0.01@1",
		"sae.arch=gated,model.feature_probability=0.05@3", "sae.arch=gated,model.feature_probability=0.05@1",
	}
	if got := paramsOf(f, cells); !slices.Equal(got, want) {
		t.Errorf("cells:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	for k, c := range cells {
		if c.Index != k || c.Config.Seed != c.Seed || c.Config.Model.NInst != 2 || c.Runs[0].SAE.NInst != 2 || c.Runs[0].Train.Steps != 80 {
			t.Errorf("cell %d: index %d, config %+v", k, c.Index, c.Runs[0])
		}
		if c.Runs[0].SAE.Arch != c.Params[0] || string(c.Config.Model.FeatureProbability) != c.Params[1] {
			t.Errorf("cell %d: config does not hold its params %v", k, c.Params)
		}
	}
	// Cells of one model config and seed share a model; the arch does not change it.
	if cells[0].ModelKey != cells[4].ModelKey || cells[0].ModelKey == cells[1].ModelKey || cells[0].ModelKey == cells[2].ModelKey {
		t.Errorf("model keys: %s %s %s %s", cells[0].ModelKey, cells[4].ModelKey, cells[1].ModelKey, cells[2].ModelKey)
	}
	// Runs are named after arch and resampling, one per cell.
	if cells[0].Runs[0].Name != "none" || cells[4].Runs[0].Name != "gated-none" {
		t.Errorf("run names %s, %s", cells[0].Runs[0].Name, cells[4].Runs[0].Name)
	}
}

func TestGenerators(t *testing.T) {
	f := mustParse(t, tiny+`
grid:
  sae.sparsity_coeff: {logspace: [-2, 0, 5]}
  sae.d_sae: {linspace: [2, 8, 4]}
  sae_train.lr: {linspace: [0.1, 0.5, 5]}
seeds: {range: [4, 6]}
`)
	cells := mustCells(t, f)
	if len(cells) != 5*4*5*2 {
		t.Fatalf("%d cells", len(cells))
	}
	var coeffs, dsae, lrs []string
	for _, c := range cells {
		coeffs = appendNew(coeffs, c.Params[0])
		dsae = appendNew(dsae, c.Params[1])
		lrs = appendNew(lrs, c.Params[2])
	}
	want := []string{"0.01", "0.0316227766017", "0.1", "0.316227766017", "1"}
	if !slices.Equal(coeffs, want) {
		t.Errorf("logspace [-2, 0, 5] = %v, want %v", coeffs, want)
	}
	if !slices.Equal(dsae, []string{"2", "4", "6", "8"}) {
		t.Errorf("linspace [2, 8, 4] = %v", dsae)
	}
	if !slices.Equal(lrs, []string{"0.1", "0.2", "0.3", "0.4", "0.5"}) {
		t.Errorf("linspace [0.1, 0.5, 5] = %v (rounded to 12 digits)", lrs)
	}
	if cells[0].Seed != 4 || cells[1].Seed != 5 || cells[0].Runs[0].SAE.SparsityCoeff != 0.01 || cells[0].Runs[0].SAE.DSAE != 2 {
		t.Errorf("first cells: seeds %d %d, %+v", cells[0].Seed, cells[1].Seed, cells[0].Runs[0].SAE)
	}
	if v := cells[len(cells)-1].Runs[0].SAE.SparsityCoeff; v != 1 {
		t.Errorf("logspace ends at %v, want exactly 1", v)
	}
	if v := cells[4*5*2].Runs[0].SAE.SparsityCoeff; math.Abs(v-math.Pow(10, -1.5)) > 1e-12 {
		t.Errorf("logspace second value %v", v)
	}
}

func appendNew(xs []string, x string) []string {
	if slices.Contains(xs, x) {
		return xs
	}
	return append(xs, x)
}

func TestZipAloneAndMergedWithGrid(t *testing.T) {
	// A zip without grid keys in common is one more axis.
	f := mustParse(t, tiny+`
grid:
  model.feature_probability: [0.01, 0.05]
zip:
  sae.arch: [topk, batchtopk]
  sae.k: [1, 0.125]
`)
	got := paramsOf(f, mustCells(t, f))
	want := []string{
		"model.feature_probability=0.01,sae.arch=topk,sae.k=1@0", "model.feature_probability=0.01,sae.arch=batchtopk,sae.k=0.125@0",
		"model.feature_probability=0.05,sae.arch=topk,sae.k=1@0", "model.feature_probability=0.05,sae.arch=batchtopk,sae.k=0.125@0",
	}
	if !slices.Equal(got, want) {
		t.Errorf("zip as an axis:\n%s", strings.Join(got, "\n"))
	}
	// A zip sharing sae.arch with the grid adds its rows to that axis (the example).
	f = mustParse(t, tiny+`
grid:
  sae.arch: [standard, gated]
  sae.sparsity_coeff: [0.1, 1]
zip:
  sae.arch: [topk, batchtopk]
  sae.k: [1, 0.125]
`)
	got = paramsOf(f, mustCells(t, f))
	want = []string{
		"sae.arch=standard,sae.sparsity_coeff=0.1,sae.k=1@0", "sae.arch=standard,sae.sparsity_coeff=1,sae.k=1@0",
		"sae.arch=gated,sae.sparsity_coeff=0.1,sae.k=1@0", "sae.arch=gated,sae.sparsity_coeff=1,sae.k=1@0",
		"sae.arch=topk,sae.sparsity_coeff=0.1,sae.k=1@0", "sae.arch=topk,sae.sparsity_coeff=1,sae.k=1@0",
		"sae.arch=batchtopk,sae.sparsity_coeff=0.1,sae.k=0.125@0", "sae.arch=batchtopk,sae.sparsity_coeff=1,sae.k=0.125@0",
	}
	if !slices.Equal(got, want) {
		t.Errorf("zip merged into the grid's sae.arch:\n%s", strings.Join(got, "\n"))
	}
}

func TestCellIDsAreStable(t *testing.T) {
	a := mustCells(t, mustParse(t, tiny+"grid:\n  sae.sparsity_coeff: [0.1, 1.0]\n  sae.arch: [standard]\nseeds: [0, 1]\n"))
	// The same cells written differently: another key order, flow style, another spelling of
	// the numbers, a generator, extra keys that do not change the config.
	b := mustCells(t, mustParse(t, `
name: other
base:
  sae_train: {log_freq: 40, steps: 80, batch_size: 64, resample_window: 20, resample_freq: 40}
  model_train: {steps: 60, log_freq: 20, batch_size: 64}
  model:
    n_inst: 2
    feature_probability: 2.5e-2
grid:
  sae.arch: [standard]
  sae.sparsity_coeff: {logspace: [-1, 0, 2]}
seeds: {range: [0, 2]}
`))
	ids := func(cs []Cell) map[string]bool {
		m := map[string]bool{}
		for _, c := range cs {
			m[c.ID] = true
		}
		return m
	}
	ia, ib := ids(a), ids(b)
	if len(ia) != 4 || len(ib) != 4 {
		t.Fatalf("ids %v %v", ia, ib)
	}
	for id := range ia {
		if !ib[id] {
			t.Errorf("cell %s of the first sweep is not in the second: ids depend on how the file is written", id)
		}
	}
	// A changed value or seed changes the id.
	c := mustCells(t, mustParse(t, tiny+"grid:\n  sae.sparsity_coeff: [0.1, 1.0]\nseeds: [0, 2]\n"))
	if ia[c[1].ID] || ia[c[3].ID] {
		t.Errorf("seed 2 has a cell id of seeds 0, 1")
	}
	c = mustCells(t, mustParse(t, tiny+"grid:\n  sae.sparsity_coeff: [0.1, 1.0]\n  sae_train.lr: [0.002]\n"))
	if ia[c[0].ID] {
		t.Errorf("another lr gave the same id")
	}
}

func TestToyModelSweep(t *testing.T) {
	f := mustParse(t, `
base:
  model: {n_inst: 2}
  model_train: {steps: 50}
grid:
  model.feature_probability: [0.1, 0.3]
  model.importance: ["1", "per-feature:0.9^i"]
`)
	if f.SAE {
		t.Fatal("a sweep without sae sections trains SAEs")
	}
	cells := mustCells(t, f)
	if len(cells) != 4 || len(cells[0].Runs) != 0 || cells[0].Cost == 0 || cells[0].ModelCost != 0 {
		t.Errorf("%d cells, runs %v, cost %v/%v", len(cells), cells[0].Runs, cells[0].Cost, cells[0].ModelCost)
	}
	if !slices.Equal(f.Sections(), []string{"seed", "model", "model_train"}) {
		t.Errorf("sections %v", f.Sections())
	}
}

func TestSweepFileErrors(t *testing.T) {
	cases := []struct{ file, want string }{
		{"", "the sweep file is empty"},
		{"gird: {}\n", `line 1: unknown key "gird" in the sweep file; the keys allowed are base, grid, name, seeds, synth, zip`},
		{"name: Bad Name\n", `name: run name "Bad Name"`},
		{"base: {sae_train: {stepz: 3}}\n", `base: line 1: unknown key "sae_train.stepz"`},
		{"grid:\n  sae.arcj: [standard]\n", `grid.sae.arcj: line 2: unknown key "sae.arcj"; the keys allowed in sae are`},
		{"grid:\n  seed: [1, 2]\n", "line 2: grid.seed: the seeds are set by seeds:"},
		{"grid:\n  runs.x: [1]\n", `line 2: grid.runs.x: section "runs" cannot be swept`},
		{"grid:\n  arch: [standard]\n", "line 2: grid.arch: a key is a config path section.field"},
		{"grid:\n  sae.d_sae: [4, many]\n", `grid.sae.d_sae: line 2: sae.d_sae = "many": must be a whole number`},
		{"grid:\n  sae.d_sae: {linspace: [2, 3, 3]}\n", `grid.sae.d_sae: line 2: sae.d_sae = "2.5": must be a whole number`},
		{"grid:\n  sae.d_sae: []\n", "line 2: grid.sae.d_sae: the list is empty"},
		{"grid:\n  sae.d_sae: 4\n", `line 2: grid.sae.d_sae: expected a list of values`},
		{"grid:\n  sae.sparsity_coeff: {logspace: [-2, 0]}\n", "line 2: grid.sae.sparsity_coeff.logspace: expected [start, stop, count]"},
		{"grid:\n  sae.sparsity_coeff: {logspace: [-2, x, 3]}\n", `grid.sae.sparsity_coeff.logspace stop = "x": must be a finite number`},
		{"grid:\n  sae.sparsity_coeff: {logspace: [-2, 0, 0]}\n", `grid.sae.sparsity_coeff.logspace count = "0": must be a whole number in [1, 1000]`},
		{"grid:\n  sae.sparsity_coeff: {linspace: [0, 1, 5000]}\n", "count = \"5000\": must be a whole number in [1, 1000]"},
		{"grid:\n  sae.sparsity_coeff: {logspace: [-2, 0, 3], linspace: [0, 1, 2]}\n", "give one of"},
		{"grid:\n  sae.sparsity_coeff: {geomspace: [1, 2, 3]}\n", `unknown key "geomspace" in grid.sae.sparsity_coeff`},
		{"grid:\n  sae.arch: [standard]\n  sae.arch: [gated]\n", `line 3: key "sae.arch" appears twice in grid`},
		{"zip:\n  sae.arch: [topk, batchtopk]\n  sae.k: [1]\n", "line 3: zip.sae.k has 1 values but zip.sae.arch has 2"},
		{"seeds: {range: [3, 3]}\n", "seeds.range = [3, 3]: stop must exceed start by 1 to 10000"},
		{"seeds: {range: [0, 20000]}\n", "stop must exceed start by 1 to 10000"},
		{"seeds: [1, -2]\n", `line 1: seeds[1] = "-2": must be a whole number from 0`},
		{"seeds: [1, 1]\n", "seed 1 appears twice"},
		{"seeds: 5\n", "seeds: expected a list of seeds or {range: [start, stop]}"},
		{"grid:\n  sae.arch: &a [standard]\n", "anchors and aliases are not allowed"},
		{"grid:\n  sae.arch: [bogus]\n", `cell sae.arch=bogus: run bogus-none: sae: arch = "bogus": must be one of standard`},
		{"grid:\n  sae.arch: [topk]\n  sae.k: [0.5]\n", "cell sae.arch=topk, sae.k=0.5: run topk-none: sae: k = 0.5: topk needs an integer"},
		{"grid:\n  model.feature_probability: [0.1, 1.5]\n", "cell model.feature_probability=1.5: model: feature_probability[0,0] = 1.5: must be in [0, 1]"},
		{"grid:\n  sae.sparsity_coeff: [0.1, 0.10]\n", "have the same resolved config and seed"},
		{"base: {model_path: /nonexistent}\ngrid:\n  model.n_inst: [2]\n", "line 3: grid.model.n_inst: base.model_path loads one toy model"},
		{"base: {model_path: /x, model: {n_inst: 2}}\n", "base.model_path: a sweep of toy models alone trains its own"},
		{"---\nname: a\n---\nname: b\n", "more than one YAML document"},
	}
	for _, c := range cases {
		f, err := Parse([]byte(c.file), "test")
		if err == nil {
			_, err = f.Cells()
		}
		if err == nil {
			t.Errorf("%q: no error, want %q", c.file, c.want)
		} else if !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q:\n got  %v\n want %s", c.file, err, c.want)
		} else if strings.Contains(err.Error(), "yaml:") || strings.Contains(err.Error(), "float64") || strings.Contains(err.Error(), "config.") {
			t.Errorf("%q: the message %q names Go internals", c.file, err)
		}
	}
}

func TestSizeBounds(t *testing.T) {
	// 1000 × 1000 values: refused before any cell is expanded.
	f, err := Parse([]byte("grid:\n  sae.sparsity_coeff: {linspace: [0, 1, 1000]}\n  sae_train.lr: {linspace: [0.001, 0.01, 1000]}\n"), "big")
	if err == nil || !strings.Contains(err.Error(), "more than 100000 cells") {
		t.Errorf("10^6 cells: %v, %v", f, err)
	}
	// A list longer than MaxValues.
	vals := strings.Repeat("0.1, ", MaxValues) + "0.1"
	if _, err := Parse([]byte("grid:\n  sae.sparsity_coeff: ["+vals+"]\n"), "big"); err == nil || !strings.Contains(err.Error(), "1001 values; at most 1000") {
		t.Errorf("1001 values: %v", err)
	}
	// Load names the file and refuses huge files.
	dir := t.TempDir()
	p := filepath.Join(dir, "my-sweep.yaml")
	os.WriteFile(p, []byte(tiny), 0o644)
	if f, err := Load(p); err != nil || f.Name != "my-sweep" || len(f.Seeds) != 1 {
		t.Errorf("Load: %v, %+v", err, f)
	}
	if _, err := Load("/dev/zero"); err == nil || !strings.Contains(err.Error(), "sweep file /dev/zero: larger than") {
		t.Errorf("/dev/zero: %v", err)
	}
	if _, err := Load(filepath.Join(dir, "missing.yaml")); err == nil || !strings.Contains(err.Error(), "missing.yaml: no such file") {
		t.Errorf("missing: %v", err)
	}
}
