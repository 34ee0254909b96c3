package report

import (
	"math"
	"math/rand/v2"
	"time"
)

// synthInput builds a plausible Input of the given size: a toy model with
// nInst instances (5 features in 2-D) and nRuns SAE runs of nFrames records,
// dSAE latents and nSamples hidden samples; resampled runs jump some encoder
// columns every 25 records.
func synthInput(nInst, nRuns, nFrames, dSAE, nSamples int) Input {
	rng := rand.New(rand.NewPCG(1, 2))
	m := synthModel(rng, nInst, nSamples)
	in := Input{
		Title: "saelab synthetic report", Version: "v0.0.0-test", Seed: 42,
		ConfigYAML: "toy:\n  n_inst: 16\n  n_features: 5\nsae:\n  - name: <std & co>\n",
		Model:      m,
		Generated:  time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC),
	}
	for k := 0; k < nRuns; k++ {
		in.Runs = append(in.Runs, synthRun(rng, m, k, nFrames, dSAE, nSamples))
	}
	in.Shrinkage = &Shrinkage{}
	for _, name := range []string{"standard", "gated"} {
		s := ShrinkSeries{Name: name}
		for n := 0; n < 300; n++ {
			x := rng.Float64()
			s.X = append(s.X, x)
			if name == "standard" {
				s.Y = append(s.Y, math.Max(0, 0.8*x-0.05))
			} else {
				s.Y = append(s.Y, x*float64(map[bool]int{true: 1}[x > 0.1]))
			}
		}
		in.Shrinkage.Series = append(in.Shrinkage.Series, s)
	}
	return in
}

// synthModel is a toy model of nInst instances of 5 features in 2-D, near-pentagons, with
// nSamples hidden states and a loss curve.
func synthModel(rng *rand.Rand, nInst, nSamples int) *ToyModel {
	const F, H = 5, 2
	m := &ToyModel{NInst: nInst, NFeatures: F, DHidden: H, NHidden: nSamples, FinalLoss: 0.0123}
	m.W = make([]float64, nInst*H*F)
	for i := 0; i < nInst; i++ {
		for f := 0; f < F; f++ {
			a := 2*math.Pi*float64(f)/F + 0.1*float64(i)
			n := 0.6 + 0.5*rng.Float64()
			m.W[(i*H)*F+f] = n * math.Cos(a)
			m.W[(i*H+1)*F+f] = n * math.Sin(a)
			m.Importance = append(m.Importance, math.Pow(0.9, float64(f)))
		}
	}
	for i := 0; i < nInst; i++ {
		p := math.Pow(50, -float64(i)/float64(max(nInst-1, 1)))
		for f := 0; f < F; f++ {
			m.FeatureProbability = append(m.FeatureProbability, p)
		}
	}
	m.Hidden = synthHidden(rng, m, nSamples, 0.025)
	for s := 0; s < 50; s++ {
		m.LossCurve = append(m.LossCurve, Point{float64(s * 200), 0.2 * math.Exp(-float64(s)/10)})
	}
	return m
}

// synthHidden is h = W x [N][I][H] for N samples whose features are present with probability p.
func synthHidden(rng *rand.Rand, m *ToyModel, N int, p float64) []float64 {
	I, H, F := m.NInst, m.DHidden, m.NFeatures
	h := make([]float64, N*I*H)
	for b := 0; b < N; b++ {
		for i := 0; i < I; i++ {
			for f := 0; f < F; f++ {
				if rng.Float64() < p {
					x := rng.Float64()
					h[(b*I+i)*H] += m.W[(i*H)*F+f] * x
					h[(b*I+i)*H+1] += m.W[(i*H+1)*F+f] * x
				}
			}
		}
	}
	return h
}

// synthRun is SAE run k: run 0 a standard SAE with simple resampling (its encoder columns
// jump every 25 records), the others gated SAEs with loss colouring and 4 animated instances.
func synthRun(rng *rand.Rand, m *ToyModel, k, nFrames, dSAE, nSamples int) SAERun {
	const D = 2
	nInst := m.NInst
	run := SAERun{
		Name: []string{"standard", "gated", "jumprelu", "topk"}[k%4], Arch: "standard",
		NInst: nInst, DIn: D, DSAE: dSAE, SampleSize: nSamples, FeatureProbability: 0.025,
		WallSeconds: 12.5 + float64(k), Rows: []string{"W_enc", "_W_dec", "h", "h_r"},
	}
	if k == 0 {
		run.Resample = "simple"
	} else {
		run.Arch = "gated"
		run.ColorHiddenByLoss = true
		run.Rows = []string{"W_gate", "W_mag", "_W_dec", "h", "h_r"}
		for _, i := range []int{3, 0, 7, 12} {
			if i < nInst {
				run.Instances = append(run.Instances, i)
			}
		}
	}
	enc := make([]float64, nInst*D*dSAE)
	for q := range enc {
		enc[q] = rng.NormFloat64() * 0.5
	}
	for t := 0; t < nFrames; t++ {
		for q := range enc {
			enc[q] += rng.NormFloat64() * 0.01
		}
		if k == 0 && t > 0 && t%25 == 0 { // resample latent (t/25)%S of each instance
			j := (t / 25) % dSAE
			for i := 0; i < nInst; i++ {
				for d := 0; d < D; d++ {
					enc[(i*D+d)*dSAE+j] = rng.NormFloat64()
				}
			}
		}
		run.Frames = append(run.Frames, synthFrame(rng, m, k, t, enc, dSAE, nSamples))
	}
	if nFrames > 1 {
		run.Frames[nFrames-1].Step = (nFrames-1)*100 - 1
	}
	for i := 0; i < nInst; i++ {
		run.Table = append(run.Table, InstanceRow{
			Index: i, Loss: 0.01 * float64(i+1), LReconstruction: 0.008, LSparsity: 0.002, L0: 0.12,
			MMCS: 0.95, DeadLatents: i % 3, RecoveredFeatures: 5 - i%2, Monosemantic: i%2 == 0,
			Extra: map[string]float64{"l2_ratio": 0.9, "shrinkage_slope": 0.8},
		})
	}
	return run
}

// synthFrame is record t of run k with encoder enc [I][D][S]: the decoder its normalised
// columns, fresh hidden states and their reconstructions 0.8·h + 0.01, losses, frac_active.
func synthFrame(rng *rand.Rand, m *ToyModel, k, t int, enc []float64, dSAE, nSamples int) Frame {
	const D = 2
	nInst := m.NInst
	dec := make([]float64, nInst*dSAE*D)
	for i := 0; i < nInst; i++ {
		for j := 0; j < dSAE; j++ {
			x, y := enc[(i*D)*dSAE+j], enc[(i*D+1)*dSAE+j]
			n := math.Hypot(x, y) + 1e-8
			dec[(i*dSAE+j)*D], dec[(i*dSAE+j)*D+1] = x/n, y/n
		}
	}
	h64 := synthHidden(rng, m, nSamples, 0.025)
	h := make([]float32, len(h64))
	hr := make([]float32, len(h64))
	lrec := make([]float32, nSamples*nInst)
	loss := make([]float32, nSamples*nInst)
	for q, x := range h64 {
		y := 0.8*x + 0.01 + 0.001*rng.NormFloat64()
		h[q], hr[q] = float32(x), float32(y)
		lrec[q/2] += float32((y - x) * (y - x))
	}
	for q := range loss {
		loss[q] = lrec[q] + 0.001*float32(q%nInst)
	}
	fa := make([]float32, nInst*dSAE)
	for q := range fa {
		fa[q] = float32(math.Max(0, 0.025+0.02*math.Sin(float64(t)/10+float64(q))+0.005*rng.NormFloat64()))
	}
	w := map[string][]float64{"_W_dec": dec}
	if k == 0 {
		w["W_enc"] = append([]float64(nil), enc...)
	} else {
		w["W_gate"] = append([]float64(nil), enc...)
		mag := make([]float64, len(enc))
		for q := range mag {
			mag[q] = 1.3 * enc[q]
		}
		w["W_mag"] = mag
	}
	return Frame{Step: t * 100, FracActive: fa, Weights: w, H: h, HR: hr, LRec: lrec, Loss: loss}
}
