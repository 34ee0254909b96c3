package sae

import (
	"fmt"

	"saelab/internal/mem"
	"saelab/toymodel"
)

// What an SAE and its training allocate, stated next to the code that allocates it, so that a
// run too large for its memory limit is refused before anything is allocated (see
// internal/mem). Sizes follow the configs alone; batches use the expected number of active
// features per sample (toymodel.Model.ExpectedActive).

// Sizes returns the number of trainable values (Params), of state values (State) and of the
// TopK family's fired counters of an SAE of config c, from the architecture's shapes.
func Sizes(c Config) (params, state, counters int) {
	ps, st, fired := Layout(c)
	for _, p := range ps {
		params += product(p.Shape)
	}
	for _, p := range st {
		state += product(p.Shape)
	}
	if fired {
		counters = c.NInst * c.DSAE
	}
	return params, state, counters
}

// Layout lists what Params and State would return for an SAE of config c, names and shapes
// only (Data nil), without allocating the SAE, and whether it keeps fired counters
// (StepsSinceFired, the TopK family). An unknown architecture is laid out as the standard one.
func Layout(c Config) (params, state []Param, fired bool) {
	a := lookupArchOrStandard(c.Arch)
	s := &SAE{Cfg: c}
	if !c.TiedWeights {
		s.WDec = []float64{}
	}
	_, fired = a.(interface{ bindTopK(*SAE) })
	return a.params(s), a.state(s), fired
}

func product(shape []int) int {
	n := 1
	for _, d := range shape {
		n *= d
	}
	return n
}

// RecordBytes is the size in memory of one data-log record of an SAE of config c with n
// samples: every parameter and state value (float64), frac_active [I][S] and the per-sample
// tensors (float32).
func RecordBytes(c Config, n int) float64 {
	P, st, _ := Sizes(c)
	I, D, S := float64(c.NInst), float64(c.DIn), float64(c.DSAE)
	terms := float64(len(lookupArchOrStandard(c.Arch).termNames()))
	return float64(P+st)*mem.Float64 + I*S*mem.Float32 + float64(n)*I*(1+2*D+terms)*mem.Float32
}

func lookupArchOrStandard(name string) arch {
	if a := lookupArch(name); a != nil {
		return a
	}
	return standardArch{}
}

// LogMemory is the data log TrainWith keeps: its records and the per-record bookkeeping.
func LogMemory(c Config, tc TrainConfig) mem.Estimate {
	T := float64(toymodel.NumLogSteps(tc.Steps, tc.LogFreq))
	var e mem.Estimate
	e.Add(fmt.Sprintf("data log (%.0f records × %s; set by steps/log_freq, hidden_sample_size, n_inst, d_sae, d_in)", T, mem.Format(RecordBytes(c, tc.HiddenSampleSize))), T*RecordBytes(c, tc.HiddenSampleSize))
	E := 0.0
	if tc.Resample != "none" {
		E = float64(tc.Steps / tc.ResampleFreq)
	}
	terms := float64(len(lookupArchOrStandard(c.Arch).termNames()))
	e.Add("data-log bookkeeping (records and resamplings × n_inst; set by steps/log_freq, steps/resample_freq)", (T*float64(c.NInst)*(terms+2)+E*float64(c.NInst)+2*E+6*T)*mem.Float64)
	return e
}

// TrainMemory is what TrainWith holds for an SAE of config c trained with tc on a model of F
// features whose samples have about active features each: the SAE with its frozen model copy,
// Adam's moments, the data log, each worker's scratch and batch (workers instances train at
// once), and with checkpoint the checkpoint's copy of the log, the snapshots and the file's
// stacked parameters.
func TrainMemory(c Config, tc TrainConfig, F int, active float64, workers int, checkpoint bool) mem.Estimate {
	e := Memory(c, F)
	P, _, _ := Sizes(c)
	e.Add("Adam moments", 2*float64(P)*mem.Float64)
	log := LogMemory(c, tc)
	e = append(e, log...)
	e.Add(fmt.Sprintf("%d workers' scratch and batches (set by batch_size %d, d_sae, d_in, feature_probability)", workers, tc.BatchSize),
		float64(workers)*WorkerMemory(c, tc.BatchSize, active))
	if checkpoint {
		T := float64(toymodel.NumLogSteps(tc.Steps, tc.LogFreq))
		e.Add("checkpoint's copy of the data log (as the data log)", log[0].Bytes)
		e.Add("checkpoint snapshots and stacked parameters", (3*float64(P)+T*float64(P))*mem.Float64+float64(c.NInst*c.DSAE)*2*mem.Int)
	}
	return e
}

// Memory is an SAE of config c: its parameters and state, and the frozen copy of its toy
// model (F features).
func Memory(c Config, F int) mem.Estimate {
	P, st, n := Sizes(c)
	var e mem.Estimate
	e.Add("SAE parameters (n_inst·d_in·d_sae)", float64(P+st+n)*mem.Float64)
	e = append(e, toymodel.ModelMemory(toymodel.Config{NInst: c.NInst, NFeatures: F, DHidden: c.DIn})...)
	return e
}

// WorkerMemory is one worker's scratch while it trains an instance on batches of B samples
// with about active features each (the per-sample and large-shape kernels' buffers, the
// batch, its projected inputs, for BatchTopK and Matryoshka the batch's [rows][d_sae]
// selection, and for matching pursuit the residual of each of its k steps).
func WorkerMemory(c Config, B int, active float64) float64 {
	P, _, _ := Sizes(c)
	D, S := float64(c.DIn), float64(c.DSAE)
	rows := min(float64(B), float64(B)*active) + 1
	w := (8*S*D+float64(P)/float64(c.NInst)+40*S+30*D)*mem.Float64 + toymodel.BatchMemory(B, active) + 4*rows*D*mem.Float64
	if c.Arch == "batchtopk" || c.Arch == "matryoshka" {
		w += 2 * rows * S * (mem.Float64 + 1)
	}
	if c.Arch == "matching_pursuit" {
		T := float64(maxPursuitSteps) // the bound, for a k not yet validated
		if c.K >= 1 && c.K <= maxPursuitSteps {
			T = c.K
		}
		w += ((T+1)*D + 2*T) * mem.Float64
	}
	return w
}

// TermNamesOf is TermNames of an SAE of architecture arch (the standard SAE's for an unknown
// name), without an SAE.
func TermNamesOf(arch string) []string { return lookupArchOrStandard(arch).termNames() }
