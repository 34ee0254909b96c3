package run

import (
	"fmt"
	"math"
	"os"
	"runtime"
	"strconv"
	"strings"

	"saelab/eval"
	"saelab/internal/mem"
	"saelab/report"
	"saelab/sae"
	"saelab/toymodel"
)

// DefaultMemoryLimit bounds the memory a run may need at its peak (estimated from its config
// before anything is allocated): 4 GiB. SAELAB_MEMORY_LIMIT overrides it.
const DefaultMemoryLimit = 4 << 30

// MemoryLimitEnv names the environment variable that sets the memory limit, in bytes or with
// a unit: 8GiB, 512MiB, 2e9, 16G.
const MemoryLimitEnv = "SAELAB_MEMORY_LIMIT"

// MemoryLimit returns the limit in force and how it was set.
func MemoryLimit() (float64, string, error) {
	v := strings.TrimSpace(os.Getenv(MemoryLimitEnv))
	if v == "" {
		return DefaultMemoryLimit, "the default; set " + MemoryLimitEnv + " to change it", nil
	}
	b, err := parseBytes(v)
	if err != nil || b < 1<<20 {
		return 0, "", fmt.Errorf("%s = %q: must be a size of at least 1MiB, e.g. 8GiB, 512MiB or 2e9", MemoryLimitEnv, v)
	}
	return b, "set by " + MemoryLimitEnv, nil
}

// parseBytes reads a byte count: a number with an optional unit (k/K, M, G, T; B, iB).
func parseBytes(v string) (float64, error) {
	units := []struct {
		suffix string
		mult   float64
	}{{"KIB", 1 << 10}, {"MIB", 1 << 20}, {"GIB", 1 << 30}, {"TIB", 1 << 40},
		{"KB", 1e3}, {"MB", 1e6}, {"GB", 1e9}, {"TB", 1e12}, {"K", 1e3}, {"M", 1e6}, {"G", 1e9}, {"T", 1e12}, {"B", 1}}
	u := strings.ToUpper(v)
	mult := 1.0
	for _, x := range units {
		if strings.HasSuffix(u, x.suffix) {
			u, mult = strings.TrimSpace(strings.TrimSuffix(u, x.suffix)), x.mult
			break
		}
	}
	f, err := strconv.ParseFloat(u, 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, fmt.Errorf("not a size")
	}
	return f * mult, nil
}

// phaseMemory is one phase of a pipeline and what it holds at its peak.
type phaseMemory struct {
	phase string
	e     mem.Estimate
}

// memoryPhases estimates each phase of the prepared plan: the toy model's training, each SAE
// run's training, saving and evaluation (with the report parts of the runs before it), and
// the report. workers is how many instances train at once.
func (pr *prepared) memoryPhases(p Plan, workers int) []phaseMemory {
	mc := pr.model.Cfg
	active := pr.model.ExpectedActive()
	var base mem.Estimate
	base.Merge("", toymodel.ModelMemory(mc))
	base.Merge("read-back ", toymodel.ModelMemory(mc))
	var out []phaseMemory
	if p.TrainModel {
		e := append(mem.Estimate(nil), base...)
		e.Merge("", toymodel.TrainMemory(mc, pr.c.ModelTrain, active, min(workers, mc.NInst), true))
		out = append(out, phaseMemory{"the toy model's training", e})
	}
	var parts float64
	for _, rc := range pr.runs {
		w := min(workers, rc.SAE.NInst)
		T := toymodel.NumLogSteps(rc.Train.Steps, rc.Train.LogFreq)
		part := report.PartBytes(rc.SAE.NInst, rc.SAE.DIn, rc.SAE.DSAE, T, rc.Train.HiddenSampleSize)
		held := append(mem.Estimate(nil), base...)
		held.Add("report: the animation frames of the runs before (set by steps/log_freq, n_inst, d_sae, d_in)", parts)
		train := append(mem.Estimate(nil), held...)
		train.Merge("", sae.TrainMemory(rc.SAE, rc.Train, mc.NFeatures, active, w, true))
		save := append(mem.Estimate(nil), held...)
		save.Merge("", sae.Memory(rc.SAE, mc.NFeatures))
		save.Merge("reloaded ", sae.Memory(rc.SAE, mc.NFeatures))
		save.Merge("", sae.LogMemory(rc.SAE, rc.Train))
		P, st, _ := sae.Sizes(rc.SAE)
		save.Add("data-log file's stacked parameters", float64(T)*float64(P+st)*mem.Float64)
		save.Add("report: its animation frames (set by steps/log_freq, n_inst, d_sae, d_in)", part)
		ev := append(mem.Estimate(nil), held...)
		ev.Merge("", sae.Memory(rc.SAE, mc.NFeatures))
		ev.Add("report: its animation frames (set by steps/log_freq, n_inst, d_sae, d_in)", part)
		ev.Merge("", eval.Memory(rc.SAE, mc.NFeatures, active, w))
		for _, ph := range []phaseMemory{{"training", train}, {"saving", save}, {"evaluation", ev}} {
			out = append(out, phaseMemory{"run " + rc.Name + "'s " + ph.phase, ph.e})
		}
		parts += part
	}
	if len(pr.runs) > 0 || p.TrainModel {
		e := append(mem.Estimate(nil), base...)
		// Measured: building the page holds about four times the frames it draws.
		e.Add("report: the runs' animation frames and the page built from them (records × n_inst·d_sae·d_in weights; set by steps/log_freq, n_inst, d_sae, d_in)", 5*parts)
		if mc.DHidden == 2 {
			e.Add("report's hidden-state sample", float64(report.HiddenSamples*mc.NInst*2)*mem.Float64)
		}
		out = append(out, phaseMemory{"the report", e})
	}
	return out
}

// checkMemory refuses a plan whose estimated peak exceeds the memory limit, saying what the
// peak phase would need, its largest parts and the limit.
func (pr *prepared) checkMemory(p Plan) error {
	limit, how, err := MemoryLimit()
	if err != nil {
		return err
	}
	var peak phaseMemory
	for _, ph := range pr.memoryPhases(p, runtime.GOMAXPROCS(0)) {
		if ph.e.Total() > peak.e.Total() {
			peak = ph
		}
	}
	if peak.e.Total() <= limit {
		return nil
	}
	var parts []string
	for _, pt := range peak.e.Largest(3) {
		parts = append(parts, fmt.Sprintf("%s %s", pt.What, mem.Format(pt.Bytes)))
	}
	return fmt.Errorf("memory: this run would need about %s at its peak (%s), more than the limit of %s (%s); its largest parts: %s. Make the largest part smaller",
		mem.Format(peak.e.Total()), peak.phase, mem.Format(limit), how, strings.Join(parts, "; "))
}
