package profile

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/spf13/pflag"
)

func TestProfiles(t *testing.T) {
	dir := t.TempDir()
	var o Options
	fs := pflag.NewFlagSet("x", pflag.ContinueOnError)
	o.Bind(fs)
	cpu, mem := filepath.Join(dir, "cpu.pprof"), filepath.Join(dir, "mem.pprof")
	if err := fs.Parse([]string{"--cpuprofile", cpu, "--memprofile", mem}); err != nil {
		t.Fatal(err)
	}
	if err := o.Start(); err != nil {
		t.Fatal(err)
	}
	if err := o.Stop(); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{cpu, mem} {
		if st, err := os.Stat(p); err != nil || st.Size() == 0 {
			t.Errorf("%s: %v, want a non-empty profile", p, err)
		}
	}
	o = Options{CPU: filepath.Join(dir, "missing", "cpu.pprof")}
	if err := o.Start(); err == nil {
		t.Error("a CPU profile in a missing directory started")
	}
}
