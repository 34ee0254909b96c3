package sae

import "fmt"

// CheckTraining checks what neither config can check alone: BatchTopK and Matryoshka keep
// int(k·batch_size) latents of each training batch, which must be at least one.
func CheckTraining(c Config, tc TrainConfig) error {
	if c.Arch != "batchtopk" && c.Arch != "matryoshka" {
		return nil
	}
	if kept := int(c.K * float64(tc.BatchSize)); kept < 1 {
		return fmt.Errorf("k = %v: %s keeps int(k·batch_size) = int(%v·%d) = %d latents per training batch; k·batch_size must be ≥ 1 (k ≥ %v for batch_size %d)",
			c.K, c.Arch, c.K, tc.BatchSize, kept, 1/float64(tc.BatchSize), tc.BatchSize)
	}
	return nil
}
