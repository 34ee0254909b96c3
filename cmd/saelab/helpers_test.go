package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"testing"
)

// runCLI executes a saelab command line and returns its exit code and stdout (stderr when the
// command fails).
func runCLI(t *testing.T, args ...string) (int, string) {
	t.Helper()
	var out, errs bytes.Buffer
	code := execute(context.Background(), args, &out, &errs)
	if code != 0 {
		return code, errs.String()
	}
	return code, out.String()
}

func writeTempFile(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

var charRefRE = regexp.MustCompile(`&#x([0-9a-f]+);`)

// unref decodes a report's hexadecimal character references (its non-ASCII text, the page
// being ASCII), leaving the HTML escapes (&lt;, &amp;, ...) alone.
func unref(b []byte) []byte {
	return charRefRE.ReplaceAllFunc(b, func(m []byte) []byte {
		var r rune
		fmt.Sscanf(string(m), "&#x%x;", &r)
		return []byte(string(r))
	})
}
