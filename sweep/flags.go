package sweep

import "github.com/spf13/pflag"

// Bind registers the manifest's flags on fs (saelab sweep manifest).
func (o *ManifestOptions) Bind(fs *pflag.FlagSet) {
	fs.StringVar(&o.Kind, "kind", "", "slurm or kubernetes")
	fs.IntVar(&o.Shards, "shards", 0, "number of shards (array tasks, Job completions)")
	fs.IntVar(&o.Parallel, "parallel", 0, "shards running at once (default: all)")
	fs.IntVar(&o.CPUs, "cpus", 1, "CPUs per shard (and cells run in parallel in it)")
	fs.StringVar(&o.Out, "out", "", "sweep directory: Slurm: on the shared filesystem; Kubernetes: inside the volume (default: the sweep's name)")
	fs.StringVar(&o.Image, "image", "", "Kubernetes: container image (default saelab:<version>)")
	fs.StringVar(&o.PVC, "pvc", "saelab-sweeps", "Kubernetes: PersistentVolumeClaim holding the sweep directory")
	fs.StringVar(&o.Memory, "memory", "1Gi", "Kubernetes: memory per pod")
	fs.IntVar(&o.BackoffLimitPerIndex, "retries", 2, "Kubernetes: retries per shard (backoffLimitPerIndex)")
	fs.StringVar(&o.Binary, "binary", "", "Slurm: saelab on the nodes (default: this executable)")
}
