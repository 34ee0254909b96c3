package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"saelab/store"
	"saelab/sweep"
)

// asMainEnv makes the test binary run as the saelab command (see maybeRunAsMain), so that tests
// run real saelab processes — killed with SIGKILL, sharded by environment, submitted to Slurm —
// without building the command first.
const asMainEnv = "SAELAB_TEST_AS_MAIN"

// maybeRunAsMain runs main (which exits) when asMainEnv is 1.
func maybeRunAsMain() {
	if os.Getenv(asMainEnv) == "1" {
		main()
	}
}

// testSweep is 24 small cells: 2 architectures × 2 coefficients × 2 feature probabilities
// (toy models shared by arch and coefficient) × 3 seeds.
const testSweep = `name: cli-test
base:
  model: {n_inst: 2}
  model_train: {steps: 150, batch_size: 128, log_freq: 50}
  sae_train: {steps: 600, batch_size: 128, log_freq: 100, resample_method: simple, resample_freq: 200, resample_window: 100}
grid:
  sae.arch: [standard, gated]
  sae.sparsity_coeff: [0.05, 0.2]
  model.feature_probability: [0.05, 0.1]
seeds: {range: [0, 3]}
`

// saelabProcess is a saelab command line run as a separate process (the test binary as main).
func saelabProcess(t *testing.T, env []string, args ...string) *exec.Cmd {
	t.Helper()
	bin, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, args...)
	cmd.Env = append(append(os.Environ(), asMainEnv+"=1"), env...)
	return cmd
}

// exportTable is the sweep's CSV export without the wall_seconds column: the table two runs of
// the same sweep must agree on.
func exportTable(t *testing.T, dir string) [][]string {
	t.Helper()
	code, out := runCLI(t, "sweep", "export", dir, "--format", "csv")
	if code != 0 {
		t.Fatalf("export %s: %s", dir, out)
	}
	rows, err := csv.NewReader(strings.NewReader(out)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	wall := slices.Index(rows[0], "wall_seconds")
	for k := range rows {
		rows[k] = slices.Delete(rows[k], wall, wall+1)
	}
	return rows
}

// sameTable compares two exports cell for cell.
func sameTable(t *testing.T, what string, got, want [][]string) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d rows, want %d", what, len(got), len(want))
	}
	for k := range want {
		if !slices.Equal(got[k], want[k]) {
			t.Errorf("%s: row %d differs:\n got  %v\n want %v", what, k, got[k], want[k])
		}
	}
	for _, r := range got[1:] {
		if r[slices.Index(got[0], "status")] != "done" {
			t.Errorf("%s: a cell is not done: %v", what, r)
		}
	}
}

// referenceDir runs the test sweep once, unsharded and uninterrupted, per test binary.
var referenceDir, referenceFile string

func reference(t *testing.T) (dir, file string) {
	t.Helper()
	if referenceDir != "" {
		return referenceDir, referenceFile
	}
	tmp, err := os.MkdirTemp("", "saelab-sweep-ref-")
	if err != nil {
		t.Fatal(err)
	}
	file = filepath.Join(tmp, "sweep.yaml")
	if err := os.WriteFile(file, []byte(testSweep), 0o644); err != nil {
		t.Fatal(err)
	}
	dir = filepath.Join(tmp, "ref")
	if code, out := runCLI(t, "sweep", "run", file, "--out", dir, "--jobs", "2", "-q"); code != 0 {
		t.Fatalf("reference sweep: %s", out)
	}
	referenceDir, referenceFile = dir, file
	return dir, file
}

// cleanupSweepTests removes the reference sweep (TestMain calls it).
func cleanupSweepTests() {
	if referenceDir != "" {
		os.RemoveAll(filepath.Dir(referenceDir))
	}
}

func TestSweepResumeAfterKill(t *testing.T) {
	ref, file := reference(t)
	want := exportTable(t, ref)
	dir := filepath.Join(t.TempDir(), "killed")
	cmd := saelabProcess(t, nil, "sweep", "run", file, "--out", dir, "--jobs", "2", "-q")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(2 * time.Minute)
	done := 0
	for time.Now().Before(deadline) {
		if st, err := sweep.ReadStatus(dir); err == nil && st.Done >= 6 {
			done = st.Done
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	cmd.Wait()
	st, err := sweep.ReadStatus(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("killed with %d cells done (%d when seen), %d interrupted, %d left", st.Done, done, st.Interrupted, st.Left)
	if st.Done < 6 || st.Done >= st.Cells {
		t.Fatalf("the kill did not land mid-sweep: %d of %d cells done (stderr %s)", st.Done, st.Cells, stderr.String())
	}
	if st.Running != 0 || st.Done+st.Left+st.Failed != st.Cells {
		t.Errorf("after SIGKILL: running %d, done %d + left %d + failed %d != %d", st.Running, st.Done, st.Left, st.Failed, st.Cells)
	}
	code, out := runCLI(t, "sweep", "run", file, "--out", dir, "-q")
	if code != 0 {
		t.Fatalf("rerun: %s", out)
	}
	sameTable(t, "resumed sweep", exportTable(t, dir), want)
	// Each toy model was trained once: 2 feature probabilities × 3 seeds.
	models, _ := filepath.Glob(filepath.Join(dir, sweep.ModelsDir, "*", store.ModelFile))
	if len(models) != 6 {
		t.Errorf("%d toy models on disk, want 6", len(models))
	}
}

func TestSweepShardsByEnvironment(t *testing.T) {
	ref, file := reference(t)
	want := exportTable(t, ref)
	for _, c := range []struct {
		name string
		env  func(i int) []string
		args []string
	}{
		{"kubernetes", func(i int) []string { return []string{fmt.Sprintf("JOB_COMPLETION_INDEX=%d", i)} }, []string{"--shards", "3"}},
		{"slurm", func(i int) []string {
			return []string{fmt.Sprintf("SLURM_ARRAY_TASK_ID=%d", i), "SLURM_ARRAY_TASK_COUNT=3"}
		}, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "sharded")
			var procs []*exec.Cmd
			var errs []*bytes.Buffer
			for i := 0; i < 3; i++ {
				args := append([]string{"sweep", "run", file, "--out", dir, "--shard", "auto", "--jobs", "1", "-q"}, c.args...)
				p := saelabProcess(t, c.env(i), args...)
				var b bytes.Buffer
				p.Stderr = &b
				if err := p.Start(); err != nil {
					t.Fatal(err)
				}
				procs, errs = append(procs, p), append(errs, &b)
			}
			for i, p := range procs {
				if err := p.Wait(); err != nil {
					t.Fatalf("shard %d: %v\n%s", i, err, errs[i])
				}
			}
			// Each shard wrote only under shards/<i>/.
			entries, _ := os.ReadDir(dir)
			if len(entries) != 1 || entries[0].Name() != "shards" {
				t.Errorf("the sweep directory holds %v, want only shards/", entries)
			}
			if code, out := runCLI(t, "sweep", "export", dir); code == 0 || !strings.Contains(out, "saelab sweep merge") {
				t.Errorf("export before merge: %d %s", code, out)
			}
			code, out := runCLI(t, "sweep", "merge", dir)
			if code != 0 || !strings.Contains(out, "merged 3 of 3 shards (24 cells copied); 24 of 24 cells done") {
				t.Fatalf("merge: %s", out)
			}
			sameTable(t, c.name+" shards merged", exportTable(t, dir), want)
			if code, out := runCLI(t, "sweep", "merge", dir); code != 0 || !strings.Contains(out, "(0 cells copied); 24 of 24") {
				t.Errorf("second merge: %s", out)
			}
			// A run on the merged directory has nothing left to do.
			if code, out := runCLI(t, "sweep", "run", file, "--out", dir, "-q"); code != 0 {
				t.Errorf("run after merge: %s", out)
			}
			if _, err := os.Stat(filepath.Join(dir, sweep.CellsDir)); err == nil {
				t.Errorf("a run after the merge ran cells again")
			}
		})
	}
}

// TestSweepSlurm submits the generated sbatch script to the local Slurm cluster (.ci/slurm-up),
// waits for the array, merges and compares with the unsharded run.
func TestSweepSlurm(t *testing.T) {
	_, err := exec.LookPath("sbatch")
	if err != nil || exec.Command("sinfo", "-h").Run() != nil {
		if os.Getenv("SAELAB_REQUIRE_SLURM") != "" {
			t.Fatalf("no Slurm cluster (sbatch %v), but SAELAB_REQUIRE_SLURM is set; start one with .ci/slurm-up", err)
		}
		t.Skip("no Slurm cluster here (start one with .ci/slurm-up; SAELAB_REQUIRE_SLURM=1 makes this a failure)")
	}
	ref, file := reference(t)
	want := exportTable(t, ref)
	tmp := t.TempDir()
	dir := filepath.Join(tmp, "slurm-sweep")
	bin, _ := os.Executable()
	code, script := runCLI(t, "sweep", "manifest", file, "--kind", "slurm", "--shards", "3", "--parallel", "2", "--out", dir, "--binary", bin)
	if code != 0 {
		t.Fatal(script)
	}
	if !strings.Contains(script, "#SBATCH --array=0-2%2") || !strings.Contains(script, "--shard auto --shards 3") {
		t.Fatalf("script:\n%s", script)
	}
	path := filepath.Join(tmp, "sweep.sbatch")
	os.WriteFile(path, []byte(script), 0o755)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	sb := exec.CommandContext(ctx, "sbatch", "--wait", "--chdir", tmp, path)
	sb.Env = append(os.Environ(), asMainEnv+"=1")
	out, err := sb.CombinedOutput()
	logs, _ := filepath.Glob(filepath.Join(tmp, "slurm-saelab-*.out"))
	var logText strings.Builder
	for _, l := range logs {
		b, _ := os.ReadFile(l)
		fmt.Fprintf(&logText, "%s:\n%s\n", filepath.Base(l), b)
	}
	if err != nil {
		t.Fatalf("sbatch --wait: %v\n%s\n%s", err, out, logText.String())
	}
	if len(logs) != 3 {
		t.Errorf("%d task logs, want 3:\n%s", len(logs), logText.String())
	}
	if code, out := runCLI(t, "sweep", "merge", dir); code != 0 || !strings.Contains(out, "24 of 24 cells done") {
		t.Fatalf("merge: %s\n%s", out, logText.String())
	}
	sameTable(t, "Slurm array merged", exportTable(t, dir), want)
}

// TestSweepRedrawCommand runs the command the sweep report shows for a cell (train-sae on the
// cell's own config and model copy): it retrains the cell with the same results and draws its
// run report.
func TestSweepRedrawCommand(t *testing.T) {
	ref, _ := reference(t)
	res, err := sweep.ReadResults(ref)
	if err != nil {
		t.Fatal(err)
	}
	in := res.ReportInput(ref)
	row := in.Rows[7]
	args := shellWords(row.Command)
	if len(args) < 2 || args[0] != "saelab" || args[1] != "train-sae" {
		t.Fatalf("command %q", row.Command)
	}
	out := filepath.Join(t.TempDir(), "redrawn")
	for k := range args {
		if strings.HasSuffix(args[k], "-report") {
			args[k] = out
		}
	}
	if code, msg := runCLI(t, append(args[1:], "--quiet")...); code != 0 {
		t.Fatalf("%s: %s", row.Command, msg)
	}
	sum, err := store.ReadSummary(filepath.Join(out, store.SummaryFile))
	if err != nil {
		t.Fatal(err)
	}
	cell, _ := store.ReadSummary(filepath.Join(ref, res.Cells[7].Dir, store.SummaryFile))
	a, b := sum.Runs[len(sum.Runs)-1], cell.Runs[len(cell.Runs)-1]
	a.WallSeconds, b.WallSeconds = 0, 0
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	if string(ja) != string(jb) {
		t.Errorf("the redrawn run differs from the cell's:\n%+v\n%+v", a, b)
	}
	if _, err := os.Stat(filepath.Join(out, store.ReportFile)); err != nil {
		t.Errorf("no report: %v", err)
	}
}

// shellWords splits a command line of plain words and single-quoted words.
func shellWords(s string) []string {
	var out []string
	var cur strings.Builder
	in, any := false, false
	for _, r := range s {
		switch {
		case r == '\'':
			in, any = !in, true
		case r == ' ' && !in:
			if any {
				out = append(out, cur.String())
			}
			cur.Reset()
			any = false
		default:
			cur.WriteRune(r)
			any = true
		}
	}
	if any {
		out = append(out, cur.String())
	}
	return out
}
