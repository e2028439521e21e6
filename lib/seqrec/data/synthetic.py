"""Synthetic sequences with real sequential structure, for smoke tests and quick chapter runs.

Every item has a few successors (a sparse random transition graph) with decreasing weights. A user
starts at a popular item and walks the graph; at each step, with probability `noise`, they jump to
an item drawn by popularity (Zipf) instead. So "the most frequent successor of the last item"
predicts the next item far better than popularity does, and a sequential model learns it within a
few epochs, while popularity remains a sensible (weak) floor.
"""
from __future__ import annotations

import numpy as np
import torch

from ..errors import ConfigError
from ..sequences import SequenceData
from .preprocess import MIN_SEQUENCE_LENGTH


def _check(num_users, num_items, min_len, max_len, branching, noise, popularity_exponent):
    if num_users < 1 or num_items < 2:
        raise ConfigError(f"synthetic data needs num_users >= 1 and num_items >= 2, "
                          f"got {num_users} and {num_items}")
    if not MIN_SEQUENCE_LENGTH <= min_len <= max_len:
        raise ConfigError(f"synthetic data needs {MIN_SEQUENCE_LENGTH} <= min_len <= max_len "
                          f"(leave-one-out needs 3 items per user), got {min_len} and {max_len}")
    if branching < 1:
        raise ConfigError(f"branching must be >= 1, got {branching}")
    if not 0.0 <= noise <= 1.0:
        raise ConfigError(f"noise is a probability in [0, 1], got {noise}")
    if popularity_exponent < 0:
        raise ConfigError(f"popularity_exponent must be >= 0, got {popularity_exponent}")


def synthetic(num_users: int = 300, num_items: int = 200, min_len: int = 20, max_len: int = 80,
              seed: int = 0, branching: int = 3, noise: float = 0.15,
              popularity_exponent: float = 1.0) -> SequenceData:
    """Random walks on a sparse item graph, deterministic for a given seed.

    branching: successors per item (weights proportional to 1, 1/2, ..., 1/branching).
    noise: probability of a popularity jump instead of a graph step.
    popularity_exponent: Zipf exponent of the jump / start distribution (0 = uniform).
    Item ids are 1..num_items (items never visited simply have no interactions).
    """
    _check(num_users, num_items, min_len, max_len, branching, noise, popularity_exponent)
    rng = np.random.default_rng(seed)
    popularity = 1.0 / np.arange(1, num_items + 1) ** popularity_exponent
    popularity = rng.permutation(popularity / popularity.sum())          # [N] Zipf, random ranks
    successors = rng.integers(0, num_items, size=(num_items, branching))  # [N, b] sparse graph
    weights = 1.0 / np.arange(1, branching + 1)
    weights /= weights.sum()                                               # [b]

    walks = np.empty((num_users, max_len), dtype=np.int64)                # [U, max_len] 0-based
    walks[:, 0] = rng.choice(num_items, size=num_users, p=popularity)
    for t in range(1, max_len):                                            # loop over time only
        step = successors[walks[:, t - 1], rng.choice(branching, size=num_users, p=weights)]
        jump = rng.choice(num_items, size=num_users, p=popularity)
        walks[:, t] = np.where(rng.random(num_users) < noise, jump, step)

    lengths = rng.integers(min_len, max_len + 1, size=num_users)          # [U]
    keep = np.arange(max_len)[None, :] < lengths[:, None]                  # [U, max_len]
    items = torch.from_numpy(walks[keep] + 1)                              # row-major = per user
    offsets = torch.from_numpy(np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64))
    params = dict(num_users=num_users, num_items=num_items, min_len=min_len, max_len=max_len,
                  seed=seed, branching=branching, noise=noise,
                  popularity_exponent=popularity_exponent)
    seen_items = int(np.unique(walks[keep]).size)
    total = int(lengths.sum())
    info = {"source": "synthetic", "format": "synthetic", "filter": "none", "params": params,
            "raw_users": num_users, "raw_items": num_items, "raw_interactions": total,
            "users": num_users, "items": num_items, "interactions": total,
            "items_with_interactions": seen_items, "dropped_short_users": 0}
    return SequenceData(items=items, offsets=offsets, num_items=num_items, name="synthetic",
                        user_ids=list(range(1, num_users + 1)),
                        item_ids=list(range(1, num_items + 1)), info=info)
