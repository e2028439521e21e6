"""Shared fixtures: the real data copies (SEQREC_DATA_DIR) and a tiny contract-following model."""
from __future__ import annotations

import os
from pathlib import Path

import pytest
import torch
from torch import nn

from seqrec.sequences import SequenceData


def data_dir() -> Path | None:
    d = os.environ.get("SEQREC_DATA_DIR")
    return Path(d) if d and Path(d).is_dir() else None


@pytest.fixture
def shared_data() -> Path:
    d = data_dir()
    if d is None:
        pytest.skip("real dataset copies not available: set SEQREC_DATA_DIR to the shared/data folder")
    return d


def make_data(seqs: list[list[int]], num_items: int, name: str = "hand") -> SequenceData:
    """SequenceData from explicit per-user lists of dense item ids."""
    lengths = torch.tensor([len(s) for s in seqs])
    offsets = torch.zeros(len(seqs) + 1, dtype=torch.long)
    offsets[1:] = torch.cumsum(lengths, 0)
    items = torch.tensor([i for s in seqs for i in s], dtype=torch.long)
    return SequenceData(items, offsets, num_items, name)


@pytest.fixture
def tiny_data() -> SequenceData:
    g = torch.Generator().manual_seed(0)
    seqs = []
    for u in range(40):
        n = int(torch.randint(6, 30, (1,), generator=g))
        start = int(torch.randint(1, 31, (1,), generator=g))
        seqs.append([(start + k) % 30 + 1 for k in range(n)])     # item i is followed by i+1
    return make_data(seqs, num_items=30, name="tiny")


class TinySeqModel(nn.Module):
    """Smallest model that follows the contract: score(t, i) = <E[x_t] + P[u], W[i]> + b[i]."""

    name = "tiny"
    scores_every_position = True

    def __init__(self, num_users: int, num_items: int, dim: int = 8):
        super().__init__()
        self.user = nn.Embedding(num_users + 1, dim)
        self.inp = nn.Embedding(num_items + 1, dim)
        self.out = nn.Embedding(num_items + 1, dim)
        self.bias = nn.Embedding(num_items + 1, 1)
        self.poison = False                                       # True: return NaN scores

    def hidden(self, users, items):                               # -> [B, L, d]
        return self.inp(items) + self.user(users)[:, None, :]

    def forward(self, users, items, candidates):                  # -> [B, T, K]
        h = self.hidden(users, items)[:, -candidates.shape[1]:, None, :]
        s = (h * self.out(candidates)).sum(-1) + self.bias(candidates).squeeze(-1)
        return s * float("nan") if self.poison else s

    def score_all(self, users, items):                            # -> [B, N+1]
        h = self.hidden(users, items)[:, -1, :]
        return h @ self.out.weight.T + self.bias.weight.T
