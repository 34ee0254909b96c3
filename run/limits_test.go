package run

import (
	"strings"
	"testing"

	"saelab/config"
)

func TestParseBytes(t *testing.T) {
	for in, want := range map[string]float64{"8GiB": 8 << 30, "512MiB": 512 << 20, "2e9": 2e9, "16G": 16e9, "4096": 4096, "3 kB": 3000} {
		got, err := parseBytes(in)
		if err != nil || got != want {
			t.Errorf("parseBytes(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "lots", "NaN", "1e400", "GiB"} {
		if _, err := parseBytes(bad); err == nil {
			t.Errorf("parseBytes(%q) accepted", bad)
		}
	}
}

func TestMemoryLimitEnv(t *testing.T) {
	t.Setenv(MemoryLimitEnv, "")
	if l, _, err := MemoryLimit(); err != nil || l != DefaultMemoryLimit {
		t.Fatalf("default: %v %v", l, err)
	}
	t.Setenv(MemoryLimitEnv, "8GiB")
	if l, how, err := MemoryLimit(); err != nil || l != 8<<30 || !strings.Contains(how, MemoryLimitEnv) {
		t.Fatalf("8GiB: %v %q %v", l, how, err)
	}
	for _, bad := range []string{"tiny", "100", "-5GiB"} {
		t.Setenv(MemoryLimitEnv, bad)
		if _, _, err := MemoryLimit(); err == nil || !strings.Contains(err.Error(), MemoryLimitEnv) {
			t.Errorf("%q: err = %v", bad, err)
		}
	}
}

// TestMemoryRefusedBeforeAllocating: the out-of-memory runs are refused by prepare
// with the peak, its largest parts (naming the fields that set them) and the limit; the seed
// demo is well within it, and a larger limit lets a big run through.
func TestMemoryRefusedBeforeAllocating(t *testing.T) {
	t.Setenv(MemoryLimitEnv, "")
	for _, edit := range []func(*config.Config){
		func(c *config.Config) { c.SAE.DSAE = 65536 },
		func(c *config.Config) { c.Model.NInst, c.SAE.NInst = 65536, 65536 },
		func(c *config.Config) { c.SAETrain.LogFreq = 1; c.SAETrain.Steps = 1 << 30 },
	} {
		c := config.Demo()
		edit(&c)
		_, err := prepare(DemoPlan(c))
		if err == nil {
			t.Fatal("accepted")
		}
		for _, w := range []string{"memory: this run would need about", "more than the limit of 4.3 GB", "set by", MemoryLimitEnv} {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("message %q lacks %q", err, w)
			}
		}
	}
	pr, err := prepare(DemoPlan(config.Demo()))
	if err != nil {
		t.Fatal(err)
	}
	peak := 0.0
	for _, ph := range pr.memoryPhases(DemoPlan(config.Demo()), 2) {
		peak = max(peak, ph.e.Total())
	}
	if peak < 20e6 || peak > 1e9 {
		t.Errorf("the seed demo's estimated peak is %v bytes", peak)
	}
	t.Setenv(MemoryLimitEnv, "1TB")
	c := config.Demo()
	c.SAE.DSAE = 65536
	if _, err := prepare(DemoPlan(c)); err != nil {
		t.Errorf("with a 1 TB limit: %v", err)
	}
}
