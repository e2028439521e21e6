"""The training loop: learning, resume after interruption, NaN stop, config errors, records."""
import time

import pytest
import torch

from seqrec import baselines
from seqrec.errors import ConfigError, TrainingError
from seqrec.results import records
from seqrec.results import read_record
from seqrec.training import BudgetExhausted, TrainConfig, fit

from conftest import TinySeqModel, make_data

BASE = dict(model="tiny", dataset="tiny", lookback=6, epochs=6, batch_size=8, eval_every=2,
            checkpoint_every=2, eval_protocols=["full", "sampled"], seed=1, device="cpu", lr=0.05)


def _model(data, seed=1):
    torch.manual_seed(seed)
    return TinySeqModel(data.num_users, data.num_items)


def test_training_learns_the_successor_rule(tiny_data):
    rec = fit(_model(tiny_data), tiny_data, {**BASE, "epochs": 20, "eval_every": 20}, progress=False)
    first, last = rec["history"][0], rec["history"][-1]
    assert first["epoch"] == 0 and last["epoch"] == 20
    assert last["test"]["full"]["NDCG@10"] > first["test"]["full"]["NDCG@10"] + 0.2
    assert len(rec["test_ranks"]["last"]["full"]) == tiny_data.num_users
    assert rec["best"]["epoch"] in (0, 20)


def test_resume_after_interruption_gives_the_same_result(tiny_data, tmp_path):
    straight = fit(_model(tiny_data), tiny_data, BASE, run_dir=tmp_path / "a", progress=False)
    with pytest.raises(BudgetExhausted, match="resume"):       # "killed" after its first epoch
        fit(_model(tiny_data), tiny_data, BASE, run_dir=tmp_path / "b", progress=False,
            deadline=time.time() - 1)
    assert (tmp_path / "b" / "checkpoint.pt").exists() and not (tmp_path / "b" / "record.json").exists()
    resumed = fit(_model(tiny_data, seed=99), tiny_data, BASE, run_dir=tmp_path / "b", resume=True,
                  progress=False)
    def without_times(rec):
        return [{k: v for k, v in h.items() if k != "seconds"} for h in rec["history"]]
    assert without_times(resumed) == without_times(straight)   # losses and metrics, every epoch
    assert resumed["best"]["test"] == straight["best"]["test"]
    assert resumed["last"]["test"] == straight["last"]["test"]
    assert resumed["test_ranks"] == straight["test_ranks"]
    assert read_record(tmp_path / "b" / "record.json")["last"]["epoch"] == BASE["epochs"]
    assert not (tmp_path / "b" / "checkpoint.pt").exists()       # finished: only the record stays


def test_resume_refuses_a_checkpoint_of_another_config(tiny_data, tmp_path):
    with pytest.raises(BudgetExhausted):
        fit(_model(tiny_data), tiny_data, BASE, run_dir=tmp_path, progress=False, deadline=0)
    with pytest.raises(ConfigError, match="different configuration"):
        fit(_model(tiny_data), tiny_data, {**BASE, "lr": 0.01}, run_dir=tmp_path, resume=True,
            progress=False)


def test_nan_loss_stops_with_the_epoch_and_keeps_the_checkpoint(tiny_data, tmp_path):
    model = _model(tiny_data)
    calls = {"n": 0}
    original = model.forward

    def poisoned(*a):
        calls["n"] += 1
        model.poison = calls["n"] > 2 * 5        # 40 users / batch 8 = 5 steps per epoch
        return original(*a)
    model.forward = poisoned
    cfg = {**BASE, "checkpoint_every": 1}
    with pytest.raises(TrainingError, match=r"epoch 3.*checkpoint"):
        fit(model, tiny_data, cfg, run_dir=tmp_path, progress=False)
    payload = torch.load(tmp_path / "checkpoint.pt", weights_only=False)
    assert payload["state"]["epoch"] == 2
    assert all(torch.isfinite(v).all() for v in payload["model"].values())


@pytest.mark.parametrize("bad, message", [
    ({"epochs": -1}, "epochs must be an integer >= 0"),
    ({"lr": float("nan")}, "lr must be a positive number"),
    ({"eval_protocols": ["top100"]}, "unknown protocol 'top100'"),
    ({"loss": "mse"}, "valid loss functions: bce, ce"),
    ({"select_metric": "NDCG@7"}, "select_metric: unknown metric 'NDCG@7'"),
    ({"learning_rate": 0.1}, "unknown training parameter 'learning_rate'; valid training parameters"),
    ({"eval_batch_size": "big"}, "eval_batch_size must be 'auto' or an integer >= 1"),
])
def test_bad_parameters_are_named(bad, message):
    with pytest.raises(ConfigError, match=message):
        TrainConfig.from_dict({**BASE, **bad})


def test_the_evaluation_batch_is_the_devices_unless_set_and_leaves_the_ranks_alone(tiny_data):
    """'auto': small batches on a CPU (cache-sized activations), large ones on a GPU; the record
    keeps the batch used; it is an execution switch: same identity, same ranks."""
    from seqrec import models
    auto = TrainConfig.from_dict(BASE)
    cpu, cuda = torch.device("cpu"), torch.device("cuda")
    cosrec = models.create("cosrec+", tiny_data.num_users, tiny_data.num_items, 6)
    assert auto.eval_batch_size == "auto"
    assert auto.eval_batch(cpu, _model(tiny_data)) == 128 and auto.eval_batch(cpu, cosrec) == 32
    assert auto.eval_batch(cuda, _model(tiny_data)) == auto.eval_batch(cuda, cosrec) == 1024
    assert TrainConfig.from_dict({**BASE, "eval_batch_size": 7}).eval_batch(cpu, cosrec) == 7
    runs = [fit(_model(tiny_data), tiny_data, {**BASE, "epochs": 2, "eval_batch_size": b},
                progress=False) for b in ("auto", 3)]
    assert [r["resolved"]["eval_batch_size"] for r in runs] == [128, 3]
    assert runs[0]["config_hash"] == runs[1]["config_hash"]
    assert runs[0]["test_ranks"] == runs[1]["test_ranks"]


def test_baselines_are_evaluated_by_the_same_code(tiny_data, tmp_path):
    for name in baselines.NAMES:
        model = baselines.create(name, tiny_data)
        lookback = int(tiny_data.lengths.max())
        fit(model, tiny_data, {**BASE, "model": name, "epochs": 0, "lookback": lookback},
            run_dir=tmp_path / name, progress=False)
    recs = records(tmp_path)
    assert {r["config"]["model"] for r in recs} == {"pop", "repeat"}
    for r in recs:
        assert set(r["best"]["test"]) == set(r["last"]["test"]) == {"full", "sampled"}


def test_repeat_history_orders_by_count_then_recency_then_popularity():
    data = make_data([[1, 2, 3, 4, 5], [2, 2, 2, 2, 2, 3, 3], [4, 5, 4, 3, 1, 2, 2]], num_items=5)
    model = baselines.create("repeat", data)
    items = torch.tensor([[0, 4, 5, 4, 3, 1]])             # 4 twice; then 1 most recent, 3, 5
    order = model.score_all(torch.tensor([3]), items)[0, 1:].argsort(descending=True) + 1
    assert order.tolist()[:4] == [4, 1, 3, 5]
    assert order.tolist()[4] == 2                          # unseen: popularity order


def test_seen_before_share():
    data = make_data([[1, 2, 3, 1], [1, 2, 3, 4], [5, 5, 5, 5]], num_items=5)
    assert baselines.seen_before_share(data, "test") == pytest.approx(2 / 3)


def test_full_cross_entropy_trains_every_model_kind(tiny_data):
    """loss='ce': a softmax over the whole catalogue at every scored position."""
    from seqrec import models
    for name in ("sasrec", "caser"):
        torch.manual_seed(0)
        model = models.create(name, tiny_data.num_users, tiny_data.num_items, 6, emb_size=8)
        rec = fit(model, tiny_data, {**BASE, "model": name, "loss": "ce", "epochs": 2, "lr": 1e-2},
                  progress=False)
        assert rec["config"]["loss"] == "ce" and all(
            h["loss"] is None or h["loss"] > 0 for h in rec["history"])
    s = models.create("sasrec", 5, 9, 4).eval()
    users, items = torch.tensor([1, 2]), torch.tensor([[0, 1, 2, 3], [4, 5, 6, 7]])
    every = s.score_positions(users, items, 3)                       # [2, 3, 10]
    assert every.shape == (2, 3, 10)
    assert torch.allclose(every, s(users, items, torch.arange(10).expand(2, 3, 10)), atol=1e-5)


def test_an_unfinished_run_says_why_in_its_status_file(tiny_data, tmp_path):
    """Paused at the budget or failed on a bad loss: status.json, never a record; the record
    replaces it when the run completes."""
    from seqrec.results import STATUS_NAME
    cfg = TrainConfig.from_dict(BASE)
    with pytest.raises(BudgetExhausted):
        fit(_model(tiny_data), tiny_data, BASE, run_dir=tmp_path, progress=False,
            deadline=time.time() - 1)
    note = read_record(tmp_path / STATUS_NAME)
    assert note["status"] == "paused" and note["epoch"] == 1 and note["config_hash"] == cfg.identity()
    rec = fit(_model(tiny_data), tiny_data, BASE, run_dir=tmp_path, resume=True, progress=False)
    assert rec["status"] == "complete" and not (tmp_path / STATUS_NAME).exists()


def test_a_short_bf16_run_trains_like_fp32():
    """amp='on' (bf16 autocast in training, fp32 evaluation): the loss falls and the metrics clear
    the popularity floor wherever fp32's do, for an attention model and a causal CNN."""
    from seqrec import data, training
    ds = data.load("synthetic", num_users=150, num_items=60, min_len=12, max_len=30, seed=0)
    common = dict(dataset="synthetic", lookback=10, epochs=6, eval_every=6, batch_size=32, lr=3e-3,
                  eval_protocols=["full"], device="cpu")
    pop = training.run(dict(common, model="pop", epochs=0), ds, progress=False)
    floor = pop["last"]["test"]["full"]["NDCG@10"]
    for name in ("sasrec", "caser+"):
        runs = {amp: training.run(dict(common, model=name, amp=amp), ds, progress=False)
                for amp in ("off", "on")}
        assert runs["on"]["resolved"]["amp"] is True and runs["off"]["resolved"]["amp"] is False
        for amp, rec in runs.items():
            losses = [h["loss"] for h in rec["history"] if h["loss"] is not None]
            assert losses[-1] < losses[0], (name, amp, losses)
        assert runs["off"]["last"]["test"]["full"]["NDCG@10"] > floor, name   # fp32 clears it here
        assert runs["on"]["last"]["test"]["full"]["NDCG@10"] > floor, name


def test_projected_time_left_on_a_hand_worked_history():
    """Median of the last (up to) five training epochs per epoch left, plus the latest evaluation
    per evaluation still due; nothing before two epochs are measured."""
    from seqrec.training import projected_seconds_left
    cfg = TrainConfig.from_dict({**BASE, "epochs": 100, "eval_every": 10})
    history = [{"epoch": 0, "seconds": 0.0}] + [{"epoch": e, "seconds": s}
                                                for e, s in enumerate([9.0, 1.0, 1.0, 3.0], 1)]
    # epochs 5..100 left: 96 x median(9, 1, 1, 3) = 96 x 2; evaluations at 10, 20, ..., 100: 10 x 4
    assert projected_seconds_left(cfg, history, 4, 4.0) == pytest.approx(96 * 2.0 + 10 * 4.0)
    # the window holds the last five epochs only: median(1, 1, 3, 1, 1) = 1
    longer = history + [{"epoch": 5, "seconds": 1.0}, {"epoch": 6, "seconds": 1.0}]
    assert projected_seconds_left(cfg, longer, 6, 4.0) == pytest.approx(94 * 1.0 + 10 * 4.0)
    # three epochs at least, so that the first one's warm-up is outvoted: median(9, 1, 1) = 1
    assert projected_seconds_left(cfg, history[:4], 3, 4.0) == pytest.approx(97 * 1.0 + 10 * 4.0)
    assert projected_seconds_left(cfg, history[:3], 2, 4.0) is None


def test_evaluations_due_are_counted_without_walking_the_epochs():
    """Every multiple of eval_every and the last epoch, counted in closed form: the same count
    as walking the epochs, and instant for a billion epochs (the walk took 60 s there)."""
    from seqrec.training import evaluations_after
    for epochs in range(1, 25):
        for every in range(1, 8):
            for epoch in range(epochs + 1):
                walked = sum(1 for e in range(epoch + 1, epochs + 1)
                             if e % every == 0 or e == epochs)
                assert evaluations_after(epoch, epochs, every) == walked, (epochs, every, epoch)
    t0 = time.perf_counter()
    assert evaluations_after(3, 10**9, 50_000) == 20_000
    assert time.perf_counter() - t0 < 0.01


def test_a_run_that_cannot_finish_in_its_budget_stops_at_once_and_says_why(tiny_data, tmp_path):
    """stop_if_unfinishable: the pace measured after three epochs says a billion epochs cannot end
    within a 10-minute budget (at any pace above a microsecond per epoch: 100,000 tiny epochs
    fitted in it on a fast CPU), so the run stops there (checkpoint and status kept) instead of
    training until the deadline; a run that fits is not stopped. An execution switch: the
    identity does not change."""
    from seqrec.results import STATUS_NAME
    long = {**BASE, "epochs": 10**9, "eval_every": 50_000, "stop_if_unfinishable": True}
    t0 = time.time()
    with pytest.raises(BudgetExhausted, match="cannot finish within the time budget"):
        fit(_model(tiny_data), tiny_data, long, run_dir=tmp_path / "long", progress=False,
            deadline=t0 + 600)
    assert time.time() - t0 < 30
    note = read_record(tmp_path / "long" / STATUS_NAME)
    assert note["status"] == "paused" and note["epoch"] == 3
    assert "999999997 epochs left" in note["message"] and "the budget leaves" in note["message"]
    assert (tmp_path / "long" / "checkpoint.pt").exists()
    assert TrainConfig.from_dict(long).identity() == TrainConfig.from_dict(
        {**long, "stop_if_unfinishable": False}).identity()
    fits = fit(_model(tiny_data), tiny_data, {**BASE, "stop_if_unfinishable": True},
               progress=False, deadline=time.time() + 600)
    assert fits["status"] == "complete" and fits["last"]["epoch"] == BASE["epochs"]


def test_the_pace_is_checked_once_so_a_later_slowdown_never_stops_a_started_run(tiny_data, monkeypatch):
    """Once the first epochs say the run fits, a projection that later looks hopeless (another
    job slowing the machine down for a while) does not stop it: only the deadline itself does."""
    from seqrec.training import budget
    real, verdicts = budget.projected_seconds_left, []

    def pace(*args):
        left = real(*args)
        if left is None:                          # pace not known yet
            return None
        verdicts.append(left)
        return 1.0 if len(verdicts) == 1 else 1e9  # fits at first, hopeless afterwards

    monkeypatch.setattr(budget, "projected_seconds_left", pace)
    rec = fit(_model(tiny_data), tiny_data, {**BASE, "stop_if_unfinishable": True},
              progress=False, deadline=time.time() + 600)
    assert rec["status"] == "complete" and len(verdicts) == 1


def test_a_resumed_run_is_judged_by_its_pace_now_not_by_its_earlier_one(tiny_data, tmp_path):
    """A run stopped while the machine was crowded (a million seconds per epoch and per
    evaluation in its checkpoint's history) and resumed on a quiet machine is not stopped as
    unfinishable from that old pace: the pace of the epochs this process trains decides."""
    config = {**BASE, "epochs": 12, "eval_every": 6, "checkpoint_every": 1,
              "stop_if_unfinishable": True}
    run_dir = tmp_path / "run"
    for _ in range(4):                                  # deadline passed: one epoch per call
        with pytest.raises(BudgetExhausted, match="time budget reached"):
            fit(_model(tiny_data), tiny_data, config, run_dir=run_dir, progress=False,
                resume=True, deadline=time.time() - 1)
    ckpt = run_dir / "checkpoint.pt"
    payload = torch.load(ckpt, weights_only=False)
    assert payload["state"]["epoch"] == 4
    for h in payload["state"]["history"]:
        h["seconds"] = 1e6
    payload["state"]["last_eval_seconds"] = 1e6
    torch.save(payload, ckpt)
    rec = fit(_model(tiny_data), tiny_data, config, run_dir=run_dir, progress=False, resume=True,
              deadline=time.time() + 600)
    assert rec["status"] == "complete" and rec["last"]["epoch"] == 12


@pytest.mark.parametrize("factor, stops", [(1.2, False), (2.0, True)])
def test_only_a_projection_well_past_the_budget_stops_a_run(tiny_data, monkeypatch, factor, stops):
    """A close call (projected 1.2x the time left: perhaps the first epochs were slowed by another
    job) keeps training until the deadline; twice the time left stops at once."""
    from seqrec.training import budget
    deadline = time.time() + 600
    real = budget.projected_seconds_left
    monkeypatch.setattr(budget, "projected_seconds_left", lambda *a: None if real(*a) is None
                        else factor * (deadline - time.time()))
    config = {**BASE, "stop_if_unfinishable": True}
    if stops:
        with pytest.raises(BudgetExhausted, match="cannot finish"):
            fit(_model(tiny_data), tiny_data, config, progress=False, deadline=deadline)
    else:
        assert fit(_model(tiny_data), tiny_data, config, progress=False,
                   deadline=deadline)["status"] == "complete"


def test_every_protocol_by_default_and_the_selection_protocol_must_be_evaluated():
    from seqrec.evaluation import PROTOCOLS
    assert TrainConfig().eval_protocols == list(PROTOCOLS)
    from seqrec.evaluation import SELECTION_PROTOCOL
    assert SELECTION_PROTOCOL in PROTOCOLS
    with pytest.raises(ConfigError, match="eval_protocols must include 'full'"):
        TrainConfig.from_dict({"eval_protocols": ["sampled"]})
