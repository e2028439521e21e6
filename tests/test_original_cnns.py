"""Caser and CosRec as their own papers train them: the switches that make the originals
(`DIFFERENCES`), the sliding-window regime (every window of L + T items once per epoch, T targets
and n negatives per window, the loss as a sum of two means), `targets: last`, and that the
toolkit's regime and every earlier run identity are unchanged."""
import math

import pytest
import torch

from seqrec import models, registry
from seqrec.errors import ConfigError
from seqrec.models import caser, cosrec
from seqrec.models.base import REGIME_SWITCHES
from seqrec.sampling import sliding_windows
from seqrec.steps import bce_loss
from seqrec.training import TrainConfig, epoch_windows, make_optimizer, make_step

from conftest import make_data

U, N = 9, 40


def hand_data():
    """Three users: 9 training items (+ val, test), 4 training items, 2 training items."""
    seqs = [list(range(1, 12)), [20, 21, 22, 23, 24, 25], [30, 31, 32, 33]]
    return make_data(seqs, num_items=N)


# ------------------------------------------------------------------------------ the switches
@pytest.mark.parametrize("module, toolkit, original", [(caser, "caser", "caser-original"),
                                                       (cosrec, "cosrec", "cosrec-original")])
def test_the_original_is_the_toolkit_class_with_every_model_switch_flipped(module, toolkit,
                                                                           original):
    ours, theirs = models.defaults(toolkit), models.defaults(original)
    assert set(ours) == set(theirs)
    flipped = {k for k in ours if ours[k] != theirs[k]}
    model_switches = {k for k, d in module.DIFFERENCES.items() if d.where == "model"}
    assert flipped == model_switches                   # every model difference, nothing else
    for k in model_switches:
        assert (ours[k], theirs[k]) == (module.DIFFERENCES[k].toolkit, module.DIFFERENCES[k].original)
    cls = models.model_class(original)
    assert issubclass(cls, models.model_class(toolkit)) and not cls.in_paper
    assert cls.training_regime == {k: module.DIFFERENCES[k].original for k in REGIME_SWITCHES}
    assert registry.REFERENCE_OF[original] == toolkit
    train_switches = {k for k, d in module.DIFFERENCES.items() if d.where == "train"}
    assert train_switches <= set(TrainConfig.__dataclass_fields__)
    assert all(d.source for d in module.DIFFERENCES.values())


def test_the_reference_initialisation_is_normal_with_std_one_over_the_width():
    torch.manual_seed(0)
    m = models.create("caser-original", 500, 4000, 5)           # d = 50, W2 rows 2d = 100
    assert m.item_embeddings.weight.std().item() == pytest.approx(1 / 50, rel=0.02)
    assert m.user_embeddings.weight.std().item() == pytest.approx(1 / 50, rel=0.05)
    assert m.W2.weight.std().item() == pytest.approx(1 / 100, rel=0.02)
    assert m.b2.weight.abs().sum() == 0
    toolkit = models.create("caser", 500, 4000, 5)              # torch's N(0, 1) everywhere
    assert toolkit.b2.weight.std().item() == pytest.approx(1.0, rel=0.05)
    c = models.create("cosrec-original", 50, 4000, 5)            # output rows fc + d = 200 wide
    assert c.fc_out.weight.std().item() == pytest.approx(1 / 200, rel=0.02)
    assert c.fc_out.bias.abs().sum() == 0


def test_the_originals_train_with_their_weight_decay():
    cfg = TrainConfig(model="caser-original")
    for name, l2 in (("caser", 0.0), ("caser-original", 1e-6), ("cosrec-original", 5e-6),
                     ("sasrec", 0.0)):
        model = models.create(name, U, N, 5)
        assert make_optimizer(model, cfg, torch.device("cpu")).param_groups[0]["weight_decay"] == l2


# ------------------------------------------------------------------------------ sliding windows
def test_every_window_of_l_plus_t_items_appears_once_per_epoch():
    data = hand_data()                          # training lengths 9, 4, 2
    users, inputs, targets = sliding_windows(data, lookback=3, future=2)
    # user 1: 9 - 5 + 1 = 5 windows; users 2 and 3: shorter than L + T = 5, one padded window each
    assert users.tolist() == [1, 1, 1, 1, 1, 2, 3]
    assert inputs[:5].tolist() == [[1, 2, 3], [2, 3, 4], [3, 4, 5], [4, 5, 6], [5, 6, 7]]
    assert targets[:5].tolist() == [[4, 5], [5, 6], [6, 7], [7, 8], [8, 9]]
    assert (inputs[5].tolist(), targets[5].tolist()) == ([0, 20, 21], [22, 23])
    assert (inputs[6].tolist(), targets[6].tolist()) == ([0, 0, 0], [30, 31])
    # as caser_pytorch's `to_sequence` counts them: sum over users of max(m - L - T + 1, 1)
    assert len(users) == sum(max(m - 5 + 1, 1) for m in (9, 4, 2))


def test_an_epoch_under_the_original_regime_trains_every_window_once_in_a_shuffled_order():
    data = hand_data()
    model = models.create("caser-original", data.num_users, N, 3)
    cfg = TrainConfig(model="caser-original", lookback=3)
    g = torch.Generator().manual_seed(0)
    users, inputs, targets, negatives = epoch_windows(model, data, cfg, g)
    all_users, all_inputs, all_targets = sliding_windows(data, 3, 3)
    key = lambda u, x, t: sorted(zip(u.tolist(), map(tuple, x.tolist()), map(tuple, t.tolist())))  # noqa: E731
    assert key(users, inputs, targets) == key(all_users, all_inputs, all_targets)
    assert targets.shape[1] == 3 and negatives.shape == (len(users), 3)   # T = 3, 3 per window
    for u, negs in zip(users.tolist(), negatives.tolist()):                 # never a training item
        seen = set(data.items[data.offsets[u - 1]:data.offsets[u - 1] + data.prefix_length("train")[u - 1]].tolist())
        assert not seen & set(negs)


def test_the_original_loss_is_a_mean_over_positives_plus_a_mean_over_negatives():
    scores = torch.tensor([[[2.0, 0.0, -1.0, 1.0]]])           # [B=1, 1, T=2 positives + 2 negatives]
    real = torch.ones(1, 1, 4, dtype=torch.bool)
    sp = lambda x: math.log1p(math.exp(-x))                      # -log sigmoid(x)  # noqa: E731
    positives = (sp(2.0) + sp(0.0)) / 2
    negatives = (sp(1.0) + sp(-1.0)) / 2                         # -log(1 - s(x)) = -log s(-x)
    assert bce_loss(scores, real, 2, "means").item() == pytest.approx(positives + negatives, rel=1e-6)
    assert bce_loss(scores, real, 2, "entries").item() == pytest.approx(
        (positives + negatives) / 2, rel=1e-6)
    real[0, 0, 1] = False                                        # a padding target is left out
    assert bce_loss(scores, real, 2, "means").item() == pytest.approx(sp(2.0) + negatives, rel=1e-6)


def test_a_sliding_window_step_scores_its_t_targets_and_n_negatives_from_the_last_position():
    data = hand_data()
    torch.manual_seed(0)
    model = models.create("caser-original", data.num_users, N, 3, emb_size=8)
    cfg = TrainConfig(model="caser-original", lookback=3, negatives=2)
    step, _ = make_step(model, cfg, torch.device("cpu"))
    seen = []
    forward = model.forward
    model.forward = lambda u, x, c: seen.append(c.shape) or forward(u, x, c)
    step.forward = model.forward
    g = torch.Generator().manual_seed(0)
    users, inputs, targets, negatives = epoch_windows(model, data, cfg, g)
    step(users, inputs, targets, negatives)
    assert seen == [(len(users), 1, 3 + 2)]                      # [W, 1, T + n]


# ------------------------------------------------------------------------------ targets: last
def test_targets_last_trains_only_the_last_position_of_a_plus_model():
    """With `targets: last` the loss reaches Caser+'s output rows of the last target only."""
    data = hand_data()
    for targets, rows_with_gradient in (("last", "last"), ("every", "all")):
        torch.manual_seed(0)
        model = models.create("caser+", data.num_users, N, 4, emb_size=8, dropout=0.0)
        cfg = TrainConfig(model="caser+", lookback=4, targets=targets)
        g = torch.Generator().manual_seed(1)
        users, inputs, window_targets, negatives = epoch_windows(model, data, cfg, g)
        assert window_targets.shape[1] == (1 if targets == "last" else 4)
        step, _ = make_step(model, cfg, torch.device("cpu"))
        step.compute_loss(users, inputs, window_targets, negatives).backward()
        touched = set(model.b2.weight.grad.squeeze(1).nonzero().squeeze(1).tolist())
        real = window_targets > 0                                  # padded targets are masked
        last = set(window_targets[:, -1].tolist()) | set(negatives[:, -1][real[:, -1]].tolist())
        every = set(window_targets[real].tolist()) | set(negatives[real].tolist())
        assert touched == ((last if rows_with_gradient == "last" else every) - {0})
        assert rows_with_gradient == "last" or every - last        # a real difference to detect


# ------------------------------------------------------------------------------ the config
def test_auto_resolves_to_the_models_own_regime_and_leaves_earlier_identities_alone():
    caser_model = models.create("caser", U, N, 5)
    original = models.create("caser-original", U, N, 5)
    plus = models.create("caser+", U, N, 5)
    cfg = TrainConfig(model="caser")
    assert cfg.regime(caser_model) == dict(windows="random", targets="last", future_targets=1,
                                           negatives=1, bce_reduction="entries")
    assert cfg.regime(plus)["targets"] == "every"
    assert cfg.regime(original) == dict(windows="sliding", targets="last", future_targets=3,
                                        negatives=3, bce_reduction="means")
    assert TrainConfig(model="caser", windows="random").regime(original)["windows"] == "random"
    # an identity hashed before these fields existed is the same with every field at 'auto'
    assert TrainConfig(model="caser").identity() == TrainConfig(model="caser", targets="auto").identity()
    assert TrainConfig(model="caser").identity() != TrainConfig(model="caser", windows="random").identity()


@pytest.mark.parametrize("changes, model, match", [
    (dict(windows="all"), "caser", "valid windows values: auto, random, sliding"),
    (dict(future_targets=0), "caser", "future_targets must be 'auto' or an integer >= 1"),
    (dict(targets="every"), "caser", "scores only the last position"),
    (dict(future_targets=3), "caser", "applies to sliding windows"),
    (dict(windows="sliding", targets="every"), "caser+", "targets must be 'last' or 'auto'"),
    (dict(windows="sliding", loss="ce"), "caser", "loss: bce"),
])
def test_a_regime_the_loop_cannot_train_is_refused_with_what_to_set(changes, model, match):
    with pytest.raises(ConfigError, match=match):
        TrainConfig(model=model, **changes).regime(models.create(model, U, N, 5))


# ------------------------------------------------------------------------------ the profiles
def test_the_mechanism_profile_scores_the_last_position_exactly_where_it_says(monkeypatch):
    """`targets: last` in the cells named for it (the main cells and the *-last variants); every
    position in the fixed ones, whose '+' gain is the point (a top-level `targets` reaches every
    variant unless it says otherwise)."""
    from rebuild import profiles
    monkeypatch.setenv("SEQREC_DATA_DIR", "/nonexistent")
    for cell in profiles.load("cnn-mechanism").cells():
        last = cell.variant in ("", "fixed-last", "l5-last", "l5-fixed-last")
        assert cell.config.targets == ("last" if last else "auto"), (cell.variant, cell.model)
        fixed = "fixed" in cell.variant
        assert (cell.config.model_options.get("init") == "reference") == fixed


def test_the_originals_profile_trains_them_at_their_papers_settings(monkeypatch):
    from rebuild import profiles
    monkeypatch.setenv("SEQREC_DATA_DIR", "/nonexistent")
    for cell in profiles.load("cnn-original").cells():
        module = caser if cell.model == "caser-original" else cosrec
        for key in ("lookback", "batch_size", "epochs"):
            assert getattr(cell.config, key) == module.DIFFERENCES[key].original, (cell.model, key)
        assert all(getattr(cell.config, k) == "auto" for k in REGIME_SWITCHES)   # its own regime
