"""Why an untrained SASRec beats a random ranking (`seqrec.study.untrained`): its residual path makes
the last position's hidden state the last item's own embedding, so it ranks that item first."""
import torch

from seqrec import data, metrics
from seqrec.study import untrained


def test_an_untrained_sasrec_is_the_last_item_rule():
    ds = data.synthetic(num_users=120, num_items=300, min_len=10, max_len=30, seed=1)
    rec = {"config": {"model": "sasrec", "seed": 42, "lookback": 10}}
    got = untrained.analyse(untrained.untrained_model(rec, ds), ds, 10)
    assert got["users"] == 120
    assert got["top1 is last item"] > 0.9                       # the residual path wins
    assert got["cosine(h, last item)"] > 0.5
    # its score is the last-item rule's: a repeat of the last item at rank 1, the rest ~random
    assert abs(got["NDCG@10 (whole block)"] - got["NDCG@10 (last-item rule)"]) < 0.02
    assert abs(got["NDCG@10 (residual path alone)"] - got["NDCG@10 (whole block)"]) < 0.02
    chance = metrics.chance_ndcg("full", ds.num_items)
    assert got["NDCG@10 (block without the residual path)"] < got["NDCG@10 (whole block)"]
    assert 0 <= got["target is last item"] <= got["target seen before"] <= 1
    assert got["NDCG@10 (Repeat floor)"] >= chance


def test_the_untrained_model_is_the_one_training_starts_from():
    ds = data.synthetic(num_users=20, num_items=50, min_len=10, max_len=20, seed=2)
    rec = {"config": {"model": "sasrec", "seed": 7, "lookback": 8}}
    a = untrained.untrained_model(rec, ds)
    torch.manual_seed(7)
    from seqrec import models
    b = models.create("sasrec", ds.num_users, ds.num_items, 8)
    assert all(torch.equal(x, y) for x, y in zip(a.state_dict().values(), b.state_dict().values()))
    assert not a.training
