package sae

import (
	"saelab/rng"
)

// laneBatches lets the Gated and JumpReLU SAEs train their nonzero samples through the lane
// kernels (vec.GatedLanes, vec.JumpReLULanes) where the shape allows (lanes2). Those give
// perSampleBatch's bits; tests set it false to run perSampleBatch instead and compare.
var laneBatches = true

// lanes2 reports whether the Gated and JumpReLU lane kernels take instance batches: d_in = 2
// and a lane-sized SAE (useLanes).
func (s *SAE) lanes2() bool { return laneBatches && s.Cfg.DIn == 2 && s.useLanes() }

// drawLanes2 draws the lane kernels' layout directly when they will run (lanes2).
func drawLanes2(s *SAE, i, B int, r *rng.Stream, hb *hiddenBatch) {
	if s.lanes2() {
		s.drawHiddenSoA(i, B, r, hb)
	} else {
		s.drawHidden(i, B, r, hb)
	}
}

// arch is everything that sets one architecture apart. New picks the table entry named by
// Config.Arch and binds it to the SAE (arch.bind); every other function of the package asks
// s.arch instead of switching on the name. Each architecture's file holds its implementation:
//
//	standard.go         standardArch        (spec §2)
//	gated.go            gatedArch           (spec §3)
//	jumprelu.go         jumpReLUArch        (spec §4)
//	topk.go             topKArch            (spec §5; the TopK family's shared forward, backward and AuxK)
//	batchtopk.go        batchTopKArch       (spec §5; the batch-coupled selection)
//	matryoshka.go       matryoshkaArch      (spec §5; BatchTopK plus nested-prefix terms)
//	matchingpursuit.go  matchingPursuitArch (spec §11.3; greedy pursuit over the decoder rows)
//
// base gives the defaults (the standard SAE's where there is one); an architecture embeds it
// and overrides what differs. Methods receive the SAE: a bound arch holds only small values of
// its own (slot numbers, widths), never a tensor, so a shallow copy of an SAE stays valid.
type arch interface {
	// name is the architecture's Config.Arch value.
	name() string
	// validate checks the hyperparameters only this architecture reads (after Config's
	// generic checks); each error names the field, its value and what is allowed.
	validate(c Config) error
	// animationRows, animatesBestOnly, encoderName and describe answer the package's public
	// helpers of the same names (describe.go).
	animationRows() []string
	animatesBestOnly() bool
	encoderName() string
	describe(c Config) []string

	// bind allocates and initialises the architecture's own tensors on s (W_enc, _W_dec and
	// b_dec are already drawn) and returns the arch bound to s.
	bind(s *SAE) arch
	// params lists the trainable parameters in the reference's named_parameters order.
	params(s *SAE) []Param
	// state lists the non-trained state saved and logged with the parameters.
	state(s *SAE) []Param

	// termNames lists the loss terms; the first two are L_reconstruction and L_sparsity.
	termNames() []string
	// loss combines one sample's terms (in termNames order) into its loss.
	loss(c *Config, t termVec) float64

	// prep derives instance i's per-instance values into aw (sized by prepArch) from the
	// current parameters: what sample needs besides w (which holds prepare(i)).
	prep(s *SAE, i int, aw *archWork)
	// sample runs one input h [D] of instance i through the inference forward, leaving acts in
	// w.acts and h_rec in w.hrec, and returns its terms; with grad it adds scale·∂loss/∂θ to
	// w.g (and to w.gWn for a normalised decoder).
	sample(s *SAE, i int, h []float64, scale float64, w *work, aw *archWork, grad bool) termVec
	// batch runs instance i's training batch forward and backward: it adds the gradient of
	// mean_b loss, counts each latent's active samples (|acts| > 1e-8) and returns the batch
	// sums of [loss, terms...]. w holds prepare(i), aw prep(i), counts is cleared.
	batch(s *SAE, i int, hb *hiddenBatch, B int, w *work, aw *archWork, counts []int) [5]float64
	// normalizedDecoder reports whether the forward decodes with W_dec_normalized (so that
	// finishDecoderGrad completes the decoder's gradient) rather than the raw W_dec.
	normalizedDecoder() bool
	// forwardTraining is ForwardTraining, with the selection mask of batch-coupled archs.
	forwardTraining(s *SAE, h []float64, B int) (Output, []bool)
	// draw fills hb with instance i's fresh training batch of B inputs, in the layout batch
	// reads fastest.
	draw(s *SAE, i, B int, r *rng.Stream, hb *hiddenBatch)
	// afterStep updates the non-trained state from the step's batch (aw as batch left it).
	afterStep(s *SAE, i int, aw *archWork)

	// resetLatent resets latent j's own parameters on resampling (spec §2.9, §3, §4).
	resetLatent(s *SAE, i, j int)
	// resampleLatent writes a resampled latent: encoder column enc, decoder row dec and the
	// resets, in the reference's order for the method (spec §2.11: with tied weights the last
	// write of the shared storage wins).
	resampleLatent(s *SAE, i, j int, enc, dec []float64, advanced bool)

	// saelens returns instance i in SAELens's inference layout (saelens.go), computing
	// exactly what this architecture's forward computes.
	saelens(s *SAE, i int) saelensExport
}

// archTable lists the architectures in the order Archs gives them. Adding an architecture
// is one file implementing arch and one entry here (see doc.go).
var archTable = []arch{
	standardArch{},
	gatedArch{},
	jumpReLUArch{},
	topKArch{},
	batchTopKArch{},
	matryoshkaArch{},
	matchingPursuitArch{},
}

// Archs lists the architectures Train accepts, in archTable's order.
var Archs = archNames()

func archNames() []string {
	out := make([]string, len(archTable))
	for k, a := range archTable {
		out[k] = a.name()
	}
	return out
}

// lookupArch returns the table entry named name, or nil.
func lookupArch(name string) arch {
	for _, a := range archTable {
		if a.name() == name {
			return a
		}
	}
	return nil
}

// base is the default behaviour of an architecture: the standard SAE's parameters (W_enc,
// _W_dec, b_enc, b_dec), no state, L_reconstruction + λ·L_sparsity, the per-sample training
// batch, the raw encoder/decoder resampling order of spec §2.9/§2.10, and the standard
// animation rows. It has no sample: every architecture writes its own forward.
type base struct{}

func (base) validate(Config) error      { return nil }
func (base) animationRows() []string    { return []string{"W_enc", "_W_dec", "h", "h_r"} }
func (base) animatesBestOnly() bool     { return false }
func (base) encoderName() string        { return "W_enc" }
func (base) describe(c Config) []string { return []string{"λ " + num(c.SparsityCoeff)} }

// initBEnc allocates b_enc = 0, the encoder bias of every architecture but Gated.
func (base) initBEnc(s *SAE) { s.BEnc = make([]float64, s.Cfg.NInst*s.Cfg.DSAE) }

func (base) params(s *SAE) []Param {
	I, D, S := s.Cfg.NInst, s.Cfg.DIn, s.Cfg.DSAE
	ps := []Param{{"W_enc", s.WEnc, []int{I, D, S}}}
	if s.WDec != nil {
		ps = append(ps, Param{"_W_dec", s.WDec, []int{I, S, D}})
	}
	return append(ps, Param{"b_enc", s.BEnc, []int{I, S}}, Param{"b_dec", s.BDec, []int{I, D}})
}

func (base) state(*SAE) []Param { return nil }

// saelens is the standard SAE with the decoder the forward uses.
func (base) saelens(s *SAE, i int) saelensExport {
	return s.standardExport(i, s.arch.normalizedDecoder())
}

func (base) termNames() []string { return []string{"L_reconstruction", "L_sparsity"} }

func (base) loss(c *Config, t termVec) float64 { return t[0] + c.SparsityCoeff*t[1] }

func (base) prep(*SAE, int, *archWork) {}

func (base) batch(s *SAE, i int, hb *hiddenBatch, B int, w *work, aw *archWork, counts []int) [5]float64 {
	return s.perSampleBatch(i, hb, B, w, aw, counts)
}

func (base) normalizedDecoder() bool { return false }

func (base) forwardTraining(s *SAE, h []float64, B int) (Output, []bool) { return s.Forward(h, B), nil }

func (base) draw(s *SAE, i, B int, r *rng.Stream, hb *hiddenBatch) { s.drawHidden(i, B, r, hb) }

func (base) afterStep(*SAE, int, *archWork) {}

func (base) resetLatent(s *SAE, i, j int) { s.BEnc[i*s.Cfg.DSAE+j] = 0 }

// resampleLatent is the reference's order for ToySAE and GatedToySAE (spec §2.11): simple
// writes the encoder (scale·v̂) then the decoder (v̂), so a tied column ends v̂; advanced
// writes the decoder then the encoder, so a tied column ends v̂·a·scale; the resets follow.
func (base) resampleLatent(s *SAE, i, j int, enc, dec []float64, advanced bool) {
	if advanced {
		s.setDecoder(i, j, dec)
		s.setEncoder(i, j, enc)
	} else {
		s.setEncoder(i, j, enc)
		s.setDecoder(i, j, dec)
	}
	s.arch.resetLatent(s, i, j)
}
