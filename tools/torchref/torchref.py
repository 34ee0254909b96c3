"""Compact PyTorch reference for saelab, written from /work/shared/spec/reference-semantics.md.

Everything is float32 (the reference dtype).  Section numbers refer to the spec.
Random draws that the Go side cannot reproduce (resampling) are *injected* as arguments.
"""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F

DT = torch.float32
THETA_INIT = 0.1


# ---------------------------------------------------------------- §1.8 lr schedules
def constant_lr(step, steps):
    return 1.0


def linear_lr(step, steps):
    return 1 - step / steps


def cosine_decay_lr(step, steps):
    if steps == 1:  # reference divides by zero; saelab returns 1
        return 1.0
    return math.cos(0.5 * math.pi * step / (steps - 1))


def linear_warmup_lr(step, steps):
    return step / steps


def anthropic_lr(step, steps):
    assert steps > 2501
    if step < 2500:
        return step / 2500
    return cosine_decay_lr(step - 2500, steps - 2500)


LR_SCHEDULES = {
    "constant": constant_lr,
    "linear": linear_lr,
    "cosine": cosine_decay_lr,
    "linear_warmup": linear_warmup_lr,
    "anthropic": anthropic_lr,
}


def make_adam(params, lr):
    """PyTorch Adam exactly as the reference runs it (the (0.0, 0.999) betas exist only in a comment)."""
    return torch.optim.Adam(params, lr=lr, betas=(0.9, 0.999), eps=1e-8)


def _bcast(v, n_inst, n_features):
    return torch.broadcast_to(torch.as_tensor(v, dtype=DT), (n_inst, n_features)).clone()


# ---------------------------------------------------------------- §1 toy model
class ToyModel(nn.Module):
    def __init__(self, n_inst, n_features=5, d_hidden=2, n_correlated_pairs=0,
                 n_anticorrelated_pairs=0, feat_mag_distn="unif", feature_probability=0.01,
                 importance=1.0):
        super().__init__()
        self.n_inst, self.n_features, self.d_hidden = n_inst, n_features, d_hidden
        self.n_corr, self.n_anti = n_correlated_pairs, n_anticorrelated_pairs
        self.feat_mag_distn = feat_mag_distn
        self.feature_probability = _bcast(feature_probability, n_inst, n_features)
        self.importance = _bcast(importance, n_inst, n_features)
        # §1.2: xavier normal over (I,H,F): std = sqrt(2/(F*(H+I)))
        self.W = nn.Parameter(nn.init.xavier_normal_(torch.empty(n_inst, d_hidden, n_features, dtype=DT)))
        self.b_final = nn.Parameter(torch.zeros(n_inst, n_features, dtype=DT))

    def forward(self, x):  # x (..., I, F)
        h = torch.einsum("...if,ihf->...ih", x, self.W)
        out = torch.einsum("...ih,ihf->...if", h, self.W) + self.b_final
        return F.relu(out)

    def _mag(self, shape):
        if self.feat_mag_distn == "unif":
            return torch.rand(shape, dtype=DT)
        assert self.feat_mag_distn == "normal"
        return torch.clamp(0.5 + 0.2 * torch.randn(shape, dtype=DT), 0.0, 1.0)

    def generate_batch(self, batch_size):  # §1.5 -> (B, I, F)
        B, I, Fn = batch_size, self.n_inst, self.n_features
        nc, na = self.n_corr, self.n_anti
        nu = Fn - 2 * nc - 2 * na
        pf = self.feature_probability
        parts = []
        if nc > 0 or na > 0:
            assert torch.all(pf == pf[:, [0]])
            p = pf[:, [0]]  # (I,1)
        if nc > 0:
            mag = self._mag((B, I, 2 * nc))
            s = torch.rand((B, I, nc), dtype=DT)
            present = (s <= p).repeat_interleave(2, dim=-1)
            parts.append(torch.where(present, mag, 0.0))
        if na > 0:
            assert p.max().item() <= 0.5
            mag = self._mag((B, I, 2 * na))
            s = torch.rand((B, I, na), dtype=DT)
            present = torch.stack([s <= p, (1 - s) <= p], dim=-1).flatten(-2)
            parts.append(torch.where(present, mag, 0.0))
        if nu > 0:
            pu = pf if (nc == 0 and na == 0) else p
            mag = self._mag((B, I, nu))
            s = torch.rand((B, I, nu), dtype=DT)
            parts.append(torch.where(s <= pu, mag, 0.0))
        return torch.cat(parts, dim=-1)

    def calculate_loss(self, out, x):  # §1.6: mean over (batch, feature), summed over instances
        err = self.importance * (x - out) ** 2
        return err.mean(dim=(0, 2)).sum()

    def optimize(self, batch_size=1024, steps=5000, log_freq=50, lr=1e-3, lr_scale=constant_lr,
                 on_step=None):
        opt = make_adam(self.parameters(), lr)
        for step in range(steps):
            for g in opt.param_groups:
                g["lr"] = lr * lr_scale(step, steps)
            opt.zero_grad()
            x = self.generate_batch(batch_size)
            loss = self.calculate_loss(self(x), x)
            loss.backward()
            opt.step()
            if step % log_freq == 0 or step + 1 == steps:
                self.last_log = (loss.item() / self.n_inst, opt.param_groups[0]["lr"])
            if on_step is not None:
                on_step(step)


# ---------------------------------------------------------------- §2 standard SAE
class ToySAE(nn.Module):
    enc_name = "W_enc"
    zero_on_resample = ("b_enc",)

    def __init__(self, n_inst, d_in, d_sae, sparsity_coeff=0.2, weight_normalize_eps=1e-8,
                 tied_weights=False, ste_epsilon=0.01, model=None):
        super().__init__()
        self.n_inst, self.d_in, self.d_sae = n_inst, d_in, d_sae
        self.sparsity_coeff = sparsity_coeff
        self.weight_normalize_eps = weight_normalize_eps
        self.tied_weights = tied_weights
        self.ste_epsilon = ste_epsilon
        self._init_params()
        self.model = None
        if model is not None:
            self.attach(model)

    def _kaiming(self, *shape):  # §2.2: U(-sqrt(6/fan_in), +), fan_in = shape[1]*prod(shape[2:])
        return nn.Parameter(nn.init.kaiming_uniform_(torch.empty(*shape, dtype=DT)))

    def _init_params(self):
        I, D, S = self.n_inst, self.d_in, self.d_sae
        self.W_enc = self._kaiming(I, D, S)
        if not self.tied_weights:
            self._W_dec = self._kaiming(I, S, D)
        self.b_enc = nn.Parameter(torch.zeros(I, S, dtype=DT))
        self.b_dec = nn.Parameter(torch.zeros(I, D, dtype=DT))

    def attach(self, model):
        """§2.4 + §10: copy (never mutate) the toy model, replicate instance 0, freeze it."""
        assert model.n_inst == self.n_inst and model.d_hidden == self.d_in
        m = ToyModel(model.n_inst, model.n_features, model.d_hidden, model.n_corr, model.n_anti,
                     model.feat_mag_distn, model.feature_probability, model.importance)
        with torch.no_grad():
            m.W.copy_(model.W[0].expand_as(m.W))
            m.b_final.copy_(model.b_final[0].expand_as(m.b_final))
        for p in m.parameters():
            p.requires_grad_(False)
        object.__setattr__(self, "model", m)  # not a submodule: never in the SAE optimizer

    @property
    def enc(self):
        return getattr(self, self.enc_name)

    @property
    def W_dec(self):  # §2.3
        return self.enc.transpose(-1, -2) if self.tied_weights else self._W_dec

    @property
    def W_dec_normalized(self):
        W = self.W_dec
        return W / (W.norm(dim=-1, keepdim=True) + self.weight_normalize_eps)

    def generate_batch(self, batch_size):  # §2.4: h = W[0] x, no bias/ReLU/grad
        with torch.no_grad():
            x = self.model.generate_batch(batch_size)
            return torch.einsum("bif,hf->bih", x, self.model.W[0])

    def forward(self, h):  # §2.5
        h_cent = h - self.b_dec
        pre = torch.einsum("bid,ids->bis", h_cent, self.W_enc) + self.b_enc
        acts = F.relu(pre)
        h_rec = torch.einsum("bis,isd->bid", acts, self.W_dec_normalized) + self.b_dec
        L_rec = (h_rec - h).pow(2).mean(-1)
        L_sp = acts.abs().sum(-1)
        loss = L_rec + self.sparsity_coeff * L_sp
        return {"L_reconstruction": L_rec, "L_sparsity": L_sp}, loss, acts, h_rec

    def renormalize(self):  # §2.7 step 5
        if not self.tied_weights:
            with torch.no_grad():
                self._W_dec.data = self.W_dec_normalized.detach().clone()

    def after_step(self, out):  # hook for BatchTopK's threshold
        pass

    def train_step(self, opt, h):
        """One §2.7 step (4-6) on a given batch: returns frac_active (I,S)."""
        opt.zero_grad()
        out = self(h)
        out[1].mean(0).sum().backward()
        opt.step()
        self.renormalize()
        self.after_step(out)
        return (out[2].abs() > 1e-8).float().mean(0)

    # ---------------- resampling with injected draws
    def _reset_extra(self, i, j):
        with torch.no_grad():
            for name in self.zero_on_resample:
                getattr(self, name)[i, j] = 0.0

    @staticmethod
    def dead_mask(frac_window):  # §2.8: (W,I,S) -> (I,S)
        return (frac_window < 1e-8).all(dim=0)

    @torch.no_grad()
    def resample_simple(self, frac_window, scale, v):
        """§2.9. v: (n_dead, d_in) N(0,1) draws in the row-major order of the (I,S) dead mask."""
        dead = self.dead_mask(frac_window)
        n_dead = int(dead.sum().item())
        if n_dead == 0:
            return dead
        assert v.shape == (n_dead, self.d_in)
        vn = v / (v.norm(dim=-1, keepdim=True) + self.weight_normalize_eps)
        self.enc.data.transpose(-1, -2)[dead] = vn * scale  # encoder first ...
        self.W_dec.data[dead] = vn                           # ... decoder second (§2.11)
        for name in self.zero_on_resample:
            getattr(self, name).data[dead] = 0.0
        if hasattr(self, "log_theta"):
            self.log_theta.data[dead] = math.log(THETA_INIT)
        return dead

    @torch.no_grad()
    def resample_advanced(self, frac_window, scale, h, sample_fn):
        """§2.10. h: the fresh batch (B,I,d_in).  sample_fn(i, probs (B,), n_dead) -> LongTensor (n_dead,)
        (injected; the reference draws Categorical(probs).sample((n_dead,))).
        Returns (L_reconstruction (B,I), probs (B,I), idx (I,S) long with -1 for alive)."""
        l = self(h)[0]["L_reconstruction"]
        B = h.shape[0]
        probs = torch.zeros_like(l)
        idx_all = torch.full((self.n_inst, self.d_sae), -1, dtype=torch.long)
        for i in range(self.n_inst):
            dead = self.dead_mask(frac_window[:, i])
            dl = torch.nonzero(dead).squeeze(-1)
            n_dead = dl.numel()
            li = l[:, i]
            p = li.pow(2) / li.pow(2).sum()
            probs[:, i] = p
            if n_dead == 0:
                continue
            if li.max() < 1e-6:
                continue
            idx = sample_fn(i, p, n_dead)
            idx_all[i, dl] = idx
            v = (h - self.b_dec)[idx, i]
            vn = v / (v.norm(dim=-1, keepdim=True) + self.weight_normalize_eps)
            if (~dead).any():
                a = self.enc[i, :, ~dead].norm(dim=0).mean().item()
            else:
                a = 1.0
            self.W_dec.data[i, dl, :] = vn                      # decoder first ...
            self.enc.data[i, :, dl] = vn.T * a * scale          # ... encoder second (§2.11)
            for name in self.zero_on_resample:
                getattr(self, name).data[i, dl] = 0.0
            if hasattr(self, "log_theta"):
                self.log_theta.data[i, dl] = math.log(THETA_INIT)
        return l, probs, idx_all

    # ---------------- §2.7 loop (used by the benchmark)
    def optimize(self, batch_size=1024, steps=10_000, log_freq=100, lr=1e-3, lr_scale=constant_lr,
                 resample_method=None, resample_freq=2500, resample_window=500, resample_scale=0.5,
                 hidden_sample_size=256, on_step=None):
        assert resample_window <= resample_freq
        opt = make_adam(self.parameters(), lr)  # toy model is not a submodule -> not included
        frac_active_list, data_log = [], []
        for step in range(steps):
            if resample_method is not None and (step + 1) % resample_freq == 0:
                window = torch.stack(frac_active_list[-resample_window:])
                if resample_method == "simple":
                    dead = self.dead_mask(window)
                    self.resample_simple(window, resample_scale,
                                         torch.randn(int(dead.sum().item()), self.d_in, dtype=DT))
                else:
                    hb = self.generate_batch(batch_size)
                    self.resample_advanced(
                        window, resample_scale, hb,
                        lambda i, p, n: torch.distributions.Categorical(probs=p).sample((n,)))
            for g in opt.param_groups:
                g["lr"] = lr * lr_scale(step, steps)
            h = self.generate_batch(batch_size)
            opt.zero_grad()
            loss_dict, loss, acts, _ = self(h)
            loss.mean(0).sum().backward()
            opt.step()
            self.renormalize()
            self.after_step((loss_dict, loss, acts, None))
            frac_active = (acts.abs() > 1e-8).float().mean(0)
            frac_active_list.append(frac_active)
            if step % log_freq == 0 or step + 1 == steps:
                _ = (lr * lr_scale(step, steps), loss.mean(0).sum().item(), frac_active.mean().item(),
                     {k: v.mean(0).sum().item() for k, v in loss_dict.items()})
                with torch.no_grad():
                    hs = self.generate_batch(hidden_sample_size)
                    ld, ls, ac, hr = self(hs)
                rec = {"steps": step, "frac_active": (ac.abs() > 1e-8).float().mean(0), "loss": ls,
                       "h": hs, "h_r": hr}
                rec.update({k: v.detach().clone() for k, v in self.named_parameters()})
                rec.update(ld)
                data_log.append(rec)
            if on_step is not None:
                on_step(step)
        return data_log


# ---------------------------------------------------------------- §3 gated SAE
class GatedToySAE(ToySAE):
    enc_name = "W_gate"
    zero_on_resample = ("b_mag", "b_gate", "r_mag")

    def _init_params(self):
        I, D, S = self.n_inst, self.d_in, self.d_sae
        if not self.tied_weights:
            self._W_dec = self._kaiming(I, S, D)
        self.b_dec = nn.Parameter(torch.zeros(I, D, dtype=DT))
        self.W_gate = self._kaiming(I, D, S)
        self.b_gate = nn.Parameter(torch.zeros(I, S, dtype=DT))
        self.r_mag = nn.Parameter(torch.zeros(I, S, dtype=DT))
        self.b_mag = nn.Parameter(torch.zeros(I, S, dtype=DT))

    @property
    def W_mag(self):
        return self.r_mag.exp().unsqueeze(1) * self.W_gate

    def forward(self, h):
        h_cent = h - self.b_dec
        pi_gate = torch.einsum("bid,ids->bis", h_cent, self.W_gate) + self.b_gate
        f_gate = (pi_gate > 0).float()
        pi_mag = torch.einsum("bid,ids->bis", h_cent, self.W_mag) + self.b_mag
        acts = f_gate * F.relu(pi_mag)
        W_dec = self.W_dec
        h_rec = torch.einsum("bis,isd->bid", acts, W_dec) + self.b_dec
        via_gate = torch.einsum("bis,isd->bid", F.relu(pi_gate), W_dec.detach()) + self.b_dec.detach()
        L_rec = (h_rec - h).pow(2).mean(-1)
        L_sp = F.relu(pi_gate).sum(-1)
        L_aux = (via_gate - h).pow(2).sum(-1)
        loss = L_rec + self.sparsity_coeff * L_sp + L_aux
        return {"L_reconstruction": L_rec, "L_sparsity": L_sp, "L_aux": L_aux}, loss, acts, h_rec


# ---------------------------------------------------------------- §4 JumpReLU
def rectangle(u):
    return ((u > -0.5) & (u < 0.5)).to(u.dtype)


class Heaviside(torch.autograd.Function):
    @staticmethod
    def forward(ctx, z, theta, eps):
        ctx.save_for_backward(z, theta, eps)
        return (z > theta).to(z.dtype)

    @staticmethod
    def backward(ctx, g):
        z, theta, eps = ctx.saved_tensors
        grad_theta = (-(1.0 / eps) * rectangle((z - theta) / eps) * g).sum(dim=0)
        return 0.0 * g, grad_theta, None


class JumpReLU(torch.autograd.Function):
    @staticmethod
    def forward(ctx, z, theta, eps):
        ctx.save_for_backward(z, theta, eps)
        return z * (z > theta).to(z.dtype)

    @staticmethod
    def backward(ctx, g):
        z, theta, eps = ctx.saved_tensors
        grad_z = (z > theta).to(z.dtype) * g
        grad_theta = (-(theta / eps) * rectangle((z - theta) / eps) * g).sum(dim=0)
        return grad_z, grad_theta, None


class JumpReLUToySAE(ToySAE):
    def _init_params(self):
        super()._init_params()
        self.log_theta = nn.Parameter(torch.full((self.n_inst, self.d_sae), math.log(THETA_INIT), dtype=DT))

    @property
    def theta(self):
        return self.log_theta.exp()

    def z(self, h):
        return F.relu(torch.einsum("bid,ids->bis", h - self.b_dec, self.W_enc) + self.b_enc)

    def forward(self, h):
        eps = torch.tensor(self.ste_epsilon, dtype=DT)
        z = self.z(h)
        theta = self.theta
        acts = JumpReLU.apply(z, theta, eps)
        h_rec = torch.einsum("bis,isd->bid", acts, self.W_dec) + self.b_dec  # raw W_dec
        L_rec = (h_rec - h).pow(2).mean(-1)
        L_sp = Heaviside.apply(z, theta, eps).sum(-1)
        loss = L_rec + self.sparsity_coeff * L_sp
        return {"L_reconstruction": L_rec, "L_sparsity": L_sp}, loss, acts, h_rec


# ---------------------------------------------------------------- §5 TopK / BatchTopK
def keep_largest(x, k, dim=-1):
    """Bool mask of the k largest entries along dim; ties go to the lower index (stable sort)."""
    order = torch.sort(x, dim=dim, descending=True, stable=True).indices.narrow(dim, 0, k)
    return torch.zeros_like(x, dtype=torch.bool).scatter(dim, order, True)


class TopKToySAE(ToySAE):
    """SAELens-style TopK; decoded 'as in the standard SAE' (W_dec_normalized).  The loss is
    L_reconstruction only (no sparsity penalty; AuxK not included).  With rescaling, n_j = ||W_dec_j||
    (raw rows, no eps) is kept in the autograd graph, as in SAELens."""

    def __init__(self, *a, k=2, rescale_acts_by_decoder_norm=False, **kw):
        self.k, self.rescale = k, rescale_acts_by_decoder_norm
        super().__init__(*a, **kw)

    def pre(self, h):
        return torch.einsum("bid,ids->bis", h - self.b_dec, self.W_enc) + self.b_enc

    def forward(self, h, dec=None):
        pre = self.pre(h)
        n = self.W_dec.norm(dim=-1)  # (I,S)
        if self.rescale:
            pre = pre * n
        mask = keep_largest(pre, self.k, dim=-1)
        acts = torch.where(mask, F.relu(pre), torch.zeros_like(pre))
        if self.rescale:
            acts = acts / n
        W = self.W_dec_normalized if dec is None else dec
        h_rec = torch.einsum("bis,isd->bid", acts, W) + self.b_dec
        L_rec = (h_rec - h).pow(2).mean(-1)
        return {"L_reconstruction": L_rec}, L_rec, acts, h_rec


class BatchTopKToySAE(TopKToySAE):
    """acts = ReLU(pre); per instance keep the int(k*B) largest over the flattened (B x S) batch
    (ties to the lower flat index b*S+s).  tau (float64, per instance) is the EMA threshold."""

    def __init__(self, *a, **kw):
        super().__init__(*a, **kw)
        self.tau = torch.zeros(self.n_inst, dtype=torch.float64)

    def forward(self, h, dec=None):
        pre = self.pre(h)
        B, I, S = pre.shape
        acts_all = F.relu(pre)
        flat = acts_all.permute(1, 0, 2).reshape(I, B * S)
        mask = keep_largest(flat, int(self.k * B), dim=-1).reshape(I, B, S).permute(1, 0, 2)
        acts = torch.where(mask, acts_all, torch.zeros_like(acts_all))
        self._kept = (mask, acts.detach())
        W = self.W_dec_normalized if dec is None else dec
        h_rec = torch.einsum("bis,isd->bid", acts, W) + self.b_dec
        L_rec = (h_rec - h).pow(2).mean(-1)
        return {"L_reconstruction": L_rec}, L_rec, acts, h_rec

    def after_step(self, out):
        mask, acts = self._kept
        for i in range(self.n_inst):
            kept = acts[:, i][mask[:, i]]
            pos = kept[kept > 0]
            if pos.numel() > 0:
                self.tau[i] = 0.99 * self.tau[i] + 0.01 * pos.min().double()
