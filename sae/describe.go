package sae

import (
	"strconv"
	"strings"
)

// What the code around the engine (files, reports, the command line) needs to know of an
// architecture, asked by name: a run directory names its architecture as text.

// AnimationRows are the rows the reference animates for an architecture (spec §3, §4): gated
// W_gate, _W_dec, h, h_r; jumprelu W_enc, h, h_r; the others W_enc, _W_dec, h, h_r. An
// unknown name gets the standard rows.
func AnimationRows(arch string) []string {
	switch arch {
	case "gated":
		return []string{"W_gate", "_W_dec", "h", "h_r"}
	case "jumprelu":
		return []string{"W_enc", "h", "h_r"}
	}
	return []string{"W_enc", "_W_dec", "h", "h_r"}
}

// AnimatesBestOnly reports whether the reference animates only the best instances of an
// architecture's runs (spec §9.3: gated and jumprelu fall into local minima more easily, so
// the reference shows the best 4 of 16).
func AnimatesBestOnly(arch string) bool { return arch == "gated" || arch == "jumprelu" }

// EncoderName is the name of the parameter whose columns are the latents' encoder directions:
// W_gate for gated, W_enc for every other architecture.
func EncoderName(arch string) string {
	if arch == "gated" {
		return "W_gate"
	}
	return "W_enc"
}

// Describe is a short text of the hyperparameters that set a run apart: λ for the L1/L0
// architectures; k, the Matryoshka widths and the AuxK coefficient for the TopK family; tied
// weights; and the resampling method when there is one. E.g. "λ 1 · resample advanced".
func Describe(c Config, tc TrainConfig) string {
	num := func(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }
	var parts []string
	switch c.Arch {
	case "standard", "gated", "jumprelu":
		parts = append(parts, "λ "+num(c.SparsityCoeff))
	case "topk", "batchtopk", "matryoshka":
		parts = append(parts, "k "+num(c.K))
		if c.Arch == "matryoshka" {
			ws := make([]string, 0, len(c.Widths()))
			for _, w := range c.Widths() {
				ws = append(ws, strconv.Itoa(w))
			}
			parts = append(parts, "widths "+strings.Join(ws, ","))
		}
		if c.AuxKCoeff > 0 {
			parts = append(parts, "aux-k "+num(c.AuxKCoeff))
		} else {
			parts = append(parts, "no aux-k")
		}
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
// d_sae S, by its reference name: W_enc, W_gate [I,D,S]; _W_dec [I,S,D]; b_dec [I,D]; b_enc,
// b_gate, r_mag, b_mag, log_theta [I,S]; threshold [I]. ok is false for a name no
// architecture has.
func ParamShape(name string, I, D, S int) (shape []int, ok bool) {
	switch name {
	case "W_enc", "W_gate":
		return []int{I, D, S}, true
	case "_W_dec":
		return []int{I, S, D}, true
	case "b_dec":
		return []int{I, D}, true
	case "b_enc", "b_gate", "r_mag", "b_mag", "log_theta":
		return []int{I, S}, true
	case "threshold":
		return []int{I}, true
	}
	return nil, false
}
