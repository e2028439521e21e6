"""The SASRec study (issue: is the paper's SASRec a fair baseline?): the toolkit's SASRec and the
original side by side at the SASRec paper's settings, and the ablation that sets one of their
differences (`models.sasrec.DIFFERENCES`) back to the toolkit's side at a time.

    curves = sasrec_curves(records)              # test NDCG@10 / HR@10 per evaluated epoch
    table = ablation_table(records)              # one row per run, vs the original, 95 % CIs
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from .. import stats
from ..models.sasrec import DIFFERENCES
from ..registry import DATASET_LABELS, LABELS, colour
from ..results import checked_records
from . import convergence
from .findings import mean_difference
from .findings_setting import settings
from .tables import per_user_values

ORIGINAL = "sasrec-original"
# what the SASRec paper reports for SASRec on ML-1M, the test item among 100 sampled items the
# user never rated (Kang & McAuley 2018, results table; field notes §2.3); HR@10 is our R@10
SASREC_PAPER_ML1M = {"NDCG@10": 0.5905, "R@10": 0.8245}
STUDY_PROFILE, ABLATION_PROFILE = "sasrec-paper", "sasrec-ablation"     # where their records go


def what_differs(rec: dict) -> str:
    """A run of the study in words: 'the toolkit's SASRec (all five)', 'the original', or
    'the original, <component> as the toolkit's'."""
    c = rec["config"]
    if c["model"] != ORIGINAL:
        return f"{LABELS[c['model']]} (the toolkit's: all {len(DIFFERENCES)} differences)"
    flipped = [DIFFERENCES[k].component for k in c.get("model_options", {}) if k in DIFFERENCES]
    return ("SASRec (original)" if not flipped else
            "original, " + " and ".join(flipped) + " as the toolkit's")


def sasrec_curves(records: list[dict], metrics=("NDCG@10", "R@10"),
                  protocol: str = "sampled") -> pd.DataFrame:
    """Test `metrics` at every evaluated epoch, one column per run (`what_differs`): the curves
    beside the SASRec paper's numbers. R@10 with one target per user is HR@10."""
    rows = []
    for rec in records:
        for h in rec["history"]:
            if "test" in h and protocol in h["test"]:
                rows += [{"run": what_differs(rec), "epoch": h["epoch"],
                          "metric": "HR@10" if m == "R@10" else m,      # one target: R@10 = HR@10
                          "value": h["test"][protocol][m]} for m in metrics]
    if not rows:
        return pd.DataFrame()
    return (pd.DataFrame(rows).pivot_table(index=["metric", "epoch"], columns="run",
                                           values="value").round(4))


def _interval(x: np.ndarray) -> str:
    half = 1.96 * x.std(ddof=1) / np.sqrt(len(x))
    return f"{x.mean():.4f} [{x.mean() - half:.4f}, {x.mean() + half:.4f}]"


def ablation_table(records: list[dict], protocols=("sampled", "full"), when: str = "last",
                   metric: str = "NDCG@10") -> pd.DataFrame:
    """One row per run: what differs from the original, the test `metric` and HR@10 under each
    protocol with a 95 % interval over users, and the change against the original (mean paired
    difference, its interval, Wilcoxon p). Runs of one profile, same data, same epochs."""
    base = [r for r in records if r["config"]["model"] == ORIGINAL
            and not r["config"].get("model_options")]
    if not base:
        raise ValueError("the study needs the original's run (sasrec-original, no options)")
    base = base[0]
    rows = []
    for rec in sorted(records, key=lambda r: (r is not base, r["config"]["model"] == ORIGINAL)):
        row = {"run": what_differs(rec), "epochs": rec[when]["epoch"]}
        for p in protocols:
            mine, ref = per_user_values(rec, when, p), per_user_values(base, when, p)
            row[f"{metric} ({p})"] = _interval(mine[metric])
            row[f"HR@10 ({p})"] = _interval(mine["R@10"])
            if rec is not base:
                d, lo, hi = mean_difference(mine[metric], ref[metric])
                pvalue = stats.wilcoxon(mine[metric], ref[metric])
                row[f"Δ {metric} vs original ({p})"] = (
                    f"{d:+.4f} [{lo:+.4f}, {hi:+.4f}], "
                    + (f"p = {pvalue:.2g}" if pvalue > 0 else "p < 1e-300"))   # float underflow
            else:
                row[f"Δ {metric} vs original ({p})"] = ""
        rows.append(row)
    return pd.DataFrame(rows)


def plot_sasrec_curves(records: list[dict], protocol: str = "sampled"):
    """Test NDCG@10 and HR@10 per evaluated epoch of the study's runs, each model in its
    registry colour, with the SASRec paper's ML-1M values as dashed lines. One 7-in figure."""
    import matplotlib.pyplot as plt
    fig, axes = plt.subplots(1, 2, figsize=(7, 2.8), sharex=True)
    for ax, metric, name in zip(axes, ("NDCG@10", "R@10"), ("NDCG@10", "HR@10")):
        for rec in records:
            points = [(h["epoch"], h["test"][protocol][metric]) for h in rec["history"]
                      if "test" in h and protocol in h["test"]]
            ax.plot(*zip(*points), marker="o", color=colour(rec["config"]["model"]),
                    label=LABELS[rec["config"]["model"]])
        if protocol == "sampled":
            ax.axhline(SASREC_PAPER_ML1M[metric], ls="--", color="black", lw=1,
                       label="the SASRec paper")
        ax.set(title=f"test {name} ({protocol})", xlabel="epoch", ylim=(0, 1))
    axes[0].legend(fontsize=8, loc="upper left")
    fig.tight_layout()
    return fig


def grid_pairs(records: list[dict]) -> list:
    """The settings of the committed grid (`findings_setting.Setting`: one profile, variant, precision,
    window, dataset) in which both SASRecs have runs, with the seeds they share."""
    pair = ("sasrec", ORIGINAL)
    return [(s, s.common_seeds(pair)) for s in settings(records)
            if all(m in s.runs for m in pair) and s.common_seeds(pair)]


def grid_pair_table(records: list[dict], protocol: str, when: str = "last") -> pd.DataFrame:
    """Per setting holding both SASRecs: each one's test NDCG@10 (mean over the shared seeds),
    the difference original − toolkit with a 95 % interval over users (seeds averaged per user)
    and whether the runs behind it have converged."""
    rows = []
    for s, seeds in grid_pairs(records):
        per = {m: np.mean([per_user_values(s.runs[m][k], when, protocol)["NDCG@10"]
                           for k in seeds], axis=0) for m in ("sasrec", ORIGINAL)}
        d, lo, hi = mean_difference(per[ORIGINAL], per["sasrec"])
        moving = [f"{LABELS[m]} seed {k}" for m in ("sasrec", ORIGINAL) for k in seeds
                  if not convergence.status(s.runs[m][k], protocol).converged]
        rows.append({"dataset": DATASET_LABELS.get(s.dataset, s.dataset),
                     "setting": s.label(("sasrec", ORIGINAL), protocol),
                     "SASRec": round(float(per["sasrec"].mean()), 4),
                     "SASRec (original)": round(float(per[ORIGINAL].mean()), 4),
                     "original − SASRec, 95 % CI": f"{d:+.4f} [{lo:+.4f}, {hi:+.4f}]",
                     "converged": "all" if not moving else "still moving: " + ", ".join(moving)})
    return pd.DataFrame(rows)


def study_sentence(records: list[dict], protocol: str = "sampled") -> str | None:
    """The SASRec study in one sentence, from its two runs' last evaluation; None unless both
    SASRecs have a run."""
    by = {r["config"]["model"]: r for r in records}
    if not {"sasrec", ORIGINAL} <= set(by):
        return None
    t, o = (by[m]["last"]["test"][protocol] for m in ("sasrec", ORIGINAL))
    paper, epochs = SASREC_PAPER_ML1M, by[ORIGINAL]["last"]["epoch"]
    return (f"At the SASRec paper's own ML-1M settings (L = {by[ORIGINAL]['config']['lookback']}, "
            f"{epochs} epochs), SASRec as its paper builds it reaches test NDCG@10 "
            f"{o['NDCG@10']:.4f} (HR@10 {o['R@10']:.4f}) among 100 sampled items, "
            f"{o['NDCG@10'] / t['NDCG@10']:.2f} times the {t['NDCG@10']:.4f} ({t['R@10']:.4f}) of "
            f"the toolkit's SASRec, the paper's baseline, at the same sizes; the SASRec paper "
            f"reports {paper['NDCG@10']:.4f} ({paper['R@10']:.4f}).")


def study_records(results_dir, profile: str = STUDY_PROFILE) -> list[dict]:
    """The SASRec study's checked records under `results_dir/<profile>` (empty if none)."""
    root = Path(results_dir) / profile
    return checked_records(root)[0] if root.is_dir() else []


def ablation_sentence(records: list[dict], protocol: str = "sampled",
                      metric: str = "NDCG@10") -> str | None:
    """Which single difference costs the most, and how much of the toolkit's whole gap it is,
    from the ablation's per-user means; None without the original, the toolkit's run and one
    single switch."""
    by = {what_differs(r): r for r in records}
    base = by.get("SASRec (original)")
    toolkit = next((r for r in records if r["config"]["model"] != ORIGINAL), None)
    singles = {k: r for k, r in by.items() if k.startswith("original, ")}
    if base is None or toolkit is None or not singles:
        return None
    mean = lambda r: float(per_user_values(r, "last", protocol)[metric].mean())  # noqa: E731
    whole = mean(toolkit) - mean(base)
    costs = {k: mean(r) - mean(base) for k, r in singles.items()}
    worst = min(costs, key=costs.get)
    share = costs[worst] / whole
    lead = (f"Of the {len(DIFFERENCES)} ways the toolkit's SASRec departs from the original, one "
            "does almost all the harm" if share >= 0.8 else "The costliest single difference")
    return (f"{lead}: with the {worst.removeprefix('original, ')} "
            f"the original loses {costs[worst]:+.4f} test {metric} ({protocol}), "
            f"{share:.0%} of the {whole:+.4f} that all five differences cost "
            f"together; the next largest single costs are "
            + ", ".join(f"{k.removeprefix('original, ')} {v:+.4f}"
                        for k, v in sorted(costs.items(), key=lambda kv: kv[1])[1:3])
            + f" (after {base['last']['epoch']} epochs, one seed).") if costs[worst] < 0 else None
