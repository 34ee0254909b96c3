package sae

import (
	"fmt"
	"math"

	"saelab/rng"
	"saelab/toymodel"
)

// SAE is a multi-instance toy SAE. Shapes (I = NInst, D = DIn, S = DSAE), row-major:
//
//	WEnc [I][D][S]  encoder; column j is latent j's encoder direction. For gated this is W_gate
//	                (the reference's name; stored here so that the tied view, the decoder
//	                helpers and resampling treat it as the encoder); nil for matching_pursuit,
//	                which encodes with its decoder
//	WDec [I][S][D]  the reference's _W_dec; nil when tied (then W_dec = W_encᵀ, or W_gateᵀ)
//	BEnc [I][S]     nil for gated and matching_pursuit (they have no b_enc)
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
	Cfg      Config          // the shape, architecture and hyperparameters
	Model    *toymodel.Model // the frozen data source
	WEnc     []float64       // [I][D][S] W_enc (gated: W_gate; nil for matching_pursuit)
	WDec     []float64       // [I][S][D] _W_dec, nil when tied
	BEnc     []float64       // [I][S] b_enc, nil for gated and matching_pursuit
	BDec     []float64       // [I][D] b_dec
	BGate    []float64       // [I][S] gated's b_gate
	RMag     []float64       // [I][S] gated's r_mag
	BMag     []float64       // [I][S] gated's b_mag
	LogTheta []float64       // [I][S] jumprelu's log θ

	Threshold       []float64 // [I] BatchTopK's and Matryoshka's τ
	StepsSinceFired []int     // [I][S] the TopK family's steps since each latent fired

	arch arch       // Cfg.Arch's implementation, bound to this SAE (arch.go)
	ix   paramIndex // position of the shared tensors in Params (−1 when absent)
	tw   []archWork // per-instance scratch of the training step (each instance has one worker)
}

// paramIndex holds the position in Params (and in work.g) of the tensors the architectures
// share, −1 when absent; an architecture finds its own tensors' positions with slotOf.
type paramIndex struct {
	wEnc, wDec, bEnc, bDec int
}

// slotOf returns the position in Params of the tensor whose storage is data, or −1.
func (s *SAE) slotOf(data []float64) int {
	if len(data) == 0 {
		return -1
	}
	for k, p := range s.Params() {
		if len(p.Data) > 0 && &p.Data[0] == &data[0] {
			return k
		}
	}
	return -1
}

// Param is one trainable tensor: its reference name, data and shape (leading axis I).
type Param struct {
	Name  string    // e.g. "W_enc", "_W_dec", "threshold"
	Data  []float64 // the SAE's own storage, row-major
	Shape []int     // leading axis I
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
	s := &SAE{Cfg: cfg, Model: src, BDec: make([]float64, I*D), arch: lookupArch(cfg.Arch)}
	r := rng.New(seed, rng.PurposeSAEInit)
	bound := KaimingBound(D, S)
	s.WEnc = uniform(r, I*D*S, bound)
	if !cfg.TiedWeights {
		s.WDec = uniform(r, I*S*D, bound)
	}
	s.arch = s.arch.bind(s)
	s.ix = paramIndex{s.slotOf(s.WEnc), s.slotOf(s.WDec), s.slotOf(s.BEnc), s.slotOf(s.BDec)}
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
//	matching_pursuit: _W_dec, b_dec
//
// (_W_dec absent when tied).
func (s *SAE) Params() []Param { return s.arch.params(s) }

// State lists the non-trained state saved and logged with the parameters: BatchTopK's and
// Matryoshka's threshold τ as "threshold" [I] (spec §5); nothing for the other architectures.
func (s *SAE) State() []Param { return s.arch.state(s) }

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
		out = append(out, s.DecoderDirections(i)...)
	}
	return out
}

// DecoderDirections returns instance i's part of WDecNormalized, [S][D].
func (s *SAE) DecoderDirections(i int) []float64 {
	D, S := s.Cfg.DIn, s.Cfg.DSAE
	rows := s.DecoderRows(i)
	normalizeRows(rows, rows, nil, S, D, s.Cfg.WeightNormalizeEps)
	return rows
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
