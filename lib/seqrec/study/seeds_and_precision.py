"""Runs made again with one thing changed: the same run at several seeds (how far a number moves
with its seed alone) and in both training precisions (what bf16 autocast changes). Each compares
per-user values with the paired Wilcoxon test behind Table 1's marks (`seqrec.stats`).
"""
from __future__ import annotations

import json

import pandas as pd

from .. import stats
from ..registry import BASELINES, label
from ..results import precision, variant
from .tables import per_user_values

# what makes two runs the same run (besides the data): a variant that changes any of these (e.g.
# `l5`: lookback 5) is another run, never a twin in another precision
RUN_SETTING = ("dataset", "model", "seed", "lookback", "epochs", "batch_size", "lr", "loss",
               "model_options")


def repeated_runs(recs: list[dict], key, member) -> dict[tuple, dict]:
    """{key(rec): {member(rec): record}} for the trained runs (floors left out), keeping the keys
    with two members or more: the same run made again with one thing changed."""
    groups: dict[tuple, dict] = {}
    for rec in recs:
        if rec["config"]["model"] not in BASELINES:
            groups.setdefault(key(rec), {})[member(rec)] = rec
    return {k: runs for k, runs in groups.items() if len(runs) > 1}


# ------------------------------------------------------------------------------------ precision
def precision_twins(recs: list[dict]) -> dict[tuple, dict[str, dict]]:
    """{(dataset, model, seed, ...): {'bf16 autocast': record, 'fp32': record}} for the trained
    runs made in both training precisions with every other `RUN_SETTING` the same (e.g. a bf16
    profile and its `fp32` variant)."""
    def setting(rec):
        return tuple(json.dumps(rec["config"][name], sort_keys=True) for name in RUN_SETTING)
    return repeated_runs(recs, setting, precision)


def training_precision_effect(recs: list[dict], when: str = "last",
                              metric: str = "NDCG@10") -> pd.DataFrame:
    """Runs made twice with one configuration except the training precision (`precision_twins`):
    per dataset, model, seed and protocol, the test `metric` of each and whether the per-user
    values differ significantly (paired Wilcoxon, `stats.compare` of fp32 against bf16).
    Evaluation scores in fp32 in both."""
    rows = []
    for pair in precision_twins(recs).values():
        bf16, fp32 = pair["bf16 autocast"], pair["fp32"]
        dataset, model, seed = (fp32["config"][k] for k in ("dataset", "model", "seed"))
        for protocol in fp32["test_ranks"][when]:
            if protocol not in bf16["test_ranks"][when]:
                continue
            verdict = stats.compare(per_user_values(fp32, when, protocol)[metric],
                                    per_user_values(bf16, when, protocol)[metric])
            a, b = bf16[when]["test"][protocol][metric], fp32[when]["test"][protocol][metric]
            rows.append({"dataset": label(dataset), "model": label(model), "seed": seed,
                         "protocol": protocol,
                         "epochs": f"{bf16['last']['epoch']} / {fp32['last']['epoch']}",
                         f"bf16 {metric}": a, f"fp32 {metric}": b, "fp32 − bf16": b - a,
                         "Wilcoxon": {stats.BETTER: "fp32 better", stats.WORSE: "fp32 worse"}.get(
                             verdict, "no significant difference")})
    return pd.DataFrame(rows)


# ------------------------------------------------------------------------------------ seeds
def seed_groups(recs: list[dict]) -> dict[tuple, dict[int, dict]]:
    """{(profile, dataset, model, variant, precision): {seed: record}}: trained runs that differ
    in their seed alone, where there are two seeds or more."""
    def setting(rec):
        c = rec["config"]
        return (c["profile"], c["dataset"], c["model"], variant(rec), precision(rec))
    groups = repeated_runs(recs, setting, lambda rec: rec["config"]["seed"])
    return {key: dict(sorted(runs.items())) for key, runs in groups.items()}


def seed_spread(recs: list[dict], when: str = "last", metric: str = "NDCG@10") -> pd.DataFrame:
    """How far a run moves with its seed alone (`seed_groups`): per group and protocol, the test
    `metric` of every seed, their mean, sample standard deviation and range (max − min), and how
    many pairs of seeds the paired Wilcoxon test over users (the test behind Table 1's marks)
    finds significantly different (where it does, a mark could come from the seed alone)."""
    rows = []
    for (profile, dataset, model, var, prec), runs in seed_groups(recs).items():
        first = next(iter(runs.values()))
        protocols = [p for p in first[when]["test"]
                     if all(p in r[when]["test"] for r in runs.values())]
        for protocol in protocols:
            values = pd.Series({seed: r[when]["test"][protocol][metric]
                                for seed, r in runs.items()})
            per_user = [per_user_values(r, when, protocol)[metric] for r in runs.values()]
            pairs = [(a, b) for i, a in enumerate(per_user) for b in per_user[i + 1:]]
            differ = sum(stats.compare(a, b) is not None for a, b in pairs)
            rows.append({"profile": profile, "dataset": label(dataset), "model": label(model),
                         "variant": var or "(main)", "precision": prec, "protocol": protocol,
                         "seeds": len(values), **{f"seed {seed}": v for seed, v in values.items()},
                         "mean": values.mean(), "sd": values.std(ddof=1),
                         "max − min": values.max() - values.min(),
                         "seed pairs differing (Wilcoxon)": f"{differ} / {len(pairs)}"})
    df = pd.DataFrame(rows)
    if df.empty:
        return df
    head = ["profile", "dataset", "model", "variant", "precision", "protocol", "seeds"]
    seeds = sorted((c for c in df.columns if c.split(" ")[-1].isdigit()), key=lambda c: int(c[5:]))
    return df[head + seeds + [c for c in df.columns if c not in head + seeds]]
