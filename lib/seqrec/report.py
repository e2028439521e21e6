"""What the book shows: the paper's numbers, ours beside them, Table 1 with its marks, curves.

Everything here reads run records (`seqrec.results`) and the paper's transcribed Table 1
(`paper_data/table1.csv`, `paper_data/significance.csv`); nothing computes a metric itself except
per-user values from stored ranks (`seqrec.metrics.per_user`).
"""
from __future__ import annotations

import platform
from importlib import resources

import numpy as np
import pandas as pd

from . import metrics as M
from . import stats
from .results import find_records, read_record

DATASET_LABELS = {"ml-1m": "ML-1M", "fs-tky": "FS-TKY", "fs-nyc": "FS-NYC", "synthetic": "Synthetic"}
MODEL_LABELS = {"sasrec": "SASRec", "caser": "Caser", "caser+": "Caser+", "cosrec": "CosRec",
                "cosrec+": "CosRec+", "pop": "Pop", "repeat": "Repeat"}
PAPER_MODELS = ("caser", "caser+", "cosrec", "cosrec+", "sasrec")
BASELINES = ("pop", "repeat")
TABLE_METRICS = [f"{m}@{k}" for k in (5, 10, 20) for m in ("P", "R", "NDCG")]
ORIGINAL_OF = {"caser+": "caser", "cosrec+": "cosrec"}
_FROM_LABEL = {v: k for k, v in {**DATASET_LABELS, **MODEL_LABELS}.items()}


# ------------------------------------------------------------------------------------ paper
def _paper_csv(name: str) -> pd.DataFrame:
    with resources.files("seqrec").joinpath("paper_data", name).open() as f:
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
    t = paper_table()
    hit = t[(t["model"] == model) & (t["dataset"] == dataset)]
    return None if hit.empty else hit.iloc[0][TABLE_METRICS]


# ------------------------------------------------------------------------------------ records
def environment_summary() -> str:
    """One line naming Python, torch, seqrec and the device the notebook runs on."""
    import torch

    from . import __version__
    dev = (f"CUDA: {torch.cuda.get_device_name(0)}" if torch.cuda.is_available()
           else f"CPU ({torch.get_num_threads()} threads)")
    return (f"Python {platform.python_version()} · torch {torch.__version__} · "
            f"seqrec {__version__} · {dev}")


def records(root) -> list[dict]:
    return [dict(read_record(p), path=str(p)) for p in find_records(root)]


def record_label(rec: dict) -> str:
    """e.g. 'profile ci, ML-1M copy, L=50, 30 epochs, CPU': what produced a number."""
    c, d = rec["config"], rec["data"]
    device = rec["environment"].get("gpu") or "CPU"
    return (f"profile {c.get('profile')}, {DATASET_LABELS.get(c['dataset'], c['dataset'])} "
            f"({source_kind(d)}), L={c['lookback']}, {rec['last']['epoch']} epochs, {device}")


def source_kind(data_info: dict) -> str:
    """'generated', 'canonical download' or 'local file NAME' (from a record's `data` entry)."""
    if data_info.get("format") == "synthetic" or data_info.get("source") == "synthetic":
        return "generated"
    if data_info.get("url"):
        return "canonical download"
    from pathlib import Path
    return f"local file {Path(str(data_info.get('source', '?')).split('!')[0]).name}"


def compare_with_paper(rec: dict, when: str = "last", protocol: str | None = None) -> pd.DataFrame:
    """Ours vs the paper for one record: rows = the nine Table 1 metrics."""
    protocol = protocol or rec["config"]["eval_protocols"][0]
    ours = pd.Series({m: rec[when]["test"][protocol][m] for m in TABLE_METRICS}, name="ours")
    paper = paper_row(rec["config"]["model"], rec["config"]["dataset"])
    out = pd.DataFrame({"ours": ours})
    if paper is not None:
        out["paper"] = paper.astype(float)
        out["ours − paper"] = out["ours"] - out["paper"]
    return out.T


def per_user_values(rec: dict, when: str, protocol: str) -> dict[str, np.ndarray]:
    return M.per_user(rec["test_ranks"][when][protocol])


def curves(recs: list[dict], metric: str = "NDCG@10", split: str = "test",
           protocol: str | None = None) -> pd.DataFrame:
    """Long frame: model, dataset, seed, epoch, value of `metric` on `split` at each eval epoch."""
    rows = []
    for rec in recs:
        c = rec["config"]
        p = protocol or c["eval_protocols"][0]
        for h in rec["history"]:
            if split in h and p in h[split]:
                rows.append({"model": c["model"], "dataset": c["dataset"], "seed": c["seed"],
                             "epoch": h["epoch"], "value": h[split][p][metric]})
    return pd.DataFrame(rows)


# ------------------------------------------------------------------------------------ Table 1
def table1(recs: list[dict], when: str = "last", protocol: str = "full",
           alpha: float = stats.ALPHA) -> pd.DataFrame:
    """Our Table 1 as numbers plus marks.

    Returns a long frame with columns dataset, model, metric, value (mean over seeds), dagger
    (significant vs the model's original version), star (significant vs SASRec), rank among the
    five paper models (1 = best). Significance: paired two-sided Wilcoxon signed-rank test over
    users of the per-user values (averaged over seeds), p < alpha.
    """
    per_user: dict[tuple, dict] = {}
    for rec in recs:
        c = rec["config"]
        if protocol not in rec["test_ranks"][when]:
            continue
        key = (c["dataset"], c["model"])
        values = per_user_values(rec, when, protocol)
        per_user.setdefault(key, []).append(values)
    mean_pu = {k: {m: np.mean([v[m] for v in vs], axis=0) for m in TABLE_METRICS}
               for k, vs in per_user.items()}
    rows = []
    for (dataset, model), pu in mean_pu.items():
        for metric in TABLE_METRICS:
            row = {"dataset": dataset, "model": model, "metric": metric,
                   "value": float(pu[metric].mean()), "dagger": False, "star": False}
            orig = ORIGINAL_OF.get(model)
            if orig and (dataset, orig) in mean_pu:
                row["dagger"] = stats.significant(pu[metric], mean_pu[(dataset, orig)][metric], alpha)
            if orig and (dataset, "sasrec") in mean_pu:
                row["star"] = stats.significant(pu[metric], mean_pu[(dataset, "sasrec")][metric], alpha)
            rows.append(row)
    df = pd.DataFrame(rows)
    if df.empty:
        return df
    paper = df[df["model"].isin(PAPER_MODELS)]
    ranks = paper.groupby(["dataset", "metric"])["value"].rank(ascending=False, method="min")
    df["rank"] = ranks.reindex(df.index)
    return df


def _cell(value: float, rank, dagger: bool, star: bool) -> str:
    text = f"{value:.4f}"
    if rank == 1:
        text = f"<b>{text}</b>"
    elif rank == 2:
        text = f"<u>{text}</u>"
    marks = ("†" if dagger else "") + ("*" if star else "")
    return text + (f"<sup>{marks}</sup>" if marks else "")


def table1_html(long: pd.DataFrame, paper: bool = False) -> str:
    """Render a Table-1 frame (from `table1` or `paper_table_long`) like the paper: bold best,
    underlined second best, † vs the original version, * vs SASRec."""
    if long.empty:
        return "<p><em>No runs yet for this table.</em></p>"
    cells = long.assign(cell=[_cell(r.value, r.rank, r.dagger, r.star) for r in long.itertuples()])
    wide = cells.pivot_table(index=["dataset", "model"], columns="metric", values="cell",
                             aggfunc="first")[TABLE_METRICS]
    order = [d for d in ("fs-tky", "fs-nyc", "ml-1m", "synthetic") if d in wide.index.get_level_values(0)]
    model_order = PAPER_MODELS + BASELINES
    wide = wide.reindex([(d, m) for d in order for m in model_order if (d, m) in wide.index])
    wide.index = pd.MultiIndex.from_tuples([(DATASET_LABELS[d], MODEL_LABELS[m]) for d, m in wide.index],
                                           names=["dataset", "model"])
    return wide.to_html(escape=False, classes="table1", border=0)


def paper_table_long() -> pd.DataFrame:
    """The paper's Table 1 in the long format of `table1`, with its published marks."""
    t = paper_table().melt(id_vars=["dataset", "model"], var_name="metric", value_name="value")
    marks = paper_marks()
    t = t.merge(marks, on=["dataset", "model", "metric"], how="left").fillna(
        {"dagger": False, "star": False})
    t["rank"] = t.groupby(["dataset", "metric"])["value"].rank(ascending=False, method="min")
    return t


def show_source(obj) -> None:
    """Display the library's source of a function, class or method (its one home) in a notebook."""
    import inspect
    from pathlib import Path

    from IPython.display import Markdown, display
    src = inspect.getsource(obj)
    path = Path(inspect.getsourcefile(obj)).resolve()
    parts = path.parts
    rel = "/".join(parts[parts.index("seqrec") - 1:]) if "seqrec" in parts else path.name
    line = inspect.getsourcelines(obj)[1]
    display(Markdown(f"`{rel}`, line {line}:\n\n```python\n{src.rstrip()}\n```"))


# ------------------------------------------------------------------------------------ protocols
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


def chance_ndcg(protocol: str, num_items: int, k: int = 10) -> float:
    """Expected NDCG@k of a random ranking: the target's rank is uniform over the C candidates
    (C = N for full ranking, 101 for sampled, N + 1 for easyrec-n)."""
    from .evaluation import Protocol
    p = Protocol.parse(protocol, num_items)
    c = num_items if p.num_negatives is None else p.num_negatives + 1
    return float(sum(1 / np.log2(r + 1) for r in range(1, min(k, c) + 1)) / c)


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
            chance = chance_ndcg(p, rec["data"]["items"])
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


def differences(long: pd.DataFrame) -> pd.DataFrame:
    """Ours − paper for every (dataset, model) × Table 1 metric present in both."""
    ours = long.pivot_table(index=["dataset", "model"], columns="metric", values="value")
    paper = paper_table().set_index(["dataset", "model"])[TABLE_METRICS]
    common = ours.index.intersection(paper.index)
    return (ours.loc[common, TABLE_METRICS] - paper.loc[common]).round(4)


def plot_curves(recs: list[dict], models, dataset: str, ax, metric: str = "NDCG@10",
                protocol: str | None = None, title: str | None = None) -> None:
    """Test `metric` per evaluated epoch for `models` on `dataset`; baselines as flat lines."""
    df = curves([r for r in recs if r["config"]["dataset"] == dataset], metric, "test", protocol)
    if df.empty:
        ax.set_axis_off()
        return
    for model in models:
        sub = df[df["model"] == model].groupby("epoch")["value"].mean()
        if len(sub):
            ax.plot(sub.index, sub.values, label=MODEL_LABELS.get(model, model),
                    linestyle="--" if model in ORIGINAL_OF.values() else "-")
    for model in BASELINES:
        sub = df[df["model"] == model]["value"]
        if len(sub):
            ax.axhline(sub.mean(), color="grey", linewidth=0.8,
                       linestyle=":" if model == "pop" else "-.", label=MODEL_LABELS[model])
    ax.set_xlabel("epoch")
    ax.set_ylabel(f"test {metric}" + (f" ({protocol})" if protocol else ""))
    ax.set_title(title or DATASET_LABELS.get(dataset, dataset))
    ax.legend(fontsize=8)


def runs_overview(recs: list[dict]) -> pd.DataFrame:
    """One row per run: what produced it (the label every number carries)."""
    rows = [{"dataset": DATASET_LABELS.get(r["config"]["dataset"], r["config"]["dataset"]),
             "model": MODEL_LABELS.get(r["config"]["model"], r["config"]["model"]),
             "seed": r["config"]["seed"], "profile": r["config"].get("profile"),
             "data": source_kind(r["data"]), "L": r["config"]["lookback"],
             "epochs": r["last"]["epoch"], "best val epoch": r["best"]["epoch"],
             "loss": r["config"].get("loss", "bce"),
             "device": r["environment"].get("gpu") or "CPU",
             "train min": round(r["timings"]["train_seconds"] / 60, 2)} for r in recs]
    df = pd.DataFrame(rows)
    return df.sort_values(["dataset", "model", "seed"]).reset_index(drop=True) if len(df) else df


def main_runs(recs: list[dict]) -> list[dict]:
    """The runs that form Table 1: the paper's loss (BCE); variants (e.g. full CE) excluded."""
    return [r for r in recs if r["config"].get("loss", "bce") == "bce"]


def _bench(path) -> dict:
    import json
    with open(path) as f:
        return json.load(f)


def bench_device(bench: dict) -> str:
    """The device a benchmark file (loaded as a dict) was measured on, in words."""
    env = bench.get("environment", {})
    return env.get("gpu") or f"CPU, {env.get('threads', '?')} threads"


def _bench_rows(bench: dict, setting: str) -> list[dict]:
    return [r for r in bench["results"] if r["setting"] == setting]


def bench_steps(path, model: str, setting: str = "paper") -> pd.DataFrame:
    """One model's training-step rows of a benchmark file (`python -m rebuild bench --out ...`):
    implementation, step time and peak memory, as measured on the device the file names."""
    bench = _bench(path)
    rows = []
    for r in _bench_rows(bench, setting):
        if r["name"] != model:
            continue
        impl = "authors' class" if r["impl"] == "authors" else "library"
        variant = ", ".join(f"{k}={v!r}" for k, v in r["variant"].items()) or "default"
        if r["impl"] == "authors":
            variant = ""
        rows.append({"implementation": impl + (f" ({variant})" if variant else "")
                     + (", bf16 autocast" if r.get("bf16") else ""),
                     "batch": r["batch"], "step ms": round(r["step_s"] * 1000, 1),
                     "peak MiB": round(r["peak_mem_mb"])})
    df = pd.DataFrame(rows)
    df.attrs["device"] = bench_device(bench)
    return df


def bench_summary(path, setting: str = "paper") -> pd.DataFrame:
    """Per model: the authors' and our default step time and peak memory (and ours under bf16
    autocast where measured), with the ratios authors / ours; from one benchmark file."""
    rows = {}
    for r in _bench_rows(_bench(path), setting):
        if r["variant"]:
            continue
        key = "authors" if r["impl"] == "authors" else ("ours bf16" if r.get("bf16") else "ours")
        row = rows.setdefault(r["name"], {"model": MODEL_LABELS.get(r["name"], r["name"]),
                                          "batch": r["batch"]})
        row[f"{key} ms"] = round(r["step_s"] * 1000, 1)
        row[f"{key} MiB"] = round(r["peak_mem_mb"])
    df = pd.DataFrame(list(rows.values()))
    if "authors ms" in df and "ours ms" in df:
        df["speed-up"] = (df["authors ms"] / df["ours ms"]).round(2)
        df["memory ratio"] = (df["ours MiB"] / df["authors MiB"]).round(2)
    if "authors ms" in df and "ours bf16 ms" in df:
        df["speed-up bf16"] = (df["authors ms"] / df["ours bf16 ms"]).round(2)
    return df


def bench_loop(path) -> pd.DataFrame:
    """Our whole ML-1M training epoch per model and execution mode (eager, CUDA graph, compiled)
    from a benchmark file's `loop` rows, with the projected `paper` grid; one row per model,
    columns per mode. Files written before modes existed count as eager (`loop`) and compiled
    (`loop_compile`)."""
    bench = _bench(path)
    rows = [{**r, "mode": r.get("mode", "eager")} for r in bench.get("loop", [])]
    rows += [{**r, "mode": r.get("mode", "compile")} for r in bench.get("loop_compile", [])]
    rows = [r for r in rows if "epoch_s" in r]
    if not rows:
        return pd.DataFrame()
    df = pd.DataFrame(rows)
    df["model"] = df["model"].map(lambda m: MODEL_LABELS.get(m, m))
    epoch = df.pivot_table(index="model", columns="mode", values="epoch_s", sort=False)
    grid = df.pivot_table(index="model", columns="mode", values="projected_paper_grid_hours",
                          sort=False, dropna=False)        # kept (empty) where L != 100
    out = pd.concat({"epoch s": epoch, "paper grid h": grid}, axis=1).round(3)
    out.attrs["device"] = bench_device(bench)
    return out


def plot_run_curves(record: dict, protocols, dataset: str | None = None) -> None:
    """One run's validation and test NDCG@10 per evaluated epoch, one panel per protocol, with
    the paper's final value (after 2000 epochs) as a dotted line where the paper has one."""
    import matplotlib.pyplot as plt
    from matplotlib.ticker import MaxNLocator
    model = record["config"]["model"]
    paper = paper_row(model, dataset or record["config"]["dataset"])
    fig, axes = plt.subplots(1, len(protocols), figsize=(4.2 * len(protocols), 3.3), squeeze=False)
    for ax, protocol in zip(axes[0], protocols):
        for split, style in (("val", "--"), ("test", "-")):
            c = curves([record], split=split, protocol=protocol)
            ax.plot(c["epoch"], c["value"], style, marker="o", ms=3, label=split)
        if paper is not None:
            ax.axhline(paper["NDCG@10"], color="grey", ls=":", label="paper (2000 epochs)")
        ax.set(title=f"protocol: {protocol}", xlabel="epoch", ylabel="NDCG@10")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.legend(fontsize=8)
    fig.suptitle(f"{MODEL_LABELS.get(model, model)}: {record_label(record)}", fontsize=10)
    fig.tight_layout()
    plt.show()
