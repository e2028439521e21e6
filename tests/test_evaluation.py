"""Protocols, ranks and the tie policy."""
import pytest
import torch

from seqrec.errors import ConfigError
from seqrec.evaluation import Protocol, evaluate, rank_among, rank_in_catalogue
from seqrec.sampling import sample_negatives, training_windows

from conftest import TinySeqModel, make_data


def test_ties_count_against_the_target():
    s = torch.tensor([[0.5, 0.1, 0.5, 0.9], [1.0, 1.0, 1.0, 1.0], [2.0, 1.0, 0.0, -1.0]])
    assert rank_among(s).tolist() == [3, 4, 1]


def test_rank_in_catalogue_excludes_padding_column():
    scores = torch.tensor([[9.0, 0.1, 0.7, 0.3], [9.0, 0.2, 0.2, 0.2]])   # column 0 = pad id
    assert rank_in_catalogue(scores, torch.tensor([2, 1])).tolist() == [1, 3]


def test_protocol_parsing():
    assert Protocol.parse("sampled", 50).num_negatives == 100
    assert Protocol.parse("easyrec-n", 50).num_negatives == 50
    assert Protocol.parse("full", 50).num_negatives is None
    assert Protocol.parse("sampled-7", 50).num_negatives == 7
    with pytest.raises(ConfigError, match="valid protocols: full, sampled, easyrec-n"):
        Protocol.parse("sampled100", 50)


def test_training_windows_short_user_is_left_padded():
    data = make_data([[1, 2, 3, 4, 5]], num_items=5)        # train = 1 2 3
    inputs, targets = training_windows(data, torch.tensor([1]), lookback=5)
    assert inputs.tolist() == [[0, 0, 0, 1, 2]]
    assert targets.tolist() == [[0, 0, 1, 2, 3]]            # x_1 is a target (pad input)


def test_training_windows_cover_every_valid_window():
    data = make_data([list(range(1, 13))], num_items=12)     # train = 1..10, L = 3
    g = torch.Generator().manual_seed(0)
    users = torch.ones(2000, dtype=torch.long)
    inputs, targets = training_windows(data, users, lookback=3, generator=g)
    starts = set(inputs[:, 0].tolist())
    assert starts == set(range(0, 8))                        # 0 = the single-pad first window
    assert torch.equal(targets[:, :-1], inputs[:, 1:])
    assert int(targets.max()) == 10                          # val/test items never leak


def test_negatives_avoid_history():
    data = make_data([[1, 2, 3, 4, 5, 6], [7, 8, 9, 10, 11, 12]], num_items=12)
    g = torch.Generator().manual_seed(0)
    users = torch.tensor([1, 2])
    neg = sample_negatives(data, users, torch.tensor([4, 6]), (500,), g)
    assert not set(neg[0].tolist()) & {1, 2, 3, 4}
    assert 5 in set(neg[0].tolist())                          # only the first 4 items excluded
    assert not set(neg[1].tolist()) & set(range(7, 13))
    assert set(neg[1].tolist()) == set(range(1, 7))           # uniform over the rest


def test_sampled_candidates_exclude_target_and_are_reproducible(tiny_data):
    model = TinySeqModel(tiny_data.num_users, tiny_data.num_items)
    a = evaluate(model, tiny_data, "test", ["sampled", "full", "easyrec-n"], lookback=5, seed=3)
    b = evaluate(model, tiny_data, "test", ["sampled"], lookback=5, seed=3)
    assert torch.equal(a["sampled"], b["sampled"])
    assert a["sampled"].max() <= 101 and a["full"].max() <= tiny_data.num_items
    assert a["easyrec-n"].max() <= tiny_data.num_items + 1
    assert a["sampled"].min() >= 1


def test_a_model_that_knows_the_answer_ranks_first(tiny_data):
    class Oracle(torch.nn.Module):
        def score_all(self, users, items):
            s = torch.zeros(items.shape[0], tiny_data.num_items + 1)
            s[torch.arange(items.shape[0]), items[:, -1] % 30 + 1] = 1.0   # i -> i + 1
            return s
    ranks = evaluate(Oracle(), tiny_data, "val", ["full", "sampled"], lookback=3)
    assert ranks["full"].eq(1).all() and ranks["sampled"].eq(1).all()


def test_a_constant_model_gets_the_worst_rank(tiny_data):
    class Constant(torch.nn.Module):
        def score_all(self, users, items):
            return torch.zeros(items.shape[0], tiny_data.num_items + 1)
    ranks = evaluate(Constant(), tiny_data, "test", ["full", "sampled"], lookback=3)
    assert ranks["full"].eq(tiny_data.num_items).all() and ranks["sampled"].eq(101).all()


def test_candidates_are_drawn_once_and_are_the_draws_a_fresh_evaluation_makes(tiny_data, monkeypatch):
    from seqrec import evaluation
    torch.manual_seed(0)
    model = TinySeqModel(tiny_data.num_users, tiny_data.num_items)
    protocols = ["sampled", "easyrec-n", "sampled-7"]
    first = evaluate(model, tiny_data, "val", protocols, lookback=6, batch_size=16, seed=3)
    fresh = make_data([tiny_data.items[tiny_data.offsets[u]:tiny_data.offsets[u + 1]].tolist()
                       for u in range(tiny_data.num_users)], tiny_data.num_items)   # no cache
    calls = []
    monkeypatch.setattr(evaluation, "sample_negatives",
                        lambda *a, **k: calls.append(1) or sample_negatives(*a, **k))
    again = evaluate(model, tiny_data, "val", protocols, lookback=6, batch_size=16, seed=3)
    assert not calls                                           # reused, not redrawn
    redrawn = evaluate(model, fresh, "val", protocols, lookback=6, batch_size=16, seed=3)
    assert calls                                               # a new dataset object draws
    for p in protocols:
        assert torch.equal(first[p], again[p]) and torch.equal(first[p], redrawn[p])
