"""Per-step PyTorch CPU timing of SAELens-style SAE training on synthetic activations (the PyTorch
side of saelab's synthetic-training speed ratio).

  /usr/bin/python3 tools/torchref/synth_bench.py --threads 2 --steps 20

For each architecture it builds one SAELens 6 training step in plain torch at the mini shape
(d_in 256, d_sae 1024, batch 1024, float32) and prints the median wall ms per step of --steps
steps after --warmup steps (also their mean, minimum and median process CPU ms, which tell a
busy machine's noise apart). A step is what SAELens's SAETrainer does per batch:

  zero_grad; forward; loss; backward; clip_grad_norm_(1.0); Adam(0.9, 0.999, eps 1e-8) step;
  dead-latent bookkeeping (steps since fired, firing counts); the architecture's own after-step
  work (BatchTopK's threshold).

SAELens v6 conventions: reconstruction = sum over d_in, mean over the batch; b_dec is subtracted
from the input; the decoder is free (no renormalisation): its row norms enter the L1 / gate
penalties and, for the TopK family, rescale the activations. Architectures:

  standard          ReLU; L1 = coef * mean_b sum_j z_j |W_dec,j|  (coef 2.0)
  topk              k per sample, activations rescaled by the decoder row norms; AuxK on dead latents
  batchtopk         k*B largest ReLU values of the batch; float64 threshold EMA (lr 0.01); AuxK
  matryoshka        BatchTopK plus one inner reconstruction per width in --widths (its own
                    BatchTopK selection over the prefix, as SAELens does)
  jumprelu          log-threshold (init 1.0), STE bandwidth 1.0, L0 loss in "step" mode
                    (coef 1.0); inputs scaled to mean norm sqrt(d_in); decoder init norm 0.5
  gated             gate/magnitude paths sharing W_enc, L1 on ReLU(gate pre) * |W_dec,j|, and the
                    auxiliary reconstruction through the detached decoder
  matching_pursuit  W_dec and b_dec only; --k greedy steps per sample (residual threshold off, no
                    duplicate-support stop), the argmax without gradients and the chosen values with

AuxK (the TopK family) only runs when a latent has not fired for --dead-window steps; in a short
run from initialisation none has, so its cost is absent here as in SAELens's first 1000 steps.

Inputs: a pool of --pool batches of x = a V + b, with a sparse non-negative (--features Zipfian
firing probabilities scaled to --true-l0 active features per input, magnitudes around 4-5) and V
random unit rows, made before the timing and
reused in turn. Making a batch is timed separately and reported as "generator".

Output: a table, or with --json one JSON line per architecture. BLAS matters a lot: Debian's torch
links the system libblas.so.3 (see README.md); the "blas" field names the library actually loaded.
"""
import argparse
import json
import math
import os
import statistics
import sys
import time


def _early_threads():
    # BLAS/OpenMP thread counts are read when the libraries load: set them before importing torch.
    n = "2"
    for k, a in enumerate(sys.argv):
        if a == "--threads" and k + 1 < len(sys.argv):
            n = sys.argv[k + 1]
        elif a.startswith("--threads="):
            n = a.split("=", 1)[1]
    for v in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
        os.environ.setdefault(v, n)


_early_threads()
import torch  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
# The STE functions of reference-semantics §4 (fixture-tested); SAELens's Step and JumpReLU are the same.
from torchref import Heaviside, JumpReLU  # noqa: E402

DT = torch.float32
ARCHS = ("standard", "topk", "batchtopk", "matryoshka", "jumprelu", "gated", "matching_pursuit")


def loaded_blas():
    try:
        with open("/proc/self/maps") as f:
            libs = {os.path.realpath(line.split()[-1]) for line in f
                    if "blas" in os.path.basename(line.split()[-1]).lower()}
        return ",".join(sorted(libs)) or "builtin"
    except OSError:
        return "unknown"


# ---------------------------------------------------------------- inputs

class Source:
    """Sparse non-negative feature activations a (B, F) mapped to x = a V + b (B, d_in)."""

    def __init__(self, n_features, d_in, true_l0, g):
        F = n_features
        q = torch.arange(1, F + 1, dtype=torch.float64) ** -0.5  # Zipf exponent 0.5
        q = 5e-4 + (0.4 - 5e-4) * (q - q[-1]) / (q[0] - q[-1])
        self.p = (q * (true_l0 / q.sum())).clamp(max=1.0).to(DT)  # expected L0 = true_l0
        self.mu = torch.linspace(5.0, 4.0, F, dtype=DT)
        V = torch.randn(F, d_in, generator=g, dtype=DT)
        self.V = V / V.norm(dim=1, keepdim=True)
        b = torch.randn(d_in, generator=g, dtype=DT)
        self.b = 0.5 * b / b.norm()
        self.g = g

    def batch(self, B):
        fire = torch.rand(B, self.p.shape[0], generator=self.g, dtype=DT) < self.p
        mag = (self.mu + 0.5 * torch.randn(B, self.p.shape[0], generator=self.g, dtype=DT)).abs()
        a = torch.where(fire, mag, torch.zeros((), dtype=DT))
        return a @ self.V + self.b, fire.sum(1).to(DT).mean().item()


# ---------------------------------------------------------------- SAEs

def _param(t):
    return torch.nn.Parameter(t.contiguous())


def _decoder(d_in, d_sae, norm, g):
    """SAELens init: Kaiming-uniform W_dec rows scaled to `norm`, W_enc = W_dec^T, zero biases."""
    bound = math.sqrt(6.0 / d_in)  # kaiming_uniform_ on (d_sae, d_in): fan_in = d_in
    W = (torch.rand(d_sae, d_in, generator=g, dtype=DT) * 2 - 1) * bound
    return norm * W / W.norm(dim=1, keepdim=True)


def mse(out, x):
    return ((out - x) ** 2).sum(-1).mean()


def topk_acts(pre, k):
    top = pre.topk(k, dim=-1)
    return torch.zeros_like(pre).scatter(-1, top.indices, top.values.relu())


def batchtopk_acts(pre, k):
    acts = pre.relu()
    flat = acts.flatten()
    top = flat.topk(int(k * acts.shape[0]))
    return torch.zeros_like(flat).scatter(-1, top.indices, top.values).reshape(acts.shape)


class SAE:
    """One architecture: .params, .loss(x, dead) -> (loss, acts), .after(acts)."""

    def __init__(self, arch, d_in, d_sae, a, g, x_scale):
        self.arch, self.a, self.x_scale = arch, a, x_scale
        norm = {"jumprelu": 0.5, "matching_pursuit": 1.0}.get(arch, 0.1)
        W = _decoder(d_in, d_sae, norm, g)
        self.W_dec = _param(W.clone())
        self.b_dec = _param(torch.zeros(d_in, dtype=DT))
        self.params = [self.W_dec, self.b_dec]
        if arch != "matching_pursuit":
            self.W_enc = _param(W.t().clone())
            self.params.append(self.W_enc)
        if arch == "gated":
            self.b_gate, self.r_mag, self.b_mag = (_param(torch.zeros(d_sae, dtype=DT)) for _ in range(3))
            self.params += [self.b_gate, self.r_mag, self.b_mag]
        elif arch != "matching_pursuit":
            self.b_enc = _param(torch.zeros(d_sae, dtype=DT))
            self.params.append(self.b_enc)
        if arch == "jumprelu":
            self.log_threshold = _param(torch.full((d_sae,), math.log(1.0), dtype=DT))
            self.params.append(self.log_threshold)
        self.threshold = torch.zeros((), dtype=torch.float64)  # BatchTopK's, not trained

    def loss(self, x, dead):
        return getattr(self, "_" + self.arch)(x, dead)

    def _standard(self, x, dead):
        acts = ((x - self.b_dec) @ self.W_enc + self.b_enc).relu()
        out = acts @ self.W_dec + self.b_dec
        l1 = (self.a.l1 * (acts * self.W_dec.norm(dim=1)).norm(p=1, dim=-1)).mean()
        return mse(out, x) + l1, acts

    def _topk_family(self, x, dead, select):
        n = self.W_dec.norm(dim=-1)
        pre = ((x - self.b_dec) @ self.W_enc + self.b_enc) * n
        acts = select(pre)
        out = (acts / n) @ self.W_dec + self.b_dec
        loss = mse(out, x) + self._auxk(x, out, pre, n, dead)
        return loss, acts, pre, n

    def _auxk(self, x, out, pre, n, dead):
        n_dead = int(dead.sum())
        if n_dead == 0:
            return out.new_zeros(())
        k_aux = x.shape[-1] // 2
        scale = min(n_dead / k_aux, 1.0)
        k_aux = min(k_aux, n_dead)
        masked = torch.where(dead, pre, torch.full_like(pre, -math.inf))
        top = masked.topk(k_aux, dim=-1)
        aux = torch.zeros_like(pre).scatter(-1, top.indices, top.values)
        rec = (aux / n) @ self.W_dec + self.b_dec
        return self.a.aux_coeff * scale * ((rec - (x - out).detach()) ** 2).sum(-1).mean()

    def _topk(self, x, dead):
        loss, acts, _, _ = self._topk_family(x, dead, lambda p: topk_acts(p, self.a.k))
        return loss, acts

    def _batchtopk(self, x, dead):
        loss, acts, _, _ = self._topk_family(x, dead, lambda p: batchtopk_acts(p, self.a.k))
        return loss, acts

    def _matryoshka(self, x, dead):
        loss, acts, pre, n = self._topk_family(x, dead, lambda p: batchtopk_acts(p, self.a.k))
        inv = 1 / n
        for w in self.a.widths[:-1]:
            inner = batchtopk_acts(pre[:, :w], self.a.k) * inv[:w]
            loss = loss + mse(inner @ self.W_dec[:w] + self.b_dec, x)
        return loss, acts

    def _jumprelu(self, x, dead):
        x = x * self.x_scale
        pre = (x - self.b_dec) @ self.W_enc + self.b_enc
        theta = self.log_threshold.exp()
        bw = torch.tensor(self.a.bandwidth, dtype=DT)
        acts = JumpReLU.apply(pre, theta, bw)
        out = acts @ self.W_dec + self.b_dec
        l0 = Heaviside.apply(pre, theta, bw).sum(-1)
        return mse(out, x) + (self.a.l0 * l0).mean(), acts

    def _gated(self, x, dead):
        enc = (x - self.b_dec) @ self.W_enc
        gate_pre = enc + self.b_gate
        mag = (enc * self.r_mag.exp() + self.b_mag).relu()
        acts = (gate_pre > 0).to(DT) * mag
        out = acts @ self.W_dec + self.b_dec
        pi = gate_pre.relu()
        l1 = (self.a.l1 * (pi * self.W_dec.norm(dim=1)).sum(-1)).mean()
        via_gate = pi @ self.W_dec.detach() + self.b_dec.detach()
        return mse(out, x) + l1 + mse(via_gate, x), acts

    def _matching_pursuit(self, x, dead):
        residual = x - self.b_dec
        acts = torch.zeros(x.shape[0], self.W_dec.shape[0], dtype=DT)
        for _ in range(self.a.k):
            with torch.no_grad():
                idx = (residual @ self.W_dec.t()).relu().max(dim=1, keepdim=True).indices
            chosen = self.W_dec[idx.squeeze(1)]
            val = (residual * chosen).sum(-1, keepdim=True).relu()
            acts = acts.scatter_add(1, idx, val)
            residual = residual - val * chosen
        out = acts @ self.W_dec + self.b_dec
        return mse(out, x), acts

    @torch.no_grad()
    def after(self, acts):
        if self.arch in ("batchtopk", "matryoshka"):
            pos = acts > 0
            if pos.any():
                lr = self.a.threshold_lr
                self.threshold = (1 - lr) * self.threshold + lr * acts[pos].min().to(torch.float64)


# ---------------------------------------------------------------- timing

def run_arch(arch, a, pool, x_scale):
    g = torch.Generator().manual_seed(a.seed + 1)
    sae = SAE(arch, a.d_in, a.d_sae, a, g, x_scale)
    opt = torch.optim.Adam(sae.params, lr=a.lr, betas=(0.9, 0.999), eps=1e-8)
    since_fired = torch.zeros(a.d_sae, dtype=torch.long)
    act_freq = torch.zeros(a.d_sae, dtype=DT)
    times, cpu = [], []
    for s in range(a.warmup + a.steps):
        x = pool[s % len(pool)]
        t0, c0 = time.perf_counter(), time.process_time()
        opt.zero_grad(set_to_none=True)
        loss, acts = sae.loss(x, since_fired > a.dead_window)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(sae.params, 1.0)
        opt.step()
        with torch.no_grad():
            fired = acts > 0
            since_fired += 1
            since_fired[fired.any(0)] = 0
            act_freq += fired.sum(0)
        sae.after(acts)
        if s >= a.warmup:
            times.append(time.perf_counter() - t0)
            cpu.append(time.process_time() - c0)
    if not math.isfinite(loss.item()):
        raise SystemExit(f"{arch}: loss is not finite")
    ms = [1e3 * t for t in times]
    return {"arch": arch, "ms_per_step": round(statistics.median(ms), 3),
            "mean_ms": round(statistics.fmean(ms), 3), "min_ms": round(min(ms), 3),
            "cpu_ms": round(1e3 * statistics.median(cpu), 3),
            "l0": round(float((acts != 0).sum(-1).to(DT).mean()), 2), "loss": round(loss.item(), 5)}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--arch", default="all", choices=("all",) + ARCHS)
    ap.add_argument("--d-in", type=int, default=256)
    ap.add_argument("--d-sae", type=int, default=1024)
    ap.add_argument("--batch-size", type=int, default=1024)
    ap.add_argument("--features", type=int, default=4096, help="ground-truth features of the inputs")
    ap.add_argument("--true-l0", type=float, default=16.0, help="expected active features per input")
    ap.add_argument("--k", type=int, default=12, help="TopK k, BatchTopK k, matching-pursuit steps")
    ap.add_argument("--widths", default="128,512", help="Matryoshka inner widths (d_sae is appended)")
    ap.add_argument("--l1", type=float, default=2.0, help="standard and gated L1 coefficient")
    ap.add_argument("--l0", type=float, default=1.0, help="JumpReLU L0 coefficient")
    ap.add_argument("--bandwidth", type=float, default=1.0)
    ap.add_argument("--aux-coeff", type=float, default=1.0)
    ap.add_argument("--threshold-lr", type=float, default=0.01)
    ap.add_argument("--dead-window", type=int, default=1000)
    ap.add_argument("--lr", type=float, default=3e-4)
    ap.add_argument("--steps", type=int, default=20)
    ap.add_argument("--warmup", type=int, default=5)
    ap.add_argument("--pool", type=int, default=4, help="input batches made before timing")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--json", action="store_true", help="one JSON line per architecture")
    a = ap.parse_args()
    a.widths = [int(w) for w in a.widths.split(",") if w] + [a.d_sae]
    if any(w <= 0 or w >= a.d_sae for w in a.widths[:-1]) or a.widths != sorted(set(a.widths)):
        raise SystemExit(f"--widths {a.widths[:-1]}: must be increasing widths below d_sae = {a.d_sae}")
    if a.steps < 1 or a.pool < 1:
        raise SystemExit("--steps and --pool must be at least 1")
    torch.set_num_threads(a.threads)

    src = Source(a.features, a.d_in, a.true_l0, torch.Generator().manual_seed(a.seed))
    t0 = time.perf_counter()
    made = [src.batch(a.batch_size) for _ in range(a.pool)]
    gen_ms = 1e3 * (time.perf_counter() - t0) / a.pool
    pool = [x for x, _ in made]
    true_l0 = statistics.fmean(l for _, l in made)
    # normalize_activations="expected_average_only_in": scale inputs to mean norm sqrt(d_in).
    x_scale = math.sqrt(a.d_in) / statistics.fmean(x.norm(dim=1).mean().item() for x in pool)

    head = {"d_in": a.d_in, "d_sae": a.d_sae, "batch_size": a.batch_size, "threads": torch.get_num_threads(),
            "steps": a.steps, "torch": torch.__version__, "blas": loaded_blas()}
    rows = [run_arch(arch, a, pool, x_scale) for arch in (ARCHS if a.arch == "all" else [a.arch])]
    if a.json:
        print(json.dumps({**head, "arch": "generator", "ms_per_batch": round(gen_ms, 3),
                          "true_l0": round(true_l0, 2)}), flush=True)
        for r in rows:
            print(json.dumps({**head, **r}), flush=True)
        return
    print(f"torch {head['torch']}, {head['threads']} threads, BLAS {head['blas']}")
    print(f"d_in {a.d_in}, d_sae {a.d_sae}, batch {a.batch_size}, float32; median of {a.steps} steps "
          f"after {a.warmup}; k {a.k}, widths {a.widths}")
    print(f"generator (not in the steps): {gen_ms:.1f} ms/batch, true L0 {true_l0:.1f}")
    print(f"{'architecture':<18}{'ms/step':>10}{'mean':>10}{'min':>10}{'cpu ms':>10}{'L0':>8}")
    for r in rows:
        print(f"{r['arch']:<18}{r['ms_per_step']:>10.2f}{r['mean_ms']:>10.2f}{r['min_ms']:>10.2f}"
              f"{r['cpu_ms']:>10.2f}{r['l0']:>8.1f}")


if __name__ == "__main__":
    main()
