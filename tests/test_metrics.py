"""Metric values on hand-worked ranks."""
import math

import numpy as np
import pytest

from seqrec import metrics as M


def test_rank_one_hits_everything():
    m = M.from_ranks([1], ks=(5,))
    assert m["P@5"] == pytest.approx(0.2)
    assert m["R@5"] == 1.0 and m["NDCG@5"] == 1.0 and m["MRR@5"] == 1.0
    assert m["MAP@5"] == pytest.approx((1 + 1 / 2 + 1 / 3 + 1 / 4 + 1 / 5) / 5)


def test_rank_three():
    m = M.from_ranks([3], ks=(5,))
    assert m["NDCG@5"] == pytest.approx(0.5)                  # 1 / log2(4)
    assert m["MRR@5"] == pytest.approx(1 / 3)
    assert m["MAP@5"] == pytest.approx((1 / 3 + 1 / 4 + 1 / 5) / 5)   # mean of P@1..P@5


def test_rank_six_misses_k5_hits_k10():
    m = M.from_ranks([6], ks=(5, 10))
    assert all(m[f"{n}@5"] == 0 for n in M.METRICS)
    assert m["R@10"] == 1 and m["P@10"] == pytest.approx(0.1)
    assert m["NDCG@10"] == pytest.approx(1 / math.log2(7))
    assert m["MAP@10"] == pytest.approx(sum(1 / j for j in range(6, 11)) / 10)


def test_averages_over_users_and_per_user_values():
    ranks = [1, 2, 11, 100]
    per = M.per_user(ranks, ks=(10,))
    np.testing.assert_allclose(per["R@10"], [1, 1, 0, 0])
    np.testing.assert_allclose(per["NDCG@10"], [1, 1 / math.log2(3), 0, 0])
    assert M.from_ranks(ranks, ks=(10,))["NDCG@10"] == pytest.approx((1 + 1 / math.log2(3)) / 4)
    assert M.from_ranks(ranks)["MRR@20"] == pytest.approx((1 + 0.5 + 1 / 11) / 4)


def test_rejects_zero_rank():
    with pytest.raises(ValueError, match="1-based"):
        M.from_ranks([0, 1])


def test_metric_names_cover_all():
    assert len(M.metric_names()) == 15 and "MAP@20" in M.metric_names()
