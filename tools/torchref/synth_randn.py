"""Write testdata/synth/torch_randn.json: PyTorch CPU torch.rand / torch.randn values that saelab's
synth package reproduces bit for bit (spec synthetic.md Appendix A; the SynthSAEBench-16k std
magnitudes are |0.5 + 0.5·randn(16384; seed 43)|).

Run from the repository root:  /usr/bin/python3 tools/torchref/synth_randn.py
Deterministic: seeded generators only. Values are the repr of the float32 value widened to float64.
"""
import json
import os

import torch

ROOT = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
OUT = os.path.join(ROOT, "testdata", "synth", "torch_randn.json")


def vals(t):
    return [float(v) for v in t.to(torch.float64).tolist()]


def gen(seed):
    return torch.Generator().manual_seed(seed)


cases = []
for seed in (0, 42, 43):
    cases.append({"fn": "rand", "n": 20, "seed": seed, "index": list(range(20)),
                  "values": vals(torch.rand(20, generator=gen(seed)))})
for seed in (0, 42, 7):
    for n in (1, 2, 3, 5, 15, 16, 17, 31, 33, 100):
        cases.append({"fn": "randn", "n": n, "seed": seed, "index": list(range(n)),
                      "values": vals(torch.randn(n, generator=gen(seed)))})
big = torch.randn(16384, generator=gen(43))
idx = list(range(32)) + list(range(32, 16384, 509)) + list(range(16368, 16384))
cases.append({"fn": "randn", "n": 16384, "seed": 43, "index": idx, "values": vals(big[idx])})
sigma = (0.5 + 0.5 * big).abs()
doc = {
    "description": "torch.rand / torch.randn (CPU, float32) values for seeded generators; "
                   "sigma16k is |0.5 + 0.5*randn(16384; seed 43)| (SynthSAEBench-16k std magnitudes)",
    "torch": torch.__version__,
    "cases": cases,
    "sigma16k_first8": vals(sigma[:8]),
    "sigma16k_mean": float(sigma.to(torch.float64).mean()),
}
os.makedirs(os.path.dirname(OUT), exist_ok=True)
with open(OUT, "w") as f:
    json.dump(doc, f, indent=1)
    f.write("\n")
print("wrote", OUT, os.path.getsize(OUT), "bytes")
