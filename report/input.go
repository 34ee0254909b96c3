package report

import (
	"fmt"
	"time"
)

// Input is everything a report shows. All tensors are flat row-major []float64 with the shape in the comment.
type Input struct {
	Title      string
	Version    string // saelab version
	Seed       uint64
	ConfigYAML string    // resolved config, shown verbatim
	Model      *ToyModel // may be nil
	Runs       []SAERun
	Shrinkage  *Shrinkage // Figure-15 scatter (spec §7.6 part 2), may be nil
	// Comparison is the cross-run table (one row per SAE run, e.g. per architecture of
	// saelab compare), drawn first; none when empty.
	Comparison []ComparisonRow

	// Generated is the time shown as "generated"; zero means time.Now().
	Generated time.Time
	// AnimationBudget caps the bytes of animation data (all runs together, as
	// embedded in the page, shared equally); 0 means what keeps the page
	// within DefaultPageBytes (at least MinAnimationBudget). Frames are
	// subsampled to fit: the last frame and the frames with a red latent
	// (§7.2) are kept first.
	AnimationBudget int
}

// ToyModel is the trained toy model of superposition (spec §1).
type ToyModel struct {
	NInst, NFeatures, DHidden int
	W                         []float64 // [I][H][F]
	Importance                []float64 // [I][F]; may be empty (features drawn black)
	FeatureProbability        []float64 // [I][F]; may be empty (subplot titles "Instance #i")
	Hidden                    []float64 // [N][I][H] hidden states h = W x for a sample batch (scatter), N ~ 256-512
	NHidden                   int       // N; 0 with empty Hidden skips the scatter
	FinalLoss                 float64
	LossCurve                 []Point // (step, loss/I) optional
}

// Point is one (x, y) pair of a curve.
type Point struct{ X, Y float64 }

// SAERun is one trained SAE (all its instances) and its data log.
type SAERun struct {
	Name, Arch, Resample         string
	NInst, DIn, DSAE, SampleSize int
	FeatureProbability           float64 // for the frac_active reference line
	Frames                       []Frame // one per data-log record
	// Rows are the animation rows in order, from {"W_enc","W_gate","W_mag","_W_dec","h","h_r"}
	// (sae.AnimationRows); required, an empty Rows is an input error.
	Rows      []string
	Instances []int // which instances to animate (nil = all); e.g. best 4 for gated/jumprelu
	// Best lists the run's best instances, best first (spec §6.6, ranked by metrics.BestInstances
	// on the run's own data log); nil when unknown. The table stars them and the frac_active
	// plot shows the first four of them at first.
	Best []int
	// NFeatures is the toy model's n_features, the "of F" in the animation's "k/F recovered"
	// titles; 0 means Input.Model's, or, without a model, titles say "k recovered".
	NFeatures   int
	Table       []InstanceRow
	WallSeconds float64

	// HighlightResampled selects the §7.2 red highlighting of resampled
	// latents (color_resampled_latents). nil means: on iff Resample is set
	// and is not "none".
	HighlightResampled *bool
	// ColorHiddenByLoss colours h/h_r points rgb(255·v,0,0) by the
	// per-sample L_reconstruction (§7.2 loss colouring); needs Frame.LRec.
	ColorHiddenByLoss bool

	// hidden is what Compact kept of the per-sample tensors (see Compact).
	hidden *hiddenAnim
}

// Frame is one data-log record (spec §2.7). The per-record tensors are float32, as the data
// log holds them; the weights float64.
type Frame struct {
	Step       int
	FracActive []float32            // [I][S]
	Weights    map[string][]float64 // "W_enc" [I][D][S] (columns are latents), "W_gate" [I][D][S], "W_mag" [I][D][S], "_W_dec" [I][S][D] (rows are latents)
	H, HR      []float32            // [N][I][D]
	LRec       []float32            // [N][I] L_reconstruction per sample (for optional loss colouring)
	// Loss is the total loss per sample, [N][I] (optional; checked for its shape but not drawn:
	// the best-instance ranking that reads it is the caller's, see SAERun.Best).
	Loss []float32
}

// InstanceRow is one instance's line in a run's table.
type InstanceRow struct {
	Index                                      int
	Loss, LReconstruction, LSparsity, L0, MMCS float64
	DeadLatents, RecoveredFeatures             int
	Monosemantic                               bool
	Extra                                      map[string]float64 // optional further columns (e.g. "l2_ratio", "shrinkage_slope"), shown sorted by key
}

// ComparisonRow is one SAE run's line in the cross-run comparison table (Input.Comparison):
// means over the run's instances of its evaluation. NaN means unknown and is shown as "–".
type ComparisonRow struct {
	Name, Arch, Resample string
	Settings             string // the run's distinguishing hyperparameters, e.g. "λ 1 · resample advanced"
	NInst                int
	// Means over instances: L0, L_reconstruction, explained variance, MMCS (spec §6.2–6.4).
	L0, LReconstruction, ExplainedVariance, MMCS float64
	MonosemanticInstances                        int     // instances with every feature recovered (§6.4)
	DeadLatents                                  float64 // mean dead latents per instance
	ShrinkageSlope, L2Ratio                      float64 // means over instances (§6.5); < 1 = shrinkage
	WallSeconds                                  float64
}

// Shrinkage is the Figure-15 scatter (spec §7.6 part 2).
type Shrinkage struct {
	Title  string         // "" means "Act vs Reconstructed Act for {names joined by ' & '}"
	Series []ShrinkSeries // one per SAE: x = true act, y = reconstructed act
}

// ShrinkSeries is one SAE's points in the shrinkage scatter.
type ShrinkSeries struct {
	Name string
	X, Y []float64
}

// rowTitles are the §7.2 row titles; their keys are the valid row names.
var rowTitles = map[string]string{
	"W_enc":  "Encoder weights",
	"W_gate": "Gating weights",
	"W_mag":  "Magnitude weights",
	"_W_dec": "Decoder weights",
	"h":      "Hidden states",
	"h_r":    "Hidden states, reconstructed",
}

// rowTitlesShort are two-line row titles for narrow animation cells.
var rowTitlesShort = map[string]string{
	"W_enc":  "Encoder<br>weights",
	"W_gate": "Gating<br>weights",
	"W_mag":  "Magnitude<br>weights",
	"_W_dec": "Decoder<br>weights",
	"h":      "Hidden<br>states",
	"h_r":    "Hidden states,<br>reconstructed",
}

func isWRow(name string) bool { return name != "h" && name != "h_r" }

func checkLen(field string, got, want int, shape string) error {
	if got != want {
		return fmt.Errorf("report: %s: expected %d values (%s), got %d", field, want, shape, got)
	}
	return nil
}

func (in *Input) validate() error {
	if in.AnimationBudget < 0 {
		return fmt.Errorf("report: AnimationBudget: must be >= 0, got %d", in.AnimationBudget)
	}
	if m := in.Model; m != nil {
		if err := m.validate(); err != nil {
			return err
		}
	}
	for r := range in.Runs {
		if err := in.Runs[r].validate(fmt.Sprintf("Runs[%d] (%q)", r, in.Runs[r].Name)); err != nil {
			return err
		}
	}
	for k, c := range in.Comparison {
		switch {
		case c.Name == "":
			return fmt.Errorf("report: Comparison[%d].Name: empty", k)
		case c.NInst < 0:
			return fmt.Errorf("report: Comparison[%d] (%q).NInst: must be >= 0, got %d", k, c.Name, c.NInst)
		case c.MonosemanticInstances < 0 || (c.NInst > 0 && c.MonosemanticInstances > c.NInst):
			return fmt.Errorf("report: Comparison[%d] (%q).MonosemanticInstances: %d out of range [0, NInst=%d]", k, c.Name, c.MonosemanticInstances, c.NInst)
		}
	}
	if s := in.Shrinkage; s != nil {
		for k, se := range s.Series {
			if len(se.X) != len(se.Y) {
				return fmt.Errorf("report: Shrinkage.Series[%d] (%q): len(X)=%d but len(Y)=%d, expected equal", k, se.Name, len(se.X), len(se.Y))
			}
		}
	}
	return nil
}

// checkInstances checks that list holds distinct instances in [0, nInst).
func checkInstances(field string, list []int, nInst int) error {
	seen := make(map[int]bool, len(list))
	for k, i := range list {
		if i < 0 || i >= nInst {
			return fmt.Errorf("report: %s[%d]: instance %d out of range [0, %d)", field, k, i, nInst)
		}
		if seen[i] {
			return fmt.Errorf("report: %s[%d]: instance %d listed twice", field, k, i)
		}
		seen[i] = true
	}
	return nil
}

func (m *ToyModel) validate() error {
	if m.NInst <= 0 || m.NFeatures <= 0 || m.DHidden <= 0 {
		return fmt.Errorf("report: Model: NInst, NFeatures, DHidden must be > 0, got %d, %d, %d", m.NInst, m.NFeatures, m.DHidden)
	}
	I, F, H := m.NInst, m.NFeatures, m.DHidden
	if err := checkLen("Model.W", len(m.W), I*H*F, fmt.Sprintf("[I=%d][H=%d][F=%d]", I, H, F)); err != nil {
		return err
	}
	if len(m.Importance) != 0 {
		if err := checkLen("Model.Importance", len(m.Importance), I*F, fmt.Sprintf("[I=%d][F=%d]", I, F)); err != nil {
			return err
		}
	}
	if len(m.FeatureProbability) != 0 {
		if err := checkLen("Model.FeatureProbability", len(m.FeatureProbability), I*F, fmt.Sprintf("[I=%d][F=%d]", I, F)); err != nil {
			return err
		}
	}
	if m.NHidden < 0 {
		return fmt.Errorf("report: Model.NHidden: must be >= 0, got %d", m.NHidden)
	}
	return checkLen("Model.Hidden", len(m.Hidden), m.NHidden*I*H, fmt.Sprintf("[N=%d][I=%d][H=%d]", m.NHidden, I, H))
}

// rows returns the run's animation rows.
func (r *SAERun) rows() []string { return r.Rows }

// instances returns the animated instances (all if none are given).
func (r *SAERun) instances() []int {
	if r.Instances == nil {
		out := make([]int, r.NInst)
		for i := range out {
			out[i] = i
		}
		return out
	}
	return r.Instances
}

func (r *SAERun) highlight() bool {
	if r.HighlightResampled != nil {
		return *r.HighlightResampled
	}
	return r.Resample != "" && r.Resample != "none" && r.Resample != "None"
}

// nSamples is N of the [N][I][D] hidden-state tensors.
func (r *SAERun) nSamples() int {
	if r.SampleSize > 0 {
		return r.SampleSize
	}
	if r.hidden != nil {
		return r.hidden.n
	}
	for _, f := range r.Frames {
		if len(f.H) > 0 && r.NInst > 0 && r.DIn > 0 {
			return len(f.H) / (r.NInst * r.DIn)
		}
	}
	return 0
}

func (r *SAERun) validate(name string) error {
	if r.NInst <= 0 || r.DIn <= 0 || r.DSAE <= 0 {
		return fmt.Errorf("report: %s: NInst, DIn, DSAE must be > 0, got %d, %d, %d", name, r.NInst, r.DIn, r.DSAE)
	}
	if r.SampleSize < 0 {
		return fmt.Errorf("report: %s.SampleSize: must be >= 0, got %d", name, r.SampleSize)
	}
	if r.NFeatures < 0 {
		return fmt.Errorf("report: %s.NFeatures: must be >= 0, got %d", name, r.NFeatures)
	}
	I := r.NInst
	if len(r.Rows) == 0 {
		return fmt.Errorf("report: %s.Rows: empty; expected the animation rows, e.g. W_enc, _W_dec, h, h_r", name)
	}
	if err := checkInstances(name+".Best", r.Best, I); err != nil {
		return err
	}
	used := map[string]bool{}
	for k, row := range r.rows() {
		if _, ok := rowTitles[row]; !ok {
			return fmt.Errorf("report: %s.Rows[%d]: unknown row %q, expected one of W_enc, W_gate, W_mag, _W_dec, h, h_r", name, k, row)
		}
		used[row] = true
	}
	if err := checkInstances(name+".Instances", r.Instances, I); err != nil {
		return err
	}
	if r.Instances != nil && len(r.Instances) == 0 {
		return fmt.Errorf("report: %s.Instances: empty (use nil for all instances)", name)
	}
	nFrac := 0
	for t := range r.Frames {
		f := &r.Frames[t]
		fn := fmt.Sprintf("%s.Frames[%d]", name, t)
		if t > 0 && f.Step <= r.Frames[t-1].Step {
			return fmt.Errorf("report: %s.Step: steps must increase, got %d after %d", fn, f.Step, r.Frames[t-1].Step)
		}
		if len(f.FracActive) != 0 {
			nFrac++
		}
		if err := r.validateFrame(fn, f, used); err != nil {
			return err
		}
	}
	if nFrac != 0 && nFrac != len(r.Frames) {
		return fmt.Errorf("report: %s.Frames: FracActive present in %d of %d frames, expected all or none", name, nFrac, len(r.Frames))
	}
	for k, row := range r.Table {
		if row.Index < 0 || row.Index >= I {
			return fmt.Errorf("report: %s.Table[%d].Index: instance %d out of range [0, %d)", name, k, row.Index, I)
		}
	}
	return nil
}

// validateFrame checks the shapes of frame f (named fn) of the run; used holds the run's
// animation rows, whose data a frame must have where the animation is drawn (d_in = 2).
func (r *SAERun) validateFrame(fn string, f *Frame, used map[string]bool) error {
	I, D, S, N := r.NInst, r.DIn, r.DSAE, r.nSamples()
	animated := D == 2
	if len(f.FracActive) != 0 {
		if err := checkLen(fn+".FracActive", len(f.FracActive), I*S, fmt.Sprintf("[I=%d][S=%d]", I, S)); err != nil {
			return err
		}
	}
	for key, w := range f.Weights {
		shape := fmt.Sprintf("[I=%d][D=%d][S=%d]", I, D, S)
		if key == "_W_dec" {
			shape = fmt.Sprintf("[I=%d][S=%d][D=%d]", I, S, D)
		}
		switch key {
		case "W_enc", "W_gate", "W_mag", "_W_dec":
			if err := checkLen(fmt.Sprintf("%s.Weights[%q]", fn, key), len(w), I*D*S, shape); err != nil {
				return err
			}
		}
	}
	for row := range used {
		if animated && isWRow(row) {
			if _, ok := f.Weights[row]; !ok {
				return fmt.Errorf("report: %s.Weights: missing %q, needed by animation row %q", fn, row, row)
			}
		}
	}
	if r.hidden != nil {
		return nil // checked by Compact, which dropped the per-sample tensors
	}
	hShape := fmt.Sprintf("[N=%d][I=%d][D=%d]", N, I, D)
	if len(f.H) != 0 || (animated && used["h"]) {
		if err := checkLen(fn+".H", len(f.H), N*I*D, hShape); err != nil {
			return err
		}
	}
	if len(f.HR) != 0 || (animated && used["h_r"]) {
		if err := checkLen(fn+".HR", len(f.HR), N*I*D, hShape); err != nil {
			return err
		}
	}
	lShape := fmt.Sprintf("[N=%d][I=%d]", N, I)
	if len(f.LRec) != 0 || (animated && r.ColorHiddenByLoss && (used["h"] || used["h_r"])) {
		if err := checkLen(fn+".LRec", len(f.LRec), N*I, lShape); err != nil {
			return err
		}
	}
	if len(f.Loss) != 0 {
		return checkLen(fn+".Loss", len(f.Loss), N*I, lShape)
	}
	return nil
}
