package sweep_test

import (
	"fmt"

	"saelab/sweep"
)

// A sweep file expands into cells: the grid's product, the zip's rows added to the shared
// sae.arch axis, times the seeds.
func ExampleParse() {
	f, err := sweep.Parse([]byte(`
name: example
grid:
  sae.arch: [standard, gated]
  sae.sparsity_coeff: {logspace: [-1, 0, 2]}
zip:
  sae.arch: [topk]
  sae.k: [2]
seeds: [0, 1]
`), "")
	if err != nil {
		panic(err)
	}
	cells, err := f.Cells()
	if err != nil {
		panic(err)
	}
	fmt.Println(f.Keys, len(cells), "cells")
	for _, c := range cells[:6] {
		fmt.Println(c.Params, "seed", c.Seed, c.Runs[0].Name)
	}
	// Output:
	// [sae.arch sae.sparsity_coeff sae.k] 12 cells
	// [standard 0.1 1] seed 0 none
	// [standard 0.1 1] seed 1 none
	// [standard 1 1] seed 0 none
	// [standard 1 1] seed 1 none
	// [gated 0.1 1] seed 0 gated-none
	// [gated 0.1 1] seed 1 gated-none
}
