"""The paper's claims checked on run records: each "+" model against its original and against
SASRec at the end of training (Table 1, with the Wilcoxon verdict), and along the training curves
(Fig. 3 and 4a). Every verdict is computed from the records, none is written in advance."""
from __future__ import annotations

import pandas as pd

from .. import stats
from ..registry import DATASET_LABELS, LABELS, ORIGINAL_OF, STATE_OF_THE_ART
from ..results import curves
from .paper import paper_table
from .provenance import budget_label
from .seeds_and_precision import precision_twins, seed_groups
from .tables import table1

# the paper's comparisons: each "+" model against its original (the dagger) and against SASRec
CLAIM_PAIRS = tuple(ORIGINAL_OF.items()) + tuple((plus, STATE_OF_THE_ART) for plus in ORIGINAL_OF)


def claims(recs: list[dict], when: str = "last", protocol: str = "full",
           metric: str = "NDCG@10") -> pd.DataFrame:
    """The paper's pairwise claims checked on our records, per dataset.

    For each (model, against) of `CLAIM_PAIRS`: the paper's values, ours, on how many of the nine
    metrics ours is significantly better / worse (read from `tables.table1`'s marks: the dagger
    against the original, the star against SASRec), and a verdict on `metric` (`verdict_on`)."""
    ours = table1(recs, when, protocol)
    if ours.empty:
        return pd.DataFrame()
    ours = ours.set_index(["dataset", "model", "metric"]).sort_index()
    paper = paper_table().set_index(["dataset", "model"])
    rows = []
    for dataset in sorted({d for d, _, _ in ours.index}):
        for a, b in CLAIM_PAIRS:
            if (dataset, a, metric) not in ours.index or (dataset, b, metric) not in ours.index:
                continue
            mark = "dagger" if ORIGINAL_OF.get(a) == b else "star"
            marks = ours.loc[(dataset, a)]                                  # rows: the nine metrics
            verdict = (stats.BETTER if marks.loc[metric, mark] else
                       stats.WORSE if marks.loc[metric, f"{mark}_worse"] else None)
            ours_a = ours.loc[(dataset, a, metric), "value"]
            ours_b = ours.loc[(dataset, b, metric), "value"]
            row = {"dataset": DATASET_LABELS.get(dataset, dataset),
                   "claim": f"{LABELS[a]} vs {LABELS[b]}", f"paper {metric}": "",
                   f"ours {metric}": f"{ours_a:.4f} vs {ours_b:.4f}",
                   "ours: better / worse on (of 9)":
                       f"{int(marks[mark].sum())} / {int(marks[f'{mark}_worse'].sum())}",
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
            pairs += [(plus, STATE_OF_THE_ART, 500) for plus in ORIGINAL_OF]
        for a, b, up_to in pairs:
            got = lead_share(recs, a, b, dataset, protocol, up_to)
            if got is None:
                continue
            share, n = got
            rows.append({"dataset": DATASET_LABELS.get(dataset, dataset),
                         "claim": f"{LABELS[a]} above {LABELS[b]}"
                                  + (f" over epochs 1-{up_to}" if up_to else " at every epoch"),
                         "evaluated epochs": n, "epochs ahead": round(share * n),
                         "share of epochs": round(share, 3),
                         "verdict": ("holds" if share == 1 else "at 90 % or more of the epochs"
                                     if share >= 0.9 else "does not hold")})
    return pd.DataFrame(rows)


def claims_by_precision(recs: list[dict], when: str = "last", protocols=("full",)) -> dict:
    """{training precision: the pairwise claims (`claims`) under each of `protocols`} on the
    models that were trained in both precisions (e.g. a bf16 profile and its `fp32` variant), so
    that a verdict can be read once per precision on the same models."""
    twins = precision_twins(recs).values()
    out = {}
    for name in ("bf16 autocast", "fp32"):
        runs = [pair[name] for pair in twins]
        verdicts = [claims(runs, when, p).assign(protocol=p) for p in protocols]
        table = pd.concat(verdicts, ignore_index=True) if verdicts else pd.DataFrame()
        if len(table):
            table.attrs["label"] = budget_label(runs)
            out[name] = table
    return out


def claims_by_seed(recs: list[dict], when: str = "last", protocols=("full",),
                   metric: str = "NDCG@10") -> pd.DataFrame:
    """The pairwise claims (`claims`) read once per seed, on runs that differ in their seed alone
    (`seeds_and_precision.seed_groups`). One row per setting (profile, variant, training precision), dataset,
    claim and protocol; per seed the verdict on `metric` with both values; `seeds pooled` the
    verdict on the per-user values averaged over the seeds every model of the setting has (as
    Table 1 pools seeds); `same verdict` whether all these verdicts agree."""
    settings: dict[tuple, list[dict[int, dict]]] = {}
    for (profile, _, _, var, prec), runs in seed_groups(recs).items():
        settings.setdefault((profile, var, prec), []).append(runs)
    rows = []
    for (profile, var, prec), groups in settings.items():
        seeds = sorted(set().union(*groups))
        common = set.intersection(*(set(runs) for runs in groups))
        columns = {**{f"seed {s}": [runs[s] for runs in groups if s in runs] for s in seeds},
                   "seeds pooled": [runs[s] for runs in groups for s in common]}
        for protocol in protocols:
            found: dict[tuple, dict[str, dict]] = {}              # (dataset, claim): column: row
            for column, runs in columns.items():
                for c in claims(runs, when, protocol, metric).to_dict("records"):
                    found.setdefault((c["dataset"], c["claim"]), {})[column] = c
            for (dataset, claim), by_column in found.items():
                rows.append({"setting": f"{profile}" + (f" ~{var}" if var else "") + f", {prec}",
                             "dataset": dataset, "claim": claim, "protocol": protocol,
                             **{column: f"{c['verdict']} ({c[f'ours {metric}']})"
                                for column, c in by_column.items()},
                             "same verdict": len({c["verdict"] for c in by_column.values()}) == 1})
    return pd.DataFrame(rows)
