package geometry

import (
	"context"
	"fmt"
	"os"
	"sort"
	"strconv"
	"testing"
	"time"
)

func envI(k string, d int) int {
	if v, err := strconv.Atoi(os.Getenv(k)); err == nil {
		return v
	}
	return d
}

func TestExplore(t *testing.T) {
	if os.Getenv("GEO") == "" {
		t.Skip()
	}
	c, _ := DefaultConfig(Uniform)
	c.NFeatures, c.DHidden = envI("F", 60), envI("H", 6)
	c.Densities = Sweep(1, 1/(float64(envI("INVP10", 500))/10), envI("N", 16))
	c.Steps = envI("STEPS", 5000)
	c.Seed = uint64(envI("SEED", 0))
	c.Optimizer = os.Getenv("OPT")
	if c.Optimizer == "" {
		c.Optimizer = "adam"
	}
	t0 := time.Now()
	r, err := Run(context.Background(), c, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%v", time.Since(t0))
	for k, p := range c.Densities {
		h := map[string]int{}
		for _, d := range r.Dims[k] {
			switch {
			case d < 0.05:
				h["0"]++
			case d > 0.9:
				h["1"]++
			case d > 0.72 && d < 0.78:
				h["3/4"]++
			case d > 0.63 && d < 0.7:
				h["2/3"]++
			case d > 0.47 && d < 0.53:
				h["1/2"]++
			case d > 0.38 && d < 0.42:
				h["2/5"]++
			case d > 0.36 && d < 0.38:
				h["3/8"]++
			default:
				h["other"]++
			}
		}
		var ds []string
		for _, d := range r.Dims[k] {
			if d > 0.05 {
				ds = append(ds, fmt.Sprintf("%.2f", d))
			}
		}
		sort.Strings(ds)
		t.Logf("1/p %7.2f  D* %.3f  %v %v", 1/p, r.DimsPerFeature[k], fmt.Sprint(h), ds)
	}
	if out := os.Getenv("OUT"); out != "" {
		r.WriteReport(out, PageOptions{Version: "dev"})
	}
}
