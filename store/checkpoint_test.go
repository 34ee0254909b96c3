package store

import (
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"saelab/sae"
	"saelab/toymodel"
)

// TestToyModelCheckpointResume: a toy-model run stopped after a few checkpoints and resumed
// from the file its last checkpoint wrote ends with the uninterrupted run's bits.
func TestToyModelCheckpointResume(t *testing.T) {
	cfg := toymodel.Config{NInst: 3, NFeatures: 5, DHidden: 2, FeatMagDistn: "unif"}
	m0, err := toymodel.New(cfg, toymodel.Values{}, toymodel.Scalar(0.1), 1)
	if err != nil {
		t.Fatal(err)
	}
	tc := toymodel.DefaultTrainConfig()
	tc.Steps, tc.LogFreq, tc.BatchSize = 300, 30, 64
	full := m0.Clone()
	want, err := toymodel.Train(full, tc, 2, nil)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), ToyModelCheckpointFile)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	n := 0
	ctl := toymodel.Control{Context: ctx, Checkpoint: func(ck *toymodel.Checkpoint) error {
		if n++; n == 5 {
			cancel()
		}
		return WriteToyModelCheckpoint(path, ck, cfg, tc, "run-a")
	}}
	if _, err := toymodel.TrainWith(m0.Clone(), tc, 2, nil, ctl); !errors.Is(err, toymodel.ErrStopped) {
		t.Fatalf("err = %v", err)
	}
	if _, err := ReadToyModelCheckpoint(path, cfg, tc, "run-b"); err == nil || !strings.Contains(err.Error(), "another run") {
		t.Fatalf("another run's checkpoint: err = %v", err)
	}
	ck, err := ReadToyModelCheckpoint(path, cfg, tc, "run-a")
	if err != nil {
		t.Fatal(err)
	}
	m := m0.Clone()
	got, err := toymodel.TrainWith(m, tc, 2, nil, toymodel.Control{Resume: ck})
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(got) != fmt.Sprint(want) || !sameFloats(m.W, full.W) || !sameFloats(m.BFinal, full.BFinal) {
		t.Fatal("resumed from the file: results differ from the uninterrupted run")
	}
}

// TestSAECheckpointResume is the same for SAE training, through the data log too, for a
// batch-coupled architecture with state and resampling.
func TestSAECheckpointResume(t *testing.T) {
	for _, arch := range []string{"standard", "batchtopk", "gated"} {
		t.Run(arch, func(t *testing.T) {
			mc := toymodel.Config{NInst: 3, NFeatures: 5, DHidden: 2, FeatMagDistn: "unif"}
			model, err := toymodel.New(mc, toymodel.Values{}, toymodel.Scalar(0.05), 1)
			if err != nil {
				t.Fatal(err)
			}
			c := sae.DefaultConfig(3, 2, 5)
			c.Arch = arch
			if arch == "batchtopk" {
				c.K = 0.25
			}
			tc := sae.DefaultTrainConfig()
			tc.Steps, tc.LogFreq, tc.BatchSize, tc.HiddenSampleSize = 300, 20, 64, 8
			tc.Resample, tc.ResampleFreq, tc.ResampleWindow = "simple", 70, 40
			build := func() *sae.SAE {
				s, err := sae.New(c, model, 4)
				if err != nil {
					t.Fatal(err)
				}
				return s
			}
			full := build()
			wantLog, err := sae.Train(full, tc, 6, nil)
			if err != nil {
				t.Fatal(err)
			}
			path := filepath.Join(t.TempDir(), SAECheckpointFile("x"))
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			n := 0
			ctl := sae.Control{Context: ctx, Checkpoint: func(ck *sae.Checkpoint) error {
				if n++; n == 7 {
					cancel()
				}
				return WriteSAECheckpoint(path, ck, c, tc, "x")
			}}
			if _, err := sae.TrainWith(build(), tc, 6, nil, ctl); !errors.Is(err, sae.ErrStopped) {
				t.Fatalf("err = %v", err)
			}
			ck, err := ReadSAECheckpoint(path, c, tc, "x")
			if err != nil {
				t.Fatal(err)
			}
			s := build()
			gotLog, err := sae.TrainWith(s, tc, 6, nil, sae.Control{Resume: ck})
			if err != nil {
				t.Fatal(err)
			}
			for k, p := range append(full.Params(), full.State()...) {
				if !sameFloats(p.Data, append(s.Params(), s.State()...)[k].Data) {
					t.Fatalf("%s differs after resuming from the file", p.Name)
				}
			}
			// The log's parameters before the checkpoint went through F32, as the data-log
			// file keeps them: the files written from the two logs are the same.
			a, b := filepath.Join(t.TempDir(), "a"), filepath.Join(t.TempDir(), "b")
			if err := WriteDataLog(a, wantLog); err != nil {
				t.Fatal(err)
			}
			if err := WriteDataLog(b, gotLog); err != nil {
				t.Fatal(err)
			}
			ba, _ := os.ReadFile(a)
			bb, _ := os.ReadFile(b)
			if string(ba) != string(bb) {
				t.Fatal("the data-log files differ after resuming from the file")
			}
			if fmt.Sprint(wantLog.Scalars) != fmt.Sprint(gotLog.Scalars) {
				t.Fatal("the scalars differ")
			}
		})
	}
}

// TestCheckpointRefusesDamage: a truncated or foreign file is an error, never a panic.
func TestCheckpointRefusesDamage(t *testing.T) {
	dir := t.TempDir()
	cfg := toymodel.Config{NInst: 2, NFeatures: 3, DHidden: 2, FeatMagDistn: "unif"}
	tc := toymodel.DefaultTrainConfig()
	if _, err := ReadToyModelCheckpoint(filepath.Join(dir, "none"), cfg, tc, "r"); err == nil {
		t.Fatal("a missing file was read")
	}
	p := filepath.Join(dir, "m.safetensors")
	if err := WriteSafetensors(p, []Tensor{{Name: "W", Shape: []int{1}, Data: []float64{1}}}, map[string]string{"format": "x"}); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadToyModelCheckpoint(p, cfg, tc, "r"); err == nil || !strings.Contains(err.Error(), "not a saelab checkpoint") {
		t.Fatalf("err = %v", err)
	}
	sc := sae.DefaultConfig(2, 2, 3)
	if _, err := ReadSAECheckpoint(p, sc, sae.DefaultTrainConfig(), "r"); err == nil {
		t.Fatal("a foreign file was read as an SAE checkpoint")
	}
}

func sameFloats(a, b []float64) bool {
	if len(a) != len(b) {
		return false
	}
	for k := range a {
		if math.Float64bits(a[k]) != math.Float64bits(b[k]) {
			return false
		}
	}
	return true
}
