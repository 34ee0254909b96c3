package sae

import (
	"strconv"
	"strings"
)

// What the code around the engine (files, reports, the command line) needs to know of an
// architecture, asked by name: a run directory names its architecture as text.

// AnimationRows are the rows the reference animates for an architecture (spec §3, §4): gated
// W_gate, _W_dec, h, h_r; jumprelu W_enc, h, h_r; matching_pursuit (no encoder) _W_dec, h,
// h_r; the others W_enc, _W_dec, h, h_r. An unknown name gets the standard rows.
func AnimationRows(arch string) []string { return describedArch(arch).animationRows() }

// AnimatesBestOnly reports whether the reference animates only the best instances of an
// architecture's runs (spec §9.3: gated and jumprelu fall into local minima more easily, so
// the reference shows the best 4 of 16).
func AnimatesBestOnly(arch string) bool { return describedArch(arch).animatesBestOnly() }

// EncoderName is the name of the parameter whose columns are the latents' encoder directions:
// W_gate for gated, _W_dec for matching_pursuit (its encoder is W_decᵀ), W_enc for the others.
func EncoderName(arch string) string { return describedArch(arch).encoderName() }

// describedArch is the table entry named arch, or the standard SAE's for an unknown name.
func describedArch(arch string) arch {
	if a := lookupArch(arch); a != nil {
		return a
	}
	return standardArch{}
}

// Describe is a short text of the hyperparameters that set a run apart: λ for the L1/L0
// architectures; k, the Matryoshka widths and the AuxK coefficient for the TopK family; the
// pursuit's max iterations for matching_pursuit; tied weights; and the resampling method when
// there is one. E.g. "λ 1 · resample advanced". An unknown architecture contributes no
// hyperparameter.
func Describe(c Config, tc TrainConfig) string {
	var parts []string
	if a := lookupArch(c.Arch); a != nil {
		parts = a.describe(c)
	}
	if c.TiedWeights {
		parts = append(parts, "tied")
	}
	if tc.Resample != "" && tc.Resample != "none" {
		parts = append(parts, "resample "+tc.Resample)
	}
	return strings.Join(parts, " · ")
}

// ParamShape is the shape of a saved or logged tensor of an I-instance SAE with d_in D and
// d_sae S, by its reference name, as the architecture that has it lays it out (W_enc [I,D,S],
// _W_dec [I,S,D], b_dec [I,D], log_theta [I,S], threshold [I], …). ok is false for a name no
// architecture has.
func ParamShape(name string, I, D, S int) (shape []int, ok bool) {
	for _, a := range archTable {
		// A bare untied SAE: the architectures list shapes from the config alone.
		s := &SAE{Cfg: Config{NInst: I, DIn: D, DSAE: S, Arch: a.name()}, WDec: []float64{}}
		for _, p := range append(a.params(s), a.state(s)...) {
			if p.Name == name {
				return p.Shape, true
			}
		}
	}
	return nil, false
}

// num formats a hyperparameter in the shortest form that reads back the same.
func num(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }
