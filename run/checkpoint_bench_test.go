package run

import (
	"path/filepath"
	"testing"
	"time"

	"saelab/config"
	"saelab/sae"
	"saelab/store"
	"saelab/toymodel"
)

// The cost of checkpointing: the demo's toy model and its first SAE run trained with no
// checkpoint, with the pipeline's default (every 10 s), every second, and at every logged step
// (each instance snapshots at every log record and the file is rewritten at once, in step).
// The checkpoints go to real files in a temporary directory.
var checkpointIntervals = []struct {
	name  string
	every time.Duration
	on    bool
}{{"off", 0, false}, {"default-10s", DefaultCheckpointEvery, true}, {"every-1s", time.Second, true}, {"every-record", 0, true}}

func BenchmarkSAECheckpoints(b *testing.B) { benchSAECheckpoints(b, 1, checkpointIntervals) }

// BenchmarkSAECheckpointsLong is the demo's SAE run ten times longer (200,000 steps, about 20
// s): long enough for the default interval to write checkpoints while it trains.
func BenchmarkSAECheckpointsLong(b *testing.B) {
	benchSAECheckpoints(b, 10, checkpointIntervals[:2])
}

func benchSAECheckpoints(b *testing.B, longer int, intervals []struct {
	name  string
	every time.Duration
	on    bool
}) {
	c := config.Demo()
	c.SAETrain.Steps *= longer
	m, err := c.ResolveModel()
	if err != nil {
		b.Fatal(err)
	}
	runs, err := c.ResolveSAERuns(m.Cfg.NInst, m.Cfg.DHidden)
	if err != nil {
		b.Fatal(err)
	}
	rc := runs[0]
	for _, iv := range intervals {
		b.Run(iv.name, func(b *testing.B) {
			path := filepath.Join(b.TempDir(), store.SAECheckpointFile(rc.Name))
			saves := 0
			for b.Loop() {
				s, err := sae.New(rc.SAE, m, c.Seed)
				if err != nil {
					b.Fatal(err)
				}
				ctl := sae.Control{Every: iv.every}
				if iv.on {
					ctl.Checkpoint = func(ck *sae.Checkpoint) error {
						saves++
						return store.WriteSAECheckpoint(path, ck, rc.SAE, rc.Train, "bench")
					}
				}
				if _, err := sae.TrainWith(s, rc.Train, c.Seed, nil, ctl); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(saves)/float64(b.N), "saves/op")
		})
	}
}

func BenchmarkToyModelCheckpoints(b *testing.B) {
	c := config.Demo()
	for _, iv := range checkpointIntervals {
		b.Run(iv.name, func(b *testing.B) {
			path := filepath.Join(b.TempDir(), store.ToyModelCheckpointFile)
			saves := 0
			for b.Loop() {
				m, err := c.ResolveModel()
				if err != nil {
					b.Fatal(err)
				}
				ctl := toymodel.Control{Every: iv.every}
				if iv.on {
					ctl.Checkpoint = func(ck *toymodel.Checkpoint) error {
						saves++
						return store.WriteToyModelCheckpoint(path, ck, c.Model.Config, c.ModelTrain, "bench")
					}
				}
				if _, err := toymodel.TrainWith(m, c.ModelTrain, c.Seed, nil, ctl); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(saves)/float64(b.N), "saves/op")
		})
	}
}
