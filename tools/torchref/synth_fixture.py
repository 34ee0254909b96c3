"""Write testdata/synth/saelens_example/: the complete small SAELens synthetic-model directory of
spec synthetic.md §7.3.4 (F = 8, H = 4, Zipf(1.0, 0.3, 0.01), one root with branching 2 and
depth 2, all ME, rescaling, rank-2 correlation, seed 7).

The config and hierarchy are the spec's text. The safetensors file is written here byte by byte
(8-byte header length, JSON header padded with spaces, little-endian F32 data), independently of
saelab's writer. Its firing probabilities are the config's compensated ones, computed here from
the §2 and §6.5 formulas, so that a correct loader regenerates them within 1e-6.

Run from the repository root:  /usr/bin/python3 tools/torchref/synth_fixture.py   (no torch needed)
"""
import json
import math
import os
import struct

ROOT = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
OUT = os.path.join(ROOT, "testdata", "synth", "saelens_example")

CONFIG = """{
  "num_features": 8,
  "hidden_dim": 4,
  "firing_probability": {"exponent": 1.0, "max_prob": 0.3, "min_prob": 0.01, "generator_name": "zipfian"},
  "hierarchy": {"total_root_nodes": 1, "branching_factor": 2, "max_depth": 2,
                "mutually_exclusive_portion": 1.0, "mutually_exclusive_min_depth": 0,
                "mutually_exclusive_max_depth": null, "compensate_probabilities": true,
                "scale_children_by_parent": true},
  "orthogonalization": {"num_steps": 200, "lr": 0.01, "chunk_size": 1024},
  "correlation": {"rank": 2, "correlation_scale": 0.1, "seed": null},
  "std_firing_magnitudes": 0.1,
  "mean_firing_magnitudes": {"start": 1.0, "end": 0.5, "generator_name": "linear"},
  "bias": true,
  "dtype": "float32",
  "seed": 7
}
"""

HIERARCHY = """{"roots": [{"feature_index": 0, "mutually_exclusive_children": true, "scale_children_by_parent": true, "feature_id": null,
  "children": [
   {"feature_index": 1, "mutually_exclusive_children": true, "scale_children_by_parent": true, "feature_id": null,
    "children": [
     {"feature_index": 3, "mutually_exclusive_children": false, "scale_children_by_parent": false, "feature_id": null, "children": []},
     {"feature_index": 4, "mutually_exclusive_children": false, "scale_children_by_parent": false, "feature_id": null, "children": []}]},
   {"feature_index": 2, "mutually_exclusive_children": true, "scale_children_by_parent": true, "feature_id": null,
    "children": [
     {"feature_index": 5, "mutually_exclusive_children": false, "scale_children_by_parent": false, "feature_id": null, "children": []},
     {"feature_index": 6, "mutually_exclusive_children": false, "scale_children_by_parent": false, "feature_id": null, "children": []}]}]}]}
"""


def f32(x):
    return struct.unpack("<f", struct.pack("<f", x))[0]


def probabilities():
    F, e, hi, lo = 8, 1.0, 0.3, 0.01
    q = [f32((i + 1) ** -e) for i in range(F)]
    base = [f32(lo + (hi - lo) * (qi - q[-1]) / (q[0] - q[-1])) for qi in q]
    children = {0: [1, 2], 1: [3, 4], 2: [5, 6]}  # every parent is ME
    factor = [1.0] * F
    parent_p = {1: base[0], 2: base[0], 3: base[1], 4: base[1], 5: base[2], 6: base[2]}
    for c, qp in parent_p.items():
        factor[c] = 1 / qp
    for par, kids in children.items():
        for c in kids:
            others = sum(base[s] for s in kids if s != c)
            factor[c] *= 1 + max(0.0, others) / base[par]
    return [min(1.0, base[i] * factor[i]) for i in range(F)]


def unit_rows(rows):
    out = []
    for r in rows:
        n = math.sqrt(sum(x * x for x in r))
        out.append([x / n for x in r])
    return out


V = unit_rows([[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1],
               [1, 1, 0, 0], [0, 1, 1, 0], [1, 0, 0, -1], [1, 1, 1, 1]])
BIAS = [0.5, -0.5, 0.5, 0.5]  # norm 1: "bias": true
FACTOR = [[0.1, 0.0], [0.05, 0.1], [-0.1, 0.05], [0.0, -0.1], [0.2, 0.1], [0.1, -0.2], [-0.05, 0.0], [0.15, 0.15]]
DIAG = [1 - sum(f32(x) ** 2 for x in row) for row in FACTOR]

tensors = [  # (name, shape, flat values), in offset order
    ("bias", [4], BIAS),
    ("correlation_diag", [8], DIAG),
    ("correlation_factor", [8, 2], [x for row in FACTOR for x in row]),
    ("feature_vectors", [8, 4], [x for row in V for x in row]),
    ("firing_probabilities", [8], probabilities()),
]
header, data, off = {}, b"", 0
for name, shape, vals in tensors:
    blob = struct.pack("<%df" % len(vals), *vals)
    header[name] = {"dtype": "F32", "shape": shape, "data_offsets": [off, off + len(blob)]}
    data += blob
    off += len(blob)
h = json.dumps(header, separators=(",", ":")).encode()
h += b" " * (-len(h) % 8)

os.makedirs(OUT, exist_ok=True)
with open(os.path.join(OUT, "synthetic_model.safetensors"), "wb") as f:
    f.write(struct.pack("<Q", len(h)) + h + data)
with open(os.path.join(OUT, "synthetic_model_config.json"), "w") as f:
    f.write(CONFIG)
with open(os.path.join(OUT, "hierarchy.json"), "w") as f:
    f.write(HIERARCHY)
print("wrote", OUT, "p =", [round(p, 6) for p in probabilities()])
