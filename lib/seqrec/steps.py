"""The training step (forward, loss, backward, Adam) and its CUDA-graph replay.

`TrainStep` is the step as plain PyTorch; the training loop calls it once per batch with tensors
that already live on the device, and it never reads a value back to the host (no `.item()`, no
boolean indexing), so on a GPU the host can queue the next steps while the device works.

`GraphedTrainStep` records that same step once as a CUDA graph (PyTorch "whole-network capture":
static input buffers, capturable Adam, autocast without its cast cache) and replays it for every
full batch: one launch instead of hundreds of kernel launches, which is what bounds the small
models (SASRec, Caser, Caser+) on a GPU. Batches of another size (the last, partial batch of an
epoch) run the eager step on the same parameters, gradients and optimizer state. Recording needs a
few warm-up steps on a side stream; their effect on the weights, buffers and Adam moments is undone
before training goes on, so the recorded run follows the same updates as the eager one. Only the
random stream differs: dropout masks inside a graph come from offsets of the CUDA generator that
the graph advances itself, so a graphed run is reproducible but not bit-identical to an eager run
with the same seed.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F

WARMUP_STEPS = 3     # eager steps on a side stream before recording (cuDNN/cuBLAS choices, Adam state)


# ---------------------------------------------------------------------------------------- losses
BCE_REDUCTIONS = ("entries", "means")


def bce_loss(scores: torch.Tensor, mask: torch.Tensor, positives: int = 1,
             reduction: str = "entries") -> torch.Tensor:
    """BCE-with-logits; scores [B, T, K] whose first `positives` candidates (last axis) are the
    positives, the rest negatives; mask [B, T] (per position) or [B, T, K] (per entry), True where
    the entry counts (a real target).

    reduction 'entries' (the toolkit): the mean over every unmasked entry, positive or negative;
    'means' (Caser's and CosRec's reference code): the mean over the positive entries plus the mean
    over the negative entries, -mean(log s(pos)) - mean(log(1 - s(neg)))."""
    labels = torch.zeros_like(scores, dtype=torch.float32)
    labels[..., :positives] = 1.0
    per = F.binary_cross_entropy_with_logits(scores.float(), labels, reduction="none")  # [B, T, K]
    m = (mask[..., None] if mask.dim() < scores.dim() else mask).to(per.dtype).expand_as(per)
    if reduction == "entries":
        return (per * m).sum() / m.sum().clamp_min(1)
    pos, neg = m * labels, m * (1 - labels)
    return (per * pos).sum() / pos.sum().clamp_min(1) + (per * neg).sum() / neg.sum().clamp_min(1)


def ce_loss(logits: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    """Full softmax cross-entropy over the catalogue, averaged over the real targets.

    logits [B, T, N+1], targets [B, T] with 0 = padding (ignored; column 0 is never predicted)."""
    logits = logits.float()
    logits[..., 0] = float("-inf")                                  # never predict padding
    return F.cross_entropy(logits.flatten(0, 1), targets.flatten(), ignore_index=0)


# ---------------------------------------------------------------------------------------- steps
class TrainStep:
    """loss = step(users [B], inputs [B, L], targets [B, T], negatives [B, T] / [B, n] or None).

    bce, targets at positions (the toolkit): the candidates of the t-th of the last T positions are
    (its target, one negative); bce, targets after the window (`window_targets`, the original Caser
    and CosRec): all T targets and n negatives are scored from the window's last position;
    ce: all items (`score_positions`). `reduction`: how bce averages (`bce_loss`).
    Returns the detached loss as a 0-d device tensor (no host synchronisation)."""

    def __init__(self, model, forward, optimizer, loss: str, autocast: bool,
                 reduction: str = "entries", window_targets: bool = False):
        self.model, self.forward, self.optimizer = model, forward, optimizer
        self.loss, self.autocast = loss, autocast
        self.reduction, self.window_targets = reduction, window_targets
        self.device_type = next(model.parameters()).device.type
        self.cache_casts = True                 # autocast's weight-cast cache (off inside graphs)
        self.grads_to_none = True               # False once a graph owns the gradient buffers

    def compute_loss(self, users, inputs, targets, negatives) -> torch.Tensor:
        with torch.autocast(self.device_type, dtype=torch.bfloat16, enabled=self.autocast,
                            cache_enabled=self.cache_casts):
            if self.loss == "bce" and self.window_targets:
                candidates = torch.cat([targets, negatives], dim=-1)[:, None]  # [B, 1, T + n]
                real = torch.cat([targets > 0, negatives > 0], dim=-1)[:, None]  # [B, 1, T + n]
                return bce_loss(self.forward(users, inputs, candidates), real, targets.shape[1],
                                self.reduction)
            if self.loss == "bce":
                candidates = torch.stack([targets, negatives], dim=-1)        # [B, T, 2]
                return bce_loss(self.forward(users, inputs, candidates), targets > 0, 1,
                                self.reduction)
            return ce_loss(self.model.score_positions(users, inputs, targets.shape[1]), targets)

    def __call__(self, users, inputs, targets, negatives) -> torch.Tensor:
        loss = self.compute_loss(users, inputs, targets, negatives)
        self.optimizer.zero_grad(set_to_none=self.grads_to_none)
        loss.backward()
        self.optimizer.step()
        return loss.detach()


class GraphedTrainStep:
    """`TrainStep` recorded as one CUDA graph for full batches, replayed; eager for other shapes."""

    def __init__(self, step: TrainStep):
        if step.device_type != "cuda":
            raise ValueError("CUDA graphs need the model on a CUDA device")
        self.step = step
        self.graph = None
        self.static: tuple = ()
        self.static_loss = None

    def __call__(self, users, inputs, targets, negatives) -> torch.Tensor:
        batch = (users, inputs, targets, negatives)
        if self.graph is None:
            self._record(batch)
        if not self._fits(batch):
            return self.step(*batch)
        for buffer, value in zip(self.static, batch):
            if buffer is not None:
                buffer.copy_(value, non_blocking=True)
        self.graph.replay()
        return self.static_loss

    def _fits(self, batch) -> bool:
        return _shapes(batch) == _shapes(self.static)

    def _record(self, batch) -> None:
        step, model, optimizer = self.step, self.step.model, self.step.optimizer
        self.static = tuple(None if t is None else t.clone() for t in batch)
        saved = _snapshot(model, optimizer)
        side = torch.cuda.Stream()
        side.wait_stream(torch.cuda.current_stream())
        with torch.cuda.stream(side):                    # warm-up: algorithm choice, Adam state
            for _ in range(WARMUP_STEPS):
                step(*self.static)
        torch.cuda.current_stream().wait_stream(side)
        step.cache_casts = False
        optimizer.zero_grad(set_to_none=True)            # the graph allocates (and owns) the grads
        self.graph = torch.cuda.CUDAGraph()
        with torch.cuda.graph(self.graph):
            self.static_loss = step(*self.static)
        step.grads_to_none = False                       # eager steps now reuse the graph's grads
        _restore(model, optimizer, saved)                # undo the warm-up updates, in place


def _shapes(tensors) -> list:
    return [None if t is None else t.shape for t in tensors]


def _snapshot(model, optimizer) -> dict:
    """Copies of every parameter, buffer and optimizer-state tensor (to undo warm-up steps)."""
    return {"model": {k: v.detach().clone() for k, v in model.state_dict(keep_vars=True).items()},
            "optimizer": {p: {k: v.clone() if torch.is_tensor(v) else v for k, v in s.items()}
                          for p, s in optimizer.state.items()}}


@torch.no_grad()
def _restore(model, optimizer, saved: dict) -> None:
    """Write the snapshot back IN PLACE (the graph holds the addresses of these tensors); optimizer
    state created by the warm-up is zeroed, which is exactly Adam's state before its first step."""
    for k, v in model.state_dict(keep_vars=True).items():
        v.copy_(saved["model"][k])
    for p, state in optimizer.state.items():
        before = saved["optimizer"].get(p, {})
        for k, v in state.items():
            if torch.is_tensor(v) and k in before:
                v.copy_(before[k])
            elif torch.is_tensor(v):
                v.zero_()
