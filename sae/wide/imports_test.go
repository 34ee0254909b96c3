package wide

import (
	"go/parser"
	"go/token"
	"path/filepath"
	"strings"
	"testing"
)

// wide is an engine package: it computes on plain Go values and imports none of the packages
// that handle files, terminals, pages or pipelines (the module's layering rule).
func TestEngineImportsOnly(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	outer := []string{"store", "report", "run", "sweep", "config", "console", "bench", "cmd"}
	seen := 0
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		af, err := parser.ParseFile(token.NewFileSet(), f, nil, parser.ImportsOnly)
		if err != nil {
			t.Fatal(err)
		}
		for _, imp := range af.Imports {
			path := strings.Trim(imp.Path.Value, `"`)
			for _, o := range outer {
				if path == "saelab/"+o || strings.HasPrefix(path, "saelab/"+o+"/") {
					t.Errorf("%s imports %s", f, path)
				}
			}
		}
		seen++
	}
	if seen < 5 {
		t.Fatalf("only %d source files found", seen)
	}
}
