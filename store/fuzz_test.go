package store

import (
	"os"
	"path/filepath"
	"testing"

	"saelab/sae"
	"saelab/toymodel"
)

// FuzzDecodeDataLog: the data-log reader never panics on any bytes, and a log it accepts
// writes back and reads again unchanged in size.
func FuzzDecodeDataLog(f *testing.F) {
	for _, log := range []sae.DataLog{
		makeLog(2, 3, 2, 2, 3, standardParams(2, 2, 3), []string{"L_reconstruction", "L_sparsity"}, 1),
		{NInst: 1, DIn: 1, DSAE: 1, SampleSize: 1},
	} {
		ts, md, err := dataLogTensors(log, DataLogOptions{})
		if err != nil {
			f.Fatal(err)
		}
		b, err := EncodeSafetensors(ts, md)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		ts, md, err := decodeSafetensors(data, isSampleTensor)
		if err != nil {
			return
		}
		log, err := dataLogFromTensors(ts, md)
		if err != nil {
			return
		}
		p := filepath.Join(t.TempDir(), "d.safetensors")
		if err := WriteDataLog(p, log); err != nil {
			return // e.g. a value that F32 cannot hold: refused with an error, not a panic
		}
		back, err := ReadDataLog(p)
		if err != nil {
			t.Fatalf("a log written from an accepted file does not read back: %v", err)
		}
		if len(back.Records) != len(log.Records) || len(back.Scalars) != len(log.Scalars) || len(back.Resamples) != len(log.Resamples) {
			t.Fatalf("round trip changed the log's size")
		}
	})
}

// FuzzDecodeSummary: summary.json validation never panics, and a summary it accepts encodes
// and decodes to an accepted summary.
func FuzzDecodeSummary(f *testing.F) {
	if b, err := os.ReadFile(filepath.Join("testdata", "summary-demo.json")); err == nil {
		f.Add(b)
	}
	f.Add([]byte(`{"version":"x","seed":1,"runs":[{"name":"toy-model","kind":"toymodel","steps":1,"wall_seconds":0,"final_loss":1}]}`))
	f.Add([]byte(`{"version":"x","seed":1,"runs":[{"name":"a","kind":"sae","status":"failed","error":"boom"}]}`))
	f.Add([]byte(`{"version":"x","runs":[{"name":"a","kind":"sae","arch":"standard","resample":"none","steps":3,"wall_seconds":1,"monosemantic_instances":0,"mean_mmcs":0.5,"instances":[{"index":0,"loss":1,"l_reconstruction":1,"l_sparsity":0,"l0":0,"dead_latents":0,"mmcs":0.5,"recovered_features":0,"monosemantic":false,"extra":{"x":1}}]}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := DecodeSummary(data)
		if err != nil {
			return
		}
		b, err := EncodeSummary(s)
		if err != nil {
			t.Fatalf("an accepted summary does not encode: %v", err)
		}
		if _, err := DecodeSummary(b); err != nil {
			t.Fatalf("an accepted summary does not decode again: %v", err)
		}
	})
}

// fuzzCheckpointRun is the small run whose checkpoints FuzzDecodeCheckpoint mutates.
func fuzzCheckpointRun() (toymodel.Config, toymodel.TrainConfig, sae.Config, sae.TrainConfig) {
	mc := toymodel.Config{NInst: 2, NFeatures: 4, DHidden: 2, FeatMagDistn: "unif"}
	mt := toymodel.DefaultTrainConfig()
	mt.Steps, mt.LogFreq, mt.BatchSize = 40, 10, 16
	sc := sae.DefaultConfig(2, 2, 3)
	sc.Arch, sc.K = "batchtopk", 0.5
	st := sae.DefaultTrainConfig()
	st.Steps, st.LogFreq, st.BatchSize, st.HiddenSampleSize = 40, 10, 16, 4
	st.Resample, st.ResampleFreq, st.ResampleWindow = "simple", 15, 10
	return mc, mt, sc, st
}

// FuzzDecodeCheckpoint: the checkpoint readers never panic on any bytes, and a checkpoint
// they accept resumes training without a panic (an error is fine: the engine checks it too).
func FuzzDecodeCheckpoint(f *testing.F) {
	mc, mt, sc, st := fuzzCheckpointRun()
	model, err := toymodel.New(mc, toymodel.Values{}, toymodel.Scalar(0.2), 1)
	if err != nil {
		f.Fatal(err)
	}
	dir := f.TempDir()
	tp, sp := filepath.Join(dir, "t.ckpt"), filepath.Join(dir, "s.ckpt")
	n := 0
	ctl := toymodel.Control{Checkpoint: func(ck *toymodel.Checkpoint) error {
		if n++; n == 3 {
			return WriteToyModelCheckpoint(tp, ck, mc, mt, "r")
		}
		return nil
	}}
	if _, err := toymodel.TrainWith(model.Clone(), mt, 1, nil, ctl); err != nil {
		f.Fatal(err)
	}
	s, err := sae.New(sc, model, 1)
	if err != nil {
		f.Fatal(err)
	}
	n = 0
	sctl := sae.Control{Checkpoint: func(ck *sae.Checkpoint) error {
		if n++; n == 4 {
			return WriteSAECheckpoint(sp, ck, sc, st, "r")
		}
		return nil
	}}
	if _, err := sae.TrainWith(s, st, 1, nil, sctl); err != nil {
		f.Fatal(err)
	}
	for k, p := range []string{tp, sp} {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b, uint8(k))
	}
	f.Fuzz(func(t *testing.T, data []byte, kind uint8) {
		if kind%2 == 0 {
			ck, err := decodeToyModelCheckpoint(data, mc, mt, "r")
			if err != nil {
				return
			}
			toymodel.TrainWith(model.Clone(), mt, 1, nil, toymodel.Control{Resume: ck})
			return
		}
		ck, err := decodeSAECheckpoint(data, sc, st, "r")
		if err != nil {
			return
		}
		s, err := sae.New(sc, model, 1)
		if err != nil {
			t.Fatal(err)
		}
		sae.TrainWith(s, st, 1, nil, sae.Control{Resume: ck})
	})
}
