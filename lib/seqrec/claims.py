"""The paper's claims checked on run records: each "+" model against its original and against
SASRec at the end of training (Table 1, with the Wilcoxon verdict), and along the training curves
(Fig. 3 and 4a). Every verdict is computed from the records, none is written in advance."""
from __future__ import annotations

import pandas as pd

from . import stats
from .paper import TABLE_METRICS, paper_table
from .registry import DATASET_LABELS, LABELS, ORIGINAL_OF
from .report import curves, per_user_values, table1

# the paper's comparisons: each "+" model against its original (the dagger) and against SASRec
CLAIM_PAIRS = tuple(ORIGINAL_OF.items()) + tuple((plus, "sasrec") for plus in ORIGINAL_OF)


def claims(recs: list[dict], when: str = "last", protocol: str = "full",
           metric: str = "NDCG@10") -> pd.DataFrame:
    """The paper's pairwise claims checked on our records, per dataset.

    For each (model, against) of `CLAIM_PAIRS`: the paper's values, ours, how many of the nine
    metrics are significantly better / worse here (Wilcoxon, `stats.compare`), and a verdict on
    `metric` (`verdict_on`)."""
    ours = table1(recs, when, protocol)
    if ours.empty:
        return pd.DataFrame()
    per_user = {(r["config"]["dataset"], r["config"]["model"]): per_user_values(r, when, protocol)
                for r in recs if protocol in r["test_ranks"][when]}
    paper = paper_table().set_index(["dataset", "model"])
    values = ours.pivot_table(index=["dataset", "model"], columns="metric", values="value")
    rows = []
    for dataset in sorted({d for d, _ in values.index}):
        for a, b in CLAIM_PAIRS:
            if (dataset, a) not in values.index or (dataset, b) not in values.index:
                continue
            pa_u, pb_u = per_user[(dataset, a)], per_user[(dataset, b)]
            verdicts = [stats.compare(pa_u[m], pb_u[m]) for m in TABLE_METRICS]
            ours_a, ours_b = values.loc[(dataset, a), metric], values.loc[(dataset, b), metric]
            verdict = stats.compare(pa_u[metric], pb_u[metric])
            row = {"dataset": DATASET_LABELS.get(dataset, dataset),
                   "claim": f"{LABELS[a]} vs {LABELS[b]}", f"paper {metric}": "",
                   f"ours {metric}": f"{ours_a:.4f} vs {ours_b:.4f}",
                   "ours: better / worse on (of 9)":
                       f"{verdicts.count(stats.BETTER)} / {verdicts.count(stats.WORSE)}",
                   "verdict": "not in the paper"}
            if (dataset, a) in paper.index and (dataset, b) in paper.index:
                pa, pb = paper.loc[(dataset, a), metric], paper.loc[(dataset, b), metric]
                row[f"paper {metric}"] = f"{pa:.4f} vs {pb:.4f}"
                wanted = stats.BETTER if pa > pb else stats.WORSE
                same_sign = (ours_a - ours_b) * (pa - pb) > 0
                row["verdict"] = verdict_on(verdict, wanted, same_sign)
            rows.append(row)
    return pd.DataFrame(rows)


def verdict_on(ours: str | None, wanted: str, same_sign: bool) -> str:
    """'holds' (significantly in the paper's direction), 'does not hold' (significantly the other
    way), else 'same direction, not significant' or 'no significant difference'."""
    if ours == wanted:
        return "holds"
    if ours is not None:
        return "does not hold"
    return "same direction, not significant" if same_sign else "no significant difference"


def lead_share(recs: list[dict], model: str, against: str, dataset: str, protocol: str,
               up_to: int | None = None, metric: str = "NDCG@10") -> tuple[float, int] | None:
    """(share of the evaluated epochs 1..up_to at which `model` scores above `against` on the
    test split, number of epochs compared); None without both curves."""
    df = curves([r for r in recs if r["config"]["dataset"] == dataset], metric, "test", protocol)
    if df.empty:
        return None
    wide = df.pivot_table(index="epoch", columns="model", values="value")
    if model not in wide or against not in wide:
        return None
    both = wide[[model, against]].dropna()
    both = both[both.index > 0]
    if up_to is not None:
        both = both[both.index <= up_to]
    if both.empty:
        return None
    return float((both[model] > both[against]).mean()), len(both)


def curve_claims(recs: list[dict], protocol: str) -> pd.DataFrame:
    """The paper's curve claims on our records: each "+" model above its original at every
    evaluated epoch (Fig. 3), and on ML-1M the "+" CNNs above SASRec over epochs 1-500 (Fig. 4a:
    the CNNs lead "over the first 250-500 epochs")."""
    rows = []
    for dataset in sorted({r["config"]["dataset"] for r in recs}):
        pairs = [(plus, orig, None) for plus, orig in ORIGINAL_OF.items()]
        if dataset == "ml-1m":
            pairs += [(plus, "sasrec", 500) for plus in ORIGINAL_OF]
        for a, b, up_to in pairs:
            got = lead_share(recs, a, b, dataset, protocol, up_to)
            if got is None:
                continue
            share, n = got
            rows.append({"dataset": DATASET_LABELS.get(dataset, dataset),
                         "claim": f"{LABELS[a]} above {LABELS[b]}"
                                  + (f" over epochs 1-{up_to}" if up_to else " at every epoch"),
                         "evaluated epochs": n, "share of epochs": round(share, 3),
                         "verdict": ("holds" if share == 1 else "at 90 % or more of the epochs"
                                     if share >= 0.9 else "does not hold")})
    return pd.DataFrame(rows)
