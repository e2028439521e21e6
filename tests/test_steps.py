"""The training step: losses on hand-worked numbers, the epoch's sampling, fused Adam, execution
switches, and (on CUDA) that the step never waits for the device and that its CUDA-graph replay
trains exactly like the eager step."""
import math

import pytest
import torch

from seqrec import models, sampling
from seqrec import training as T
from seqrec.errors import ConfigError
from seqrec.steps import GraphedTrainStep, TrainStep, bce_loss, ce_loss

from conftest import make_data

CUDA = torch.cuda.is_available()
needs_cuda = pytest.mark.skipif(not CUDA, reason="needs a CUDA GPU")


def test_bce_loss_on_hand_worked_logits():
    scores = torch.tensor([[[0.0, 0.0], [2.0, -1.0]]])          # [B=1, T=2, pos/neg]
    mask = torch.tensor([[False, True]])                         # the first target is padding
    # only position 1 counts: -log s(2) and -log(1 - s(-1)) = -log s(1), averaged over 2 entries
    expected = (math.log1p(math.exp(-2.0)) + math.log1p(math.exp(-1.0))) / 2
    assert bce_loss(scores, mask).item() == pytest.approx(expected, rel=1e-6)


def test_ce_loss_ignores_padding_targets_and_never_predicts_padding():
    logits = torch.tensor([[[9.0, 1.0, 0.0, 0.0], [5.0, 0.0, 2.0, 0.0]]])   # [1, 2, N+1 = 4]
    targets = torch.tensor([[2, 0]])                            # the second position is padding
    # position 0 over items 1..3 only (column 0 is masked): -log(e^0 / (e^1 + e^0 + e^0))
    expected = -math.log(1.0 / (math.e + 2.0))
    assert ce_loss(logits.clone(), targets).item() == pytest.approx(expected, rel=1e-6)


def test_an_epoch_draws_its_negatives_once_and_never_from_the_history(monkeypatch):
    seqs = [[1 + (u + t) % 6 for t in range(8)] for u in range(20)]   # each user sees 6 of 30
    data = make_data(seqs, num_items=30)
    calls, drawn = [], []
    original = sampling.sample_negatives

    def spy(data, users, within, shape, generator=None):
        out = original(data, users, within, shape, generator)
        calls.append(users.numel())
        drawn.append((users, out))
        return out
    monkeypatch.setattr(T.loop, "sample_negatives", spy)   # where the loop draws them
    cfg = T.TrainConfig(model="caser+", lookback=5, batch_size=4, device="cpu", amp="off")
    model = models.create("caser+", data.num_users, data.num_items, 5, emb_size=4)
    step, _ = T.make_step(model, cfg, torch.device("cpu"))
    T.train_epoch(model, step, data, cfg, torch.Generator().manual_seed(0))
    assert calls == [20]                                        # one draw for all 5 batches
    users, negatives = drawn[0]
    seen = data.history_index().seen(users[:, None], negatives, data.prefix_length("train")[users - 1, None])
    assert negatives.shape == (20, 5) and not seen.any()


def test_fused_adam_makes_the_same_updates_as_plain_adam():
    torch.manual_seed(0)
    a = models.create("sasrec", 7, 20, 5, emb_size=8)
    b = models.create("sasrec", 7, 20, 5, emb_size=8)
    b.load_state_dict(a.state_dict())
    cfg = T.TrainConfig(device="cpu", lr=1e-2)
    fused = T.make_optimizer(a, cfg, torch.device("cpu"))
    plain = torch.optim.Adam(b.parameters(), lr=1e-2, foreach=False)
    assert fused.defaults.get("fused")
    for k in range(3):
        g = torch.Generator().manual_seed(k)
        for p, q in zip(a.parameters(), b.parameters()):
            p.grad = torch.randn(p.shape, generator=g)
            q.grad = p.grad.clone()
        fused.step()
        plain.step()
    for p, q in zip(a.parameters(), b.parameters()):
        torch.testing.assert_close(p, q, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("bad, message", [
    ({"compile": "fastest"}, "compile must be true, false or a torch.compile mode"),
    ({"cuda_graphs": "yes"}, "cuda_graphs must be true or false"),
    ({"cuda_graphs": True, "compile": True}, "exclude each other"),
])
def test_bad_execution_switches_are_named(bad, message):
    with pytest.raises(ConfigError, match=message):
        T.TrainConfig.from_dict({"device": "cpu", **bad})


def test_cuda_graphs_on_a_cpu_say_what_to_change():
    cfg = T.TrainConfig(device="cpu", cuda_graphs=True)
    model = models.create("sasrec", 3, 10, 4, emb_size=4)
    with pytest.raises(ConfigError, match="needs a CUDA device; set cuda_graphs: false"):
        T.make_step(model, cfg, torch.device("cpu"))


def test_execution_switches_do_not_change_the_config_hash(tmp_path):
    """A run started eagerly can be finished with CUDA graphs or compile (and the other way)."""
    from seqrec.results import config_hash
    from dataclasses import asdict
    base = asdict(T.TrainConfig())
    plain = config_hash({k: v for k, v in base.items() if k not in T.EXECUTION_ONLY})
    other = {**base, "cuda_graphs": True, "compile": "reduce-overhead"}
    assert config_hash({k: v for k, v in other.items() if k not in T.EXECUTION_ONLY}) == plain


# ------------------------------------------------------------------------------------ CUDA only
def _cuda_setup(name, graphs, seed=0):
    N, U, L, B = 40, 37, 8, 16                                    # 37 users: 2 full batches + 5
    g = torch.Generator().manual_seed(seed)
    users = torch.arange(1, U + 1)
    inputs = torch.randint(0, N + 1, (U, L), generator=g)
    T_ = L if models.CLASSES[name].scores_every_position else 1
    targets = torch.randint(1, N + 1, (U, T_), generator=g)
    negatives = torch.randint(1, N + 1, (U, T_), generator=g)
    torch.manual_seed(seed)
    model = models.create(name, U, N, L, emb_size=8, dropout=0.0).cuda().train()
    cfg = T.TrainConfig(device="cuda", cuda_graphs=graphs, lr=1e-2, amp="off")
    step, _ = T.make_step(model, cfg, torch.device("cuda"))
    batches = [tuple(t[s:s + B].cuda() for t in (users, inputs, targets, negatives))
               for s in range(0, U, B)]
    return model, step, batches


@needs_cuda
@pytest.mark.parametrize("name", ["sasrec", "caser+", "cosrec+", "caser"])
def test_cuda_graph_replay_trains_like_the_eager_step(name):
    eager_model, eager_step, batches = _cuda_setup(name, graphs=False)
    graph_model, graph_step, _ = _cuda_setup(name, graphs=True)
    # fp32 arithmetic and fixed algorithms for the comparison (make_step switched on TF32/autotuning)
    torch.backends.cuda.matmul.allow_tf32 = torch.backends.cudnn.allow_tf32 = False
    torch.backends.cudnn.benchmark = False
    assert isinstance(graph_step, GraphedTrainStep) and isinstance(eager_step, TrainStep)
    for _ in range(3):                                          # 3 epochs of 3 batches (last partial)
        for batch in batches:
            a, b = eager_step(*batch), graph_step(*batch)
            torch.testing.assert_close(b, a, rtol=1e-4, atol=1e-5)
    for (k, p), q in zip(eager_model.state_dict().items(), graph_model.state_dict().values()):
        torch.testing.assert_close(q.float(), p.float(), rtol=1e-3, atol=1e-4, msg=k)


@needs_cuda
@pytest.mark.parametrize("name", ["sasrec", "caser+", "cosrec+"])
def test_the_training_step_never_waits_for_the_device(name):
    _, step, batches = _cuda_setup(name, graphs=False)
    step(*batches[0])                                           # first call: lazy initialisation
    torch.cuda.synchronize()
    torch.cuda.set_sync_debug_mode("error")
    try:
        for batch in batches:
            step(*batch)
    finally:
        torch.cuda.set_sync_debug_mode("default")


def test_compiled_caser_plus_trains_like_eager():
    """torch.compile over Caser+ whose horizontal bank runs in the frequency domain (inductor has
    no complex kernels: that part stays eager; compiling it once corrupted memory on CPU)."""
    torch.manual_seed(0)
    model = models.create("caser+", 9, 30, 16, emb_size=8, dropout=0.0, horizontal="fft")
    users, items = torch.arange(1, 9), torch.randint(0, 31, (8, 16))
    candidates = torch.randint(1, 31, (8, 16, 2))
    compiled = torch.compile(model)
    for _ in range(2):
        out = compiled(users, items, candidates)
        out.sum().backward()
    torch.testing.assert_close(out, model(users, items, candidates), rtol=1e-4, atol=1e-5)
