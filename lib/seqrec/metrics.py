"""Top-K metrics of one held-out item per user, from its 1-based rank.

With a single relevant item at rank r (the authors' toolkit, `easy_rec/metrics.py`):

    P@K    = [r <= K] / K                       (precision)
    R@K    = [r <= K]                           (recall = hit rate)
    NDCG@K = [r <= K] / log2(r + 1)             (IDCG = 1)
    MRR@K  = [r <= K] / r
    MAP@K  = (1/K) * sum_{j=1..K} P@j           (the toolkit's definition: mean of P@1..P@K,
           = (1/K) * sum_{j=r..K} 1/j  if r <= K     NOT the usual 1/r)

Ranks come from `seqrec.evaluation`, where ties count against the target.
"""
from __future__ import annotations

import numpy as np
import torch

METRICS = ("P", "R", "NDCG", "MAP", "MRR")
DEFAULT_KS = (5, 10, 20)


def _as_tensor(ranks) -> torch.Tensor:
    r = torch.as_tensor(ranks).to(torch.float64).reshape(-1)
    if r.numel() and bool((r < 1).any()):
        raise ValueError("ranks are 1-based: every rank must be >= 1")
    return r


def per_user(ranks, ks=DEFAULT_KS) -> dict[str, np.ndarray]:
    """{'P@5': array [U], ...}: each user's metric values (for significance tests)."""
    r = _as_tensor(ranks)
    out: dict[str, np.ndarray] = {}
    for k in ks:
        hit = (r <= k).to(torch.float64)                       # [U]
        # harmonic tail H(K) - H(r-1) = sum_{j=r..K} 1/j, zero when r > K
        inv = 1.0 / torch.arange(1, k + 1, dtype=torch.float64)
        tail = torch.flip(torch.cumsum(torch.flip(inv, [0]), 0), [0])  # tail[j-1] = sum_{i=j..K} 1/i
        idx = (r.clamp(max=k) - 1).long()
        out[f"P@{k}"] = (hit / k).numpy()
        out[f"R@{k}"] = hit.numpy()
        out[f"NDCG@{k}"] = (hit / torch.log2(r + 1)).numpy()
        out[f"MAP@{k}"] = (hit * tail[idx] / k).numpy()
        out[f"MRR@{k}"] = (hit / r).numpy()
    return out


def from_ranks(ranks, ks=DEFAULT_KS) -> dict[str, float]:
    """{'P@5': mean over users, ...} for every metric in METRICS and every K in ks."""
    return {name: float(values.mean()) if values.size else float("nan")
            for name, values in per_user(ranks, ks).items()}


def metric_names(ks=DEFAULT_KS) -> list[str]:
    return [f"{m}@{k}" for k in ks for m in METRICS]


def chance_ndcg(protocol: str, num_items: int, k: int = 10, seen: float = 0.0) -> float:
    """Expected NDCG@k of a random ranking: the target's rank is uniform over the C candidates
    (C = N for full ranking, 101 for sampled, N + 1 for easyrec-n; for full-unseen, N minus the
    mean history length `seen`, which the caller knows)."""
    from .evaluation import Protocol
    p = Protocol.parse(protocol, num_items)
    c = num_items if p.num_negatives is None else p.num_negatives + 1
    if p.exclude_seen:
        c = max(1, round(num_items - seen))
    return float(sum(1 / np.log2(r + 1) for r in range(1, min(k, c) + 1)) / c)
