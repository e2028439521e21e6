"""Which evaluation protocol produced the paper's Table 1? An IDENTIFICATION step, not a measure
of agreement: the protocols put the same weights on scales several times apart (sampled-100
metrics are ~4x full-ranking ones on ML-1M), so the scale of the paper's numbers names the
protocol; how close our numbers then sit to the paper's is a separate question."""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .. import metrics as M
from ..registry import BASELINES
from . import convergence
from .paper import TABLE_METRICS, paper_table
from .seeds_and_precision import seed_groups

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


# ----------------------------------------------------------------------------- identification
@dataclass
class Identification:
    """Which protocol(s) the paper's Table 1 sits on, decided on converged runs only.

    `protocols`: the closest protocol, with every other one whose distance differs from it by
    less than `threshold` (the seed-to-seed spread of the distance): more than one is a tie.
    `distances`: `protocol_distance` on `basis` plus, per protocol, its spread over seeds.
    `ruled_out`: protocols the consistency step excludes. `basis`: the runs that decided."""
    protocols: tuple[str, ...]
    distances: pd.DataFrame
    threshold: float | None
    ruled_out: tuple[str, ...]
    basis: list[str] = field(default_factory=list)
    consistency: pd.DataFrame = field(default_factory=pd.DataFrame)   # `protocol_consistency`

    @property
    def tie(self) -> bool:
        return len(self.protocols) > 1

    @property
    def text(self) -> str:
        """One sentence for the book, from the numbers (at most four decimals)."""
        if not self.protocols:
            return "no converged run to identify the protocol with"
        d = self.distances["median |log(ours/paper)|"]
        if self.tie:
            names = " from ".join(", ".join(self.protocols).rsplit(", ", 1))
            return (f"cannot tell {names}: their distances to the paper "
                    f"({', '.join(f'{d[p]:.4f}' for p in self.protocols)}) differ by less than "
                    f"the seed-to-seed spread ({self.threshold:.4f})")
        best = self.protocols[0]
        rest = d.drop(best).dropna().drop(list(self.ruled_out), errors="ignore").sort_values()
        spread = (f"; the seed-to-seed spread is {self.threshold:.4f}" if self.threshold is not None
                  else "; no seed spread measured")
        return (f"{best} (distance {d[best]:.4f}; next {rest.index[0]} at {rest.iloc[0]:.4f}"
                f"{spread})" if len(rest) else f"{best} (the only protocol left)")


def converged_everywhere(rec: dict, when: str = "last") -> bool:
    """The run has converged (`seqrec.study.convergence`) under every protocol it was tested with."""
    return all(convergence.status(rec, p).converged for p in rec[when]["test"])


def identify(main: list[dict], repeated: list[dict] = (), when: str = "last") -> Identification:
    """Identify the paper's protocol from the converged trained runs of `main` (floors enter the
    consistency step only). `repeated`: runs that differ in their seed alone (any setting); the
    distance computed once per seed on those that converged gives the seed-to-seed spread, and
    two protocols closer than it are a tie."""
    trained = [r for r in main if r["config"]["model"] not in BASELINES]
    basis = [r for r in trained if converged_everywhere(r, when)]
    floors = [r for r in main if r["config"]["model"] in BASELINES]
    verdict = protocol_consistency(floors, when) if floors else pd.DataFrame()
    ruled_out = tuple(sorted(p for p, ok in verdict.groupby("protocol")["consistent"].all().items()
                             if not ok)) if len(verdict) else ()
    distances = protocol_distance(basis, when) if basis else pd.DataFrame(
        columns=["cells", "median |log(ours/paper)|", "typical ratio ours/paper"])
    threshold = _seed_spread(repeated, when, ruled_out)
    if threshold is not None:
        distances["seed spread"] = pd.Series(threshold[1])
        threshold = threshold[0]
    d = distances["median |log(ours/paper)|"].dropna().drop(list(ruled_out), errors="ignore")
    if d.empty:
        chosen: tuple[str, ...] = ()
    else:
        margin = threshold or 0.0
        chosen = tuple(d[d - d.min() <= margin].sort_values().index)
    labels = [f"{r['config']['dataset']}/{r['config']['model']}" for r in basis]
    return Identification(chosen, distances, threshold, ruled_out, labels, verdict)


def _seed_spread(repeated, when, ruled_out=()) -> tuple[float, dict[str, float]] | None:
    """(largest spread over the protocols not `ruled_out`, {protocol: spread}): within each
    group of `repeated` runs that differ in their seed alone (`seeds_and_precision.seed_groups`), the range
    over its converged seeds of `protocol_distance`, then the largest range over the groups;
    None without a group of two converged seeds or more."""
    spreads = []
    for runs in seed_groups(list(repeated)).values():
        done = {seed: rec for seed, rec in runs.items() if converged_everywhere(rec, when)}
        if len(done) < 2:
            continue
        per_seed = pd.DataFrame({seed: protocol_distance([rec], when)["median |log(ours/paper)|"]
                                 for seed, rec in done.items()})
        spreads.append(per_seed.max(axis=1) - per_seed.min(axis=1))
    if not spreads:
        return None
    spread = pd.concat(spreads, axis=1).max(axis=1).dropna()
    kept = spread.drop(list(ruled_out), errors="ignore")
    return (float(kept.max()), spread.to_dict()) if len(kept) else None
