package vec

import (
	"bufio"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// The dispatch tables (dispatch.go here, and the per-package ones it summarises) name only
// functions and tests that exist, so that a renamed kernel or test cannot leave them stale.
func TestDispatchTablesNameRealCode(t *testing.T) {
	dirs := map[string]string{"vec": ".", "sae": "../../sae", "toymodel": "../../toymodel", "phase": "../../phase", "rng": "../../rng"}
	decls := map[string]map[string]bool{}
	for pkg, dir := range dirs {
		decls[pkg] = declared(t, dir)
	}
	// q is pkg.Func or pkg.Type.Method.
	exists := func(q string) bool {
		pkg, name, ok := strings.Cut(strings.TrimSpace(q), ".")
		return ok && decls[pkg] != nil && decls[pkg][name]
	}
	rows := 0
	for _, file := range []string{"dispatch.go", "../../sae/standard_batch.go", "../../toymodel/grad.go"} {
		for _, row := range tableRows(t, file) {
			rows++
			if len(row) != 4 {
				t.Errorf("%s: row %q: want 4 columns (path, when, runs, pinned by)", file, row)
				continue
			}
			if !exists(row[2]) {
				t.Errorf("%s: %q runs %s, which is not declared", file, row[0], row[2])
			}
			for _, test := range strings.Split(row[3], ",") {
				if !exists(test) || !strings.Contains(test, ".Test") {
					t.Errorf("%s: %q is pinned by %s, which is not a test", file, row[0], strings.TrimSpace(test))
				}
			}
		}
	}
	if rows < 40 {
		t.Errorf("%d table rows found: the tables' format changed?", rows)
	}
}

var columns = regexp.MustCompile(`\s{2,}`)

// tableRows returns the rows of every table in file's comments: the "//\t" lines after a
// header line ending in "pinned by", split on runs of two or more spaces.
func tableRows(t *testing.T, file string) [][]string {
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var rows [][]string
	in := false
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		body, ok := strings.CutPrefix(line, "//\t")
		switch {
		case ok && strings.HasSuffix(strings.TrimSpace(body), "pinned by"):
			in = true
		case ok && in:
			rows = append(rows, columns.Split(strings.TrimSpace(body), -1))
		default:
			in = false
		}
	}
	return rows
}

// declared lists the functions of the package in dir (tests included), methods as Type.Method.
func declared(t *testing.T, dir string) map[string]bool {
	files, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]bool{}
	fs := token.NewFileSet()
	for _, name := range files {
		f, err := parser.ParseFile(fs, name, nil, parser.SkipObjectResolution)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range f.Decls {
			fd, ok := d.(*ast.FuncDecl)
			if !ok {
				continue
			}
			name := fd.Name.Name
			if fd.Recv != nil && len(fd.Recv.List) == 1 {
				typ := fd.Recv.List[0].Type
				if st, ok := typ.(*ast.StarExpr); ok {
					typ = st.X
				}
				if id, ok := typ.(*ast.Ident); ok {
					name = id.Name + "." + name
				}
			}
			out[name] = true
		}
	}
	return out
}
