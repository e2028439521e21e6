"""CosRec (Yan et al., CIKM 2019) and CosRec+ (the paper's `CosRec2`), as the authors implement them.

Every pair of items in the window becomes one cell of an L x L grid: cell (j, k) holds the
concatenation [E_k; E_j] (column item first, row item second), a (2e, L, L) "image". Two CNN blocks
(1x1 conv - BN - ReLU - 3x3 conv - BN - ReLU, widths [128, 256]) read it; the result is pooled to
one vector, h = dropout(tanh(fc1(.))), x = [h; p_u] (the user embedding IS used) and a full output
layer fc_out (bias included) scores the ids.

* CosRec: 3x3 convs without padding (the grid shrinks to L-4), average over the whole grid, one
  output per window.
* CosRec+: before each 3x3 conv, 2 zero rows on top and 2 zero columns on the left, so cell (j, k)
  only sees rows <= j and columns <= k; pooling at position t is the mean of the top-left
  (t+1) x (t+1) block (the authors' `SpecialPooling`), so position t never sees later items.

Speed. The first 1x1 conv over a pair is W [E_k; E_j] + b = W_a E_k + W_b E_j + b: two [L, C]
matmuls broadcast over the grid, so the (B, 2e, L, L) pair tensor is never built (`pairs=
"factorised"`; `pairs="materialised"` builds it as the authors do). The grid is kept channels-last.
The top-left pooling is one matmul with a [T, L·L] weight matrix. Only the candidates' rows of fc_out
are used in training (the authors compute all N+1 logits, then gather).

Authors' quirks kept by default: id 0 (padding) has a learned embedding (`padding_embedding=
"zero"` is the clean variant); in training mode BatchNorm's statistics pool all L x L cells,
including cells of later positions, so batch statistics are mildly non-causal (`norm="cell"`:
a LayerNorm over the channels of each cell, causal and with the same parameter count;
`norm="none"`: no normalisation). In eval mode BN uses running statistics and is causal.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from ..errors import ConfigError, unknown
from .base import (REGIME_SWITCHES, Difference, Dropout, SequentialRecommender, activation,
                   check_dropout, check_positive_int, check_weight_decay, init_tables,
                   item_embedding, reference_settings, sliding_window_regime)

NORMS = ("batch", "cell", "none")
PAIR_CONSTRUCTIONS = ("factorised", "materialised")

# CosRec as the toolkit builds it (`CosRec`, the paper's baseline) and as its own paper's reference
# code (zzxslp/CosRec, HEAD 77dbe31) builds and trains it (`CosRecOriginal`), one switch per
# difference (a model option or a TrainConfig field), as `caser.DIFFERENCES`. The same on both
# sides: the pair grid [E_k; E_j], two blocks of widths 128 and 256 (1x1 conv, BN, ReLU, 3x3 conv,
# BN, ReLU), the mean over the grid, tanh(fc1) then dropout 0.5, [h; p_u] scored against an output
# table with a bias per item, a learned padding embedding, Adam at lr 1e-3.
DIFFERENCES = {
    **sliding_window_regime(
        "CosRec", windows="`interactions.py` `to_sequence`, `train.py` L103-108 and the shuffle "
        "of every instance L133", targets="`train.py` `--T 3` L314",
        negatives="`train.py` L137, `--neg_samples 3` L321", loss="`train.py` L173-177"),
    "init": Difference(
        "initialisation", "torch", "reference", "user and item tables N(0, 1) (nn.Embedding); "
        "output layer torch's Linear (uniform, bias too)", "user and item tables N(0, 1/d), "
        "output rows W2 N(0, 1/(fc_dim + d)), bias b2 zero (std)", "CosRec `model.py` L38-41"),
    "emb_size": Difference("embedding size d", 64, 50, "64", "50",
                           "CosRec `train.py` `--d 50` L328"),
    "fc_dim": Difference("fc1 width", 128, 150, "128", "150",
                         "CosRec `train.py` `--fc_dim 150` L332"),
    "l2": Difference("weight decay", 0.0, 5e-6, "none", "Adam(weight_decay=5e-6), coupled L2",
                     "CosRec `train.py` L81-83, `--l2 5e-6` L320"),
    **reference_settings("CosRec", lookback="`train.py` `--L 5` L313",
                         batch="`train.py` `--batch_size 512` L318",
                         epochs=(40, "`train.py` `--n_iter 40` L316")),
}


class CellNorm(nn.Module):
    """LayerNorm over the channels of every grid cell of [B, C, H, W] (causal in training)."""

    def __init__(self, channels: int, eps: float = 1e-5):
        super().__init__()
        self.eps = eps
        self.weight = nn.Parameter(torch.ones(channels))
        self.bias = nn.Parameter(torch.zeros(channels))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = F.layer_norm(x.permute(0, 2, 3, 1), x.shape[1:2], self.weight, self.bias, self.eps)
        return y.permute(0, 3, 1, 2)                                   # [B, C, H, W]


def norm_layer(kind: str, channels: int) -> nn.Module:
    if kind == "batch":
        return nn.BatchNorm2d(channels)
    if kind == "cell":
        return CellNorm(channels)
    if kind == "none":
        return nn.Identity()
    raise unknown("norm", kind, NORMS)


class CnnBlock(nn.Module):
    """1x1 conv - norm - ReLU - [causal: pad 2 top/left] - 3x3 conv - norm - ReLU.

    Names (conv1, bn1, conv2, bn2) match the authors' CnnBlock / CnnBlock2.
    """

    def __init__(self, in_channels: int, out_channels: int, causal: bool, norm: str = "batch"):
        super().__init__()
        self.causal = causal
        self.conv1 = nn.Conv2d(in_channels, out_channels, kernel_size=1)
        self.conv2 = nn.Conv2d(out_channels, out_channels, kernel_size=3)
        self.bn1 = norm_layer(norm, out_channels)
        self.bn2 = norm_layer(norm, out_channels)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.after_conv1(self.conv1(x))

    def after_conv1(self, h: torch.Tensor) -> torch.Tensor:
        """The block from the output of its 1x1 conv on: [B, C, H, W] -> [B, C, H', W']."""
        out = F.relu(self.bn1(h))
        if self.causal:                                                # pad only on the past side
            out = F.pad(out, (2, 0, 2, 0)).contiguous(memory_format=torch.channels_last)
        return F.relu(self.bn2(self.conv2(out)))                       # causal: H' = H, else H-2


def pair_grid_factorised(emb: torch.Tensor, conv1: nn.Conv2d) -> torch.Tensor:
    """conv1 (1x1 over [E_k; E_j]) of every cell (j, k), without building the pair tensor.

    emb [B, L, e] -> [B, C, L, L] (channels-last in memory): W_a E_k + W_b E_j + b.
    """
    e = emb.shape[-1]
    w = conv1.weight[:, :, 0, 0]                                       # [C, 2e]
    col = emb @ w[:, :e].T                                             # [B, L, C] column item k
    row = torch.addmm(conv1.bias, emb.flatten(0, 1), w[:, e:].T).view_as(col)   # [B, L, C] row j + b
    grid = row[:, :, None, :] + col[:, None, :, :]                     # [B, L(j), L(k), C]
    return grid.permute(0, 3, 1, 2)                                    # [B, C, L, L]


def pair_grid_materialised(emb: torch.Tensor, conv1: nn.Conv2d) -> torch.Tensor:
    """The authors' construction: build [E_k; E_j] for every cell, then conv1. [B, C, L, L]."""
    L = emb.shape[1]
    col = emb.unsqueeze(1).repeat(1, L, 1, 1)                          # [B, L(j), L(k), e] = E_k
    row = emb.unsqueeze(2).repeat(1, 1, L, 1)                          # [B, L(j), L(k), e] = E_j
    pairs = torch.cat([col, row], 3).permute(0, 3, 1, 2)               # [B, 2e, L, L]
    return conv1(pairs)


def topleft_weights(length: int, last: int, device=None, dtype=torch.float32) -> torch.Tensor:
    """[T, L·L] pooling weights of the last T positions: 1/(t+1)^2 where max(j, k) <= t, else 0."""
    pos = torch.arange(length, device=device)
    newest = torch.maximum(pos[:, None], pos[None, :]).reshape(-1)    # [L·L] max(j, k) of each cell
    t = pos[length - last:, None]                                     # [T, 1]
    return (newest[None, :] <= t).to(dtype) / (t + 1).to(dtype) ** 2  # [T, L·L]


def cumulative_topleft_mean(grid: torch.Tensor, last: int) -> torch.Tensor:
    """[B, C, L, L] -> [B, T, C]: at position t the mean of cells (j, k) with j, k <= t.

    The authors' `SpecialPooling`, as ONE matmul of a [T, L·L] weight matrix with the grid read as
    [B, L·L, C] (a free view of a channels-last grid). A 2-D prefix sum (cumsum over both axes,
    read on the diagonal) does O(L^2) instead of O(T·L^2) work per channel, but measured 3-6x
    slower forward+backward (strided scans: H200, batch 128, L = 100, and 2 CPU cores).
    """
    B, C, L, _ = grid.shape
    cells = grid.permute(0, 2, 3, 1).reshape(B, L * L, C)             # [B, L·L, C] cell (j, k)
    weights = topleft_weights(L, last, grid.device, grid.dtype)       # [T, L·L]
    return torch.matmul(weights, cells)                               # [B, T, C]


class CosRec(SequentialRecommender):
    """Baseline CosRec (the authors' `CosRec`): unpadded 3x3 convs, mean over the whole grid,
    one output per window. CosRec+ (below) extends it. Windows need at least 2·len(block_dims)+1
    items (each 3x3 conv trims 2 rows and columns).

    Hyperparameters (authors' `CosRec.yaml` / `CosRec2.yaml`, names in brackets): emb_size e = 64,
    block_dims = (128, 256), fc_dim = 128, act_fc = 'Tanh', dropout [dropout_rate] = 0.5 after tanh(fc1).
    Variants: `padding_embedding` ('learned' = authors, 'zero'), `norm` ('batch' = authors,
    'cell', 'none'), `pairs` ('factorised' or 'materialised': same numbers), `channels_last`; and
    the switches to the original (`DIFFERENCES`): `init` ('torch' = toolkit, 'reference'), `l2`.
    """

    name = "cosrec"
    label = "CosRec"
    chapter = "cosrec"
    cost = 4
    authors_class = ("CosRec", "CosRec")
    alternatives = ({"pairs": "materialised"}, {"channels_last": False})
    # users per evaluation batch on a CPU (`TrainConfig.eval_batch`): at 1024 users one [B, 256,
    # L, L] grid is 420 MB at L = 20, and the memory-bound passes over it (BatchNorm, ReLU,
    # padding) cost more than the convolutions gain from the large batch. Every FS-NYC user, both
    # splits, L = 20, 2 AVX2 cores, 1024 vs 32 users: CosRec 9.5 / 5.8 s, CosRec+ 13.0 / 8.6 s
    cpu_eval_batch = 32
    scores_every_position = False
    causal = False                 # unpadded 3x3 convolutions (CnnBlock)

    def __init__(self, num_users: int, num_items: int, lookback: int, emb_size: int = 64,
                 block_dims=(128, 256), fc_dim: int = 128, act_fc: str = "Tanh",
                 dropout: float = 0.5, padding_embedding: str = "learned", norm: str = "batch",
                 pairs: str = "factorised", channels_last: bool = True,
                 init: str = DIFFERENCES["init"].toolkit, l2: float = DIFFERENCES["l2"].toolkit):
        super().__init__(num_users, num_items, lookback)
        self.adam_weight_decay = check_weight_decay(l2)        # read by training.make_optimizer
        e = check_positive_int("emb_size", emb_size)
        fc_dim = check_positive_int("fc_dim", fc_dim)
        block_dims = [check_positive_int("block_dims entries", d) for d in block_dims]
        if not block_dims:
            raise ConfigError("block_dims must list at least one block width, e.g. [128, 256]")
        if pairs not in PAIR_CONSTRUCTIONS:
            raise unknown("pairs", pairs, PAIR_CONSTRUCTIONS)
        self.pairs, self.channels_last = pairs, bool(channels_last)
        self.user_embeddings = nn.Embedding(num_users + 1, e)
        self.in_item_embeddings = item_embedding(num_items, e, padding_embedding)
        dims = [2 * e, *block_dims]
        self.cnn_blocks = nn.ModuleList(CnnBlock(dims[i], dims[i + 1], self.causal, norm)
                                        for i in range(len(block_dims)))
        self.dropout = Dropout(check_dropout(dropout))
        self.fc1 = nn.Linear(dims[-1], fc_dim)
        self.act_fc = activation(act_fc)
        self.fc_out = nn.Linear(e + fc_dim, num_items + 1)            # full output layer with bias
        init_tables(init, (self.user_embeddings, self.in_item_embeddings), self.fc_out.weight,
                    self.fc_out.bias)

    def feature_grid(self, emb: torch.Tensor) -> torch.Tensor:
        """emb [B, L, e] -> [B, C_last, L', L'] output of the CNN blocks."""
        first = self.cnn_blocks[0]
        build = pair_grid_factorised if self.pairs == "factorised" else pair_grid_materialised
        h = build(emb, first.conv1)                                    # [B, C1, L, L]
        h = h.contiguous(memory_format=torch.channels_last if self.channels_last
                         else torch.contiguous_format)
        out = first.after_conv1(h)
        for block in self.cnn_blocks[1:]:
            out = block(out)
        return out

    def shortest_window(self) -> int:
        """Each unpadded 3x3 convolution trims 2 rows and columns of the grid."""
        return 2 * len(self.cnn_blocks) + 1

    def check_length(self, length: int) -> None:
        super().check_length(length)
        shortest = self.shortest_window()
        if length < shortest:
            raise ConfigError(f"{self.name} needs windows of at least {shortest} items (its unpadded "
                              f"3x3 convolutions shrink the grid), got {length}; use a longer lookback")

    def pool(self, grid: torch.Tensor, last: int) -> torch.Tensor:
        return grid.mean(dim=(2, 3))[:, None]                          # [B, 1, C]

    def hidden_states(self, users: torch.Tensor, items: torch.Tensor, last: int) -> torch.Tensor:
        emb = self.in_item_embeddings(items)                           # [B, L, e]
        pooled = self.pool(self.feature_grid(emb), last)               # [B, T, C]
        h = self.dropout(self.act_fc(self.fc1(pooled)))                # [B, T, fc_dim]
        user = self.user_embeddings(users)[:, None].expand(-1, last, -1)   # [B, T, e]
        return torch.cat([h, user], -1)                                # [B, T, fc_dim + e]

    def output_table(self):
        return self.fc_out.weight, self.fc_out.bias[:, None]          # [N+1, fc+e], [N+1, 1]


class CosRecPlus(CosRec):
    """CosRec+ (`CosRec2`): causal 2-D CNN over the item-pair grid, one output per position.
    Everything else is CosRec's (same parameters and hyperparameters): the 3x3 convolutions are
    padded causally (`CnnBlock(causal=True)`) and the mean over the grid becomes the cumulative
    top-left mean, so `scores_every_position` turns every position into a target.
    """

    name = "cosrec+"
    label = "CosRec+"
    chapter = "cosrec_plus"
    cost = 8
    original = "cosrec"
    authors_class = ("CosRec", "CosRec2")
    scores_every_position = True
    causal = True

    def shortest_window(self) -> int:
        return 1                                                       # the grid stays L x L

    def pool(self, grid: torch.Tensor, last: int) -> torch.Tensor:
        return cumulative_topleft_mean(grid, last)                     # [B, T, C]


class CosRecOriginal(CosRec):
    """CosRec as its own paper's reference code builds and trains it (zzxslp/CosRec): every switch
    of `DIFFERENCES` on the original's side: d = 50, fc_dim = 150, the reference initialisation,
    Adam's weight decay 5e-6; and its training regime (`training_regime`): every sliding window of
    L + T items each epoch, T = 3 targets and 3 negatives per window, the loss as a sum of two
    means. Its settings (L = 5, batch 512, 40 epochs) are a run's (`rebuild/profiles/
    cnn-original.yaml`). Not one of the paper's five models: the yardstick its CosRec is read
    against."""

    name = "cosrec-original"
    label = "CosRec (original)"
    in_paper = False
    reference_for = "cosrec"
    authors_class = None           # the CosRec paper's own code, not the authors'
    cost = 4
    alternatives = ()
    training_regime = {k: DIFFERENCES[k].original for k in REGIME_SWITCHES}

    def __init__(self, num_users: int, num_items: int, lookback: int,
                 emb_size: int = DIFFERENCES["emb_size"].original, block_dims=(128, 256),
                 fc_dim: int = DIFFERENCES["fc_dim"].original, act_fc: str = "Tanh",
                 dropout: float = 0.5, padding_embedding: str = "learned", norm: str = "batch",
                 pairs: str = "factorised", channels_last: bool = True,
                 init: str = DIFFERENCES["init"].original, l2: float = DIFFERENCES["l2"].original):
        super().__init__(num_users, num_items, lookback, emb_size, block_dims, fc_dim, act_fc,
                         dropout, padding_embedding, norm, pairs, channels_last, init, l2)
