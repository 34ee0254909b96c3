package geometry

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// plateauConfig is the smallest sweep that shows the sticky plateaus: 21 features in 6
// dimensions (toymodel's lane kernels), 8 densities from 1 to 1/4.5, 6000 steps.
func plateauConfig() Config {
	c, _ := DefaultConfig(Uniform)
	c.NFeatures, c.DHidden = 21, 6
	c.Densities = Sweep(1, 1/4.5, 8)
	c.Steps = 6000
	return c
}

// Level L3 (spec §7.5, phase-diagrams §5): m/‖W‖²_F is 1 for dense features and sticks at 1/2
// over a middle range of densities; the features' D cluster at 1/2 (antipodal pairs) and 2/3
// (triangles).
func TestStickyPlateaus(t *testing.T) {
	if testing.Short() {
		t.Skip("trains 8 toy models for 6000 steps; skipped with -short")
	}
	c := plateauConfig()
	r, err := Run(context.Background(), c, nil)
	if err != nil {
		t.Fatal(err)
	}
	near := func(v, x, tol float64) bool { return math.Abs(v-x) <= tol }
	for k, p := range c.Densities {
		t.Logf("1/p = %.2f: m/‖W‖²_F = %.3f", 1/p, r.DimsPerFeature[k])
	}
	if !near(r.DimsPerFeature[0], 1, 0.05) {
		t.Errorf("dense (p = 1): m/‖W‖²_F = %.3f, want ≈ 1", r.DimsPerFeature[0])
	}
	plateau := 0
	for k := 1; k < len(c.Densities); k++ {
		if 1/c.Densities[k] > 1.5 && near(r.DimsPerFeature[k], 0.5, 0.05) && near(r.DimsPerFeature[k-1], 0.5, 0.1) {
			plateau++
		}
	}
	if plateau == 0 {
		t.Errorf("no plateau at 1/2: m/‖W‖²_F = %.3f", r.DimsPerFeature)
	}
	most := func(x, tol float64) (best int) {
		for _, D := range r.Dims {
			n := 0
			for _, d := range D {
				if near(d, x, tol) {
					n++
				}
			}
			best = max(best, n)
		}
		return best
	}
	if n := most(0.5, 0.01); n < 8 {
		t.Errorf("at most %d features of one model have D ≈ 1/2, want ≥ 8 (antipodal pairs)", n)
	}
	if n := most(2.0/3, 0.04); n < 4 {
		t.Errorf("at most %d features of one model have D ≈ 2/3, want ≥ 4 (triangles)", n)
	}
}

func TestDefaultConfigs(t *testing.T) {
	u, err := DefaultConfig(Uniform)
	if err != nil || u.NFeatures != 400 || u.DHidden != 30 || u.Densities[0] != 1 || math.Abs(u.Densities[len(u.Densities)-1]-1.0/300) > 1e-15 {
		t.Fatalf("uniform: %+v, %v", u, err)
	}
	r, err := DefaultConfig(Reference)
	if err != nil || r.NFeatures != 200 || r.DHidden != 20 || len(r.Densities) != 20 || r.Steps != 10000 {
		t.Fatalf("reference: %+v, %v", r, err)
	}
	for k, p := range r.Densities { // 20^(−linspace(0, 1, 20))
		if want := math.Pow(20, -float64(k)/19); math.Abs(p-want) > 1e-14 {
			t.Fatalf("reference density %d = %v, want %v", k, p, want)
		}
	}
	if _, err := DefaultConfig("pentagon"); err == nil || !strings.Contains(err.Error(), `setup = "pentagon"`) {
		t.Errorf("unknown setup: %v", err)
	}
	for _, c := range []struct {
		edit func(*Config)
		want string
	}{
		{func(c *Config) { c.Densities = nil }, "densities: 0 values"},
		{func(c *Config) { c.Densities = []float64{1, 0} }, "densities[1] = 0"},
		{func(c *Config) { c.Densities = []float64{math.NaN()} }, "densities[0] = NaN"},
		{func(c *Config) { c.Show = []int{24} }, "show: instance 24"},
		{func(c *Config) { c.NFeatures = 0 }, "n_features = 0"},
		{func(c *Config) { c.Steps = 0 }, "steps = 0"},
		{func(c *Config) { c.Optimizer = "sgd" }, `optimizer = "sgd"`},
	} {
		cfg, _ := DefaultConfig(Uniform)
		c.edit(&cfg)
		if err := cfg.Validate(); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("want an error containing %q, got %v", c.want, err)
		}
	}
}

// A small sweep end to end: files, the page input, and determinism of the uniform setup's
// per-instance init (adding densities does not change the others).
func TestFilesAndPage(t *testing.T) {
	c, _ := DefaultConfig(Uniform)
	c.NFeatures, c.DHidden, c.Densities, c.Steps, c.BatchSize = 5, 2, []float64{1, 0.1, 0.02}, 200, 128
	r, err := Run(context.Background(), c, nil)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := r.WriteFiles(dir); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(dir, JSONFile))
	if err != nil {
		t.Fatal(err)
	}
	var back Result
	if err := json.Unmarshal(b, &back); err != nil || len(back.Dims) != 3 || len(back.W[0]) != 10 {
		t.Fatalf("geometry.json: %v, %d rows of D", err, len(back.Dims))
	}
	csv, _ := os.ReadFile(filepath.Join(dir, CSVFile))
	if lines := strings.Split(strings.TrimSpace(string(csv)), "\n"); len(lines) != 4 || !strings.HasPrefix(lines[0], "instance,p,inv_p,dims_per_feature") {
		t.Fatalf("geometry.csv:\n%s", csv)
	}
	in, err := r.Page(PageOptions{Version: "test"})
	if err != nil || len(in.Models) != 3 || !strings.Contains(in.ConfigYAML, "n_features: 5") {
		t.Fatalf("page input: %d models, %v\n%s", len(in.Models), err, in.ConfigYAML)
	}
	if err := r.WriteReport(filepath.Join(dir, "geometry.html"), PageOptions{}); err != nil {
		t.Fatal(err)
	}
	c2 := c
	c2.Densities = append(c2.Densities, 0.005)
	m1, _ := c.newModel()
	m2, _ := c2.newModel()
	for k := range m1.W {
		if m1.W[k] != m2.W[k] {
			t.Fatal("adding a density changed another instance's init")
		}
	}
}

func ExampleSweep() {
	for _, p := range Sweep(1, 0.01, 5) {
		fmt.Printf("%.4f ", p)
	}
	fmt.Println()
	// Output: 1.0000 0.3162 0.1000 0.0316 0.0100
}
