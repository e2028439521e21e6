"""A run's time budget: how long the epochs left should take at the pace measured so far, and
why a run must stop at its next checkpoint (the deadline has passed, or, with
`stop_if_unfinishable`, it cannot finish before it: `BudgetExhausted`).
"""
from __future__ import annotations

import statistics
import time

import torch

from ..errors import SeqrecError
from .checkpoints import _State
from .config import TrainConfig

# `stop_if_unfinishable` stops a run only when its projected time exceeds the time left by this
# factor: a hopeless run (hours over the budget) stops at once, while a close call (the first
# epochs slowed by another job on the machine) keeps running until the deadline
UNFINISHABLE_MARGIN = 1.5


class BudgetExhausted(SeqrecError):
    """The time budget ran out; a checkpoint was written and `resume=True` continues the run."""


def projected_seconds_left(cfg: TrainConfig, history: list[dict], epoch: int,
                           eval_seconds: float | None, measured_after: int = 0) -> float | None:
    """Seconds the epochs after `epoch` should take at the pace measured so far (on the epochs
    after `measured_after`: those this process trained): the median of the last (up to) five
    training epochs per epoch, and the latest evaluation per evaluation still due. None before
    three epochs are measured (the first one includes warm-up)."""
    epoch_seconds = _recent_epoch_seconds(history, measured_after)
    if epoch_seconds is None:
        return None
    evals_left = evaluations_after(epoch, cfg.epochs, cfg.eval_every)
    return (cfg.epochs - epoch) * epoch_seconds + evals_left * (eval_seconds or 0.0)


def evaluations_after(epoch: int, epochs: int, eval_every: int) -> int:
    """Evaluations a run of `epochs` epochs makes after `epoch`: at every multiple of eval_every,
    and at the last epoch if it is not one. Closed form: a run may be asked for a billion epochs."""
    last_extra = epochs % eval_every != 0 and epoch < epochs
    return epochs // eval_every - epoch // eval_every + last_extra


def _recent_epoch_seconds(history: list[dict], after: int = 0) -> float | None:
    """Median of the last (up to) five training epochs after epoch `after`; None before three
    were measured (the median of three ignores the first epoch's warm-up)."""
    trained = [h["seconds"] for h in history if h["epoch"] > after][-5:]
    return statistics.median(trained) if len(trained) >= 3 else None


def _reason_to_stop(cfg: TrainConfig, state: _State, deadline: float | None,
                    device: torch.device, check_pace: bool, started_at: int = 0) -> str | None:
    """Why the run must stop after this epoch, or None: the deadline has passed, or (`check_pace`:
    `stop_if_unfinishable`, checked once, when the pace of the first epochs is known) the pace
    measured here (on the epochs after `started_at`, those this process trained: a resumed run
    is judged by its pace now) says the rest needs more than UNFINISHABLE_MARGIN times the time
    left.
    Stopping early leaves the time budget to runs that can finish (a checkpoint on a machine that
    does not last is lost; a record is not). Checked once only, so that a later, passing slowdown
    (another job on the machine) never stops a run that has started."""
    if deadline is None or state.epoch >= cfg.epochs:
        return None
    now = time.time()
    if now > deadline:
        return "time budget reached"
    if not check_pace:
        return None
    left = projected_seconds_left(cfg, state.history, state.epoch, state.last_eval_seconds,
                                  started_at)
    if left is None or left <= UNFINISHABLE_MARGIN * (deadline - now):
        return None
    autocast = cfg.use_amp(device)
    precision = "bf16 autocast" if autocast else "fp32"
    eval_pace = (f"{state.last_eval_seconds:.2f} s per evaluation" if state.last_eval_seconds
                 else "evaluations not timed yet")
    if device.type == "cpu" and not autocast and cfg.amp == "auto":
        precision += ": this CPU has no native bf16 units"
    return (f"cannot finish within the time budget on this machine: {cfg.epochs - state.epoch} "
            f"epochs left at {_recent_epoch_seconds(state.history, started_at):.2f} s per epoch "
            f"and {eval_pace} (training in {precision}) need "
            f"about {_duration(left)}, the budget leaves {_duration(deadline - now)}. Run it on a "
            "faster device (a GPU, or a CPU with bf16 units) or with a longer budget on a machine "
            "that keeps its checkpoints")


def _duration(seconds: float) -> str:
    return f"{seconds / 3600:.1f} h" if seconds >= 5400 else f"{seconds / 60:.0f} min"
