"""SASRec (Kang & McAuley, ICDM 2018) as the authors' toolkit implements it (`SASRec`, not `SASRec2`).

h = LayerNorm_1e-8(TransformerEncoder(dropout(item_emb[x] + pos_emb[0..L-1]), causal mask))
score(t, i) = h_t · item_emb[i]

* item_emb has padding_idx=0 (id 0 is a fixed zero vector); the output is TIED to it, no bias,
  no user embedding;
* pos_emb is learned and absolute within the window (row 0 = first column of the window);
* torch's pre-LN encoder layer (norm_first=True), GELU, FFN 4e, no sqrt(e) scaling of the input;
* only a causal mask, no key-padding mask: left-padding positions can be attended (authors' choice).

Defaults: e = 64, 1 block, 1 head, dropout 0.2 (authors' `SASRec.yaml`: emb_size, num_blocks,
num_heads, dropout_rate). Windows may be shorter than `lookback` (positions start at 0).
"""
from __future__ import annotations

import torch
from torch import nn

from ..errors import ConfigError
from .base import SequentialRecommender, check_dropout, check_positive_int


class SASRec(SequentialRecommender):
    """Self-attentive sequential recommender; scores every position causally."""

    name = "sasrec"
    label = "SASRec"
    chapter = "sasrec"
    cost = 1
    scores_every_position = True

    def __init__(self, num_users: int, num_items: int, lookback: int, emb_size: int = 64,
                 num_blocks: int = 1, num_heads: int = 1, dropout: float = 0.2):
        super().__init__(num_users, num_items, lookback)
        e = check_positive_int("emb_size", emb_size)
        heads = check_positive_int("num_heads", num_heads)
        if e % heads:
            raise ConfigError(f"emb_size ({e}) must be divisible by num_heads ({heads})")
        dropout = check_dropout(dropout)
        self.item_emb = nn.Embedding(num_items + 1, e, padding_idx=0)
        self.pos_emb = nn.Embedding(lookback, e)
        self.dropout = nn.Dropout(dropout)
        layer = nn.TransformerEncoderLayer(e, heads, 4 * e, dropout, "gelu",
                                           batch_first=True, norm_first=True)
        self.encoder = nn.TransformerEncoder(layer, check_positive_int("num_blocks", num_blocks),
                                             enable_nested_tensor=False)
        self.last_layernorm = nn.LayerNorm(e, eps=1e-8)

    def hidden_states(self, users: torch.Tensor, items: torch.Tensor, last: int) -> torch.Tensor:
        L = items.shape[1]
        x = self.dropout(self.item_emb(items) + self.pos_emb.weight[:L])   # [B, L, e]
        future = torch.ones(L, L, dtype=torch.bool, device=items.device).triu(1)   # True = masked
        h = self.encoder(x, mask=future, is_causal=True)                    # [B, L, e]
        return self.last_layernorm(h[:, L - last:])                         # [B, T, e]

    def output_table(self):
        return self.item_emb.weight, None                                   # tied, no bias
