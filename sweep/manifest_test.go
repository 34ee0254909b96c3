package sweep

import (
	"bytes"
	"slices"
	"strings"
	"testing"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
)

const manifestSweep = tiny + `
name: my_sweep
grid:
  sae.sparsity_coeff: [0.1, 0.2, 0.4]
seeds: [0, 1]
`

// TestKubernetesManifest decodes the manifest strictly into a core/v1 ConfigMap and a batch/v1
// Job and checks what a cluster needs of them.
func TestKubernetesManifest(t *testing.T) {
	f := mustParse(t, manifestSweep)
	var b bytes.Buffer
	o := ManifestOptions{Kind: KindKubernetes, Shards: 4, Parallel: 2, CPUs: 2, Image: "registry.example/saelab:1.0", PVC: "results", Out: "sweeps/run1"}
	if err := WriteManifest(&b, f, o); err != nil {
		t.Fatal(err)
	}
	docs := strings.Split(b.String(), "\n---\n")
	if len(docs) != 3 || !strings.HasPrefix(docs[0], "# saelab sweep my_sweep: 6 cells in 4 shards, 2 at a time") {
		t.Fatalf("manifest:\n%s", b.String())
	}
	ser := K8sYAML()
	var cm *corev1.ConfigMap
	var job *batchv1.Job
	for _, doc := range docs[1:] {
		obj, gvk, err := ser.Decode([]byte(doc), nil, nil)
		if err != nil {
			t.Fatalf("strict decode: %v\n%s", err, doc)
		}
		switch o := obj.(type) {
		case *corev1.ConfigMap:
			cm = o
		case *batchv1.Job:
			job = o
		default:
			t.Fatalf("unexpected %v", gvk)
		}
	}
	if cm == nil || job == nil {
		t.Fatal("the manifest lacks the ConfigMap or the Job")
	}
	if cm.Name != "saelab-sweep-my-sweep" || cm.Data["sweep.yaml"] != manifestSweep {
		t.Errorf("ConfigMap %s holds %q", cm.Name, cm.Data)
	}
	s := job.Spec
	switch {
	case job.APIVersion != "batch/v1" || job.Kind != "Job" || job.Name != cm.Name:
		t.Errorf("job %s %s %s", job.APIVersion, job.Kind, job.Name)
	case s.CompletionMode == nil || *s.CompletionMode != batchv1.IndexedCompletion:
		t.Errorf("completionMode %v", s.CompletionMode)
	case s.Completions == nil || *s.Completions != 4 || s.Parallelism == nil || *s.Parallelism != 2:
		t.Errorf("completions %v, parallelism %v", s.Completions, s.Parallelism)
	case s.BackoffLimitPerIndex == nil || *s.BackoffLimitPerIndex != 0:
		t.Errorf("backoffLimitPerIndex %v", s.BackoffLimitPerIndex)
	case s.Template.Spec.RestartPolicy != corev1.RestartPolicyNever:
		t.Errorf("restartPolicy %s (backoffLimitPerIndex needs Never)", s.Template.Spec.RestartPolicy)
	}
	pod := s.Template.Spec
	if sc := pod.SecurityContext; sc == nil || sc.RunAsNonRoot == nil || !*sc.RunAsNonRoot || *sc.RunAsUser != K8sUser {
		t.Errorf("pod security context %+v", sc)
	}
	if len(pod.Containers) != 1 {
		t.Fatalf("%d containers", len(pod.Containers))
	}
	c := pod.Containers[0]
	wantArgs := []string{"sweep", "run", "/etc/saelab/sweep.yaml", "--out", "/data/sweeps/run1", "--shard", "auto", "--shards", "4", "--jobs", "2"}
	if c.Image != o.Image || !slices.Equal(c.Args, wantArgs) {
		t.Errorf("container %s %v", c.Image, c.Args)
	}
	if c.Resources.Limits.Cpu().String() != "2" || c.Resources.Requests.Memory().String() != "1Gi" {
		t.Errorf("resources %v", c.Resources)
	}
	mounts := map[string]string{}
	for _, m := range c.VolumeMounts {
		mounts[m.Name] = m.MountPath
	}
	var pvc, cmRef string
	for _, v := range pod.Volumes {
		if v.PersistentVolumeClaim != nil && mounts[v.Name] == "/data" {
			pvc = v.PersistentVolumeClaim.ClaimName
		}
		if v.ConfigMap != nil && mounts[v.Name] == "/etc/saelab" {
			cmRef = v.ConfigMap.Name
		}
	}
	if pvc != "results" || cmRef != cm.Name {
		t.Errorf("volumes: claim %q at /data, ConfigMap %q at /etc/saelab", pvc, cmRef)
	}
	// Strictness: an unknown field is refused.
	bad := strings.Replace(docs[2], "completionMode:", "completionMod: x\n  completionMode:", 1)
	if _, _, err := ser.Decode([]byte(bad), nil, nil); err == nil || !strings.Contains(err.Error(), "completionMod") {
		t.Errorf("an unknown field decoded: %v", err)
	}
	// Bad options name the flag.
	for _, c := range []struct {
		o    ManifestOptions
		want string
	}{
		{ManifestOptions{Kind: KindKubernetes, Shards: 0}, "--shards 0: must be in [1, 10000]"},
		{ManifestOptions{Kind: KindKubernetes, Shards: 2, Parallel: 3}, "--parallel 3: must be in [1, --shards = 2]"},
		{ManifestOptions{Kind: KindKubernetes, Shards: 2, Out: "/abs"}, "--out \"/abs\": for Kubernetes, the sweep directory is a relative path"},
		{ManifestOptions{Kind: KindKubernetes, Shards: 2, Memory: "lots"}, "--memory \"lots\""},
		{ManifestOptions{Kind: "nomad", Shards: 2}, "--kind \"nomad\": must be slurm or kubernetes"},
	} {
		if err := WriteManifest(&bytes.Buffer{}, f, c.o); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: %v, want %s", c.o, err, c.want)
		}
	}
}

func TestSlurmManifest(t *testing.T) {
	f := mustParse(t, manifestSweep)
	var b bytes.Buffer
	o := ManifestOptions{Kind: KindSlurm, Shards: 5, Parallel: 3, CPUs: 4, Out: "/shared/sw", SweepFile: "/shared/it's.yaml", Binary: "/opt/saelab"}
	if err := WriteManifest(&b, f, o); err != nil {
		t.Fatal(err)
	}
	s := b.String()
	for _, want := range []string{"#!/bin/bash\n", "#SBATCH --job-name=saelab-my_sweep\n", "#SBATCH --array=0-4%3\n", "#SBATCH --cpus-per-task=4\n",
		`export GOMAXPROCS="${SLURM_CPUS_PER_TASK:-4}"`,
		`exec '/opt/saelab' sweep run '/shared/it'\''s.yaml' --out '/shared/sw' --shard auto --shards 5 --jobs "$GOMAXPROCS"`} {
		if !strings.Contains(s, want) {
			t.Errorf("the script lacks %q:\n%s", want, s)
		}
	}
}

func TestShardSelection(t *testing.T) {
	env := func(kv ...string) func(string) string {
		return func(k string) string {
			for j := 0; j+1 < len(kv); j += 2 {
				if kv[j] == k {
					return kv[j+1]
				}
			}
			return ""
		}
	}
	ok := []struct {
		count int
		env   func(string) string
		want  Shard
	}{
		{0, env("SLURM_ARRAY_TASK_ID", "2", "SLURM_ARRAY_TASK_COUNT", "4"), Shard{2, 4}},
		{8, env("SLURM_ARRAY_TASK_ID", "5", "SLURM_ARRAY_TASK_COUNT", "1"), Shard{5, 8}}, // a resubmitted index
		{3, env("JOB_COMPLETION_INDEX", "0"), Shard{0, 3}},
	}
	for _, c := range ok {
		if s, err := ShardFromEnv(c.count, c.env); err != nil || s != c.want {
			t.Errorf("%v: %v %v", c.want, s, err)
		}
	}
	bad := []struct {
		count int
		env   func(string) string
		want  string
	}{
		{0, env(), "neither SLURM_ARRAY_TASK_ID nor JOB_COMPLETION_INDEX is set"},
		{0, env("JOB_COMPLETION_INDEX", "1"), "give the number of shards with --shards N"},
		{0, env("SLURM_ARRAY_TASK_ID", "1"), "SLURM_ARRAY_TASK_COUNT is not"},
		{2, env("SLURM_ARRAY_TASK_ID", "x"), `SLURM_ARRAY_TASK_ID = "x": must be a whole number`},
		{2, env("JOB_COMPLETION_INDEX", "2"), "the shard index 2 must be in [0, 2)"},
	}
	for _, c := range bad {
		if _, err := ShardFromEnv(c.count, c.env); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%d: %v, want %s", c.count, err, c.want)
		}
	}
	for _, c := range []struct{ s, want string }{{"1/3", ""}, {"3/3", "index 3 must be in [0, 3)"}, {"a/b", "expected auto or I/N"}, {"0/0", "count 0 must be in"}} {
		_, err := ParseShard(c.s)
		if (c.want == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), c.want)) {
			t.Errorf("ParseShard(%q): %v", c.s, err)
		}
	}
}

func TestAssignIsDeterministicAndBalanced(t *testing.T) {
	f := mustParse(t, tiny+`
grid:
  sae.arch: [standard, gated, jumprelu]
  sae.sparsity_coeff: {logspace: [-2, 0, 5]}
  model.feature_probability: [0.01, 0.025, 0.05]
seeds: {range: [0, 8]}
`)
	cells := mustCells(t, f)
	for _, n := range []int{1, 2, 3, 4, 7} {
		a := Assign(cells, n)
		if !slices.Equal(a, Assign(slices.Clone(cells), n)) {
			t.Errorf("n = %d: two assignments differ", n)
		}
		load := make([]float64, n)
		models := make([]map[string]bool, n)
		for s := range models {
			models[s] = map[string]bool{}
		}
		for k, s := range a {
			if s < 0 || s >= n {
				t.Fatalf("n = %d: cell %d in shard %d", n, k, s)
			}
			load[s] += cells[k].Cost
			if !models[s][cells[k].ModelKey] {
				models[s][cells[k].ModelKey] = true
				load[s] += cells[k].ModelCost
			}
		}
		lo, hi := slices.Min(load), slices.Max(load)
		if hi > 1.2*lo {
			t.Errorf("n = %d: shard costs %v are not balanced within 20%%", n, load)
		}
		// 24 toy models (probability × seed): each trained in one shard when n divides the work.
		total := 0
		for _, m := range models {
			total += len(m)
		}
		if n <= 4 && total != 24 {
			t.Errorf("n = %d: the 24 toy models are trained %d times", n, total)
		}
	}
	// A single model's cells are split when they are more than a shard's share.
	one := mustCells(t, mustParse(t, tiny+"grid:\n  sae.sparsity_coeff: {logspace: [-2, 0, 12]}\n"))
	a := Assign(one, 3)
	count := make([]int, 3)
	for _, s := range a {
		count[s]++
	}
	if slices.Min(count) < 3 {
		t.Errorf("12 cells of one model over 3 shards: %v", count)
	}
}
