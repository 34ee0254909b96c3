// Package golden loads the PyTorch reference fixtures in testdata/golden (written by
// tools/torchref/gen_fixtures.py) and compares values at the spec's float32 tolerances.
package golden

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"runtime"
)

// Tolerances of torch.testing.assert_close for float32 (spec §0, level L1).
const (
	RTol = 1.3e-6
	ATol = 1e-5
)

// Tensor is one fixture tensor.
type Tensor struct {
	Shape []int     `json:"shape"`
	Data  []float64 `json:"data"`
}

// Fixture is one fixture file.
type Fixture struct {
	Description string            `json:"description"`
	Config      map[string]any    `json:"config"`
	Tensors     map[string]Tensor `json:"tensors"`
	name        string
}

// Dir is the repository's testdata/golden directory.
func Dir() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..", "testdata", "golden")
}

// Load reads testdata/golden/<name>.json.
func Load(name string) (*Fixture, error) {
	b, err := os.ReadFile(filepath.Join(Dir(), name+".json"))
	if err != nil {
		return nil, err
	}
	f := &Fixture{name: name}
	if err := json.Unmarshal(b, f); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return f, nil
}

// T returns a copy of a tensor's data, or an error naming the missing tensor.
func (f *Fixture) T(name string) ([]float64, error) {
	t, ok := f.Tensors[name]
	if !ok {
		return nil, fmt.Errorf("%s: no tensor %q", f.name, name)
	}
	return append([]float64(nil), t.Data...), nil
}

// Int returns an integer config value.
func (f *Fixture) Int(key string) int {
	v, _ := f.Config[key].(float64)
	return int(v)
}

// Float returns a float config value.
func (f *Fixture) Float(key string) float64 {
	v, _ := f.Config[key].(float64)
	return v
}

// Bool returns a bool config value.
func (f *Fixture) Bool(key string) bool {
	v, _ := f.Config[key].(bool)
	return v
}

// Compare returns an error describing the worst element where |got − want| > atol + rtol·|want|.
func Compare(what string, got, want []float64) error {
	if len(got) != len(want) {
		return fmt.Errorf("%s: %d values, want %d", what, len(got), len(want))
	}
	bad, worst, at := 0, 0.0, -1
	for k := range got {
		d := math.Abs(got[k] - want[k])
		if !(d <= ATol+RTol*math.Abs(want[k])) {
			bad++
			if d > worst || math.IsNaN(d) {
				worst, at = d, k
			}
		}
	}
	if bad > 0 {
		return fmt.Errorf("%s: %d of %d values differ; worst at %d: got %v, want %v", what, bad, len(got), at, got[at], want[at])
	}
	return nil
}
