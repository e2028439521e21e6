"""SASRec (Kang & McAuley, ICDM 2018): as the authors' toolkit implements it (`SASRec`, the
paper's baseline) and as the SASRec paper and its reference code build it (`SASRecOriginal`).

The toolkit's SASRec (easy_rec `SASRec`, not `SASRec2`), the defaults of `SASRec`:

    h = LayerNorm_1e-8(TransformerEncoder(dropout(item_emb[x] + pos_emb[0..L-1]), causal mask))
    score(t, i) = h_t · item_emb[i]

* item_emb has padding_idx=0 (id 0 is a fixed zero vector); the output is TIED to it, no bias,
  no user embedding;
* pos_emb is learned and absolute within the window (row 0 = first column of the window);
* torch's pre-LN encoder layer (norm_first=True), GELU, FFN 4e, no sqrt(e) scaling of the input;
* only a causal mask, no key-padding mask: left-padding positions can be attended (authors' choice).

Defaults: e = 64, 1 block, 1 head, dropout 0.2 (authors' `SASRec.yaml`: emb_size, num_blocks,
num_heads, dropout_rate). Windows may be shorter than `lookback` (positions start at 0).

The original (kang205/SASRec, `model.py` and `modules.py`; SASRec paper §III) differs in five
places, each a switch of this one class (`DIFFERENCES`, the one table of them, which the SASRec
chapter prints), so that an ablation can turn them one at a time; `SASRecOriginal` sets them all
to the original's side, with the reference README's ML-1M sizes (e = 50, 2 blocks, 1 head,
dropout 0.2 at L = 200).
"""
from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

from ..errors import ConfigError, unknown
from .base import Difference, SequentialRecommender, check_dropout, check_positive_int

DIFFERENCES = {
    "input_scale": Difference(
        "input scaling", False, True, "item_emb[x] + pos_emb",
        "item_emb[x] * sqrt(e) + pos_emb", "reference code: `embedding(..., scale=True)`"),
    "padding_mask": Difference(
        "padding", False, True, "pads are attended and carry their position embedding",
        "pad keys masked; pad rows zeroed after the input and after every block",
        "reference code: key masking in `multihead_attention`, `seq *= mask`"),
    "block": Difference(
        "block", "toolkit", "reference",
        "torch pre-LN encoder layer: x + W_O SA(LN x), then + FFN e->4e->e with GELU",
        "q = LN x; q + SA(q, x, x) with no W_O; then LN, FFN e->e->e with ReLU, residual from "
        "the normalised input", "paper §III-B, §III-C; reference `multihead_attention`, "
        "`feedforward`"),
    "init": Difference(
        "initialisation", "torch", "xavier", "N(0, 1) embeddings, torch's Linear init",
        "Glorot-uniform tables and kernels, zero biases", "reference code: TF's "
        "`xavier_initializer`, `tf.layers` defaults"),
    "adam_beta2": Difference(
        "Adam beta2", 0.999, 0.98, "0.999 (torch's default)", "0.98",
        "reference code: `AdamOptimizer(beta2=0.98)`"),
}
BLOCKS = ("toolkit", "reference")
INITS = ("torch", "xavier")
MASKED = -2.0 ** 32 + 1          # the reference code's score for a masked key (finite: no NaN rows)


class ReferenceBlock(nn.Module):
    """One self-attention block as kang205/SASRec builds it (`model.py`, `modules.py`):

        q = LN_1(x);  a = softmax(q W_Q (x W_K)^T / sqrt(d) + masks) (x W_V) + q   # no W_O
        y = ReLU(LN_2(a) W_1 + b_1) W_2 + b_2 + LN_2(a)                           # e -> e -> e

    with dropout on the attention weights and after each FFN layer. x: [B, L, e]."""

    def __init__(self, e: int, heads: int, dropout: float):
        super().__init__()
        self.heads = heads
        self.attention_norm = nn.LayerNorm(e, eps=1e-8)
        self.query, self.key, self.value = (nn.Linear(e, e) for _ in range(3))
        self.ffn_norm = nn.LayerNorm(e, eps=1e-8)
        self.ffn_in, self.ffn_out = nn.Linear(e, e), nn.Linear(e, e)   # conv1d kernel 1 = Linear
        self.dropout = nn.Dropout(dropout)

    def forward(self, x: torch.Tensor, scores_mask: torch.Tensor) -> torch.Tensor:
        B, L, e = x.shape
        q = self.attention_norm(x)                                        # [B, L, e]
        split = lambda t: t.view(B, L, self.heads, e // self.heads).transpose(1, 2)  # noqa: E731
        Q, K, V = split(self.query(q)), split(self.key(x)), split(self.value(x))  # [B, h, L, d]
        scores = Q @ K.transpose(-1, -2) / math.sqrt(e // self.heads)      # [B, h, L, L]
        weights = self.dropout(torch.softmax(scores + scores_mask, dim=-1))
        a = (weights @ V).transpose(1, 2).reshape(B, L, e) + q             # residual from LN(x)
        f = self.ffn_norm(a)                                               # [B, L, e]
        return self.dropout(self.ffn_out(self.dropout(F.relu(self.ffn_in(f))))) + f


class SASRec(SequentialRecommender):
    """Self-attentive sequential recommender; scores every position causally."""

    name = "sasrec"
    label = "SASRec"
    chapter = "sasrec"
    cost = 1
    authors_class = ("SASRec", "SASRec")
    scores_every_position = True

    def __init__(self, num_users: int, num_items: int, lookback: int, emb_size: int = 64,
                 num_blocks: int = 1, num_heads: int = 1, dropout: float = 0.2,
                 input_scale: bool = DIFFERENCES["input_scale"].toolkit,
                 padding_mask: bool = DIFFERENCES["padding_mask"].toolkit,
                 block: str = DIFFERENCES["block"].toolkit, init: str = DIFFERENCES["init"].toolkit,
                 adam_beta2: float = DIFFERENCES["adam_beta2"].toolkit):
        super().__init__(num_users, num_items, lookback)
        e = check_positive_int("emb_size", emb_size)
        heads = check_positive_int("num_heads", num_heads)
        blocks = check_positive_int("num_blocks", num_blocks)
        if e % heads:
            raise ConfigError(f"emb_size ({e}) must be divisible by num_heads ({heads})")
        dropout = check_dropout(dropout)
        for what, value in (("input_scale", input_scale), ("padding_mask", padding_mask)):
            if not isinstance(value, bool):
                raise ConfigError(f"{what} must be true or false, got {value!r}")
        if block not in BLOCKS:
            raise unknown("SASRec block", block, BLOCKS)
        if init not in INITS:
            raise unknown("SASRec init", init, INITS)
        if not (isinstance(adam_beta2, float) and 0 < adam_beta2 < 1):
            raise ConfigError(f"adam_beta2 must be a number in (0, 1), got {adam_beta2!r}")
        self.input_scale, self.padding_mask, self.block = input_scale, padding_mask, block
        self.adam_betas = (0.9, adam_beta2)            # read by training.make_optimizer
        self.item_emb = nn.Embedding(num_items + 1, e, padding_idx=0)
        self.pos_emb = nn.Embedding(lookback, e)
        self.dropout = nn.Dropout(dropout)
        if block == "toolkit":
            layer = nn.TransformerEncoderLayer(e, heads, 4 * e, dropout, "gelu",
                                               batch_first=True, norm_first=True)
            self.encoder = nn.TransformerEncoder(layer, blocks, enable_nested_tensor=False)
        else:
            self.blocks = nn.ModuleList(ReferenceBlock(e, heads, dropout) for _ in range(blocks))
        self.last_layernorm = nn.LayerNorm(e, eps=1e-8)
        if init == "xavier":
            self._xavier()

    def _xavier(self) -> None:
        """Glorot-uniform for every table and kernel, zero biases (TF's `xavier_initializer`
        for the embeddings, `tf.layers.dense`/`conv1d` defaults for the rest); LayerNorm keeps
        gamma 1, beta 0; the padding row stays zero."""
        for name, p in self.named_parameters():
            if "norm" in name:
                continue
            if p.dim() >= 2:
                nn.init.xavier_uniform_(p)
            elif name.endswith("bias"):
                nn.init.zeros_(p)
        with torch.no_grad():
            self.item_emb.weight[0].zero_()

    def hidden_states(self, users: torch.Tensor, items: torch.Tensor, last: int) -> torch.Tensor:
        L = items.shape[1]
        x = self.item_emb(items)                                            # [B, L, e]
        if self.input_scale:
            x = x * math.sqrt(x.shape[-1])
        x = self.dropout(x + self.pos_emb.weight[:L])                       # [B, L, e]
        future = torch.ones(L, L, dtype=torch.bool, device=items.device).triu(1)   # True = masked
        keep = (items != 0).unsqueeze(-1).to(x.dtype)                       # [B, L, 1] 0 at pads
        if self.padding_mask:
            x = x * keep
        if self.block == "toolkit":
            h = self._toolkit_blocks(x, items, future)
        else:
            mask = torch.zeros(items.shape[0], 1, L, L, dtype=x.dtype, device=items.device)
            mask = mask.masked_fill(future, MASKED)                         # [B, 1, L, L]
            if self.padding_mask:
                mask = mask.masked_fill((items == 0)[:, None, None, :], MASKED)  # pad keys
            h = x
            for block in self.blocks:
                h = block(h, mask)
                if self.padding_mask:
                    h = h * keep
        return self.last_layernorm(h[:, L - last:])                         # [B, T, e]

    def _toolkit_blocks(self, x, items, future):
        if not self.padding_mask:                  # the authors' exact call (fidelity-tested)
            return self.encoder(x, mask=future, is_causal=True)
        # one finite additive mask per row and head, [B * h, L, L]: future keys and pad keys
        # (a left-padded row has no unmasked key before its first item: finite keeps it NaN-free)
        masked = future | (items == 0)[:, None, :]                          # [B, L, L]
        heads = self.encoder.layers[0].self_attn.num_heads
        mask = torch.zeros(masked.shape, dtype=x.dtype, device=x.device).masked_fill(masked, MASKED)
        mask = mask.repeat_interleave(heads, dim=0)                         # [B * h, L, L]
        keep = (items != 0).unsqueeze(-1).to(x.dtype)                       # [B, L, 1]
        h = x
        for layer in self.encoder.layers:   # torch's pre-LN sub-blocks, called directly: its eval
            h = h + layer._sa_block(layer.norm1(h), mask, None)   # fast path turns rows with
            h = (h + layer._ff_block(layer.norm2(h))) * keep       # every key masked into NaN
        return h

    def output_table(self):
        return self.item_emb.weight, None                                   # tied, no bias


class SASRecOriginal(SASRec):
    """SASRec as its own paper and reference code build it: every switch of `SASRec` on the
    reference side, the reference README's ML-1M sizes (e = 50, 2 blocks, 1 head, dropout 0.2).
    Not one of the paper's five models: the reference point its SASRec is read against."""

    name = "sasrec-original"
    label = "SASRec (original)"
    in_paper = False
    reference_for = "sasrec"
    authors_class = None           # the SASRec paper's own code, not the authors'

    def __init__(self, num_users: int, num_items: int, lookback: int, emb_size: int = 50,
                 num_blocks: int = 2, num_heads: int = 1, dropout: float = 0.2,
                 input_scale: bool = DIFFERENCES["input_scale"].original,
                 padding_mask: bool = DIFFERENCES["padding_mask"].original,
                 block: str = DIFFERENCES["block"].original, init: str = DIFFERENCES["init"].original,
                 adam_beta2: float = DIFFERENCES["adam_beta2"].original):
        super().__init__(num_users, num_items, lookback, emb_size, num_blocks, num_heads, dropout,
                         input_scale, padding_mask, block, init, adam_beta2)
