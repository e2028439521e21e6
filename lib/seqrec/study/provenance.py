"""What produced a number: the label every table, figure and sentence built from run records
carries (profile, dataset and its source, L, epochs, device, training precision, seeds).
"""
from __future__ import annotations

from pathlib import Path

from ..data.survey import source_kind
from ..registry import BASELINES, label
from ..results import precision, resolved


def record_label(rec: dict) -> str:
    """e.g. 'profile ci, FS-NYC (local file ...), L=10, 10 epochs, CPU (AMD EPYC), fp32': what
    produced a number (the precision is the training one; evaluation always scores in fp32; the
    CPU's name where the record has it; L as run: Repeat widens its window to the longest
    history)."""
    c, d = rec["config"], rec["data"]
    return (f"profile {c['profile']}, {label(c['dataset'])} ({source_kind(d)}), "
            f"L={resolved(rec, 'lookback')}, {rec['last']['epoch']} epochs, {device_label(rec)}, "
            f"{precision(rec)}")


def device_label(rec: dict) -> str:
    """'NVIDIA H200', 'CPU (AMD EPYC)', or 'CPU' for records made before they named the CPU
    (ten committed ones)."""
    env = rec["environment"]
    return env.get("gpu") or (f"CPU ({env['cpu']})" if env.get("cpu") else "CPU")


def budget_label(recs: list[dict]) -> str:
    """What produced a set of records, e.g. 'profile cpu-paper, FS-NYC (local file ...), L=20,
    2000 epochs, CPU, bf16 autocast, seed 42' (values joined by ' / ' where the records differ;
    several seeds are named with how Table 1 and the claims pool them)."""
    trained = [r for r in recs if r["config"]["model"] not in BASELINES]
    parts = [record_label(r).split(", ") for r in trained]
    parts = [p for p in parts if len(p) == len(parts[0])] if parts else []
    if not parts:
        return "no trained runs"
    seeds = sorted({r["config"]["seed"] for r in trained})
    seeds_label = (f"seed {seeds[0]}" if len(seeds) == 1 else
                   f"seeds {', '.join(map(str, seeds))} (per-user values averaged over the seeds)")
    return ", ".join([*(" / ".join(dict.fromkeys(column)) for column in zip(*parts)), seeds_label])
