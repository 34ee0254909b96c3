"""Write the PyTorch golden vector for AdamW on the toy model: testdata/golden/toymodel_adamw.json.

Run from the repository root:  /usr/bin/python3 tools/torchref/phase_fixtures.py
Deterministic (fixed seed, one thread). The Go side is optim/adamw_golden_test.go.

AdamW here is torch.optim.AdamW(betas=(0.9, 0.999), eps=1e-8): a decoupled weight decay
param.mul_(1 - lr*weight_decay) of every parameter (W and b_final), then the Adam step
(reference-semantics §1.9; phase-diagrams §4.2). lr and weight decay are larger than the
phase-diagram defaults (1e-3, 1e-2) so that the decay moves the parameters by far more than the
test tolerance.
"""
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gen_fixtures import ADAM, OUT, WRITTEN, write  # noqa: E402
from torchref import DT, ToyModel  # noqa: E402

LR, WD = 1e-2, 0.5


def adamw_fixture():
    torch.manual_seed(211)
    I, Fn, H, B = 3, 3, 2, 16
    # The phase-diagram importance rows [1, 1, r]: the extra feature last.
    importance = torch.tensor([[1.0, 1.0, 0.3], [1.0, 1.0, 1.0], [1.0, 1.0, 3.0]], dtype=DT)
    m = ToyModel(I, Fn, H, feature_probability=0.5, importance=importance)
    with torch.no_grad():
        m.b_final.copy_(0.1 * torch.randn(I, Fn, dtype=DT))
    x, x2 = m.generate_batch(B), m.generate_batch(B)
    assert (x == 0).any() and (x != 0).any()
    t = {"W": m.W.detach().clone(), "b_final": m.b_final.detach().clone(), "importance": importance,
         "x": x, "x2": x2}
    opt = torch.optim.AdamW(m.parameters(), lr=LR, betas=(ADAM["adam_beta1"], ADAM["adam_beta2"]),
                            eps=ADAM["adam_eps"], weight_decay=WD)
    for k, xb in ((1, x), (2, x2)):
        opt.zero_grad()
        m.calculate_loss(m(xb), xb).backward()
        opt.step()
        t[f"W_after_step{k}"], t[f"b_final_after_step{k}"] = m.W.detach().clone(), m.b_final.detach().clone()
    write("toymodel_adamw.json",
          "ToyModel (I=3, F=3, H=2, importance rows [1,1,r]) trained two steps with torch.optim.AdamW "
          "(lr 1e-2, weight_decay 0.5, betas (0.9,0.999), eps 1e-8) on x then x2: decoupled decay "
          "param *= 1 - lr*wd of W and b_final, then the Adam step.",
          {"n_inst": I, "n_features": Fn, "d_hidden": H, "batch_size": B, "lr": LR, "weight_decay": WD, **ADAM}, t)


def main():
    os.makedirs(OUT, exist_ok=True)
    adamw_fixture()
    for fname, names in WRITTEN:
        size = os.path.getsize(os.path.join(OUT, fname))
        assert size < 200_000, (fname, size)
        print(f"{fname} ({size} B): {', '.join(names)}")


if __name__ == "__main__":
    main()
