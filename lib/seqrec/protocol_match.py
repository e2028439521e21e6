"""Which evaluation protocol produced the paper's Table 1? An IDENTIFICATION step, not a measure
of agreement: the protocols put the same weights on scales several times apart (sampled-100
metrics are ~4x full-ranking ones on ML-1M), so the scale of the paper's numbers names the
protocol; how close our numbers then sit to the paper's is a separate question."""
from __future__ import annotations

import numpy as np
import pandas as pd

from . import metrics as M
from .paper import TABLE_METRICS, paper_table

def protocol_distance(recs: list[dict], when: str = "last") -> pd.DataFrame:
    """How far each protocol's numbers sit from the paper's Table 1.

    For every protocol: the median over (dataset, model, metric) cells present in both of
    |log(ours / paper)|, and how many cells entered. The scale of the numbers separates the
    protocols by a factor of several (sampled-100 metrics are ~4x full-ranking ones on ML-1M), so
    the smallest distance names the protocol the paper's table was computed with.
    """
    paper = paper_table().set_index(["dataset", "model"])
    rows = []
    protocols = sorted({p for r in recs for p in r[when]["test"]})
    for p in protocols:
        logs = []
        for rec in recs:
            key = (rec["config"]["dataset"], rec["config"]["model"])
            if key not in paper.index or p not in rec[when]["test"]:
                continue
            for m in TABLE_METRICS:
                ours, theirs = rec[when]["test"][p][m], paper.loc[key, m]
                if ours > 0 and theirs > 0:
                    logs.append(abs(np.log(ours / theirs)))
        rows.append({"protocol": p, "cells": len(logs),
                     "median |log(ours/paper)|": float(np.median(logs)) if logs else np.nan,
                     "typical ratio ours/paper": float(np.exp(np.median(logs))) if logs else np.nan})
    return pd.DataFrame(rows).set_index("protocol")


def protocol_consistency(recs: list[dict], when: str = "last") -> pd.DataFrame:
    """Can each protocol have produced the paper's NDCG@10 column? Per dataset and protocol: the
    NDCG@10 of a random ranking and of our popularity floor under that protocol, and the paper's
    weakest and strongest model. A protocol is ruled out where the paper's weakest model scores
    below a random ranking, or where popularity alone beats the paper's best model."""
    paper = paper_table()
    rows = []
    for rec in recs:
        c = rec["config"]
        if c["model"] != "pop":
            continue
        col = paper[paper["dataset"] == c["dataset"]]["NDCG@10"]
        if col.empty:
            continue
        for p, m in rec[when]["test"].items():
            seen = rec["data"]["interactions"] / rec["data"]["users"] - 1   # mean test history
            chance = M.chance_ndcg(p, rec["data"]["items"], seen=seen)
            rows.append({"dataset": c["dataset"], "protocol": p, "random NDCG@10": round(chance, 4),
                         "pop NDCG@10": round(m["NDCG@10"], 4), "paper min": col.min(),
                         "paper max": col.max(),
                         "consistent": bool(col.min() >= chance and col.max() >= m["NDCG@10"])})
    return pd.DataFrame(rows)


def matching_protocol(recs: list[dict], when: str = "last") -> str | None:
    """The protocol consistent with the paper on every dataset (`protocol_consistency`) whose
    numbers sit closest to the paper's (`protocol_distance`); None without runs."""
    d = protocol_distance(recs, when)["median |log(ours/paper)|"].dropna()
    verdict = protocol_consistency(recs, when)
    if len(verdict):
        ok = verdict.groupby("protocol")["consistent"].all()
        d = d[[p in ok.index and ok[p] for p in d.index]] if ok.any() else d
    return None if d.empty else str(d.idxmin())
