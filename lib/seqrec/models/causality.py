"""What a model's outputs depend on. The causality check of the models that score every position
(SASRec, Caser+, CosRec+): the score at position t never depends on the items after t (DESIGN.md
"Model contract"); and the receptive field of one output cell of a layer (autograd).

    gaps = check_causal(model, users, items)      # {s: (past, later)}; AssertionError if not causal

Replace the item at position s by another real item and score the whole catalogue at every
position, before and after: every score at t < s must stay as it was (`past` <= atol), and some
score from s on must move (`later` > 0), else the check would pass for a model that ignores its
input.
"""
from __future__ import annotations

import torch


def causality_gaps(model, users: torch.Tensor, items: torch.Tensor, s: int) -> tuple[float, float]:
    """(largest |change| of any score at positions t < s, at positions t >= s) when the item at
    position s of every window [B, L] is replaced by another real item; no gradients, the
    model in whatever mode it is in (eval for the check of the contract)."""
    B, L = items.shape
    everything = torch.arange(model.num_items + 1, device=items.device).expand(B, L, -1)  # [B, L, N+1]
    changed = items.clone()
    changed[:, s] = changed[:, s] % model.num_items + 1                  # another real item
    with torch.no_grad():
        moved = (model(users, items, everything) - model(users, changed, everything)).abs()
    return moved[:, :s].max().item(), moved[:, s:].max().item()          # [B, L, N+1] -> 2 floats


def check_causal(model, users: torch.Tensor, items: torch.Tensor, positions=None,
                 atol: float = 1e-6) -> dict[int, tuple[float, float]]:
    """`causality_gaps` at each of `positions` (default: 1, L // 2 and L - 1); AssertionError
    naming the position when a score before it moves by more than `atol`, or when no score from
    it on moves at all."""
    L = items.shape[1]
    positions = (1, L // 2, L - 1) if positions is None else positions
    gaps = {}
    for s in positions:
        past, later = causality_gaps(model, users, items, s)
        if past > atol:
            raise AssertionError(f"{type(model).__name__} is not causal: changing the item at "
                                 f"position {s} moves an earlier score by {past:.2e}")
        if later == 0:
            raise AssertionError(f"{type(model).__name__}: changing the item at position {s} "
                                 "moves no score at all")
        gaps[s] = (past, later)
    return gaps


def receptive_field(layer, shape, j: int, k: int) -> torch.Tensor:
    """[H, W] bool: the input cells on which output cell (j, k) of `layer` depends (a random
    input of `shape` [1, C, H, W]; the gradient of the output cell is non-zero exactly there).
    Use eval mode, so that BatchNorm is a fixed per-channel affine map."""
    x = torch.randn(*shape, requires_grad=True)             # [1, C, H, W]
    layer(x)[0, :, j, k].sum().backward()
    return x.grad[0].abs().sum(0) > 0                       # [H, W]
