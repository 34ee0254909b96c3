package sae

import (
	"fmt"
	"math"
	"slices"

	"saelab/rng"
	"saelab/toymodel"
)

// SAE is a multi-instance toy SAE. Shapes (I = NInst, D = DIn, S = DSAE), row-major:
//
//	WEnc [I][D][S]  encoder; column j is latent j's encoder direction. For gated this is W_gate
//	                (the reference's name; stored here so that the tied view, the decoder
//	                helpers and resampling treat it as the encoder)
//	WDec [I][S][D]  the reference's _W_dec; nil when tied (then W_dec = W_encᵀ, or W_gateᵀ)
//	BEnc [I][S]     nil for gated (it has no b_enc)
//	BDec [I][D]
//	BGate, RMag, BMag [I][S]  gated only (spec §3)
//	LogTheta [I][S]           jumprelu only: θ = exp(log_theta) (spec §4)
//
// Non-trained state (not in the optimizer):
//
//	Threshold [I]             batchtopk/matryoshka: the EMA threshold τ (float64), used by the
//	                          inference forward (JumpReLU with θ = τ); saved/logged as "threshold"
//	StepsSinceFired [I][S]    topk/batchtopk/matryoshka: training steps since each latent last
//	                          fired; > dead_feature_window means dead for AuxK
//
// Model is the frozen data source: a copy of the caller's toy model with every instance set
// to instance 0's weights (spec §2.4). It is never in the optimizer and never changes.
type SAE struct {
	Cfg      Config
	Model    *toymodel.Model
	WEnc     []float64
	WDec     []float64
	BEnc     []float64
	BDec     []float64
	BGate    []float64
	RMag     []float64
	BMag     []float64
	LogTheta []float64

	Threshold       []float64
	StepsSinceFired []int

	arch   archKind
	widths []int      // matryoshka: effective prefix widths, last = d_sae
	ix     paramIndex // position of each tensor in Params (−1 when absent)
	tw     []archWork // per-instance scratch of the training step (each instance has one worker)
}

// archKind is Cfg.Arch resolved once, for the per-sample dispatch.
type archKind int

const (
	archStandard archKind = iota
	archGated
	archJumpReLU
	archTopK
	archBatchTopK
	archMatryoshka
)

func parseArch(a string) archKind {
	return archKind(slices.Index(Archs, a))
}

// topkFamily reports whether the arch selects latents by rank (TopK, BatchTopK, Matryoshka).
func (a archKind) topkFamily() bool { return a >= archTopK }

// batchCoupled reports whether the training forward couples the samples of a batch.
func (a archKind) batchCoupled() bool { return a == archBatchTopK || a == archMatryoshka }

// paramIndex holds the position in Params (and in work.g) of each tensor, −1 when absent.
type paramIndex struct {
	wEnc, wDec, bEnc, bDec, bGate, rMag, bMag, logTheta int
}

// thetaInit is JumpReLU's initial threshold (the reference's THETA_INIT).
const thetaInit = 0.1

// Param is one trainable tensor: its reference name, data and shape (leading axis I).
type Param struct {
	Name  string
	Data  []float64
	Shape []int
}

// New builds an SAE over a copy of model (spec §2.2, §2.4, §3, §4). W_enc (W_gate for gated)
// and _W_dec are kaiming-uniform with bound sqrt(6/fan_in), fan_in = D·S by PyTorch's 3-D fan
// rule; biases, r_mag and b_mag are 0; log_theta is log 0.1; τ and the fired counters are 0.
func New(cfg Config, model *toymodel.Model, seed uint64) (*SAE, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if cfg.NInst != model.Cfg.NInst {
		return nil, fmt.Errorf("n_inst = %d: must equal the toy model's n_inst = %d", cfg.NInst, model.Cfg.NInst)
	}
	if cfg.DIn != model.Cfg.DHidden {
		return nil, fmt.Errorf("d_in = %d: must equal the toy model's d_hidden = %d", cfg.DIn, model.Cfg.DHidden)
	}
	I, D, S := cfg.NInst, cfg.DIn, cfg.DSAE
	src := model.Clone()
	H, F := model.Cfg.DHidden, model.Cfg.NFeatures
	for i := 1; i < I; i++ {
		copy(src.W[i*H*F:(i+1)*H*F], src.W[:H*F])
		copy(src.BFinal[i*F:(i+1)*F], src.BFinal[:F])
	}
	s := &SAE{Cfg: cfg, Model: src, BDec: make([]float64, I*D), arch: parseArch(cfg.Arch)}
	r := rng.New(seed, rng.PurposeSAEInit)
	bound := KaimingBound(D, S)
	s.WEnc = uniform(r, I*D*S, bound)
	if !cfg.TiedWeights {
		s.WDec = uniform(r, I*S*D, bound)
	}
	switch s.arch {
	case archGated:
		s.BGate, s.RMag, s.BMag = make([]float64, I*S), make([]float64, I*S), make([]float64, I*S)
	case archJumpReLU:
		s.BEnc, s.LogTheta = make([]float64, I*S), make([]float64, I*S)
		for k := range s.LogTheta {
			s.LogTheta[k] = math.Log(thetaInit)
		}
	default:
		s.BEnc = make([]float64, I*S)
	}
	if s.arch.topkFamily() {
		s.StepsSinceFired = make([]int, I*S)
	}
	if s.arch.batchCoupled() {
		s.Threshold = make([]float64, I)
	}
	if s.arch == archMatryoshka {
		s.widths = cfg.Widths()
	}
	s.ix = paramIndex{-1, -1, -1, -1, -1, -1, -1, -1}
	for k, p := range s.Params() {
		switch p.Name {
		case "W_enc", "W_gate":
			s.ix.wEnc = k
		case "_W_dec":
			s.ix.wDec = k
		case "b_enc":
			s.ix.bEnc = k
		case "b_dec":
			s.ix.bDec = k
		case "b_gate":
			s.ix.bGate = k
		case "r_mag":
			s.ix.rMag = k
		case "b_mag":
			s.ix.bMag = k
		case "log_theta":
			s.ix.logTheta = k
		}
	}
	s.tw = make([]archWork, I)
	return s, nil
}

// KaimingBound is PyTorch's kaiming_uniform_ bound for a (I, d1, d2) tensor: sqrt(6/(d1·d2)).
func KaimingBound(d1, d2 int) float64 { return math.Sqrt(6 / float64(d1*d2)) }

func uniform(r *rng.Stream, n int, bound float64) []float64 {
	out := make([]float64, n)
	for k := range out {
		out[k] = r.Uniform(-bound, bound)
	}
	return out
}

// Params lists the trainable parameters in the reference's named_parameters order:
//
//	standard, topk, batchtopk, matryoshka: W_enc, _W_dec, b_enc, b_dec
//	gated:    _W_dec, b_dec, W_gate, b_gate, r_mag, b_mag
//	jumprelu: W_enc, _W_dec, b_enc, b_dec, log_theta
//
// (_W_dec absent when tied).
func (s *SAE) Params() []Param {
	I, D, S := s.Cfg.NInst, s.Cfg.DIn, s.Cfg.DSAE
	dec := func(ps []Param) []Param {
		if s.WDec != nil {
			ps = append(ps, Param{"_W_dec", s.WDec, []int{I, S, D}})
		}
		return ps
	}
	if s.arch == archGated {
		ps := dec(nil)
		return append(ps, Param{"b_dec", s.BDec, []int{I, D}}, Param{"W_gate", s.WEnc, []int{I, D, S}},
			Param{"b_gate", s.BGate, []int{I, S}}, Param{"r_mag", s.RMag, []int{I, S}}, Param{"b_mag", s.BMag, []int{I, S}})
	}
	ps := dec([]Param{{"W_enc", s.WEnc, []int{I, D, S}}})
	ps = append(ps, Param{"b_enc", s.BEnc, []int{I, S}}, Param{"b_dec", s.BDec, []int{I, D}})
	if s.arch == archJumpReLU {
		ps = append(ps, Param{"log_theta", s.LogTheta, []int{I, S}})
	}
	return ps
}

// State lists the non-trained state saved and logged with the parameters: BatchTopK's and
// Matryoshka's threshold τ as "threshold" [I] (spec §5); nothing for the other architectures.
func (s *SAE) State() []Param {
	if s.Threshold == nil {
		return nil
	}
	return []Param{{"threshold", s.Threshold, []int{s.Cfg.NInst}}}
}

// logged lists what each data-log record copies: Params then State.
func (s *SAE) logged() []Param { return append(s.Params(), s.State()...) }

// DecoderRows returns instance i's W_dec [S][D]: _W_dec, or W_encᵀ when tied.
func (s *SAE) DecoderRows(i int) []float64 {
	D, S := s.Cfg.DIn, s.Cfg.DSAE
	if s.WDec != nil {
		return append([]float64(nil), s.WDec[i*S*D:(i+1)*S*D]...)
	}
	out := make([]float64, S*D)
	enc := s.WEnc[i*D*S : (i+1)*D*S]
	for d := 0; d < D; d++ {
		for j := 0; j < S; j++ {
			out[j*D+d] = enc[d*S+j]
		}
	}
	return out
}

// WDecNormalized returns W_dec[i,j,:] / (‖W_dec[i,j,:]‖ + eps) for all instances, [I][S][D].
func (s *SAE) WDecNormalized() []float64 {
	I, D, S := s.Cfg.NInst, s.Cfg.DIn, s.Cfg.DSAE
	out := make([]float64, 0, I*S*D)
	for i := 0; i < I; i++ {
		rows := s.DecoderRows(i)
		normalizeRows(rows, rows, nil, S, D, s.Cfg.WeightNormalizeEps)
		out = append(out, rows...)
	}
	return out
}

// normalizeRows writes dst[j] = src[j]/(‖src[j]‖+eps) for S rows of length D, and the norms.
func normalizeRows(dst, src, norms []float64, S, D int, eps float64) {
	for j := 0; j < S; j++ {
		var n float64
		for _, v := range src[j*D : (j+1)*D] {
			n += v * v
		}
		n = math.Sqrt(n)
		if norms != nil {
			norms[j] = n
		}
		inv := 1 / (n + eps)
		for d := 0; d < D; d++ {
			dst[j*D+d] = src[j*D+d] * inv
		}
	}
}
