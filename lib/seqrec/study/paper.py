"""The paper's own numbers: its Table 1 and significance marks, transcribed into
`paper_data/table1.csv` and `paper_data/significance.csv` (from `shared/paper`), in our ids."""
from __future__ import annotations

from importlib import resources

import pandas as pd

from ..registry import DATASET_LABELS, LABELS

TABLE_METRICS = [f"{m}@{k}" for k in (5, 10, 20) for m in ("P", "R", "NDCG")]   # Table 1 columns
_FROM_LABEL = {v: k for k, v in {**DATASET_LABELS, **LABELS}.items()}


def _paper_csv(name: str) -> pd.DataFrame:
    with resources.files("seqrec.study").joinpath("paper_data", name).open() as f:
        return pd.read_csv(f, comment="#")


def paper_table() -> pd.DataFrame:
    """The paper's Table 1: columns dataset, model (our ids) and the nine metrics."""
    df = _paper_csv("table1.csv")
    df["dataset"] = df["dataset"].map(_FROM_LABEL)
    df["model"] = df["model"].map(_FROM_LABEL)
    return df


def paper_marks() -> pd.DataFrame:
    """The paper's significance marks: dataset, model, metric, dagger (bool), star (bool)."""
    df = _paper_csv("significance.csv")
    rows = []
    for _, r in df.iterrows():
        for metric in TABLE_METRICS:
            def on(spec):
                return spec == "all nine metrics" or metric in str(spec).split(",")
            rows.append({"dataset": _FROM_LABEL[r["dataset"]], "model": _FROM_LABEL[r["model"]],
                         "metric": metric, "dagger": on(r["dagger_on"]), "star": on(r["star_on"])})
    return pd.DataFrame(rows)


def paper_row(model: str, dataset: str) -> pd.Series | None:
    """The paper's nine Table 1 values of one model on one dataset (None if not in the paper)."""
    t = paper_table()
    hit = t[(t["model"] == model) & (t["dataset"] == dataset)]
    return None if hit.empty else hit.iloc[0][TABLE_METRICS]


def paper_table_long() -> pd.DataFrame:
    """The paper's Table 1 in the long format of `tables.table1`, with its published marks (the
    paper marks improvements only, so its worse-marks are all False)."""
    t = paper_table().melt(id_vars=["dataset", "model"], var_name="metric", value_name="value")
    marks = paper_marks()
    t = t.merge(marks, on=["dataset", "model", "metric"], how="left").fillna(
        {"dagger": False, "star": False})
    t["dagger_worse"] = t["star_worse"] = False
    t["rank"] = t.groupby(["dataset", "metric"])["value"].rank(ascending=False, method="min")
    return t
