"""The convergence rule on hand-made curves and on the committed long runs."""
from pathlib import Path

import numpy as np
import pytest

from seqrec import results
from seqrec.study import convergence

ROOT = Path(__file__).resolve().parents[1]


def record(values, every=10):
    """A run record whose test NDCG@10 under `full` follows `values` at epochs 0, every, ..."""
    return {"history": [{"epoch": i * every, "test": {"full": {"NDCG@10": v}}}
                        for i, v in enumerate(values)]}


def test_a_flat_curve_has_converged():
    s = convergence.status(record([0.1] * 50 + [0.3] * 151))
    assert s.converged and s.movement == pytest.approx(0.0, abs=1e-12) and s.label == "converged"
    assert s.window_epochs == 200 and s.points == 21                      # epochs 1800..2000


def test_a_straight_rise_moves_by_its_slope_over_the_window():
    # y = 0.3 + 0.0001 * epoch: over epochs 1800..2000 the line rises 0.02 from a mean of 0.49
    values = [0.3 + 0.0001 * e for e in range(0, 2001, 10)]
    s = convergence.status(record(values))
    assert s.movement == pytest.approx(0.02 / 0.49, rel=1e-6)
    assert not s.converged and s.label == "still rising (+4.1% over the last 200 epochs)"


def test_a_fall_is_movement_too_and_noise_around_a_level_is_not():
    falling = convergence.status(record([0.5 - 0.0002 * e for e in range(0, 2001, 10)]))
    assert not falling.converged and falling.label.startswith("still falling")
    rng = np.random.default_rng(0)
    noisy = convergence.status(record(0.4 + rng.normal(0, 0.002, 201)))
    assert noisy.converged


def test_too_few_evaluations_never_count_as_converged():
    s = convergence.status(record([0.1] * 9, every=100))                   # 9 evaluations in all
    assert not s.converged and s.label.startswith("too few evaluations")


def test_a_short_run_is_judged_on_its_last_ten_evaluations():
    """300 epochs evaluated every 10: the window is epochs 210-300 (10 evaluations), not 270-300,
    so a rise that flattens only in the last 30 epochs still counts as a rise."""
    values = [0.01 + 0.0001 * e for e in range(0, 271, 10)] + [0.037] * 3
    s = convergence.status(record(values))
    assert s.window_epochs == 90 and s.points == 10 and not s.converged


@pytest.mark.skipif(not (ROOT / "results" / "cpu-paper").is_dir(), reason="no committed runs")
def test_the_committed_runs_read_as_their_curves_show():
    """SASRec on the FS-NYC copy is flat after 2000 epochs; on the ML-1M copy, cut at 300
    epochs, every model is still rising."""
    recs = {(r["config"]["dataset"], r["config"]["model"]): r
            for r in results.main_runs(results.records(ROOT / "results" / "cpu-paper"))}
    assert convergence.status(recs[("fs-nyc", "sasrec")], "full").converged
    for model in ("sasrec", "cosrec", "cosrec+"):
        ml = convergence.status(recs[("ml-1m", model)], "easyrec-n")
        assert not ml.converged and ml.movement > 0, model
