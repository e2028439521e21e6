"""The paper's Table 1 rebuilt from run records, with its marks, rendered as the paper prints it,
and set against the paper's own numbers (`seqrec.study.paper`).

The only values computed are per-user metrics from stored ranks (`seqrec.metrics.per_user`) and
the Wilcoxon tests on them (`seqrec.stats`).
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from .. import metrics, stats
from ..evaluation import SELECTION_PROTOCOL
from ..registry import BASELINES, DATASET_LABELS, ORIGINAL_OF, STATE_OF_THE_ART, TABLE_ORDER, label
from .paper import TABLE_METRICS, paper_row, paper_table


MARKS_LEGEND = ("† significantly better than the model's original version (Caser+ vs Caser, "
                "CosRec+ vs CosRec), * significantly better than SASRec; ↓† and ↓* significantly "
                "worse than them (paired two-sided Wilcoxon signed-rank test over users, p < 0.05, "
                "direction from the mean difference). Bold: best of the five models, underlined: "
                "second best.")


def per_user_values(rec: dict, when: str, protocol: str) -> dict[str, np.ndarray]:
    """{metric: value per test user} of a record at `when` ('last' or 'best') under `protocol`:
    what the Wilcoxon tests behind every mark compare."""
    return metrics.per_user(rec["test_ranks"][when][protocol])


def compare_with_paper(rec: dict, when: str = "last", protocol: str | None = None) -> pd.DataFrame:
    """Ours vs the paper for one record: rows = the nine Table 1 metrics."""
    protocol = protocol or SELECTION_PROTOCOL
    ours = pd.Series({m: rec[when]["test"][protocol][m] for m in TABLE_METRICS}, name="ours")
    paper = paper_row(rec["config"]["model"], rec["config"]["dataset"])
    out = pd.DataFrame({"ours": ours})
    if paper is not None:
        out["paper"] = paper.astype(float)
        out["ours − paper"] = out["ours"] - out["paper"]
    return out.T


def table1(recs: list[dict], when: str = "last", protocol: str = "full",
           alpha: float = stats.ALPHA) -> pd.DataFrame:
    """Our Table 1 as numbers plus marks.

    Returns a long frame with columns dataset, model, metric, value (mean over seeds), dagger
    (significantly BETTER than the model's original version), star (significantly better than
    SASRec), dagger_worse / star_worse (significantly WORSE than them), rank among the five paper
    models (1 = best). Significance: paired two-sided Wilcoxon signed-rank test over users of the
    per-user values (averaged over seeds), p < alpha, with the direction of the mean difference
    (`stats.compare`).
    """
    per_user: dict[tuple, list] = {}
    for rec in recs:
        c = rec["config"]
        if protocol not in rec["test_ranks"][when]:
            continue
        per_user.setdefault((c["dataset"], c["model"]), []).append(
            per_user_values(rec, when, protocol))
    mean_pu = {k: {m: np.mean([v[m] for v in vs], axis=0) for m in TABLE_METRICS}
               for k, vs in per_user.items()}
    rows = []
    for (dataset, model), pu in mean_pu.items():
        for metric in TABLE_METRICS:
            row = {"dataset": dataset, "model": model, "metric": metric,
                   "value": float(pu[metric].mean())}
            for mark, against in (("dagger", ORIGINAL_OF.get(model)),
                                  ("star", STATE_OF_THE_ART if model in ORIGINAL_OF else None)):
                verdict = (stats.compare(pu[metric], mean_pu[(dataset, against)][metric], alpha)
                           if against and (dataset, against) in mean_pu else None)
                row[mark] = verdict == stats.BETTER
                row[f"{mark}_worse"] = verdict == stats.WORSE
            rows.append(row)
    df = pd.DataFrame(rows)
    if df.empty:
        return df
    paper = df[df["model"].isin(TABLE_ORDER)]
    ranks = paper.groupby(["dataset", "metric"])["value"].rank(ascending=False, method="min")
    df["rank"] = ranks.reindex(df.index)
    return df


def _cell(value: float, rank, dagger: bool, star: bool, dagger_worse: bool,
          star_worse: bool) -> str:
    text = f"{value:.4f}"
    if rank == 1:
        text = f"<b>{text}</b>"
    elif rank == 2:
        text = f"<u>{text}</u>"
    marks = (("†" if dagger else "") + ("*" if star else "")
             + ("↓†" if dagger_worse else "") + ("↓*" if star_worse else ""))
    return text + (f"<sup>{marks}</sup>" if marks else "")


def table1_html(long: pd.DataFrame) -> str:
    """Render a Table-1 frame (from `table1` or `paper.paper_table_long`) like the paper: the
    paper's datasets in its order, bold best, underlined second best, † / * significantly better
    than the original version / SASRec, ↓† / ↓* significantly worse (`MARKS_LEGEND`)."""
    if long.empty:
        return "<p><em>No runs yet for this table.</em></p>"
    cells = long.assign(cell=[_cell(r.value, r.rank, r.dagger, r.star, r.dagger_worse,
                                    r.star_worse) for r in long.itertuples()])
    wide = cells.pivot_table(index=["dataset", "model"], columns="metric", values="cell",
                             aggfunc="first")[TABLE_METRICS]
    datasets = dict.fromkeys([*paper_table()["dataset"], *DATASET_LABELS])   # the paper's first
    present = set(wide.index.get_level_values(0))
    wide = wide.reindex([(d, m) for d in datasets if d in present for m in TABLE_ORDER + BASELINES
                         if (d, m) in wide.index])
    wide.index = pd.MultiIndex.from_tuples([(label(d), label(m)) for d, m in wide.index],
                                           names=["dataset", "model"])
    return wide.to_html(escape=False, classes="table1", border=0)


def table1_by_protocol_html(recs: list[dict], when: str, shown: str) -> str:
    """Table 1 under every protocol the records have: `shown` first and open, each other one
    folded in a <details> element (one click away, no script needed)."""
    protocols = sorted({p for r in recs for p in r["test_ranks"][when]}, key=lambda p: (p != shown, p))
    parts = []
    for p in protocols:
        html = table1_html(table1(recs, when, p))
        if p == shown:
            parts.append(f"<p><strong>protocol <code>{p}</code></strong></p>{html}")
        else:
            parts.append(f"<details><summary>Table 1 under protocol <code>{p}</code></summary>"
                         f"{html}</details>")
    return "\n".join(parts)


def differences(long: pd.DataFrame) -> pd.DataFrame:
    """Ours − paper for every (dataset, model) × Table 1 metric present in both."""
    ours = long.pivot_table(index=["dataset", "model"], columns="metric", values="value")
    paper = paper_table().set_index(["dataset", "model"])[TABLE_METRICS]
    common = ours.index.intersection(paper.index)
    return (ours.loc[common, TABLE_METRICS] - paper.loc[common]).round(4)
