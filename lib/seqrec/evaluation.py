"""Candidate protocols and per-user ranks of the held-out item.

Protocols (reference notes, section 4):

- ``full``: the target is ranked among all N items (the padding id 0 is excluded).
- ``sampled``: 1 positive + 100 negatives drawn uniformly WITH replacement from the items the user
  has not seen in that split's sequence (train + val item for val; the full sequence for test).
  This is the authors' test setting.
- ``easyrec-n``: the same with N negatives (N = catalogue size), the authors' float setting
  ``num_negatives: 1.`` (about 63% of the unseen catalogue, with duplicates).
- ``sampled-K`` / ``easyrec-K``: either with K negatives.

Tie policy: a candidate whose score equals the target's counts as ranked ABOVE it
(rank = 1 + #{score > s_target} + #{other candidates with score == s_target}), so a constant model
gets the worst rank, never the best. Negative draws use a generator seeded from (seed, split), so
every model and every epoch sees the same candidates: per-user values are paired across models
(they are drawn once per dataset object and reused, `batch_candidates`).

Every protocol needs only the scores of the whole catalogue at the last position
(`model.score_all`), computed ONCE per batch of users; the sampled protocols gather from it.
"""
from __future__ import annotations

from dataclasses import dataclass

import torch

from .errors import ConfigError
from .sampling import sample_negatives
from .sequences import SequenceData

PROTOCOLS = ("full", "sampled", "easyrec-n")
SPLIT_SEED_OFFSET = {"val": 1_000_003, "test": 2_000_029}


@dataclass(frozen=True)
class Protocol:
    name: str
    num_negatives: int | None   # None = full ranking

    @classmethod
    def parse(cls, name: str, num_items: int) -> "Protocol":
        if name == "full":
            return cls(name, None)
        if name == "sampled":
            return cls(name, 100)
        if name == "easyrec-n":
            return cls(name, num_items)
        for prefix in ("sampled-", "easyrec-"):
            if name.startswith(prefix) and name[len(prefix):].isdigit() and int(name[len(prefix):]) > 0:
                return cls(name, int(name[len(prefix):]))
        raise ConfigError(f"unknown protocol {name!r}; valid protocols: {', '.join(PROTOCOLS)}, "
                          "sampled-K or easyrec-K (K negatives, K >= 1)")


def check_protocols(names) -> list[str]:
    """Validate protocol names early (before any training); returns them as a list."""
    names = [names] if isinstance(names, str) else list(names)
    if not names:
        raise ConfigError("at least one evaluation protocol is needed; valid: " + ", ".join(PROTOCOLS))
    for n in names:
        Protocol.parse(n, num_items=1)
    return names


def rank_among(scores: torch.Tensor) -> torch.Tensor:
    """[B] 1-based rank of column 0 (the target) among the columns of scores [B, K]."""
    target = scores[:, :1]
    return 1 + (scores[:, 1:] >= target).sum(dim=1)


def rank_in_catalogue(scores: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    """[B] 1-based rank of targets [B] among all items 1..N of scores [B, N+1] (column 0 = pad)."""
    s = scores[:, 1:]
    t = scores.gather(1, targets[:, None])                          # [B, 1]
    return (s >= t).sum(dim=1)                                      # the target counts itself once


def candidate_negatives(data: SequenceData, split: str, protocol: Protocol, users: torch.Tensor,
                        generator: torch.Generator) -> torch.Tensor:
    """[B, K] negatives for users under a sampled protocol, excluding that split's sequence."""
    within = data.prefix_length(split)[users - 1] + 1               # history + the target itself
    return sample_negatives(data, users, within, (protocol.num_negatives,), generator)


def user_batches(data: SequenceData, batch_size: int) -> tuple[torch.Tensor, ...]:
    return data.all_users().split(batch_size)


def batch_candidates(data: SequenceData, split: str, protocol: Protocol, seed: int,
                     batch_size: int) -> list[torch.Tensor]:
    """The negatives of every batch of users ([B, K] each) under a sampled protocol.

    They depend only on (data, split, protocol, seed, batch size), never on the model or the
    epoch, so they are drawn once per dataset object and kept (as int32, on the data's device):
    every later evaluation reuses exactly the draws it would make again. easyrec-n on ML-1M is
    6040 x 3416 draws per split, the largest part of an evaluation when drawn each time."""
    cache = data.__dict__.setdefault("_eval_candidates", {})
    key = (split, protocol.name, seed, batch_size)
    if key not in cache:
        g = torch.Generator(device=data.device)
        g.manual_seed(seed * 7919 + SPLIT_SEED_OFFSET[split] + protocol.num_negatives)
        cache[key] = [candidate_negatives(data, split, protocol, users, g).to(torch.int32)
                      for users in user_batches(data, batch_size)]
    return cache[key]


@torch.no_grad()
def evaluate(model, data: SequenceData, split: str, protocols, lookback: int,
             batch_size: int = 512, seed: int = 0, autocast: bool = False) -> dict[str, torch.Tensor]:
    """{protocol: ranks [U] (int64, CPU)} of every user's `split` target ('val' or 'test')."""
    names = check_protocols(protocols)
    parsed = [Protocol.parse(n, data.num_items) for n in names]
    was_training = model.training
    model.eval()
    negatives = {p.name: batch_candidates(data, split, p, seed, batch_size)
                 for p in parsed if p.num_negatives is not None}
    ranks = {p.name: [] for p in parsed}
    for b, users in enumerate(user_batches(data, batch_size)):
        items = data.eval_windows(split, lookback, users)           # [B, L]
        targets = data.targets(split, users)                        # [B]
        with torch.autocast(data.device.type, dtype=torch.bfloat16, enabled=autocast):
            scores = model.score_all(users, items)                  # [B, N+1]
        scores = scores.float()
        for p in parsed:
            if p.num_negatives is None:
                r = rank_in_catalogue(scores, targets)
            else:
                cand = torch.cat([targets[:, None], negatives[p.name][b].long()], dim=1)  # [B, 1+K]
                r = rank_among(scores.gather(1, cand))             # target first
            ranks[p.name].append(r)
    model.train(was_training)
    return {name: torch.cat(r).cpu() for name, r in ranks.items()}
