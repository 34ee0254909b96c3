"""Write the golden fixtures for saelab's Go parity tests to testdata/golden/*.json.

Run from the repository root:  /usr/bin/python3 tools/torchref/gen_fixtures.py
Deterministic: fixed torch seeds, one thread, values written as the repr of the float32 value.
"""
import json
import math
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from torchref import (DT, THETA_INIT, BatchTopKToySAE, GatedToySAE, Heaviside, JumpReLU,  # noqa: E402
                      JumpReLUToySAE, LR_SCHEDULES, TopKToySAE, ToyModel, ToySAE, make_adam)

torch.set_num_threads(1)
ROOT = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
OUT = os.path.join(ROOT, "testdata", "golden")
ADAM = {"adam_beta1": 0.9, "adam_beta2": 0.999, "adam_eps": 1e-8}
WRITTEN = []


def _floats(t):
    vals = t.detach().to(torch.float64).reshape(-1).tolist()
    for v in vals:
        assert math.isfinite(v), "non-finite value in fixture"
    return vals


def write(fname, description, config, tensors):
    lines = ["{", '"description": ' + json.dumps(description) + ",",
             '"config": ' + json.dumps(config) + ",", '"tensors": {']
    items = list(tensors.items())
    for n, (name, t) in enumerate(items):
        t = torch.as_tensor(t)
        if t.dtype == torch.bool:
            t = t.to(DT)
        body = json.dumps({"shape": list(t.shape), "data": _floats(t)})
        lines.append(json.dumps(name) + ": " + body + ("," if n + 1 < len(items) else ""))
    lines.append("}", )
    lines.append("}")
    path = os.path.join(OUT, fname)
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")
    WRITTEN.append((fname, list(tensors)))


def snap(module, names):
    return {n: getattr(module, n).detach().clone() for n in names}


def set_params(module, **vals):
    with torch.no_grad():
        for k, v in vals.items():
            getattr(module, k).copy_(v)


def sae_hidden(B, I, d_in, gen_scale=0.7):
    """A batch of hidden activations with a few exact zeros (like toy-model samples with no feature)."""
    h = gen_scale * torch.randn(B, I, d_in, dtype=DT)
    h[0] = 0.0
    h[3, 0] = 0.0
    return h


def grads_nonzero(module):
    return all(bool((p.grad != 0).all()) for p in module.parameters())


# ------------------------------------------------------------------ spec self-checks
def check_spec_examples():
    # §1.2 xavier std and §2.2 kaiming bound
    for (I, H, Fn), std in {(16, 2, 5): 0.149071, (8, 2, 5): 0.2, (10, 20, 100): 0.025820,
                            (20, 20, 200): 0.015811, (7, 5, 10): 0.129099}.items():
        fi, fo = torch.nn.init._calculate_fan_in_and_fan_out(torch.empty(I, H, Fn))
        assert abs(math.sqrt(2 / (fi + fo)) - std) < 1e-6
    for (D, S), bound in {(2, 5): 0.774597, (10, 30): 0.141421, (2, 10): 0.547723}.items():
        fi, _ = torch.nn.init._calculate_fan_in_and_fan_out(torch.empty(1, D, S))
        assert abs(math.sqrt(3) * math.sqrt(2) / math.sqrt(fi) - bound) < 1e-6
    # §1.8
    cos5 = [LR_SCHEDULES["cosine"](s, 5) for s in range(5)]
    assert all(abs(a - b) < 1e-5 for a, b in zip(cos5, [1, .92388, .70711, .38268, 0]))
    lin5 = [LR_SCHEDULES["linear"](s, 5) for s in range(5)]
    assert all(abs(a - b) < 1e-12 for a, b in zip(lin5, [1, .8, .6, .4, .2]))
    # §2.5 worked example
    sae = ToySAE(1, 2, 3, sparsity_coeff=0.2)
    set_params(sae, W_enc=torch.tensor([[[1., 0, -1], [0, 1, 1]]]), b_enc=torch.tensor([[0., 0, -0.5]]),
               _W_dec=torch.tensor([[[2., 0], [0, 1], [1, 1]]]), b_dec=torch.tensor([[0.1, -0.1]]))
    h = torch.tensor([[[1., 0.5]], [[0., 0.]]])
    ld, loss, acts, h_rec = sae(h)
    close = lambda a, b: torch.allclose(a, torch.tensor(b, dtype=DT), rtol=1.3e-6, atol=1e-6)  # noqa: E731
    assert close(acts[:, 0], [[0.9, 0.6, 0], [0, 0.1, 0]])
    assert close(h_rec[:, 0], [[1, 0.5], [0.1, 0]])
    assert close(ld["L_reconstruction"][:, 0], [0, 0.005])
    assert close(ld["L_sparsity"][:, 0], [1.5, 0.1])
    assert close(loss[:, 0], [0.3, 0.025])
    write("sae_worked_example.json", "Spec §2.5 worked example (I=1, d_in=2, S=3, lambda=0.2).",
          {"n_inst": 1, "d_in": 2, "d_sae": 3, "sparsity_coeff": 0.2, "weight_normalize_eps": 1e-8,
           "tied_weights": False},
          {"W_enc": sae.W_enc, "_W_dec": sae._W_dec, "b_enc": sae.b_enc, "b_dec": sae.b_dec, "h": h,
           "L_reconstruction": ld["L_reconstruction"], "L_sparsity": ld["L_sparsity"], "loss": loss,
           "acts": acts, "h_rec": h_rec, "W_dec_normalized": sae.W_dec_normalized})


# ------------------------------------------------------------------ §4 self-test
def heaviside_selftest():
    z = torch.tensor([[1.0, 1.4, 1.6, 2.0]], dtype=DT)
    eps = torch.tensor(0.5, dtype=DT)
    out = {"z": z.clone(), "theta": torch.full((4,), 1.5, dtype=DT)}
    for fname, fn in (("heaviside", Heaviside), ("jumprelu", JumpReLU)):
        zz = z.clone().requires_grad_(True)
        th = torch.full((4,), 1.5, dtype=DT, requires_grad=True)
        y = fn.apply(zz, th, eps)
        y.backward(torch.ones_like(y))
        out[fname + "_out"], out[fname + "_grad_theta"], out[fname + "_grad_z"] = y.detach(), th.grad, zz.grad
    exp = {"heaviside_out": [[0, 0, 1, 1]], "heaviside_grad_theta": [0, -2, -2, 0], "heaviside_grad_z": [[0, 0, 0, 0]],
           "jumprelu_out": [[0, 0, 1.6, 2.0]], "jumprelu_grad_theta": [0, -3, -3, 0], "jumprelu_grad_z": [[0, 0, 1, 1]]}
    for k, v in exp.items():
        assert torch.equal(out[k], torch.tensor(v, dtype=DT)), (k, out[k])
    z2 = torch.cat([z, z]).requires_grad_(True)
    th = torch.full((4,), 1.5, dtype=DT, requires_grad=True)
    y = Heaviside.apply(z2, th, eps)
    y.backward(torch.ones_like(y))
    assert torch.equal(th.grad, torch.tensor([0., -4, -4, 0]))
    out["z_stacked"], out["heaviside_stacked_grad_theta"] = z2.detach(), th.grad
    write("heaviside_jumprelu_selftest.json",
          "Spec §4 self-test: Heaviside and JumpReLU with rectangle kernel K((z-theta)/eps), unit upstream "
          "gradient; theta grads summed over axis 0. *_stacked: z stacked twice along the batch axis.",
          {"ste_epsilon": 0.5}, out)


# ------------------------------------------------------------------ §1 toy model
def toymodel_fixture():
    torch.manual_seed(101)
    I, Fn, H, B = 3, 5, 2, 8
    importance = 0.2 + 0.8 * torch.rand(I, Fn, dtype=DT)
    m = ToyModel(I, Fn, H, feature_probability=0.5, importance=importance)
    with torch.no_grad():
        m.b_final.copy_(0.1 * torch.randn(I, Fn, dtype=DT))
    x, x2 = m.generate_batch(B), m.generate_batch(B)
    assert (x == 0).any() and (x != 0).any()
    W0, b0 = m.W.detach().clone(), m.b_final.detach().clone()
    out = m(x)
    loss = m.calculate_loss(out, x)
    loss.backward()
    t = {"W": W0, "b_final": b0, "importance": importance, "x": x, "x2": x2,
         "out": out, "loss": loss, "grad_W": m.W.grad.clone(), "grad_b_final": m.b_final.grad.clone()}
    opt = make_adam(m.parameters(), 1e-3)
    for k, xb in ((1, x), (2, x2)):
        opt.zero_grad()
        m.calculate_loss(m(xb), xb).backward()
        opt.step()
        t[f"W_after_step{k}"], t[f"b_final_after_step{k}"] = m.W.detach().clone(), m.b_final.detach().clone()
    write("toymodel_forward_loss.json",
          "ToyModel forward out=ReLU(W^T W x + b_final), importance-weighted loss (mean over batch & features, "
          "summed over instances), grads, and two Adam steps (lr 1e-3, betas (0.9,0.999), eps 1e-8) on x then x2.",
          {"n_inst": I, "n_features": Fn, "d_hidden": H, "batch_size": B, "lr": 1e-3, **ADAM}, t)


def lr_fixture():
    t = {}
    for name in ("constant", "linear", "cosine", "linear_warmup"):
        t[name + "_steps5"] = torch.tensor([LR_SCHEDULES[name](s, 5) for s in range(5)], dtype=torch.float64)
    at = [0, 1, 1250, 2499, 2500, 2501, 2750, 2998, 2999]
    t["anthropic_steps3000_at"] = torch.tensor(at, dtype=torch.float64)
    t["anthropic_steps3000"] = torch.tensor([LR_SCHEDULES["anthropic"](s, 3000) for s in at], dtype=torch.float64)
    write("lr_schedules.json",
          "LR scale values (float64): constant/linear/cosine/linear_warmup at steps 0..4 of 5; anthropic_lr "
          "for steps=3000 at the steps listed in anthropic_steps3000_at.",
          {"steps": 5, "anthropic_steps": 3000}, t)


# ------------------------------------------------------------------ §2 standard SAE
def run_steps(sae, names, hs, lr):
    opt = make_adam(sae.parameters(), lr)
    t = {}
    for k, hb in enumerate(hs, 1):
        sae.train_step(opt, hb)
        for n in names:
            t[f"{n}_step{k}"] = getattr(sae, n).detach().clone()
    return t


def sae_fixture(fname, I, d_in, S, B, tied, seed, require_nonzero=True, lam=0.2, lr=1e-2):
    for attempt in range(200):
        torch.manual_seed(seed + attempt)
        sae = ToySAE(I, d_in, S, sparsity_coeff=lam, tied_weights=tied)
        with torch.no_grad():
            sae.b_enc.copy_(0.2 * torch.randn(I, S, dtype=DT))
            sae.b_dec.copy_(0.1 * torch.randn(I, d_in, dtype=DT))
        h, h2 = sae_hidden(B, I, d_in), sae_hidden(B, I, d_in)
        names = [n for n, _ in sae.named_parameters()]
        params = snap(sae, names)
        ld, loss, acts, h_rec = sae(h)
        loss.mean(0).sum().backward()
        if not require_nonzero or grads_nonzero(sae):
            break
    else:
        raise RuntimeError("no seed with all-nonzero grads")
    t = dict(params)
    t.update({"h": h, "h2": h2, "L_reconstruction": ld["L_reconstruction"], "L_sparsity": ld["L_sparsity"],
              "loss": loss, "acts": acts, "h_rec": h_rec, "W_dec_normalized": sae.W_dec_normalized})
    t.update({"grad_" + n: getattr(sae, n).grad.clone() for n in names})
    t.update(run_steps(sae, names, [h, h2], lr))
    write(fname,
          f"ToySAE ({'tied' if tied else 'untied'}) forward (W_dec_normalized, L_rec mean over d_in, L_sparsity sum "
          "over S), grads of loss.mean(0).sum(), then two Adam steps (lr %g) on h then h2 with the same optimizer; "
          "*_stepK are parameters after step K%s." % (lr, "" if tied else " and the decoder renormalisation"),
          {"n_inst": I, "d_in": d_in, "d_sae": S, "batch_size": B, "sparsity_coeff": lam,
           "weight_normalize_eps": 1e-8, "tied_weights": tied, "lr": lr, "seed_attempt": attempt, **ADAM}, t)


# ------------------------------------------------------------------ §2.9 / §2.10 resampling
def random_sae(cls, I, d_in, S, tied, **kw):
    sae = cls(I, d_in, S, sparsity_coeff=0.2, tied_weights=tied, **kw)
    with torch.no_grad():
        sae.b_enc.copy_(0.2 * torch.randn(I, S, dtype=DT))
        sae.b_dec.copy_(0.1 * torch.randn(I, d_in, dtype=DT))
    return sae


def make_window(Wn, I, S, dead, never_zero_except=None):
    frac = 0.01 + 0.05 * torch.rand(Wn, I, S, dtype=DT)
    for (i, j) in dead:
        frac[:, i, j] = 0.0
    return frac


def resample_simple_fixture(tied):
    torch.manual_seed(202)
    I, d_in, S, Wn, scale = 3, 2, 5, 4, 0.5
    sae = random_sae(ToySAE, I, d_in, S, tied)
    frac = make_window(Wn, I, S, [(0, 1), (0, 3), (2, 0), (2, 2), (2, 4)])
    frac[:, 0, 3] = 1e-9            # below the 1e-8 threshold at every step -> dead
    frac[:3, 0, 4] = 0.0            # silent for 3 of 4 steps, fired once -> alive
    frac[:, 1, 2] = 0.0
    frac[2, 1, 2] = 1e-8            # exactly 1e-8 is not < 1e-8 -> alive
    dead = ToySAE.dead_mask(frac)
    n_dead = int(dead.sum())
    assert n_dead == 5
    v = torch.randn(n_dead, d_in, dtype=DT)
    names = [n for n, _ in sae.named_parameters()]
    t = snap(sae, names)
    sae.resample_simple(frac, scale, v)
    t.update({"frac_active_window": frac, "dead": dead, "v": v})
    t.update({n + "_after": getattr(sae, n).detach().clone() for n in names})
    t["W_dec_normalized_after"] = sae.W_dec_normalized.detach()
    vn = v / (v.norm(dim=-1, keepdim=True) + 1e-8)
    if tied:   # §2.11: enc written first, dec second -> tied column is v_hat (norm 1)
        assert torch.equal(sae.W_enc.transpose(-1, -2)[dead], vn)
    else:
        assert torch.equal(sae._W_dec[dead], vn) and torch.equal(sae.W_enc.transpose(-1, -2)[dead], vn * scale)
    suffix = "_tied" if tied else ""
    write(f"sae_resample_simple{suffix}.json",
          "ToySAE.resample_simple (§2.9) with the N(0,1) draws injected: v (n_dead, d_in) in row-major order of "
          "the (I,S) dead mask (torch boolean-mask order). dead = all over window of frac < 1e-8. "
          + ("Tied: encoder written first (scale*v_hat), decoder view second (v_hat) -> effective column v_hat."
             if tied else "Untied: W_enc column <- scale*v_hat, _W_dec row <- v_hat, b_enc <- 0."),
          {"n_inst": I, "d_in": d_in, "d_sae": S, "window": Wn, "resample_scale": scale,
           "weight_normalize_eps": 1e-8, "sparsity_coeff": 0.2, "tied_weights": tied}, t)


def resample_advanced_fixture(tied):
    torch.manual_seed(303)
    I, d_in, S, Wn, B, scale = 3, 4, 6, 4, 32, 0.4
    sae = random_sae(ToySAE, I, d_in, S, tied)
    frac = make_window(Wn, I, S, [(0, 1), (0, 4)] + [(2, j) for j in range(S)])
    dead = ToySAE.dead_mask(frac)
    h = sae_hidden(B, I, d_in)
    names = [n for n, _ in sae.named_parameters()]
    t = snap(sae, names)
    alive_norm = torch.tensor([sae.W_enc[i, :, ~dead[i]].norm(dim=0).mean().item() if (~dead[i]).any() else 1.0
                               for i in range(I)], dtype=DT)
    g = torch.Generator().manual_seed(7)
    l, probs, idx = sae.resample_advanced(
        frac, scale, h, lambda i, p, n: torch.multinomial(p, n, replacement=True, generator=g))
    t.update({"frac_active_window": frac, "dead": dead, "h": h, "L_reconstruction": l, "probs": probs,
              "idx": idx, "alive_enc_norm_mean": alive_norm})
    t.update({n + "_after": getattr(sae, n).detach().clone() for n in names})
    t["W_dec_normalized_after"] = sae.W_dec_normalized.detach()
    suffix = "_tied" if tied else ""
    write(f"sae_resample_advanced{suffix}.json",
          "ToySAE.resample_advanced (§2.10) with the fresh batch h (B,I,d_in) and the sampled indices injected. "
          "L_reconstruction (B,I) is the per-sample MSE of forward(h) before any write; probs[:,i] = l^2/sum l^2 "
          "(for every instance). idx (I,S): for each dead latent j (ascending), the sample index it was given "
          "(the n_dead draws of instance i in order); -1 for alive latents. alive_enc_norm_mean (I): mean norm of "
          "alive W_enc columns before the writes (1.0 if none alive). Instance 1 has no dead latent, instance 2 "
          "is all dead. Write order: decoder first, encoder second (v_hat*a*scale), b_enc <- 0"
          + (" -> tied effective column v_hat*a*scale." if tied else "."),
          {"n_inst": I, "d_in": d_in, "d_sae": S, "window": Wn, "batch_size": B, "resample_scale": scale,
           "weight_normalize_eps": 1e-8, "sparsity_coeff": 0.2, "tied_weights": tied}, t)


# ------------------------------------------------------------------ §3 gated
def gated_fixture(tied, seed=404, lam=0.2, lr=1e-2):
    I, d_in, S, B = 2, 2, 5, 16
    for attempt in range(500):
        torch.manual_seed(seed + attempt)
        sae = GatedToySAE(I, d_in, S, sparsity_coeff=lam, tied_weights=tied)
        with torch.no_grad():
            sae.b_gate.copy_(0.2 * torch.randn(I, S, dtype=DT))
            sae.r_mag.copy_(0.3 * torch.randn(I, S, dtype=DT))
            sae.b_mag.copy_(0.2 * torch.randn(I, S, dtype=DT))
            sae.b_dec.copy_(0.1 * torch.randn(I, d_in, dtype=DT))
        h, h2 = sae_hidden(B, I, d_in), sae_hidden(B, I, d_in)
        names = [n for n, _ in sae.named_parameters()]
        params = snap(sae, names)
        ld, loss, acts, h_rec = sae(h)
        loss.mean(0).sum().backward()
        if grads_nonzero(sae):
            break
    else:
        raise RuntimeError("gated: no seed with all-nonzero grads")
    with torch.no_grad():
        hc = h - sae.b_dec
        pi_gate = torch.einsum("bid,ids->bis", hc, sae.W_gate) + sae.b_gate
        pi_mag = torch.einsum("bid,ids->bis", hc, sae.W_mag) + sae.b_mag
    t = dict(params)
    t.update({"h": h, "h2": h2, "W_mag": sae.W_mag, "pi_gate": pi_gate, "pi_mag": pi_mag,
              "L_reconstruction": ld["L_reconstruction"], "L_sparsity": ld["L_sparsity"], "L_aux": ld["L_aux"],
              "loss": loss, "acts": acts, "h_rec": h_rec})
    t.update({"grad_" + n: getattr(sae, n).grad.clone() for n in names})
    t.update(run_steps(sae, names, [h, h2], lr))
    write(f"gated_{'tied' if tied else 'untied'}.json",
          "GatedToySAE (§3): forward with raw W_dec, L_reconstruction (mean over d_in), L_sparsity = sum ReLU(pi_gate), "
          "L_aux (sum over d_in, W_dec and additive b_dec detached), loss; grads of loss.mean(0).sum(); two Adam "
          "steps (lr %g) on h then h2%s." % (lr, "" if tied else ", each followed by the decoder renormalisation"),
          {"n_inst": I, "d_in": d_in, "d_sae": S, "batch_size": B, "sparsity_coeff": lam,
           "weight_normalize_eps": 1e-8, "tied_weights": tied, "lr": lr, "seed_attempt": attempt, **ADAM}, t)


# ------------------------------------------------------------------ §4 JumpReLU SAE
def jumprelu_fixture(tied, seed=505, lam=0.2, lr=1e-2, ste=0.01):
    I, d_in, S, B = 2, 2, 5, 16
    for attempt in range(500):
        torch.manual_seed(seed + attempt)
        sae = JumpReLUToySAE(I, d_in, S, sparsity_coeff=lam, tied_weights=tied, ste_epsilon=ste)
        with torch.no_grad():
            sae.b_enc.copy_(0.2 * torch.randn(I, S, dtype=DT))
            sae.b_dec.copy_(0.1 * torch.randn(I, d_in, dtype=DT))
        h, h2 = sae_hidden(B, I, d_in), sae_hidden(B, I, d_in)
        with torch.no_grad():
            z = sae.z(h)
            ok = True
            theta = torch.empty(I, S, dtype=DT)
            for i in range(I):
                for j in range(S):
                    zs = torch.sort(z[:, i, j][z[:, i, j] > 0.02]).values
                    if zs.numel() < 3:
                        ok = False
                        break
                    # theta just above / below a middle z so that z falls inside |z - theta| < eps/2
                    delta = (0.3 if (i + j) % 2 == 0 else -0.3) * ste
                    theta[i, j] = zs[zs.numel() // 2] + delta
            if not ok:
                continue
            sae.log_theta.copy_(theta.log())
            inside = ((z - sae.theta).abs() < ste / 2).any(dim=0)
            if not inside.all():
                continue
        names = [n for n, _ in sae.named_parameters()]
        params = snap(sae, names)
        ld, loss, acts, h_rec = sae(h)
        loss.mean(0).sum().backward()
        if grads_nonzero(sae):
            break
    else:
        raise RuntimeError("jumprelu: no seed with all-nonzero grads")
    n_inside = int(((z - sae.theta.detach()).abs() < ste / 2).sum())
    assert n_inside >= I * S
    t = dict(params)
    t.update({"h": h, "h2": h2, "theta": sae.theta.detach(), "z": z,
              "L_reconstruction": ld["L_reconstruction"], "L_sparsity": ld["L_sparsity"],
              "loss": loss, "acts": acts, "h_rec": h_rec})
    t.update({"grad_" + n: getattr(sae, n).grad.clone() for n in names})
    t.update(run_steps(sae, names, [h, h2], lr))
    write(f"jumprelu_{'tied' if tied else 'untied'}.json",
          "JumpReLUToySAE (§4): z = ReLU((h-b_dec) W_enc + b_enc), acts = JumpReLU(z, theta, eps), raw W_dec decode, "
          "L_sparsity = sum Heaviside(z, theta, eps) (STE, rectangle kernel K((z-theta)/eps)); theta = exp(log_theta) "
          "chosen so that every latent has samples inside |z-theta| < eps/2 (%d (b,i,j) in the window). Grads of "
          "loss.mean(0).sum(); two Adam steps (lr %g) on h then h2%s." % (
              n_inside, lr, "" if tied else ", each followed by the decoder renormalisation"),
          {"n_inst": I, "d_in": d_in, "d_sae": S, "batch_size": B, "sparsity_coeff": lam, "ste_epsilon": ste,
           "weight_normalize_eps": 1e-8, "tied_weights": tied, "lr": lr, "seed_attempt": attempt,
           "n_inside_ste_window": n_inside, **ADAM}, t)


# ------------------------------------------------------------------ §5 TopK / BatchTopK
def topk_params(cls, seed, **kw):
    torch.manual_seed(seed)
    I, d_in, S = 2, 2, 5
    sae = random_sae(cls, I, d_in, S, False, **kw)
    with torch.no_grad():
        # instance 0: latent 3 duplicates latent 1 (encoder column, bias and decoder row) -> exact ties;
        # latent 0 is boosted so the tie sits on the k=2 boundary: the lower index (1) must win.
        sae.W_enc[0, :, 3] = sae.W_enc[0, :, 1]
        sae._W_dec[0, 3] = sae._W_dec[0, 1]
        sae.b_enc[0, 0], sae.b_enc[0, 1], sae.b_enc[0, 3] = 3.0, 2.0, 2.0
    return sae


def topk_fixture():
    I, d_in, S, B, k = 2, 2, 5, 8, 2
    names = ["W_enc", "_W_dec", "b_enc", "b_dec"]
    t = {}
    for rescale, sfx in ((False, ""), (True, "_rescale")):
        sae = topk_params(TopKToySAE, 606, k=k, rescale_acts_by_decoder_norm=rescale)
        if not t:
            t.update(snap(sae, names))
            t["h"] = sae_hidden(B, I, d_in)
            t["W_dec_norm"] = sae.W_dec.norm(dim=-1).detach()
        h = t["h"]
        with torch.no_grad():
            pre = sae.pre(h) * (t["W_dec_norm"] if rescale else 1.0)
        ld, loss, acts, h_rec = sae(h)
        loss.mean(0).sum().backward()
        # ties -> lower index: latent 3 is never kept without its twin 1 (with rescaling, samples 5 and 6 keep both)
        assert bool(((acts[:, 0, 3] == 0) | (acts[:, 0, 1] > 0)).all()) and bool((acts[:, 0, 1] > 0).all())
        if not rescale:
            assert bool((acts[:, 0, 3] == 0).all())
        else:
            assert bool((acts[:, 0, 3] > 0).any())
        assert int((acts != 0).sum(-1).max()) <= k
        with torch.no_grad():
            raw = sae(h, dec=sae.W_dec)[3]
        t.update({"pre" + sfx: pre, "acts" + sfx: acts, "h_rec" + sfx: h_rec,
                  "L_reconstruction" + sfx: ld["L_reconstruction"], "h_rec_rawdec" + sfx: raw})
        t.update({"grad_" + n + sfx: getattr(sae, n).grad.clone() for n in names})
    write("topk.json",
          "TopK (§5), k=2: pre=(h-b_dec)W_enc+b_enc; keep the k largest pre per sample (ties to the lower index: "
          "instance 0 latent 3 duplicates latent 1 and loses whenever the tie straddles the k boundary; with "
          "rescaling, latent 0 drops out on samples 5 and 6 and both twins are kept), ReLU them; decode with W_dec_normalized + b_dec "
          "('as in the standard SAE'). Unsuffixed tensors: rescale_acts_by_decoder_norm=false; *_rescale: true "
          "(pre *= ||W_dec_j|| (raw rows, no eps) before selection, acts /= ||W_dec_j|| before decoding; pre_rescale "
          "is the scaled pre). h_rec_rawdec*: the same acts decoded with the raw W_dec (SAELens form), for "
          "reference only. grad_*: grads of L_reconstruction.mean(0).sum() (no sparsity term, no AuxK), with the "
          "norms kept in the graph.",
          {"n_inst": I, "d_in": d_in, "d_sae": S, "batch_size": B, "k": k, "weight_normalize_eps": 1e-8,
           "tied_weights": False}, t)


def batchtopk_fixture():
    I, d_in, S, B = 2, 2, 5, 8
    names = ["W_enc", "_W_dec", "b_enc", "b_dec"]
    t = {}
    for k, sfx in ((2, "_k2"), (1.5, "_k1p5")):
        sae = topk_params(BatchTopKToySAE, 707, k=k)
        with torch.no_grad():
            sae.b_enc[1] = sae.b_enc[1] - 0.3  # fewer positives in instance 1 -> zeros among the kept values
        if not t:
            t.update(snap(sae, names))
            t["h"] = sae_hidden(B, I, d_in)
        h = t["h"]
        ld, loss, acts, h_rec = sae(h)
        loss.mean(0).sum().backward()
        mask = sae._kept[0]
        assert int(mask.sum()) == I * int(k * B)
        sae.after_step(None)  # one threshold update from tau = 0
        with torch.no_grad():
            pre = sae.pre(h)
        t.update({"pre" + sfx: pre, "kept" + sfx: mask, "acts" + sfx: acts, "h_rec" + sfx: h_rec,
                  "L_reconstruction" + sfx: ld["L_reconstruction"], "tau_after_update" + sfx: sae.tau.clone()})
        t.update({"grad_" + n + sfx: getattr(sae, n).grad.clone() for n in names})
    write("batchtopk.json",
          "BatchTopK (§5): acts = ReLU(pre); per instance keep the int(k*B) largest values over the flattened "
          "(B x S) batch (flat index b*S+s, ties to the lower index); kept* is the (B,I,S) selection mask (zeros may "
          "be kept when fewer values are positive). Decode with W_dec_normalized + b_dec. tau_after_update*: per "
          "instance, 0.99*0 + 0.01*min positive kept value (float64). grad_*: of L_reconstruction.mean(0).sum(). "
          "Suffix _k2: k=2 (16 of 40 kept); _k1p5: k=1.5 (int(12.0)=12 kept).",
          {"n_inst": I, "d_in": d_in, "d_sae": S, "batch_size": B, "k": 2, "k_fractional": 1.5,
           "weight_normalize_eps": 1e-8, "tied_weights": False}, t)


def main():
    os.makedirs(OUT, exist_ok=True)
    check_spec_examples()
    heaviside_selftest()
    toymodel_fixture()
    lr_fixture()
    sae_fixture("sae_untied.json", 2, 2, 5, 16, False, 1000)
    sae_fixture("sae_tied.json", 2, 2, 5, 16, True, 1100)
    sae_fixture("sae_untied_wide.json", 2, 10, 30, 8, False, 1200, require_nonzero=False)
    resample_simple_fixture(False)
    resample_simple_fixture(True)
    resample_advanced_fixture(False)
    resample_advanced_fixture(True)
    gated_fixture(False)
    gated_fixture(True)
    jumprelu_fixture(False)
    jumprelu_fixture(True)
    topk_fixture()
    batchtopk_fixture()
    for fname, names in WRITTEN:
        size = os.path.getsize(os.path.join(OUT, fname))
        assert size < 200_000, (fname, size)
        print(f"{fname} ({size} B): {', '.join(names)}")


if __name__ == "__main__":
    main()
