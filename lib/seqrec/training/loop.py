"""The loop: one training epoch (`train_epoch`), the step it runs (`make_step`), evaluation and
selection on validation, the run record, and `fit` / `run`, the calls a chapter makes. What the
loop does is described in `seqrec.training`'s docstring.
"""
from __future__ import annotations

import math
import time
from dataclasses import asdict, dataclass, replace
from pathlib import Path

import torch

from .. import metrics as M
from ..errors import ConfigError, TrainingError
from ..evaluation import SELECTION_PROTOCOL, evaluate
from ..results import (COMPLETE, FAILED, PAUSED, RECORD_NAME, RECORD_SCHEMA, STATUS_NAME,
                       code_version, environment, read_record, status, write_json_atomic)
from ..sampling import sample_negatives, sliding_windows, training_windows
from ..sequences import SequenceData
from ..steps import GraphedTrainStep, TrainStep
from .budget import BudgetExhausted, _recent_epoch_seconds, _reason_to_stop
from .checkpoints import CHECKPOINT_NAME, _load_checkpoint, _save_checkpoint, _State
from .config import TrainConfig


# ---------------------------------------------------------------------------------------- loop
def use_fast_kernels(device: torch.device) -> None:
    """On CUDA: TF32 matmuls and convolutions, and cuDNN autotuning (the shapes are fixed)."""
    if device.type == "cuda":
        torch.backends.cuda.matmul.allow_tf32 = True
        torch.backends.cudnn.allow_tf32 = True
        torch.backends.cudnn.benchmark = True


def make_optimizer(model, cfg: TrainConfig, device: torch.device):
    """Adam (lr cfg.lr, PyTorch's other defaults, as the authors; a model may set its own
    `adam_betas`, as the original SASRec's 0.98, and `adam_weight_decay`, the coupled L2 of the
    original Caser and CosRec) in its fused form where PyTorch
    has one (CUDA, and CPU since torch 2.4): one kernel over all parameters instead of a few per
    parameter tensor; the same update up to float rounding. Capturable when the step is a graph."""
    params = [p for p in model.parameters() if p.requires_grad]
    if not params:
        return None
    options = {"capturable": True} if cfg.cuda_graphs else {}
    options["betas"] = getattr(model, "adam_betas", (0.9, 0.999))   # SASRec's original: 0.98
    options["weight_decay"] = getattr(model, "adam_weight_decay", 0.0)  # Caser's, CosRec's: l2
    try:
        return torch.optim.Adam(params, lr=cfg.lr, fused=True, **options)
    except (RuntimeError, TypeError, ValueError):       # no fused kernel for this device/dtype
        return torch.optim.Adam(params, lr=cfg.lr, **options)


def make_step(model, cfg: TrainConfig, device: torch.device):
    """The training step as `fit` runs it, assembled in this one place (the benchmark times the
    same): TF32/cuDNN switches (`use_fast_kernels`), Adam (`make_optimizer`), the forward eager or
    `torch.compile`d, bf16 autocast as `cfg.use_amp` says, the whole step a CUDA graph with
    `cuda_graphs`. Returns (step, optimizer); the optimizer is the checkpoint's to save."""
    if cfg.cuda_graphs and device.type != "cuda":
        raise ConfigError("cuda_graphs=True needs a CUDA device; set cuda_graphs: false on "
                          f"{device.type}")
    use_fast_kernels(device)
    optimizer = make_optimizer(model, cfg, device)
    if optimizer is None:
        raise ConfigError(f"{cfg.model} has no trainable parameters: run it with epochs=0")
    forward = model
    if cfg.compile:
        forward = torch.compile(model, mode=None if cfg.compile is True else cfg.compile)
    regime = cfg.regime(model)
    step = TrainStep(model, forward, optimizer, cfg.loss, cfg.use_amp(device),
                     regime["bce_reduction"], window_targets=regime["windows"] == "sliding")
    return (GraphedTrainStep(step) if cfg.cuda_graphs else step), optimizer


def train_epoch(model, step, data: SequenceData, cfg: TrainConfig, generator) -> float:
    """One pass over the epoch's training windows (`epoch_windows`); returns the mean loss.

    All windows and negatives of the epoch are drawn up front, on the device (two vectorised
    draws); the batch loop then only slices them, so it never waits for the device until the
    epoch's loss is read at the end (the one host synchronisation of the epoch)."""
    model.train()
    users_all, inputs_all, targets_all, negatives_all = epoch_windows(model, data, cfg, generator)
    count = users_all.shape[0]
    total = torch.zeros((), device=data.device)
    for start in range(0, count, cfg.batch_size):
        sl = slice(start, start + cfg.batch_size)
        loss = step(users_all[sl], inputs_all[sl], targets_all[sl],
                    None if negatives_all is None else negatives_all[sl])
        total += loss * users_all[sl].numel()
    return float(total) / count


def epoch_windows(model, data: SequenceData, cfg: TrainConfig, generator):
    """The epoch's training instances in the order they are trained, as `cfg.regime(model)` says:
    (users [W], inputs [W, L], targets [W, T], negatives [W, T] / [W, n] or None (ce)).

    random windows: one per user (W = U), users shuffled; the targets are the window's last T
    positions (T = L for `targets: every`, else 1), one negative per target. sliding windows:
    every window of L + T items of every user (`sliding_windows`), shuffled; T targets after the
    window, n negatives per window. Negatives avoid the user's whole training sequence."""
    regime = cfg.regime(model)
    if regime["windows"] == "random":
        users = data.all_users()[torch.randperm(data.num_users, device=data.device,
                                                generator=generator)]
        inputs, targets = training_windows(data, users, cfg.lookback, generator)
        targets = targets[:, -(cfg.lookback if regime["targets"] == "every" else 1):]  # [U, T]
        per_window = (targets.shape[1],)                                  # one per target
    else:
        users, inputs, targets = sliding_windows(data, cfg.lookback, regime["future_targets"])
        order = torch.randperm(users.shape[0], device=data.device, generator=generator)
        users, inputs, targets = users[order], inputs[order], targets[order]
        per_window = (regime["negatives"],)
    negatives = None
    if cfg.loss == "bce":
        within = data.prefix_length("train")[users - 1]
        negatives = sample_negatives(data, users, within, per_window, generator)
    return users, inputs, targets, negatives


def _evaluate_both(model, data, cfg):
    """{split: {protocol: ranks [U]}} for val and test; always scored in fp32 (`evaluate`)."""
    batch = cfg.eval_batch(data.device, model)
    return {split: evaluate(model, data, split, cfg.eval_protocols, cfg.lookback, batch,
                            cfg.eval_seed) for split in ("val", "test")}


def _summaries(ranks: dict) -> dict:
    return {p: {k: round(v, 6) for k, v in M.from_ranks(r).items()} for p, r in ranks.items()}


@dataclass
class _Run:
    """What `fit` prepares once: the config, the device and the objects living on it, and where
    the run's files go."""

    cfg: TrainConfig
    device: torch.device
    model: torch.nn.Module
    data: SequenceData
    step: object                      # `make_step`'s step; None for an evaluate-only run
    optimizer: object                 # None for an evaluate-only run
    generator: torch.Generator        # every random draw of training (windows, negatives)
    identity: str                     # `TrainConfig.identity` of the config as asked
    asked: dict                       # the config as asked (the record's `config`)
    resolved: dict                    # what this machine made of it (the record's `resolved`)
    run_dir: Path | None
    checkpoint: Path | None


def fit(model, data: SequenceData, config: TrainConfig | dict, run_dir=None, resume: bool = False,
        progress: bool = True, deadline: float | None = None, identity: str | None = None,
        asked: dict | None = None) -> dict:
    """Train `model` on `data` and return the run record (also written to run_dir/record.json).

    run_dir: where checkpoints and the record go (None: nothing is written).
    resume: return run_dir/record.json if it exists for the same config; else continue from
    run_dir/checkpoint.pt if present (same config required).
    deadline: a `time.time()` value; when an epoch ends past it, a checkpoint is written and
    `BudgetExhausted` is raised (resume later with resume=True). With `stop_if_unfinishable`
    the run stops the same way as soon as the pace measured here projects its end past it.
    identity: the run's identity if not `config.identity()` (`run` passes the one of the config as
    asked when it had to adapt it, e.g. the repeat floor's window).
    """
    cfg = config if isinstance(config, TrainConfig) else TrainConfig.from_dict(config)
    run = _prepare(model, data, cfg, run_dir, identity, asked)
    done = _finished_record(run) if resume else None
    if done is not None:
        return done                                         # finished before: nothing to redo
    state = _start_state(run, resume)
    last_ranks = _epochs(run, state, progress, deadline)
    return _finish(run, state, last_ranks)


def _prepare(model, data: SequenceData, cfg: TrainConfig, run_dir, identity: str | None,
             asked: dict | None) -> _Run:
    """Device, data and model on it, seeds, the training step (`make_step`), the run folder."""
    device = cfg.resolved_device()
    if int(data.prefix_length("train").min()) < 1:
        raise TrainingError("every user needs at least 3 items (train, val and test); apply the "
                            "paper's filter (seqrec.data.load(..., filter='paper'))")
    data = data.to(device)
    model = model.to(device)
    use_fast_kernels(device)                  # evaluation too, for an evaluate-only run
    asked = asked or asdict(cfg)              # the config as asked (`run` adapts it for Repeat)
    resolved = {**cfg.resolution(device, model),
                **{k: v for k, v in asdict(cfg).items() if asked.get(k) != v}}
    torch.manual_seed(cfg.seed)
    generator = torch.Generator(device=device)
    generator.manual_seed(cfg.seed)
    step, optimizer = make_step(model, cfg, device) if cfg.epochs > 0 else (None, None)
    run_dir = Path(run_dir) if run_dir is not None else None
    if run_dir:
        run_dir.mkdir(parents=True, exist_ok=True)
    return _Run(cfg, device, model, data, step, optimizer, generator, identity or cfg.identity(),
                asked, resolved, run_dir, run_dir / CHECKPOINT_NAME if run_dir else None)


def _finished_record(run: _Run) -> dict | None:
    """The run folder's complete record of this config, if there is one."""
    path = run.run_dir / RECORD_NAME if run.run_dir else None
    if path is None or not path.exists():
        return None
    done = read_record(path)
    return done if done.get("config_hash") == run.identity and status(done) == COMPLETE else None


def _start_state(run: _Run, resume: bool) -> _State:
    """Where training starts: the checkpoint's state (its weights, optimizer and random streams
    loaded), or epoch 0."""
    if resume and run.checkpoint is not None and run.checkpoint.exists():
        return _load_checkpoint(run.checkpoint, run.model, run.optimizer, run.generator,
                                run.identity)
    return _State()


def _epochs(run: _Run, state: _State, progress: bool, deadline: float | None):
    """Evaluate at epoch 0 (a fresh run), then train, evaluate every `eval_every` epochs and
    checkpoint every `checkpoint_every` until `epochs`; stop at a checkpoint (BudgetExhausted)
    when `_reason_to_stop` says so. Returns the test ranks of the last evaluation (None when a
    resumed run had nothing left to train)."""
    cfg, ckpt = run.cfg, run.checkpoint
    bar = None
    if progress:
        from tqdm import tqdm               # plain text bar: also readable in executed notebooks
        bar = tqdm(total=cfg.epochs, initial=state.epoch, desc=f"{cfg.model} on {cfg.dataset}",
                   unit="epoch", mininterval=10, ascii=True, ncols=100)
    last_ranks = None
    check_pace = cfg.stop_if_unfinishable      # once, as soon as this process knows its pace
    started_at = state.epoch                   # a resumed run's earlier pace is another process's
    state.last_eval_seconds = None             # (another load on the machine, another machine)
    try:
        if state.epoch == 0 and not state.history:
            last_ranks = _eval_and_select(run.model, run.data, cfg, state, epoch=0, loss=None,
                                          seconds=0.0)
        while state.epoch < cfg.epochs:
            epoch = state.epoch + 1
            t0 = time.perf_counter()
            loss = train_epoch(run.model, run.step, run.data, cfg, run.generator)
            seconds = time.perf_counter() - t0
            if not math.isfinite(loss):
                where = f"; the last good checkpoint is {ckpt}" if ckpt and ckpt.exists() else ""
                message = (f"{cfg.model} on {cfg.dataset}: loss is {loss} at epoch {epoch}{where}. "
                           "Lower the learning rate or switch AMP off (amp='off').")
                _write_status(run, FAILED, state, message)
                raise TrainingError(message)
            state.train_seconds += seconds
            if epoch % cfg.eval_every == 0 or epoch == cfg.epochs:
                last_ranks = _eval_and_select(run.model, run.data, cfg, state, epoch, loss, seconds)
            else:
                state.history.append({"epoch": epoch, "loss": round(loss, 6),
                                      "seconds": round(seconds, 4)})
            state.epoch = epoch
            if bar is not None:
                bar.update(1)
                bar.set_postfix(loss=f"{loss:.4f}", best=f"{state.best['score']:.4f}")
            if ckpt and (epoch % cfg.checkpoint_every == 0 or epoch == cfg.epochs):
                _save_checkpoint(ckpt, run.model, run.optimizer, state, run.generator, run.identity)
            reason = _reason_to_stop(cfg, state, deadline, run.device, check_pace, started_at)
            check_pace = check_pace and _recent_epoch_seconds(state.history, started_at) is None
            if reason:
                if ckpt:
                    _save_checkpoint(ckpt, run.model, run.optimizer, state, run.generator,
                                     run.identity)
                message = (f"{cfg.model} on {cfg.dataset}: {reason}; stopped after epoch "
                           f"{epoch}/{cfg.epochs}, resume=True continues from {ckpt}")
                _write_status(run, PAUSED, state, message)
                raise BudgetExhausted(message)
    finally:
        if bar is not None:
            bar.close()
    return last_ranks


def _finish(run: _Run, state: _State, last_ranks) -> dict:
    """The run record, written to the run folder in place of its checkpoint and status file."""
    if last_ranks is None:     # resumed after the final epoch's evaluation: evaluate again
        last_ranks = _evaluate_both(run.model, run.data, run.cfg)["test"]
    record = _make_record(run, state, last_ranks)
    if run.run_dir:
        write_json_atomic(run.run_dir / RECORD_NAME, record)
        run.checkpoint.unlink(missing_ok=True)    # the record is the product; checkpoints are large
        (run.run_dir / STATUS_NAME).unlink(missing_ok=True)
    return record

def _write_status(run: _Run, what: str, state: _State, message: str) -> None:
    """The status file of an unfinished run ('paused' or 'failed'): its config, how far it got
    and why, so that the grid runner reads the outcome from the run folder, not from logs. The
    record replaces it when the run completes."""
    if run.run_dir:
        write_json_atomic(run.run_dir / STATUS_NAME,
                          {"schema": RECORD_SCHEMA, "status": what, "config": run.asked,
                           "resolved": run.resolved, "config_hash": run.identity,
                           "epoch": state.epoch, "message": message, "history": state.history})


def _eval_and_select(model, data, cfg, state: _State, epoch, loss, seconds):
    """Evaluate val and test, append to history, update the best-validation state; returns the
    test ranks of this epoch."""
    t0 = time.perf_counter()
    ranks = _evaluate_both(model, data, cfg)
    state.last_eval_seconds = time.perf_counter() - t0
    state.eval_seconds += state.last_eval_seconds
    val, test = _summaries(ranks["val"]), _summaries(ranks["test"])
    state.history.append({"epoch": epoch, "loss": None if loss is None else round(loss, 6),
                          "seconds": round(seconds, 4), "val": val, "test": test})
    score = val[SELECTION_PROTOCOL][cfg.select_metric]
    if score > state.best["score"]:
        state.best = {"epoch": epoch, "score": score, "val": val, "test": test}
        state.best_ranks = {p: r.tolist() for p, r in ranks["test"].items()}
    return ranks["test"]


def _make_record(run: _Run, state: _State, last_ranks) -> dict:
    model, data, resolved = run.model, run.data, run.resolved
    last = next(h for h in reversed(state.history) if "test" in h)
    epoch_seconds = [h["seconds"] for h in state.history if h["epoch"] > 0]
    return {
        "schema": RECORD_SCHEMA,
        "status": COMPLETE,                       # every epoch trained and evaluated
        "config": run.asked,                      # as asked: its identity is config_hash
        "resolved": resolved,                     # what this machine made of it (device, amp...)
        "config_hash": run.identity,
        "data": {"name": data.name, "users": data.num_users, "items": data.num_items,
                 "interactions": data.num_interactions, **{k: v for k, v in data.info.items()
                                                           if isinstance(v, (int, float, str))}},
        "code_version": code_version(),
        "environment": environment(resolved["device"]),
        "num_parameters": sum(p.numel() for p in model.parameters()),
        "regime": run.cfg.regime(model) if run.cfg.epochs > 0 else None,   # 'auto' resolved
        "timings": {"train_seconds": round(state.train_seconds, 3),
                    "eval_seconds": round(state.eval_seconds, 3),
                    "epoch_seconds_median": (sorted(epoch_seconds)[len(epoch_seconds) // 2]
                                             if epoch_seconds else None)},
        "history": state.history,
        "best": {"epoch": state.best["epoch"], "val": state.best["val"], "test": state.best["test"]},
        "last": {"epoch": state.epoch, "val": last["val"], "test": last["test"]},
        "test_ranks": {"best": state.best_ranks,
                       "last": {p: r.tolist() for p, r in last_ranks.items()}},
    }


def run(config: TrainConfig | dict, data: SequenceData, run_dir=None, resume: bool = False,
        progress: bool = True, deadline: float | None = None) -> dict:
    """Build the configured model for `data` and `fit` it (the one call a chapter makes)."""
    from .. import baselines, models
    cfg = config if isinstance(config, TrainConfig) else TrainConfig.from_dict(config)
    identity, asked = cfg.identity(), asdict(cfg)   # of the config as asked, before any adaptation
    torch.manual_seed(cfg.seed)               # identical initial weights for a given seed
    if cfg.model in baselines.NAMES:
        if cfg.epochs != 0:
            raise ConfigError(f"baseline {cfg.model!r} is not trained: set epochs=0")
        if cfg.model == "repeat":             # the rule needs each user's whole history
            cfg = replace(cfg, lookback=max(cfg.lookback, int(data.lengths.max())))
        model = baselines.create(cfg.model, data)
    else:
        model = models.create(cfg.model, data.num_users, data.num_items, cfg.lookback,
                              **cfg.model_options)
    return fit(model, data, cfg, run_dir=run_dir, resume=resume, progress=progress,
               deadline=deadline, identity=identity, asked=asked)
