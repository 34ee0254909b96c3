package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// TestTerminal80Columns runs the demo in a real 80×24 terminal (tmux) and checks that every line
// it leaves on the screen, progress bars included, fits 80 columns: a wrapped bar would leave
// stale lines behind at each redraw.
func TestTerminal80Columns(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the command; skipped with -short")
	}
	if _, err := exec.LookPath("tmux"); err != nil {
		if os.Getenv("SAELAB_REQUIRE_TMUX") != "" {
			t.Fatal("tmux is not installed")
		}
		t.Skip("tmux is not installed")
	}
	dir := t.TempDir()
	exe := filepath.Join(dir, "saelab")
	if out, err := exec.Command(filepath.Join(runtime.GOROOT(), "bin", "go"), "build", "-o", exe, "saelab/cmd/saelab").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	sock := filepath.Join(dir, "tmux.sock")
	tmux := func(args ...string) string {
		out, err := exec.Command("tmux", append([]string{"-S", sock}, args...)...).CombinedOutput()
		if err != nil {
			t.Fatalf("tmux %v: %v\n%s", args, err, out)
		}
		return string(out)
	}
	done := filepath.Join(dir, "done")
	script := exe + " demo --out " + filepath.Join(dir, "run") + " --sae-steps 6000; touch " + done + "; sleep 60"
	tmux("new-session", "-d", "-x", "80", "-y", "24", "sh", "-c", script)
	defer exec.Command("tmux", "-S", sock, "kill-server").Run()
	for deadline := time.Now().Add(3 * time.Minute); ; time.Sleep(200 * time.Millisecond) {
		if _, err := os.Stat(done); err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the demo did not finish in 3 minutes")
		}
	}
	// -J joins wrapped lines, so a line longer than the pane shows as one long line.
	screen := tmux("capture-pane", "-p", "-J", "-S", "-200")
	lines := 0
	for _, line := range strings.Split(screen, "\n") {
		if n := utf8.RuneCountInString(strings.TrimRight(line, " ")); n > 80 {
			t.Errorf("a %d-column line in an 80-column terminal: %q", n, line)
		}
		if strings.TrimSpace(line) != "" {
			lines++
		}
	}
	for _, want := range []string{"run directory: ", "toy model", "none: standard SAE", "simple: standard SAE", "report: "} {
		if !strings.Contains(screen, want) {
			t.Errorf("the screen lacks %q:\n%s", want, screen)
		}
	}
	t.Logf("%d lines on the screen", lines)
}
