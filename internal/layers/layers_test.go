package layers

import (
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
)

// engine are the packages that compute: they take and return plain Go values.
var engine = []string{"toymodel", "sae", "sae/wide", "optim", "rng", "metrics", "eval", "synth"}

// outer are the packages that read and write files, terminals and pages, or run pipelines.
var outer = []string{"store", "report", "run", "sweep", "config", "console", "bench"}

func TestImportRules(t *testing.T) {
	gobin := filepath.Join(runtime.GOROOT(), "bin", "go")
	out, err := exec.Command(gobin, "list", "-deps=false", "-f", "{{.ImportPath}} {{join .Imports \" \"}}", "saelab/...").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	checked := 0
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		fields := strings.Fields(line)
		pkg, imports := strings.TrimPrefix(fields[0], "saelab/"), fields[1:]
		for _, imp := range imports {
			if !strings.HasPrefix(imp, "saelab/") {
				continue
			}
			dep := strings.TrimPrefix(imp, "saelab/")
			if strings.HasPrefix(dep, "cmd/") {
				t.Errorf("%s imports %s: nothing may import a command", pkg, dep)
			}
			if slices.Contains(engine, pkg) && slices.ContainsFunc(outer, func(o string) bool { return dep == o || strings.HasPrefix(dep, o+"/") }) {
				t.Errorf("engine package %s imports %s: the engine knows no files, terminals, pages or pipelines", pkg, dep)
			}
		}
		checked++
	}
	if checked < len(engine)+len(outer)-1 {
		t.Errorf("only %d packages listed; is the module layout what this test expects?", checked)
	}
}
