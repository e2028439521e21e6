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
    draw = evaluation.candidate_negatives
    monkeypatch.setattr(evaluation, "candidate_negatives",
                        lambda *a, **k: calls.append(1) or draw(*a, **k))
    again = evaluate(model, tiny_data, "val", protocols, lookback=6, batch_size=16, seed=3)
    assert not calls                                           # reused, not redrawn
    redrawn = evaluate(model, fresh, "val", protocols, lookback=6, batch_size=16, seed=3)
    assert calls                                               # a new dataset object draws
    for p in protocols:
        assert torch.equal(first[p], again[p]) and torch.equal(first[p], redrawn[p])


# ------------------------------------------------------------------------------ candidate streams
def test_mix64_is_splitmix64():
    """The tensor hash equals splitmix64 computed with Python's unbounded integers (reference
    values of the published algorithm), so every device draws the same words."""
    from seqrec.evaluation import GOLDEN, mix64
    mask = (1 << 64) - 1

    def splitmix64(state):                       # output of the generator seeded at `state`
        z = (state + 0x9E3779B97F4A7C15) & mask
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & mask
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & mask
        return z ^ (z >> 31)
    states = [0, 1, 12345, 2**62 + 7]
    got = mix64(torch.tensor(states) + GOLDEN)
    assert [int(x) & mask for x in got] == [splitmix64(s) for s in states]
    assert splitmix64(0) == 0xE220A8397B1DCDAF   # the first output of splitmix64 seeded at 0


def test_candidates_do_not_depend_on_the_batch_size_or_on_the_other_users(tiny_data):
    from seqrec import evaluation
    torch.manual_seed(0)
    model = TinySeqModel(tiny_data.num_users, tiny_data.num_items)
    protocols = ["sampled", "easyrec-n", "sampled-7", "full", "full-unseen"]
    ranks = [evaluate(model, tiny_data, "test", protocols, lookback=6, batch_size=b, seed=3)
             for b in (1, 7, 16, 1000)]
    for p in protocols:
        assert all(torch.equal(ranks[0][p], r[p]) for r in ranks[1:]), p
    proto = Protocol.parse("sampled", tiny_data.num_items)
    every = evaluation.candidate_negatives(tiny_data, "test", proto, tiny_data.all_users(), seed=3)
    some = evaluation.candidate_negatives(tiny_data, "test", proto, torch.tensor([5, 2]), seed=3)
    assert torch.equal(some, every[[4, 1]])        # a user's draws are the user's own stream
    other = evaluation.candidate_negatives(tiny_data, "test", proto, tiny_data.all_users(), seed=4)
    assert not torch.equal(every, other)           # ... and the evaluation seed changes them


def test_stream_candidates_are_uniform_over_the_unseen_items():
    data = make_data([[1, 2, 3, 4, 5, 6]] * 3, num_items=10)   # test: items 1..6 seen
    from seqrec import evaluation
    neg = evaluation.candidate_negatives(data, "test", Protocol("sampled-6000", 6000),
                                         data.all_users(), seed=0)
    assert set(neg.unique().tolist()) == {7, 8, 9, 10}
    counts = torch.bincount(neg.reshape(-1), minlength=11)[7:].float()
    assert (counts / counts.sum() - 0.25).abs().max() < 0.01    # 18000 draws: sd about 0.003
    assert not torch.equal(neg[0], neg[1])                       # users have their own streams


def test_training_precision_never_changes_the_ranks(tiny_data):
    """Evaluation scores in fp32 even inside a caller's bf16 autocast region (and so whatever the
    run's `amp`): the same weights give identical ranks."""
    from seqrec import models, training
    torch.manual_seed(0)
    model = models.create("sasrec", tiny_data.num_users, tiny_data.num_items, 6, emb_size=16)
    protocols = ["full", "full-unseen", "sampled"]
    fp32 = evaluate(model, tiny_data, "test", protocols, lookback=6)
    with torch.autocast("cpu", dtype=torch.bfloat16):
        under_bf16 = evaluate(model, tiny_data, "test", protocols, lookback=6)
    for p in protocols:
        assert torch.equal(fp32[p], under_bf16[p])
    runs = {amp: training.fit(model, tiny_data, dict(model="sasrec", lookback=6, epochs=0,
                                                     device="cpu", amp=amp,
                                                     eval_protocols=protocols), progress=False)
            for amp in ("on", "off")}
    assert runs["on"]["resolved"]["amp"] is True and runs["off"]["resolved"]["amp"] is False
    assert runs["on"]["test_ranks"] == runs["off"]["test_ranks"]


def test_full_unseen_ranks_among_the_items_outside_the_history_on_a_hand_worked_example():
    from seqrec.evaluation import rank_among_unseen
    #                      pad   1    2    3    4    5    6
    scores = torch.tensor([[9.0, 0.8, 0.9, 0.5, 0.2, 0.5, 0.7],
                           [9.0, 0.8, 0.9, 0.5, 0.2, 0.5, 0.7]])
    seen = torch.zeros(2, 7, dtype=torch.bool)
    seen[:, [2, 6]] = True                   # both users consumed items 2 and 6 before
    seen[1, 3] = True                        # user 2 also item 3: its target is a revisit
    ranks = rank_among_unseen(scores, torch.tensor([3, 3]), seen)
    # full: 2, 6, 1 score higher and 5 ties -> 5. Unseen: 1 higher and 5 ties -> 3, for both
    # (the revisited target still competes, against the unseen items only)
    assert rank_in_catalogue(scores, torch.tensor([3, 3])).tolist() == [5, 5]
    assert ranks.tolist() == [3, 3]


def test_full_unseen_masks_exactly_the_split_history():
    data = make_data([[1, 2, 3, 4, 5], [6, 7, 6, 8, 6]], num_items=8)

    class Scores(torch.nn.Module):            # item i scores i: the higher the id, the better
        def score_all(self, users, items):
            return torch.arange(9.0).expand(items.shape[0], 9).clone()
    ranks = evaluate(Scores(), data, "test", ["full", "full-unseen"], lookback=2)
    # user 1: target 5, history 1..4 -> full rank 4 (8, 7, 6 above), unseen rank 4 (nothing seen
    # above it); user 2: target 6 (a revisit), history 6 7 6 8 -> full 3, unseen 1 (7, 8 masked)
    assert ranks["full"].tolist() == [4, 3]
    assert ranks["full-unseen"].tolist() == [4, 1]
