"""Caser (Tang & Wang, WSDM 2018) and Caser+ (the paper's `Caser2`), as the authors implement them.

The window's item embeddings form an "image" E [L, e]. Two kinds of filters read it:

* vertical: nv filters of shape (L, 1), a weighted sum over time per embedding dimension, no
  activation. Caser+ pads L-1 zero rows on top so there is one output per position t (causal).
* horizontal: for every height h = 1..L, nh filters of shape (h, e), tanh, then a max over time
  (Caser: over the valid positions of the window; Caser+: a cumulative max, so the feature at t
  only sees positions <= t).

The concatenated features go through dropout, z_t = tanh(fc1(.)), x_t = [z_t; p_u] (the user
embedding IS used), and score(t, i) = W2[i]·x_t + b2[i] with an output table W2/b2 that is not tied
to the input embeddings.

Speed. The authors run one Conv2d per height (L layers). Here all heights are ONE causal
convolution bank with L·nh output channels whose kernel for height h is zero on lags >= h
(`HorizontalBank`): as one dense causal Conv1d, or, for large shapes, along time in the frequency
domain (rfft, one complex contraction over the embedding axis, irfft). The parameters stay in the
authors' per-height layout (packed one after the other), so their weights copy over 1:1
(`state_dict_from_authors`). The vertical convolution is one Toeplitz matmul.

Authors' quirk kept by default: item id 0 (padding) has a LEARNED embedding (no padding_idx), while
the convolutions' own padding is zero vectors. `padding_embedding="zero"` is the clean variant.
"""
from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

from ..errors import ConfigError, unknown
from .base import (REGIME_SWITCHES, Difference, Dropout, SequentialRecommender, activation,
                   check_dropout, check_positive_int, check_weight_decay, init_tables,
                   item_embedding, reference_settings, sliding_window_regime)

HORIZONTAL_METHODS = ("auto", "fft", "dense", "loop")
CHANNEL_ORDERS = ("filter_major", "height_major")

# Caser as the toolkit builds it (`Caser`, the paper's baseline) and as its own paper's reference
# code (graytowne/caser_pytorch, HEAD c4e10e4) builds and trains it (`CaserOriginal`): every
# difference is a switch, of the model (an option of `Caser`) or of the training loop (a field of
# `TrainConfig`), so that an ablation can turn them one at a time. The Caser chapter prints this
# table. The same on both sides: nh = 16, dropout 0.5 on the conv features, no activation after
# the vertical convolution, a learned embedding for the padding id, Adam at lr 1e-3, one output
# per window at its last position, negatives drawn from the items outside the user's training
# sequence.
DIFFERENCES = {
    **sliding_window_regime(
        "caser_pytorch", windows="`interactions.py` `to_sequence` L136-176, `train_caser.py` "
        "L103-105 and the shuffle of every instance L126", targets="`train_caser.py` `--T 3` L287",
        negatives="`train_caser.py` L130, L203-234, `--neg_samples 3` L294",
        loss="`train_caser.py` L166-170"),
    "init": Difference(
        "initialisation", "torch", "reference", "user, item, W2 and b2 tables N(0, 1) (torch's "
        "nn.Embedding)", "user and item tables N(0, 1/d), W2 N(0, 1/2d), b2 zero (std)",
        "caser_pytorch `caser.py` L63-66"),
    "act_conv": Difference("horizontal activation", "Tanh", "ReLU", "tanh", "ReLU",
                           "caser_pytorch `train_caser.py` `--ac_conv relu` L305"),
    "act_fc": Difference("fc1 activation", "Tanh", "ReLU", "tanh", "ReLU",
                         "caser_pytorch `train_caser.py` `--ac_fc relu` L306"),
    "emb_size": Difference("embedding size d", 64, 50, "64", "50",
                           "caser_pytorch `train_caser.py` `--d 50` L301"),
    "num_ver_filters": Difference("vertical filters nv", 16, 4, "16", "4",
                                  "caser_pytorch `train_caser.py` `--nv 4` L302"),
    "l2": Difference("weight decay", 0.0, 1e-6, "none", "Adam(weight_decay=1e-6), coupled L2",
                     "caser_pytorch `train_caser.py` L83-85, `--l2 1e-6` L293"),
    **reference_settings("caser_pytorch", lookback="`train_caser.py` `--L 5` L286",
                         batch="`train_caser.py` `--batch_size 512` L291",
                         epochs=(50, "`train_caser.py` `--n_iter 50` L289")),
}


# ---------------------------------------------------------------------------------------------
# Horizontal filters of every height as one causal convolution bank
# ---------------------------------------------------------------------------------------------
class HorizontalBank(nn.Module):
    """nh horizontal filters for each height h = 1..L, computed as one causal convolution.

    Output channel o stands for (height h, filter c); its value at time t is

        y[o, t] = b[h, c] + sum_{s=0}^{h-1} W_h[c, s] · E[t - h + 1 + s]     (E[<0] = 0)

    i.e. the authors' Conv2d(1, nh, (h, e)) over the window zero-padded with h-1 rows on top.

    Parameters, in the authors' layout: `weight` [nh·L(L+1)/2, e] is the per-height kernels
    W_h [nh, h, e] flattened and stacked for h = 1..L (rows of size e); `bias` [L, nh] = b[h-1, c].
    So the parameter count equals the authors' L separate convolutions.

    channel_order: 'filter_major' (o = c·L + h-1, Caser+) or 'height_major' (o = (h-1)·nh + c,
    Caser); it matches the column order of the authors' fc1 so its weights copy over unchanged.

    method: 'dense' (one Conv1d with kernel length L, kernels right-aligned and zero on the
    first L-h taps), 'fft' (the same convolution along time in the frequency domain; float32
    error ~1e-5 on outputs of size ~1, like the dense one), 'loop' (one conv per height, as the
    authors; reference and tests) or 'auto': under bf16 autocast 'dense' (its convolution runs on
    bf16 matrix units such as AMX; the FFT has no bf16 path), else fft when batch·L >= 2048 and
    L >= 16 (in eval mode by L alone: fft when L >= 16), else dense. `rebuild.benchmark
    --variants` times the three methods.
    """

    def __init__(self, lookback: int, emb_size: int, num_filters: int,
                 channel_order: str = "filter_major", method: str = "auto"):
        super().__init__()
        if channel_order not in CHANNEL_ORDERS:
            raise unknown("channel_order", channel_order, CHANNEL_ORDERS)
        if method not in HORIZONTAL_METHODS:
            raise unknown("horizontal method", method, HORIZONTAL_METHODS)
        self.lookback, self.emb_size, self.num_filters = lookback, emb_size, num_filters
        self.channel_order, self.method = channel_order, method
        L, nh = lookback, num_filters
        self.weight = nn.Parameter(torch.empty(nh * L * (L + 1) // 2, emb_size))
        self.bias = nn.Parameter(torch.empty(L, nh))
        heights, rows = self._channel_layout()
        self.register_buffer("channel_height", heights, persistent=False)   # [O] h of channel o
        self.register_buffer("row_index", rows, persistent=False)           # [O, L] row of W per tap
        # every packed weight row sits at exactly one (channel, tap): its flat position o·L + tap
        valid = rows.reshape(-1) < self.weight.shape[0]
        position = torch.empty(self.weight.shape[0], dtype=torch.long)
        position[rows.reshape(-1)[valid]] = valid.nonzero().squeeze(1)
        self.register_buffer("weight_position", position, persistent=False)  # [R]
        self.reset_parameters()

    @property
    def out_channels(self) -> int:
        return self.lookback * self.num_filters

    def _offset(self, h: int) -> int:
        """First row of W_h in the packed weight."""
        return self.num_filters * h * (h - 1) // 2

    def height_weight(self, h: int) -> torch.Tensor:
        """[nh, h, e] the kernels of height h (a view into the packed weight)."""
        start = self._offset(h)
        return self.weight[start:start + self.num_filters * h].view(self.num_filters, h, self.emb_size)

    def reset_parameters(self) -> None:
        """torch's Conv2d default per height: weight and bias ~ U(±1/sqrt(h·e))."""
        with torch.no_grad():
            for h in range(1, self.lookback + 1):
                bound = 1.0 / math.sqrt(h * self.emb_size)
                self.height_weight(h).uniform_(-bound, bound)
                self.bias[h - 1].uniform_(-bound, bound)

    def _channel_layout(self) -> tuple[torch.Tensor, torch.Tensor]:
        """Height of every output channel, and for every (channel, tap) the packed weight row.

        Tap s' = 0..L-1 is the position inside a length-L window ending at the current item
        (s' = L-1 is the current item). Height h uses taps s' >= L-h with kernel row s = s'-(L-h);
        other taps point at row R (an appended zero row).
        """
        L, nh = self.lookback, self.num_filters
        h = torch.arange(1, L + 1)[:, None, None]                  # [L, 1, 1]
        c = torch.arange(nh)[None, :, None]                        # [1, nh, 1]
        tap = torch.arange(L)[None, None, :]                       # [1, 1, L]
        s = tap - (L - h)                                          # [L, 1, L] kernel row
        row = nh * h * (h - 1) // 2 + c * h + s                    # [L, nh, L]
        row = torch.where(s >= 0, row, torch.full_like(row, self.weight.shape[0]))
        heights = h.expand(L, nh, 1)[..., 0]                       # [L, nh]
        if self.channel_order == "filter_major":
            row, heights = row.transpose(0, 1), heights.T          # [nh, L, L], [nh, L]
        return heights.reshape(-1).clone(), row.reshape(L * nh, L).clone()

    def channel_bias(self) -> torch.Tensor:
        """[O] bias in output-channel order."""
        return (self.bias.T if self.channel_order == "filter_major" else self.bias).reshape(-1)

    def window_kernels(self) -> torch.Tensor:
        """[O, L, e] every channel's kernel over a length-L window, zero on taps it does not use.

        Built with `index_copy` (each weight row lands at one place), whose backward is a plain
        gather: a fancy-indexing gather from a shared zero row made the backward a scatter-add with
        millions of collisions (90% of a CUDA training step at L = 100)."""
        O, L, e = self.out_channels, self.lookback, self.emb_size
        flat = self.weight.new_zeros(O * L, e)
        return flat.index_copy(0, self.weight_position, self.weight).view(O, L, e)

    def choose_method(self, batch: int, device_type: str = "cpu") -> str:
        if self.method != "auto":
            return self.method
        if torch.is_autocast_enabled(device_type):
            return "dense"
        long_window = self.lookback >= 16
        if not self.training:      # evaluation: by L alone, so that no user's scores (at float
            return "fft" if long_window else "dense"   # rounding) depend on who shares the batch
        return "fft" if batch * self.lookback >= 2048 and long_window else "dense"

    def forward(self, emb: torch.Tensor) -> torch.Tensor:
        """emb [B, L, e] -> [B, L, O] pre-activation output of every channel at every time t."""
        if emb.shape[1] != self.lookback:
            raise ConfigError(f"horizontal bank built for L={self.lookback}, got {emb.shape[1]}")
        method = self.choose_method(emb.shape[0], emb.device.type)
        if method == "loop":
            return self._loop(emb)
        if method == "dense":
            return self._dense(emb)
        return self._fft(emb)

    def _dense(self, emb: torch.Tensor) -> torch.Tensor:
        """One causal Conv1d over time, e input channels, O output channels, kernel length L."""
        L = self.lookback
        x = F.pad(emb.transpose(1, 2), (L - 1, 0))                 # [B, e, 2L-1] zeros before t=0
        kernels = self.window_kernels().transpose(1, 2)            # [O, e, L]
        return F.conv1d(x, kernels, self.channel_bias()).transpose(1, 2)   # [B, L, O]

    @torch.compiler.disable    # inductor has no complex kernels; compiling this crashed on CPU
    def _fft(self, emb: torch.Tensor) -> torch.Tensor:
        """The same convolution as a product in the frequency domain (length 2L: no wrap-around)."""
        L = self.lookback
        n = 2 * L
        with torch.autocast(emb.device.type, enabled=False):
            lags = self.window_kernels().float().flip(1)           # [O, L, e] lag 0 = current item
            x_f = torch.fft.rfft(emb.float(), n=n, dim=1)          # [B, F, e] complex, F = L+1
            k_f = torch.fft.rfft(lags, n=n, dim=1)                 # [O, F, e]
            y_f = torch.bmm(x_f.transpose(0, 1), k_f.permute(1, 2, 0))   # [F, B, O] sum over e
            y = torch.fft.irfft(y_f, n=n, dim=0)[:L]               # [L, B, O] causal part
            return (y + self.channel_bias().float()).transpose(0, 1)   # [B, L, O]

    def _loop(self, emb: torch.Tensor) -> torch.Tensor:
        """Reference: one Conv2d per height over the image padded with h-1 zero rows on top."""
        image = emb.unsqueeze(1)                                   # [B, 1, L, e]
        outs = []
        for h in range(1, self.lookback + 1):
            padded = F.pad(image, (0, 0, h - 1, 0))                # [B, 1, L+h-1, e]
            out = F.conv2d(padded, self.height_weight(h).unsqueeze(1), self.bias[h - 1])
            outs.append(out.squeeze(-1))                           # [B, nh, L]
        y = torch.stack(outs, 1)                                   # [B, L(h), nh, L(t)]
        if self.channel_order == "filter_major":
            y = y.transpose(1, 2)                                  # [B, nh, L(h), L(t)]
        return y.reshape(emb.shape[0], self.out_channels, self.lookback).transpose(1, 2)  # [B, L, O]


# ---------------------------------------------------------------------------------------------
# The two models: the original first, then the paper's causal version
# ---------------------------------------------------------------------------------------------
class Caser(SequentialRecommender):
    """Baseline Caser (the authors' `Caser`): one output per window, at its last position.

    Vertical: the plain Conv2d(1, nv, (L, 1)) over the window (= the last row of Caser+'s causal
    version). Horizontal: tanh(conv) of every height, max over the valid positions t >= h-1 (no
    padding). Caser+ (below) extends it; the horizontal feature columns are
    ordered height-major ((h-1)·nh + c) as in the authors' code.

    Hyperparameters (authors' configs `Caser.yaml` / `Caser2.yaml`, names in brackets): emb_size e [emb_size] = 64,
    num_ver_filters nv = 16, num_hor_filters nh = 16, act_conv = act_fc = 'Tanh', dropout
    [drop_rate] = 0.5 on the concatenated conv features. Variants: `padding_embedding`
    ('learned' = authors, 'zero'), `horizontal` (how the bank is computed; same numbers); and the
    switches to the original (`DIFFERENCES`): `init` ('torch' = toolkit, 'reference'), `l2`
    (Adam's weight decay).
    Windows must have exactly `lookback` columns (the kernel bank is sized by it).
    """

    name = "caser"
    label = "Caser"
    chapter = "caser"
    cost = 1
    authors_class = ("Caser", "Caser")
    alternatives = tuple({"horizontal": m} for m in ("loop", "dense", "fft"))
    scores_every_position = False
    channel_order = "height_major"

    def __init__(self, num_users: int, num_items: int, lookback: int, emb_size: int = 64,
                 num_ver_filters: int = 16, num_hor_filters: int = 16, dropout: float = 0.5,
                 act_conv: str = "Tanh", act_fc: str = "Tanh", padding_embedding: str = "learned",
                 horizontal: str = "auto", init: str = DIFFERENCES["init"].toolkit,
                 l2: float = DIFFERENCES["l2"].toolkit):
        super().__init__(num_users, num_items, lookback)
        self.adam_weight_decay = check_weight_decay(l2)        # read by training.make_optimizer
        e = check_positive_int("emb_size", emb_size)
        nv = check_positive_int("num_ver_filters", num_ver_filters)
        nh = check_positive_int("num_hor_filters", num_hor_filters)
        self.act_conv, self.act_fc = activation(act_conv), activation(act_fc)
        self.user_embeddings = nn.Embedding(num_users + 1, e)
        self.item_embeddings = item_embedding(num_items, e, padding_embedding)
        self.conv_v = nn.Conv2d(1, nv, (lookback, 1))   # parameters only: applied as a Toeplitz matmul
        self.horizontal = HorizontalBank(lookback, e, nh, self.channel_order, horizontal)
        self.fc1 = nn.Linear(nv * e + nh * lookback, e)
        self.W2 = nn.Embedding(num_items + 1, 2 * e)    # output table, not tied to item_embeddings
        self.b2 = nn.Embedding(num_items + 1, 1)
        self.dropout = Dropout(check_dropout(dropout))
        L = lookback
        lag = torch.arange(L)[None, :] - torch.arange(L)[:, None] + L - 1   # [t, j] kernel row j-t+L-1
        self.register_buffer("vertical_index", torch.where(lag <= L - 1, lag, torch.full_like(lag, L)),
                             persistent=False)                               # [L, L], L = zero column
        init_tables(init, (self.user_embeddings, self.item_embeddings), self.W2.weight,
                    self.b2.weight)

    def check_length(self, length: int) -> None:
        if length != self.lookback:
            raise ConfigError(f"{self.name}: item windows must have exactly lookback={self.lookback} "
                              f"columns (left-padded with 0), got {length}")

    # ------------------------------------------------------------------ features
    def vertical_features(self, emb: torch.Tensor, last: int) -> torch.Tensor:
        """[B, T, nv·e] causal vertical convolution at the last T positions (no activation).

        v[t, c, d] = b_c + sum_{j<=t} Wv[c, j-t+L-1] · E[j, d]: a Toeplitz matrix times E.
        At t = L-1 this is the plain (unpadded) Conv2d(1, nv, (L, 1)) of the baseline Caser.
        """
        B, L, e = emb.shape
        nv = self.conv_v.out_channels
        w = self.conv_v.weight.view(nv, L)                                  # [nv, L]
        w = torch.cat([w, w.new_zeros(nv, 1)], 1)                           # [nv, L+1]
        toeplitz = w[:, self.vertical_index[L - last:]]                     # [nv, T, L]
        toeplitz = toeplitz.transpose(0, 1).reshape(last * nv, L)           # [T·nv, L] row = (t, c)
        v = torch.matmul(toeplitz, emb).view(B, last, nv, e)                # [B, T, nv, e]
        v = v + self.conv_v.bias[:, None]
        return v.reshape(B, last, nv * e)                                   # column c·e + d

    def horizontal_features(self, emb: torch.Tensor, last: int) -> torch.Tensor:
        """[B, 1, nh·L] tanh(conv) of every height, max over the whole window (one output)."""
        a = self.act_conv(self.horizontal(emb))                             # [B, L, O]
        t = torch.arange(self.lookback, device=emb.device)
        padded = t[:, None] < self.horizontal.channel_height[None, :] - 1   # [L, O] window too short
        pooled = a.masked_fill(padded, float("-inf")).max(dim=1).values     # [B, O]
        return pooled[:, None]                                              # [B, 1, O] column (h-1)·nh + c

    # ------------------------------------------------------------------ contract
    def hidden_states(self, users: torch.Tensor, items: torch.Tensor, last: int) -> torch.Tensor:
        emb = self.item_embeddings(items)                                   # [B, L, e]
        features = torch.cat([self.vertical_features(emb, last),
                              self.horizontal_features(emb, last)], -1)     # [B, T, nv·e + nh·L]
        z = self.act_fc(self.fc1(self.dropout(features)))                   # [B, T, e]
        user = self.user_embeddings(users)[:, None].expand(-1, last, -1)    # [B, T, e]
        return torch.cat([z, user], -1)                                     # [B, T, 2e]

    def output_table(self):
        return self.W2.weight, self.b2.weight                               # [N+1, 2e], [N+1, 1]

    @torch.no_grad()
    def state_dict_from_authors(self, state_dict: dict) -> dict:
        """The authors' Caser/Caser2 state dict in this model's names: the L per-height
        `conv_h.{h-1}.weight` [nh, 1, h, e] / `.bias` [nh] are packed into `horizontal.weight`
        [nh·L(L+1)/2, e] / `horizontal.bias` [L, nh]; every other tensor keeps its name."""
        L = self.lookback
        out = {k: v for k, v in state_dict.items() if not k.startswith("conv_h.")}
        missing = [h for h in range(L) if f"conv_h.{h}.weight" not in state_dict]
        if missing:
            raise ConfigError(f"authors' state dict lacks conv_h.{missing[0]}.weight: it was built "
                              f"for a lookback other than {L}; build this model with the same one")
        out["horizontal.weight"] = torch.cat(
            [state_dict[f"conv_h.{h}.weight"].reshape(-1, self.horizontal.emb_size) for h in range(L)])
        out["horizontal.bias"] = torch.stack([state_dict[f"conv_h.{h}.bias"] for h in range(L)])
        return out


class CaserPlus(Caser):
    """Caser+ (`Caser2`): causal vertical and horizontal convolutions, one output per position.
    Everything else is Caser's (same parameters and hyperparameters): only the horizontal
    pooling becomes causal here, and `scores_every_position` turns every position into a target.
    """

    name = "caser+"
    label = "Caser+"
    chapter = "caser_plus"
    cost = 2
    original = "caser"
    authors_class = ("Caser", "Caser2")
    scores_every_position = True
    channel_order = "filter_major"

    def horizontal_features(self, emb: torch.Tensor, last: int) -> torch.Tensor:
        """[B, T, nh·L] tanh(conv) of every height, cumulative max over time (causal pooling)."""
        a = self.act_conv(self.horizontal(emb))                             # [B, L, O]
        return a.cummax(dim=1).values[:, -last:]                            # [B, T, O] max over s <= t


class CaserOriginal(Caser):
    """Caser as its own paper's reference code builds and trains it (graytowne/caser_pytorch):
    every switch of `DIFFERENCES` on the original's side: d = 50, nv = 4, nh = 16, ReLU, the
    reference initialisation, Adam's weight decay 1e-6; and its training regime (`training_regime`,
    which TrainConfig's 'auto' fields resolve to): every sliding window of L + T items each epoch,
    T = 3 targets and 3 negatives per window, the loss as a sum of two means. Its settings (L = 5,
    batch 512, 50 epochs) are a run's (`rebuild/profiles/cnn-original.yaml`). Not one of the
    paper's five models: the yardstick its Caser is read against."""

    name = "caser-original"
    label = "Caser (original)"
    in_paper = False
    reference_for = "caser"
    authors_class = None           # the Caser paper's own code, not the authors'
    cost = 2
    training_regime = {k: DIFFERENCES[k].original for k in REGIME_SWITCHES}

    def __init__(self, num_users: int, num_items: int, lookback: int,
                 emb_size: int = DIFFERENCES["emb_size"].original,
                 num_ver_filters: int = DIFFERENCES["num_ver_filters"].original,
                 num_hor_filters: int = 16, dropout: float = 0.5,
                 act_conv: str = DIFFERENCES["act_conv"].original,
                 act_fc: str = DIFFERENCES["act_fc"].original, padding_embedding: str = "learned",
                 horizontal: str = "auto", init: str = DIFFERENCES["init"].original,
                 l2: float = DIFFERENCES["l2"].original):
        super().__init__(num_users, num_items, lookback, emb_size, num_ver_filters,
                         num_hor_filters, dropout, act_conv, act_fc, padding_embedding,
                         horizontal, init, l2)
