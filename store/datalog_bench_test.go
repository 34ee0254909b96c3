package store

import (
	"path/filepath"
	"testing"
)

// BenchmarkStageDataLogSeed rounds and stages the seed demo's data log (201 records, 256
// samples, 16 instances) with F16 samples: the demo's per-run write.
func BenchmarkStageDataLogSeed(b *testing.B) {
	const T, B, I, D, S = 201, 256, 16, 2, 5
	log := makeLog(T, B, I, D, S, standardParams(I, D, S), []string{"L_reconstruction", "L_sparsity"}, 8)
	dir := b.TempDir()
	b.ResetTimer()
	for k := 0; k < b.N; k++ {
		opts := DataLogOptions{SampleDtype: DtypeF16}
		if err := RoundDataLog(&log, opts); err != nil {
			b.Fatal(err)
		}
		st, err := StageDataLogWith(filepath.Join(dir, "d.safetensors"), log, opts)
		if err != nil {
			b.Fatal(err)
		}
		st.Abort()
	}
}

// BenchmarkDecodeF16 decodes 6M F16 values (the seed demo's data log) as float32.
func BenchmarkDecodeF16(b *testing.B) {
	raw := make([]byte, 2*6<<20)
	for k := range raw {
		raw[k] = byte(k * 7)
	}
	b.SetBytes(int64(len(raw)))
	for k := 0; k < b.N; k++ {
		decodeElems32(raw, DtypeF16, len(raw)/2)
	}
}
