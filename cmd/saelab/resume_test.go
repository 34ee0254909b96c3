package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	fingerprints "saelab/internal/fingerprint"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"saelab/store"
)

// resumeConfig is small but exercises every phase with several checkpoints each: a toy model,
// an SAE run without and one with resampling (dead-latent state across checkpoints).
const resumeConfigYAML = `seed: 3
model: {n_inst: 4}
model_train: {steps: 3000, log_freq: 50}
sae_train: {steps: 6000, log_freq: 100, resample_freq: 1000, resample_window: 500}
`

// buildSaelab builds the command once per test into a temporary directory.
func buildSaelab(t *testing.T) string {
	t.Helper()
	exe := filepath.Join(t.TempDir(), "saelab")
	if out, err := exec.Command(filepath.Join(runtime.GOROOT(), "bin", "go"), "build", "-o", exe, "saelab/cmd/saelab").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return exe
}

// demoArgs is the demo command line of the resume tests (checkpoints at every log record).
func demoArgs(cfg, out string) []string {
	return []string{"demo", "--config", cfg, "--out", out, "--quiet", "--checkpoint-every", "-1s"}
}

// TestKillAndResume kills a real `saelab demo` with SIGKILL at random points, one in each
// eighth of its run (every other one twice: once in the run, once in its resumption), resumes
// it with --resume, and compares every tensor of every file and every number of summary.json
// and metrics.jsonl with an uninterrupted run: they must be the same bits, and nothing but the
// run's files may remain.
func TestKillAndResume(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the command and trains for a minute; skipped with -short")
	}
	exe := buildSaelab(t)
	dir := t.TempDir()
	cfg := filepath.Join(dir, "c.yaml")
	if err := os.WriteFile(cfg, []byte(resumeConfigYAML), 0o644); err != nil {
		t.Fatal(err)
	}
	ref := filepath.Join(dir, "ref")
	t0 := time.Now()
	if out, err := exec.Command(exe, demoArgs(cfg, ref)...).CombinedOutput(); err != nil {
		t.Fatalf("uninterrupted run: %v\n%s", err, out)
	}
	T := time.Since(t0)
	want := fingerprint(t, ref)
	rnd := rand.New(rand.NewPCG(10, 1))
	const points = 8
	for k := 0; k < points; k++ {
		out := filepath.Join(dir, fmt.Sprintf("kill%d", k))
		// One random point in each k-th of the run, so that every phase gets killed.
		at := time.Duration((float64(k) + 0.1 + 0.8*rnd.Float64()) / points * float64(T))
		killed := killAfter(t, exe, demoArgs(cfg, out), at)
		again := ""
		if k%2 == 1 && killed { // a second kill, during the resumption
			d := time.Duration((0.1 + 0.7*rnd.Float64()) * float64(T-at))
			if killAfter(t, exe, []string{"demo", "--resume", out, "--quiet", "--checkpoint-every", "-1s"}, d) {
				again = fmt.Sprintf(", and again %v into the resumption", d.Round(time.Millisecond))
			}
		}
		if o, err := exec.Command(exe, "demo", "--resume", out, "--quiet").CombinedOutput(); err != nil {
			t.Fatalf("kill point %d (%v%s): resume: %v\n%s", k, at.Round(time.Millisecond), again, err, o)
		}
		got := fingerprint(t, out)
		if d := diffFingerprints(want, got); d != "" {
			t.Fatalf("kill point %d (%v%s): the resumed directory differs from the uninterrupted run: %s", k, at.Round(time.Millisecond), again, d)
		}
		t.Logf("kill point %d: SIGKILL at %v of %v%s: resumed bit-identical", k, at.Round(time.Millisecond), T.Round(time.Millisecond), again)
	}
}

// killAfter runs saelab with args and sends SIGKILL after d; it reports whether the process
// was still running then.
func killAfter(t *testing.T, exe string, args []string, d time.Duration) bool {
	t.Helper()
	cmd := exec.Command(exe, args...)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case <-done:
		return false
	case <-time.After(d):
		cmd.Process.Signal(syscall.SIGKILL)
		<-done
		return true
	}
}

// TestInterruptCleansUpAndResumes: SIGINT in the middle of an SAE run stops the command with
// exit code 130 and a line saying how to continue; the directory holds no temporary file and
// no lock, summary.json marks the interrupted run, and --resume finishes it bit-identically.
// SIGTERM gives 143 the same way.
func TestInterruptCleansUpAndResumes(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the command and trains; skipped with -short")
	}
	exe := buildSaelab(t)
	dir := t.TempDir()
	cfg := filepath.Join(dir, "c.yaml")
	if err := os.WriteFile(cfg, []byte(resumeConfigYAML), 0o644); err != nil {
		t.Fatal(err)
	}
	ref := filepath.Join(dir, "ref")
	if out, err := exec.Command(exe, demoArgs(cfg, ref)...).CombinedOutput(); err != nil {
		t.Fatalf("uninterrupted run: %v\n%s", err, out)
	}
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM} {
		out := filepath.Join(dir, sig.String())
		cmd := exec.Command(exe, demoArgs(cfg, out)...)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		// Wait until the first SAE run is training (its checkpoint exists), then interrupt.
		ck := filepath.Join(out, store.SAECheckpointFile("none"))
		for deadline := time.Now().Add(time.Minute); ; time.Sleep(5 * time.Millisecond) {
			if _, err := os.Stat(ck); err == nil {
				break
			}
			if time.Now().After(deadline) {
				cmd.Process.Kill()
				t.Fatal("the SAE run never checkpointed")
			}
		}
		sent := time.Now()
		cmd.Process.Signal(sig)
		err := cmd.Wait()
		t.Logf("%v: stopped %v after the signal", sig, time.Since(sent).Round(time.Millisecond))
		code := cmd.ProcessState.ExitCode()
		if want := 128 + int(sig); code != want {
			t.Fatalf("%v: exit code %d (%v), want %d; stderr:\n%s", sig, code, err, want, stderr.String())
		}
		if hint := "to continue: saelab demo --resume " + out; !strings.Contains(stderr.String(), hint) {
			t.Errorf("%v: stderr lacks %q:\n%s", sig, hint, stderr.String())
		}
		for _, name := range listDir(t, out) {
			if strings.Contains(name, ".tmp-") || name == store.LockFile {
				t.Errorf("%v: %s left behind", sig, name)
			}
		}
		sum, err := store.ReadSummary(filepath.Join(out, store.SummaryFile))
		if err != nil {
			t.Fatal(err)
		}
		last := sum.Runs[len(sum.Runs)-1]
		if last.Name != "none" || last.Status != store.StatusInterrupted || !strings.Contains(last.Error, "interrupted by") {
			t.Errorf("%v: summary.json's last run is %+v, want none interrupted", sig, last)
		}
		if o, err := exec.Command(exe, "demo", "--resume", out, "--quiet").CombinedOutput(); err != nil {
			t.Fatalf("%v: resume: %v\n%s", sig, err, o)
		}
		if d := diffFingerprints(fingerprint(t, ref), fingerprint(t, out)); d != "" {
			t.Fatalf("%v: resumed directory differs: %s", sig, d)
		}
	}
}

// listDir lists a directory's entries.
func listDir(t *testing.T, dir string) []string {
	t.Helper()
	es, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range es {
		names = append(names, e.Name())
	}
	return names
}

// fingerprint hashes a run directory as internal/fingerprint does (every tensor, every number
// of summary.json and metrics.jsonl but the wall times), plus each safetensors file's metadata
// and the list of files (report.html aside: it shows wall times).
func fingerprint(t *testing.T, dir string) map[string]string {
	t.Helper()
	fp, err := fingerprints.Dir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, name := range listDir(t, dir) {
		if name != store.ReportFile {
			names = append(names, name)
		}
		if !strings.HasSuffix(name, ".safetensors") {
			continue
		}
		_, md, err := store.ReadSafetensors(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		delete(md, "saelab_version")
		b, _ := json.Marshal(md)
		fp[name+":metadata"] = string(b)
	}
	slices.Sort(names)
	fp["files"] = strings.Join(names, " ")
	return fp
}

// diffFingerprints names the first keys whose values differ.
func diffFingerprints(want, got map[string]string) string {
	var bad []string
	for k, w := range want {
		if got[k] != w {
			bad = append(bad, k)
		}
	}
	for k := range got {
		if _, ok := want[k]; !ok {
			bad = append(bad, k)
		}
	}
	slices.Sort(bad)
	if len(bad) == 0 {
		return ""
	}
	if len(bad) > 5 {
		bad = append(bad[:5], "...")
	}
	return strings.Join(bad, ", ") + fmt.Sprintf(" (files %q vs %q)", want["files"], got["files"])
}
