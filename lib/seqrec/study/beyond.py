"""The tables of the 'beyond the paper' chapter, read on the committed long runs only: the same
trained weights under every protocol, whether the protocols order the models alike, what masking
the user's earlier items changes, and the pairwise verdicts of `seqrec.study.claims` restated in the
findings vocabulary (`seqrec.study.findings.OUTCOMES`).

No cell is inf or NaN: a ratio with a zero denominator, or a statistic with too few models, says
why it is not given. Numbers are rounded to `DECIMALS`.
"""
from __future__ import annotations

import pandas as pd
from scipy.stats import kendalltau

from ..registry import LABELS, TABLE_ORDER, label
from .findings import OUTCOMES

DECIMALS = 4
MIN_MODELS = 3            # Kendall's tau on fewer models says too little

# `seqrec.study.claims` verdicts -> the findings vocabulary (a pairwise comparison read on one seed or
# on pooled seeds: significant in the paper's direction = reproduced, significant the other way
# = reversed, anything else = no significant difference)
VERDICT_OUTCOME = {"holds": "reproduced", "does not hold": "reversed",
                   "same direction, not significant": "no significant difference",
                   "no significant difference": "no significant difference"}
assert set(VERDICT_OUTCOME.values()) <= set(OUTCOMES)


def ratio(a: float, b: float):
    """a / b rounded, or 'n/a (… is 0)' where b is 0."""
    return round(a / b, DECIMALS) if b else "n/a (denominator 0)"


def by_protocol(long: dict, when: str = "last", metric: str = "NDCG@10") -> pd.DataFrame:
    """Test `metric` of every long-run model (rows: dataset, model) under every protocol
    (columns), from `committed_runs.long_runs`' {dataset: (profile, records)}."""
    rows = [{"dataset": label(r["config"]["dataset"]), "model": r["config"]["model"],
             "protocol": p, metric: m[metric]}
            for _, recs in long.values() for r in recs for p, m in r[when]["test"].items()]
    if not rows:
        return pd.DataFrame()
    wide = pd.DataFrame(rows).pivot_table(index=["dataset", "model"], columns="protocol",
                                          values=metric).round(DECIMALS)
    return wide.astype(object).where(wide.notna(), "n/a (not evaluated)")


def agreement(wide: pd.DataFrame) -> pd.DataFrame:
    """Per dataset and pair of protocols: Kendall's tau between the orders they give the paper's
    models, and the mean ratio of their numbers (over the models where the denominator is not
    0). A dataset with fewer than `MIN_MODELS` models gets 'n/a' and the reason."""
    out = []
    protocols = list(wide.columns)
    for dataset in dict.fromkeys(wide.index.get_level_values(0)):
        sub = wide.loc[dataset]
        sub = sub[[m in TABLE_ORDER for m in sub.index]].apply(pd.to_numeric, errors="coerce")
        sub = sub.dropna()
        for i, a in enumerate(protocols):
            for b in protocols[i + 1:]:
                row = {"dataset": dataset, "protocol a": a, "protocol b": b, "models": len(sub)}
                if len(sub) < MIN_MODELS:
                    row["Kendall tau"] = f"n/a (fewer than {MIN_MODELS} models with a long run)"
                else:
                    row["Kendall tau"] = round(float(kendalltau(sub[a], sub[b]).statistic), DECIMALS)
                kept = sub[sub[a] > 0]
                row["mean ratio b / a"] = (round(float((kept[b] / kept[a]).mean()), DECIMALS)
                                               if len(kept) else f"n/a ({a} is 0 for every model)")
                out.append(row)
    return pd.DataFrame(out)


def masking(long: dict, when: str = "last") -> pd.DataFrame:
    """Per long run with both full rankings: NDCG@10 under `full` and `full-unseen` and their
    ratio (n/a where `full` is 0)."""
    rows = []
    for _, recs in long.values():
        for r in recs:
            test = r[when]["test"]
            if not {"full", "full-unseen"} <= set(test):
                continue
            full, unseen = test["full"]["NDCG@10"], test["full-unseen"]["NDCG@10"]
            rows.append({"dataset": label(r["config"]["dataset"]),
                         "model": LABELS.get(r["config"]["model"], r["config"]["model"]),
                         "profile": r["config"].get("profile"), "L": r["config"]["lookback"],
                         "epochs": r["last"]["epoch"], "full": round(full, DECIMALS),
                         "full-unseen": round(unseen, DECIMALS),
                         "unseen / full": ratio(unseen, full)})
    return pd.DataFrame(rows)


def in_findings_words(table: pd.DataFrame) -> pd.DataFrame:
    """A `claims.claims_by_seed` / `claims.claims` table with every verdict ('holds (0.3…)')
    restated as a findings outcome ('reproduced (0.3…)'); numbers kept as they are."""
    def restate(cell):
        if not isinstance(cell, str):
            return cell
        for verdict in sorted(VERDICT_OUTCOME, key=len, reverse=True):
            if cell == verdict or cell.startswith(verdict + " ("):
                return VERDICT_OUTCOME[verdict] + cell[len(verdict):]
        return cell
    out = table.map(restate) if len(table) else table
    return out.rename(columns={"verdict": "outcome", "same verdict": "same outcome"})


def shown(frame: pd.DataFrame, missing: str = "not measured") -> pd.DataFrame:
    """`frame` for display: numbers rounded to `DECIMALS`, every NaN replaced by `missing`."""
    rounded = frame.round(DECIMALS)
    return rounded.astype(object).where(rounded.notna(), missing)
