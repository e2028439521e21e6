"""Has a run converged? One rule for the whole book, stated once.

A run counts as **converged** under a protocol when the straight line fitted (least squares)
through its test `metric` over the last `WINDOW` of its epochs moves, from the start of that
window to the end, by less than `TOLERANCE` of the metric's mean level in it. The window holds at
least `MIN_EVALUATIONS` evaluations (for a 300-epoch run evaluated every 10 epochs: the last 100
epochs, not the last 30), so that a slow rise is not hidden in the noise of three points. The movement is
relative, so one rule serves a dataset whose NDCG@10 is 0.5 (FS-NYC) and one whose NDCG@10 is
0.03 (ML-1M after 300 epochs). A finding that rests on a run that has not converged is
**preliminary**: more epochs could change it.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

WINDOW = 0.10          # the last 10 % of the epochs a run trained
TOLERANCE = 0.02       # converged: the fitted line moves by less than 2 % of its level there
MIN_EVALUATIONS = 10   # the window reaches back this many evaluations at least


@dataclass(frozen=True)
class ConvergenceStatus:
    converged: bool
    movement: float        # relative change of the fitted line across the window (+: rising)
    window_epochs: int     # how many epochs the window spans
    points: int            # evaluations inside the window

    @property
    def label(self) -> str:
        """'converged' or e.g. 'still rising (+3.8 % over the last 200 epochs)'."""
        if self.points < MIN_EVALUATIONS:
            return f"too few evaluations to tell ({self.points} in the last {self.window_epochs} epochs)"
        if self.converged:
            return "converged"
        trend = "rising" if self.movement > 0 else "falling"
        return f"still {trend} ({self.movement:+.1%} over the last {self.window_epochs} epochs)"


def test_curve(record: dict, protocol: str, metric: str = "NDCG@10") -> np.ndarray:
    """[n, 2] (epoch, test `metric` under `protocol`) at every evaluated epoch of `record`."""
    rows = [(h["epoch"], h["test"][protocol][metric]) for h in record["history"]
            if protocol in h.get("test", {})]
    return np.array(rows, dtype=float).reshape(-1, 2)


def status(record: dict, protocol: str = "full", metric: str = "NDCG@10") -> ConvergenceStatus:
    """The convergence rule (module docstring) applied to one run record."""
    curve = test_curve(record, protocol, metric)
    last_epoch = float(curve[-1, 0]) if len(curve) else 0.0
    start = min(last_epoch * (1 - WINDOW),
                float(curve[-MIN_EVALUATIONS, 0]) if len(curve) >= MIN_EVALUATIONS else 0.0)
    window = curve[curve[:, 0] >= start]
    span = int(round(last_epoch - start))
    if len(window) < MIN_EVALUATIONS or window[:, 1].mean() <= 0:
        return ConvergenceStatus(False, float("nan"), span, len(window))
    slope = np.polyfit(window[:, 0], window[:, 1], 1)[0]                   # metric per epoch
    movement = float(slope * (window[-1, 0] - window[0, 0]) / window[:, 1].mean())
    return ConvergenceStatus(abs(movement) < TOLERANCE, movement, span, len(window))


def rule_text() -> str:
    """The rule in one sentence, for the book's pages (from the constants above)."""
    return (f"a run counts as converged when the straight line fitted through its test NDCG@10 "
            f"over the last {WINDOW:.0%} of its epochs (at least its last {MIN_EVALUATIONS} "
            f"evaluations) moves by less than {TOLERANCE:.0%} of its level there; a finding "
            f"resting on a run that has not converged is preliminary")
