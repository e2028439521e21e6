"""Synthetic data: deterministic, well-formed, and sequential (successors beat popularity)."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from seqrec.data import load, synthetic
from seqrec.errors import ConfigError


def test_deterministic_for_a_seed():
    a, b, c = synthetic(seed=7), synthetic(seed=7), synthetic(seed=8)
    assert torch.equal(a.items, b.items) and torch.equal(a.offsets, b.offsets)
    assert not torch.equal(a.items[:100], c.items[:100])
    assert torch.equal(load("synthetic", seed=7).items, a.items)


def test_shape_ids_and_lengths():
    data = synthetic(num_users=50, num_items=30, min_len=5, max_len=9, seed=1)
    assert data.num_users == 50 and data.num_items == 30
    assert data.items.dtype == torch.int64 and data.offsets.dtype == torch.int64
    assert int(data.items.min()) >= 1 and int(data.items.max()) <= 30          # 0 is padding
    assert int(data.lengths.min()) >= 5 and int(data.lengths.max()) <= 9
    assert data.offsets[0] == 0 and data.offsets[-1] == data.num_interactions
    assert data.info["users"] == 50 and data.info["interactions"] == data.num_interactions
    assert data.info["params"]["seed"] == 1


def hit_rates(data, k=10):
    """Hit@k on the test targets of (a) the k most frequent successors of the previous item,
    counted on the training prefixes, and (b) the k most popular training items."""
    n_items, items, offsets = data.num_items, data.items.numpy(), data.offsets.numpy()
    bigram, popularity = np.zeros((n_items + 1, n_items + 1)), np.zeros(n_items + 1)
    prev, target = [], []
    for u in range(data.num_users):
        seq = items[offsets[u]:offsets[u + 1]]
        train = seq[:-2]
        np.add.at(bigram, (train[:-1], train[1:]), 1)
        np.add.at(popularity, train, 1)
        prev.append(seq[-2])
        target.append(seq[-1])
    prev, target = np.array(prev), np.array(target)
    top_next = np.argsort(-bigram[prev], axis=1, kind="stable")[:, :k]       # [U, k]
    top_pop = np.argsort(-popularity, kind="stable")[:k]                     # [k]
    return (top_next == target[:, None]).any(1).mean(), np.isin(target, top_pop).mean()


@pytest.mark.parametrize("seed", [0, 1])
def test_successors_predict_far_better_than_popularity(seed):
    sequential, popular = hit_rates(synthetic(seed=seed))
    assert sequential > 0.7 and sequential > 3 * popular


def test_no_noise_means_pure_walks():
    data = synthetic(num_users=20, num_items=15, noise=0.0, branching=1, seed=3)
    items, off = data.items.numpy(), data.offsets.numpy()
    successor = {}
    for u in range(data.num_users):              # with one successor each walk is deterministic
        seq = items[off[u]:off[u + 1]]
        for a, b in zip(seq[:-1], seq[1:]):
            assert successor.setdefault(a, b) == b


@pytest.mark.parametrize("kwargs, match", [({"min_len": 2}, "min_len"),
                                           ({"min_len": 10, "max_len": 5}, "min_len"),
                                           ({"noise": 1.5}, "noise"),
                                           ({"num_items": 1}, "num_items"),
                                           ({"branching": 0}, "branching")])
def test_bad_parameters(kwargs, match):
    with pytest.raises(ConfigError, match=match):
        synthetic(**kwargs)
