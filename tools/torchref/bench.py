"""Benchmark the PyTorch reference training loops (the other side of saelab's benchmark).

  /usr/bin/python3 tools/torchref/bench.py --config seed --steps 200 --threads 1

Prints one JSON line per measured phase:
  {"config": ..., "phase": "toymodel"|"sae", "steps": N, "threads": T, "ms_per_step": x}
(SAE lines add "resample": "none"|"simple"; every line adds "torch" and "blas", the BLAS library
actually loaded, because Debian's python3-torch uses the system libblas.so.3, which is the slow
reference BLAS unless an optimised one such as OpenBLAS is installed.)  Only the loop is timed, after --warmup steps of the
same loop; every step does the reference's own work (fresh batch, forward, backward, Adam, and for
the SAE: decoder renormalisation, frac_active, resampling check, and every log_freq=100 steps a
256-sample logging forward plus parameter copies).
"""
import argparse
import json
import os
import sys
import time


def _early_threads():
    """An optimised BLAS (OpenBLAS) reads its thread count when loaded: set it before importing torch."""
    for i, arg in enumerate(sys.argv):
        if arg == "--threads" and i + 1 < len(sys.argv):
            n = sys.argv[i + 1]
        elif arg.startswith("--threads="):
            n = arg.split("=", 1)[1]
        else:
            continue
        for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
            os.environ.setdefault(var, n)


_early_threads()
import torch  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from torchref import ToyModel, ToySAE  # noqa: E402

CONFIGS = {
    # name: toy model shape, feature probability, importance, SAE width, default phases / resampling
    "seed": dict(n_inst=16, n_features=5, d_hidden=2, p=0.025, importance=None, d_sae=5,
                 phases=("toymodel", "sae"), resample=("none", "simple")),
    "dense": dict(n_inst=8, n_features=100, d_hidden=20, p=0.5, importance=0.9, d_sae=200,
                  phases=("toymodel", "sae"), resample=("none",)),
    "wide": dict(n_inst=4, n_features=512, d_hidden=64, p=0.01, importance=None, d_sae=1024,
                 phases=("sae",), resample=("none",)),
}


def make_model(c):
    imp = 1.0
    if c["importance"] is not None:  # per feature: importance**f, broadcast as (1, F)
        imp = (c["importance"] ** torch.arange(c["n_features"], dtype=torch.float32))[None, :]
    return ToyModel(c["n_inst"], c["n_features"], c["d_hidden"], feature_probability=c["p"], importance=imp)


def loaded_blas():
    """Which BLAS library torch actually resolved (Debian's torch uses the system libblas.so.3)."""
    try:
        with open("/proc/self/maps") as f:
            libs = {os.path.realpath(line.split()[-1]) for line in f
                    if "blas" in os.path.basename(line.split()[-1]).lower()}
        return ",".join(sorted(libs)) or "builtin"
    except OSError:
        return "unknown"


class Timer:
    def __init__(self, warmup):
        self.warmup, self.t0, self.t1 = warmup, None, None

    def __call__(self, step):
        now = time.perf_counter()
        if step == self.warmup - 1:
            self.t0 = now
        self.t1 = now


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--config", required=True, choices=sorted(CONFIGS))
    ap.add_argument("--steps", type=int, default=200)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--phase", choices=["toymodel", "sae", "all"], default="all",
                    help="default: the config's phases")
    ap.add_argument("--resample", choices=["none", "simple", "all"], default="all",
                    help="SAE resampling; default: the config's methods")
    ap.add_argument("--resample-freq", type=int, default=2500)
    ap.add_argument("--resample-window", type=int, default=500)
    ap.add_argument("--batch-size", type=int, default=1024)
    ap.add_argument("--warmup", type=int, default=5)
    ap.add_argument("--toy-steps", type=int, default=200,
                    help="untimed toy-model training before the SAE phase")
    ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args()

    torch.set_num_threads(a.threads)
    c = CONFIGS[a.config]
    phases = c["phases"] if a.phase == "all" else (a.phase,)
    methods = c["resample"] if a.resample == "all" else (a.resample,)
    total = a.warmup + a.steps

    def emit(phase, timer, **extra):
        ms = (timer.t1 - timer.t0) * 1000.0 / a.steps
        print(json.dumps({"config": a.config, "phase": phase, "steps": a.steps, "threads": a.threads,
                          "ms_per_step": round(ms, 4), **extra, "torch": torch.__version__,
                          "blas": loaded_blas()}), flush=True)

    if "toymodel" in phases:
        torch.manual_seed(a.seed)
        m = make_model(c)
        t = Timer(a.warmup)
        m.optimize(batch_size=a.batch_size, steps=total, log_freq=50, lr=1e-3, on_step=t)
        emit("toymodel", t)

    if "sae" in phases:
        torch.manual_seed(a.seed)
        m = make_model(c)
        if a.toy_steps > 0:
            m.optimize(batch_size=a.batch_size, steps=a.toy_steps, log_freq=50, lr=1e-3)
        for method in methods:
            torch.manual_seed(a.seed + 1)
            sae = ToySAE(c["n_inst"], c["d_hidden"], c["d_sae"], model=m)
            t = Timer(a.warmup)
            sae.optimize(batch_size=a.batch_size, steps=total, log_freq=100, lr=1e-3,
                         resample_method=None if method == "none" else method,
                         resample_freq=a.resample_freq, resample_window=min(a.resample_window, a.resample_freq),
                         on_step=t)
            emit("sae", t, resample=method)


if __name__ == "__main__":
    main()
