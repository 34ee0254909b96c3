"""The phase-diagram protocol in PyTorch, packed: every (cell, instance) pair of the grid is one
instance of a single batched toy model, trained with AdamW as saelab's phase package trains it
(phase-diagrams §4.1-4.2: r = 10^linspace(-1, 1, N), p = 10^linspace(-2, 0, N), importance
[1, ..., 1, r], K instances per cell, W ~ N(0, sigma^2) with the K-instance Xavier sigma, b = 0,
AdamW lr 1e-3 wd 1e-2, batch 1024 fresh every step).

It times training steps and prints one JSON line per variant:

  /usr/bin/python3 tools/torchref/phase_bench.py --experiment 1 --grid 10 --steps 100 --threads 1

Variants (--variant, default all):
  einsum  autograd through two einsums, torch.optim.AdamW(foreach=True)
  bmm     autograd through torch.bmm on (I, B, F) x (I, F, H), AdamW(foreach=True)
  manual  the gradient written out under torch.no_grad (no autograd graph) with einsums, the
          AdamW update by torch.optim.AdamW(foreach=True) on the given .grad
  broadcast  manual with broadcast products and sums instead of einsum
Every variant draws the batch under torch.no_grad with two torch.rand calls and torch.where
(the reference's generate_batch), in float32 (the reference dtype). With --check the variants are
run from the same initial state on the same batch and their gradients compared. (torch 1.13 has
no fused AdamW on the CPU; foreach=True is its fastest CPU implementation.)

The Go side of the comparison is

  GOEXPERIMENT=simd go test ./phase -run XXX -bench GridStep -benchtime 200x

(one step of the same 10 x 10 x 10 grid on GOMAXPROCS workers; its cpu-ms/step is the CPU time).
"""
import argparse
import json
import math
import os
import sys
import time


def _early_threads():
    # BLAS/OpenMP thread counts must be set before torch loads.
    for k, a in enumerate(sys.argv):
        if a == "--threads" and k + 1 < len(sys.argv):
            for v in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
                os.environ[v] = sys.argv[k + 1]


_early_threads()
import torch  # noqa: E402

DT = torch.float32


def grid(experiment, n, k):
    """Importance (I, F), feature probability (I, 1) and the init std of the packed grid."""
    F = 2 if experiment == 1 else 3
    H = F - 1
    r = torch.logspace(-1, 1, n, dtype=torch.float64)
    p = torch.logspace(-2, 0, n, dtype=torch.float64)
    imp, prob = [], []
    for ip in range(n):
        for ir in range(n):
            for _ in range(k):
                imp.append([1.0] * (F - 1) + [float(r[ir])])
                prob.append([float(p[ip])])
    std = math.sqrt(2 / (F * (H + k)))  # the K-instance Xavier std, independent of the grid
    return torch.tensor(imp, dtype=DT), torch.tensor(prob, dtype=DT), F, H, std


def batch(B, prob, F):
    with torch.no_grad():
        I = prob.shape[0]
        seed = torch.rand(B, I, F, dtype=DT)
        mag = torch.rand(B, I, F, dtype=DT)
        return torch.where(seed <= prob, mag, torch.zeros((), dtype=DT))


def loss_of(out, x, imp):
    return (imp * (x - out) ** 2).mean(dim=(0, 2)).sum()


def step_einsum(W, b, x, imp):
    h = torch.einsum("bif,ihf->bih", x, W)
    out = torch.relu(torch.einsum("bih,ihf->bif", h, W) + b)
    loss_of(out, x, imp).backward()


def step_bmm(W, b, x, imp):
    xi = x.transpose(0, 1)  # (I, B, F)
    h = torch.bmm(xi, W.transpose(1, 2))  # (I, B, H)
    out = torch.relu(torch.bmm(h, W) + b.unsqueeze(1))  # (I, B, F)
    (imp.unsqueeze(1) * (xi - out) ** 2).mean(dim=(1, 2)).sum().backward()


def step_manual(W, b, x, imp):
    """dL/dpre = 2 imp (x' - x)/(B F) where pre > 0; dW = h^T g (decoder) + (W g)^T x (encoder)."""
    with torch.no_grad():
        B, _, F = x.shape
        h = torch.einsum("bif,ihf->bih", x, W)
        pre = torch.einsum("bih,ihf->bif", h, W) + b
        g = torch.where(pre > 0, (2.0 / (B * F)) * imp * (pre - x), torch.zeros((), dtype=DT))
        dh = torch.einsum("bif,ihf->bih", g, W)
        W.grad = torch.einsum("bih,bif->ihf", h, g) + torch.einsum("bih,bif->ihf", dh, x)
        b.grad = g.sum(0)


def step_broadcast(W, b, x, imp):
    """step_manual with broadcast products and sums in place of einsum (better for tiny H, F)."""
    with torch.no_grad():
        B, _, F = x.shape
        h = (x.unsqueeze(2) * W).sum(-1)  # (B, I, H)
        pre = (h.unsqueeze(-1) * W).sum(-2) + b  # (B, I, F)
        g = torch.where(pre > 0, (2.0 / (B * F)) * imp * (pre - x), torch.zeros((), dtype=DT))
        dh = (g.unsqueeze(2) * W).sum(-1)  # (B, I, H)
        W.grad = (h.unsqueeze(-1) * g.unsqueeze(2) + dh.unsqueeze(-1) * x.unsqueeze(2)).sum(0)
        b.grad = g.sum(0)


STEPS = {"einsum": step_einsum, "bmm": step_bmm, "manual": step_manual, "broadcast": step_broadcast}


def make(experiment, n, k, seed):
    imp, prob, F, H, std = grid(experiment, n, k)
    g = torch.Generator().manual_seed(seed)
    I = imp.shape[0]
    W = (std * torch.randn(I, H, F, generator=g, dtype=DT)).requires_grad_()
    b = torch.zeros(I, F, dtype=DT, requires_grad=True)
    opt = torch.optim.AdamW([W, b], lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2, foreach=True)
    return W, b, imp, prob, F, opt


def run(variant, a):
    torch.manual_seed(a.seed)
    W, b, imp, prob, F, opt = make(a.experiment, a.grid, a.instances, a.seed)
    fn = STEPS[variant]
    t0 = c0 = None
    for s in range(a.warmup + a.steps):
        if s == a.warmup:
            t0, c0 = time.perf_counter(), time.process_time()
        opt.zero_grad(set_to_none=True)
        x = batch(a.batch_size, prob, F)
        fn(W, b, x, imp)
        opt.step()
    dt, dc = time.perf_counter() - t0, time.process_time() - c0
    I = W.shape[0]
    return {"variant": variant, "experiment": a.experiment, "grid": a.grid, "instances_per_cell": a.instances,
            "instances": I, "batch_size": a.batch_size, "steps": a.steps, "threads": torch.get_num_threads(),
            "ms_per_step": 1e3 * dt / a.steps, "cpu_ms_per_step": 1e3 * dc / a.steps,
            "us_per_instance_step": 1e6 * dt / a.steps / I,
            "torch": torch.__version__}


def check(a):
    """The three variants' gradients agree on one batch (float32 rounding aside)."""
    grads = {}
    for v, fn in STEPS.items():
        torch.manual_seed(a.seed)
        W, b, imp, prob, F, _ = make(a.experiment, a.grid, a.instances, a.seed)
        torch.manual_seed(a.seed + 1)
        x = batch(a.batch_size, prob, F)
        fn(W, b, x, imp)
        grads[v] = (W.grad.clone(), b.grad.clone())
    ref = grads["einsum"]
    for v, (gw, gb) in grads.items():
        assert torch.allclose(gw, ref[0], rtol=1e-4, atol=1e-7), v
        assert torch.allclose(gb, ref[1], rtol=1e-4, atol=1e-7), v


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--experiment", type=int, default=1, choices=(1, 2))
    ap.add_argument("--grid", type=int, default=10)
    ap.add_argument("--instances", type=int, default=10)
    ap.add_argument("--batch-size", type=int, default=1024)
    ap.add_argument("--steps", type=int, default=50)
    ap.add_argument("--warmup", type=int, default=5)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--variant", default="all", choices=("all",) + tuple(STEPS))
    ap.add_argument("--check", action="store_true", help="compare the variants' gradients first")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    if a.check:
        check(a)
    for v in (STEPS if a.variant == "all" else [a.variant]):
        print(json.dumps(run(v, a)), flush=True)


if __name__ == "__main__":
    main()
