package sweep

import (
	"bytes"
	"fmt"
	"io"
	"path"
	"path/filepath"
	"strconv"
	"strings"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	kjson "k8s.io/apimachinery/pkg/runtime/serializer/json"

	"saelab/internal/version"
)

// Manifest kinds.
const (
	KindSlurm      = "slurm"
	KindKubernetes = "kubernetes"
)

// In the Kubernetes manifest: where the sweep file and the volume are mounted, and the user the
// container runs as (the Dockerfile's non-root user).
const (
	K8sSweepFile = "/etc/saelab/sweep.yaml"
	K8sDataDir   = "/data"
	K8sUser      = 65532
)

// ManifestOptions say what a cluster gets.
type ManifestOptions struct {
	Kind     string
	Shards   int // N: array tasks or Job completions
	Parallel int // P: shards running at once (0: all N)
	CPUs     int // per shard: Slurm --cpus-per-task, Kubernetes CPU request and limit, --jobs (0: 1)
	// Out is the sweep directory: for Slurm a path on the filesystem the nodes share (made
	// absolute); for Kubernetes a path inside the volume (relative; default the sweep's name).
	Out string
	// SweepFile is the sweep file's path on the nodes (Slurm; made absolute).
	SweepFile string
	// Binary is saelab on the nodes (Slurm).
	Binary string
	// Image is the container image (Kubernetes), PVC the claim mounted at /data, Memory the
	// memory request and limit per pod, BackoffLimitPerIndex the retries of one shard.
	Image, PVC, Memory   string
	BackoffLimitPerIndex int
}

// WriteManifest validates the sweep (every cell) and writes the manifest: a Slurm sbatch
// script, or a Kubernetes ConfigMap holding the sweep file plus an Indexed Job, as YAML.
func WriteManifest(w io.Writer, f *File, o ManifestOptions) error {
	if o.Shards < 1 || o.Shards > MaxShards {
		return fmt.Errorf("--shards %d: must be in [1, %d]", o.Shards, MaxShards)
	}
	if o.Parallel == 0 {
		o.Parallel = o.Shards
	}
	if o.Parallel < 1 || o.Parallel > o.Shards {
		return fmt.Errorf("--parallel %d: must be in [1, --shards = %d]", o.Parallel, o.Shards)
	}
	if o.CPUs == 0 {
		o.CPUs = 1
	}
	if o.CPUs < 1 || o.CPUs > 1024 {
		return fmt.Errorf("--cpus %d: must be in [1, 1024]", o.CPUs)
	}
	cells, err := f.Cells()
	if err != nil {
		return err
	}
	switch o.Kind {
	case KindSlurm:
		return writeSlurm(w, f, len(cells), o)
	case KindKubernetes:
		return writeKubernetes(w, f, len(cells), o)
	}
	return fmt.Errorf("--kind %q: must be %s or %s", o.Kind, KindSlurm, KindKubernetes)
}

// shellQuote quotes s for a POSIX shell.
func shellQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }

// writeSlurm writes the sbatch script: a job array of N tasks, P at a time, each running
// its shard with --shard auto.
func writeSlurm(w io.Writer, f *File, cells int, o ManifestOptions) error {
	if o.Out == "" {
		o.Out = f.Name
	}
	abs := func(p, what string) (string, error) {
		if p == "" {
			return "", fmt.Errorf("%s: missing", what)
		}
		return filepath.Abs(p)
	}
	out, err := abs(o.Out, "--out")
	if err != nil {
		return err
	}
	file, err := abs(o.SweepFile, "the sweep file")
	if err != nil {
		return err
	}
	bin, err := abs(o.Binary, "--binary")
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(w, `#!/bin/bash
# saelab sweep %[1]s: %[2]d cells in %[3]d shards, %[4]d at a time (written by saelab %[5]s).
# Submit:            sbatch THIS_FILE
# While it runs:     %[6]s sweep status %[7]s
# When it is done:   %[6]s sweep merge %[7]s && %[6]s sweep report %[7]s
# A shard that failed or was cancelled resumes where it stopped: sbatch --array=I THIS_FILE
#SBATCH --job-name=saelab-%[1]s
#SBATCH --array=0-%[8]d%%%[4]d
#SBATCH --cpus-per-task=%[9]d
#SBATCH --output=slurm-saelab-%[1]s-%%A_%%a.out
set -euo pipefail
export GOMAXPROCS="${SLURM_CPUS_PER_TASK:-%[9]d}"
exec %[6]s sweep run %[10]s --out %[7]s --shard auto --shards %[3]d --jobs %[11]s
`, f.Name, cells, o.Shards, o.Parallel, version.Version, shellQuote(bin), shellQuote(out), o.Shards-1, o.CPUs, shellQuote(file),
		f.jobs(`"$GOMAXPROCS"`))
	return err
}

// jobs is a shard's --jobs: one cell per CPU (cpus), or one at a time for a synthetic sweep,
// whose cells each train on every CPU of the shard.
func (f *File) jobs(cpus string) string {
	if f.Synth != nil {
		return "1"
	}
	return cpus
}

// k8sName turns a sweep name into a Kubernetes object name (DNS-1123: [a-z0-9-], at most 52
// characters here, so that the Job's pod names stay under 63).
func k8sName(name string) string {
	n := strings.Trim(strings.ReplaceAll(name, "_", "-"), "-")
	if len(n) > 39 {
		n = strings.TrimRight(n[:39], "-")
	}
	return "saelab-sweep-" + n
}

// KubernetesObjects builds the ConfigMap holding the sweep file and the Indexed Job running its
// N shards, P at a time, each pod with --shard auto (its JOB_COMPLETION_INDEX), the sweep
// directory on the PersistentVolumeClaim.
func KubernetesObjects(f *File, o ManifestOptions) (*corev1.ConfigMap, *batchv1.Job, error) {
	if o.Out == "" {
		o.Out = f.Name
	}
	clean := path.Clean(filepath.ToSlash(o.Out))
	if path.IsAbs(clean) || clean == "." || clean == ".." || strings.HasPrefix(clean, "../") {
		return nil, nil, fmt.Errorf("--out %q: for Kubernetes, the sweep directory is a relative path inside the volume (mounted at %s)", o.Out, K8sDataDir)
	}
	if o.Image == "" {
		o.Image = "saelab:" + version.Version
	}
	if o.PVC == "" {
		o.PVC = "saelab-sweeps"
	}
	if o.Memory == "" {
		o.Memory = "1Gi"
	}
	mem, err := resource.ParseQuantity(o.Memory)
	if err != nil {
		return nil, nil, fmt.Errorf("--memory %q: %v", o.Memory, err)
	}
	if o.BackoffLimitPerIndex < 0 {
		return nil, nil, fmt.Errorf("--retries %d: must be ≥ 0", o.BackoffLimitPerIndex)
	}
	name := k8sName(f.Name)
	labels := map[string]string{"app.kubernetes.io/name": "saelab", "app.kubernetes.io/component": "sweep", "app.kubernetes.io/instance": name}
	cm := &corev1.ConfigMap{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "ConfigMap"},
		ObjectMeta: metav1.ObjectMeta{Name: name, Labels: labels},
		Data:       map[string]string{path.Base(K8sSweepFile): string(f.Text)},
	}
	cpu := resource.MustParse(strconv.Itoa(o.CPUs))
	res := corev1.ResourceList{corev1.ResourceCPU: cpu, corev1.ResourceMemory: mem}
	args := []string{"sweep", "run", K8sSweepFile, "--out", path.Join(K8sDataDir, clean), "--shard", "auto",
		"--shards", strconv.Itoa(o.Shards), "--jobs", f.jobs(strconv.Itoa(o.CPUs))}
	user := int64(K8sUser)
	job := &batchv1.Job{
		TypeMeta:   metav1.TypeMeta{APIVersion: "batch/v1", Kind: "Job"},
		ObjectMeta: metav1.ObjectMeta{Name: name, Labels: labels},
		Spec: batchv1.JobSpec{
			CompletionMode:       ptr(batchv1.IndexedCompletion),
			Completions:          ptr(int32(o.Shards)),
			Parallelism:          ptr(int32(o.Parallel)),
			BackoffLimitPerIndex: ptr(int32(o.BackoffLimitPerIndex)),
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec: corev1.PodSpec{
					RestartPolicy: corev1.RestartPolicyNever,
					SecurityContext: &corev1.PodSecurityContext{RunAsNonRoot: ptr(true), RunAsUser: &user, RunAsGroup: &user,
						FSGroup: &user},
					Containers: []corev1.Container{{
						Name:      "saelab",
						Image:     o.Image,
						Args:      args,
						Env:       []corev1.EnvVar{{Name: "GOMAXPROCS", Value: strconv.Itoa(o.CPUs)}},
						Resources: corev1.ResourceRequirements{Requests: res, Limits: res},
						VolumeMounts: []corev1.VolumeMount{
							{Name: "sweep-file", MountPath: path.Dir(K8sSweepFile), ReadOnly: true},
							{Name: "data", MountPath: K8sDataDir},
							{Name: "tmp", MountPath: "/tmp"},
						},
						SecurityContext: &corev1.SecurityContext{AllowPrivilegeEscalation: ptr(false), ReadOnlyRootFilesystem: ptr(true),
							Capabilities: &corev1.Capabilities{Drop: []corev1.Capability{"ALL"}}},
					}},
					Volumes: []corev1.Volume{
						{Name: "sweep-file", VolumeSource: corev1.VolumeSource{ConfigMap: &corev1.ConfigMapVolumeSource{
							LocalObjectReference: corev1.LocalObjectReference{Name: name}}}},
						{Name: "data", VolumeSource: corev1.VolumeSource{PersistentVolumeClaim: &corev1.PersistentVolumeClaimVolumeSource{ClaimName: o.PVC}}},
						{Name: "tmp", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}},
					},
				},
			},
		},
	}
	return cm, job, nil
}

// ptr returns a pointer to v.
func ptr[T any](v T) *T { return &v }

// K8sScheme knows the two kinds the manifest holds (core/v1 ConfigMap, batch/v1 Job).
func K8sScheme() *runtime.Scheme {
	s := runtime.NewScheme()
	if err := corev1.AddToScheme(s); err != nil {
		panic(err)
	}
	if err := batchv1.AddToScheme(s); err != nil {
		panic(err)
	}
	return s
}

// K8sYAML is the YAML serializer of the Kubernetes objects; strict, it also decodes them
// refusing unknown and duplicate fields.
func K8sYAML() *kjson.Serializer {
	s := K8sScheme()
	return kjson.NewSerializerWithOptions(kjson.DefaultMetaFactory, s, s, kjson.SerializerOptions{Yaml: true, Strict: true})
}

// writeKubernetes writes the ConfigMap and the Job as two YAML documents.
func writeKubernetes(w io.Writer, f *File, cells int, o ManifestOptions) error {
	cm, job, err := KubernetesObjects(f, o)
	if err != nil {
		return err
	}
	var b bytes.Buffer
	fmt.Fprintf(&b, "# saelab sweep %s: %d cells in %d shards, %d at a time (written by saelab %s).\n", f.Name, cells, o.Shards, *job.Spec.Parallelism, version.Version)
	dir := job.Spec.Template.Spec.Containers[0].Args[4]
	fmt.Fprintf(&b, "# kubectl apply -f THIS_FILE; the results land in %s, on the PersistentVolumeClaim %s mounted at %s.\n",
		dir, job.Spec.Template.Spec.Volumes[1].PersistentVolumeClaim.ClaimName, K8sDataDir)
	fmt.Fprintf(&b, "# When the Job is complete, in a pod with the claim mounted: saelab sweep merge %s\n---\n", dir)
	ser := K8sYAML()
	if err := ser.Encode(cm, &b); err != nil {
		return err
	}
	b.WriteString("---\n")
	if err := ser.Encode(job, &b); err != nil {
		return err
	}
	_, err = w.Write(b.Bytes())
	return err
}
