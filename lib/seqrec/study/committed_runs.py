"""The committed long runs (`results/PROFILE/...`, read with `seqrec.results.records`): which
profiles hold them, which profile's main runs stand for each dataset, and what the models not
run yet would cost (from the benchmark files beside them).
"""
from __future__ import annotations

import pandas as pd

from ..registry import BASELINES, TABLE_ORDER, label
from ..results import main_runs
from .benchmarks import projected_cell_hours

# committed run folders under results/, preferred first: the paper's settings on the canonical
# data (GPU), on the dataset copies (GPU), then the paper's protocol at L = 20 on a CPU
LONG_RUN_PROFILES = ("paper", "paper-copies", "cpu-paper")


def long_runs(recs: list[dict]) -> dict[str, tuple[str, list[dict]]]:
    """{dataset: (profile, main-run records)}: for every dataset, the most complete of the
    `LONG_RUN_PROFILES` among `recs` (by each record's `profile`): the one with the most trained
    models on it, the first in `LONG_RUN_PROFILES` among equals. So a GPU profile with two
    models so far does not hide a CPU profile with all five, and takes over once it has as many."""
    found: dict[str, list] = {}
    for rank, profile in enumerate(LONG_RUN_PROFILES):
        by_dataset: dict[str, list[dict]] = {}
        for rec in main_runs([r for r in recs if r["config"]["profile"] == profile]):
            by_dataset.setdefault(rec["config"]["dataset"], []).append(rec)
        for dataset, runs in by_dataset.items():
            trained = len({r["config"]["model"] for r in runs} - set(BASELINES))
            found.setdefault(dataset, []).append((-trained, rank, profile, runs))
    return {d: min(options, key=lambda o: o[:2])[2:] for d, options in found.items()}


def cost_of_missing_runs(long: dict, bench_paths) -> pd.DataFrame:
    """For the datasets of `long_runs`, the models without a long run and what each would take
    at that budget (the dataset's L, eval_every and epochs) on every device the benchmark files
    in `bench_paths` timed it (`benchmarks.projected_cell_hours`); empty when none did."""
    tables = []
    for dataset, (_, recs) in long.items():
        trained = [r for r in recs if r["config"]["model"] not in BASELINES]
        absent = [m for m in TABLE_ORDER if m not in {r["config"]["model"] for r in trained}]
        if not (trained and absent):
            continue
        config, epochs = trained[0]["config"], max(r["last"]["epoch"] for r in trained)
        cost = projected_cell_hours(bench_paths, dataset, config["lookback"], epochs,
                                    config["eval_every"], absent)
        if len(cost):
            tables.append(cost.assign(dataset=label(dataset), epochs=epochs))
    if not tables:
        return pd.DataFrame()
    return pd.concat(tables).sort_values(["dataset", "model"], kind="stable").set_index(
        ["dataset", "model"])
