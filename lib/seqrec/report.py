"""Tables and figures from run records: what produced each number, our Table 1 with its marks,
the protocol the paper used, the paper's claims checked, and the training curves.

Everything here reads run records (`seqrec.results`) and the paper's transcribed numbers
(`seqrec.paper`); the only values computed are per-user metrics from stored ranks
(`seqrec.metrics.per_user`) and the Wilcoxon tests on them (`seqrec.stats`).
"""
from __future__ import annotations

import itertools
import json
from pathlib import Path

import numpy as np
import pandas as pd

from . import metrics as M
from . import stats
from .paper import TABLE_METRICS, paper_row, paper_table
from .registry import BASELINES, DATASET_LABELS, LABELS, ORIGINAL_OF, TABLE_ORDER, colour
from .results import find_records, read_record, resolved


# ------------------------------------------------------------------------------------ records
def records(root) -> list[dict]:
    return [dict(read_record(p), path=str(p)) for p in find_records(root)]


def precision(rec: dict) -> str:
    """The training precision of a record: 'bf16 autocast' or 'fp32' (evaluation is always fp32)."""
    return "bf16 autocast" if resolved(rec, "amp") is True else "fp32"


def record_label(rec: dict) -> str:
    """e.g. 'profile ci, FS-NYC (local file ...), L=10, 10 epochs, CPU (AMD EPYC), fp32': what
    produced a number (the precision is the training one; evaluation always scores in fp32; the
    CPU's name where the record has it)."""
    c, d = rec["config"], rec["data"]
    return (f"profile {c.get('profile')}, {DATASET_LABELS.get(c['dataset'], c['dataset'])} "
            f"({source_kind(d)}), L={c['lookback']}, {rec['last']['epoch']} epochs, "
            f"{device_label(rec)}, {precision(rec)}")


def device_label(rec: dict) -> str:
    """'NVIDIA H200', 'CPU (AMD EPYC)', or 'CPU' for records made before they named the CPU."""
    env = rec["environment"]
    return env.get("gpu") or (f"CPU ({env['cpu']})" if env.get("cpu") else "CPU")


def source_kind(data_info: dict) -> str:
    """'generated', 'canonical download' or 'local file NAME' (from a record's `data` entry)."""
    if data_info.get("format") == "synthetic" or data_info.get("source") == "synthetic":
        return "generated"
    if data_info.get("url"):
        return "canonical download"
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
    (significantly BETTER than the model's original version), star (significantly better than
    SASRec), dagger_worse / star_worse (significantly WORSE than them), rank among the five paper
    models (1 = best). Significance: paired two-sided Wilcoxon signed-rank test over users of the
    per-user values (averaged over seeds), p < alpha, with the direction of the mean difference
    (`stats.compare`).
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
                   "value": float(pu[metric].mean())}
            for mark, against in (("dagger", ORIGINAL_OF.get(model)),
                                  ("star", "sasrec" if model in ORIGINAL_OF else None)):
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


MARKS_LEGEND = ("† significantly better than the model's original version (Caser+ vs Caser, "
                "CosRec+ vs CosRec), * significantly better than SASRec; ↓† and ↓* significantly "
                "worse than them (paired two-sided Wilcoxon signed-rank test over users, p < 0.05, "
                "direction from the mean difference). Bold: best of the five models, underlined: "
                "second best.")


def _cell(value: float, rank, dagger: bool, star: bool, dagger_worse: bool = False,
          star_worse: bool = False) -> str:
    text = f"{value:.4f}"
    if rank == 1:
        text = f"<b>{text}</b>"
    elif rank == 2:
        text = f"<u>{text}</u>"
    marks = (("†" if dagger else "") + ("*" if star else "")
             + ("↓†" if dagger_worse else "") + ("↓*" if star_worse else ""))
    return text + (f"<sup>{marks}</sup>" if marks else "")


def table1_html(long: pd.DataFrame, paper: bool = False) -> str:
    """Render a Table-1 frame (from `table1` or `paper_table_long`) like the paper: bold best,
    underlined second best, † / * significantly better than the original version / SASRec,
    ↓† / ↓* significantly worse (`MARKS_LEGEND`)."""
    if long.empty:
        return "<p><em>No runs yet for this table.</em></p>"
    long = long.assign(**{c: long[c] if c in long else False
                          for c in ("dagger_worse", "star_worse")})
    cells = long.assign(cell=[_cell(r.value, r.rank, r.dagger, r.star, r.dagger_worse,
                                    r.star_worse) for r in long.itertuples()])
    wide = cells.pivot_table(index=["dataset", "model"], columns="metric", values="cell",
                             aggfunc="first")[TABLE_METRICS]
    order = [d for d in ("fs-tky", "fs-nyc", "ml-1m", "synthetic") if d in wide.index.get_level_values(0)]
    model_order = TABLE_ORDER + BASELINES
    wide = wide.reindex([(d, m) for d in order for m in model_order if (d, m) in wide.index])
    wide.index = pd.MultiIndex.from_tuples([(DATASET_LABELS[d], LABELS[m]) for d, m in wide.index],
                                           names=["dataset", "model"])
    return wide.to_html(escape=False, classes="table1", border=0)


def differences(long: pd.DataFrame) -> pd.DataFrame:
    """Ours − paper for every (dataset, model) × Table 1 metric present in both."""
    ours = long.pivot_table(index=["dataset", "model"], columns="metric", values="value")
    paper = paper_table().set_index(["dataset", "model"])[TABLE_METRICS]
    common = ours.index.intersection(paper.index)
    return (ours.loc[common, TABLE_METRICS] - paper.loc[common]).round(4)


FLOOR_OFF_SCALE = 1.5     # a floor above 1.5x the best curve is named in the legend, not drawn


def plot_curves(recs: list[dict], models, dataset: str, ax, metric: str = "NDCG@10",
                protocol: str | None = None, title: str | None = None) -> None:
    """Test `metric` per evaluated epoch for `models` on `dataset` (the mean over seeds where a
    model has several: `budget_label` names them); the floors as flat lines.

    A floor far above every curve (on check-in data the repeat-history rule can be) would flatten
    the curves onto the x axis: it is then named in the legend with its value instead."""
    df = curves([r for r in recs if r["config"]["dataset"] == dataset], metric, "test", protocol)
    if df.empty:
        ax.set_axis_off()
        return
    top = 0.0
    for model in models:
        sub = df[df["model"] == model].groupby("epoch")["value"].mean()
        if len(sub):
            top = max(top, float(sub.max()))
            ax.plot(sub.index, sub.values, label=LABELS.get(model, model), color=colour(model),
                    linestyle="--" if model in ORIGINAL_OF.values() else "-")
    for model in BASELINES:
        sub = df[df["model"] == model]["value"]
        if not len(sub):
            continue
        value = float(sub.mean())
        style = dict(color=colour(model), linewidth=0.8, linestyle=":" if model == "pop" else "-.")
        if top > 0 and value > FLOOR_OFF_SCALE * top:
            ax.plot([], [], **style, label=f"{LABELS[model]} = {value:.3f} (off the scale)")
        else:
            ax.axhline(value, **style, label=LABELS[model])
    ax.set_xlabel("epoch")
    ax.set_ylabel(f"test {metric}" + (f" ({protocol})" if protocol else ""))
    ax.set_title(title or DATASET_LABELS.get(dataset, dataset))
    ax.legend(fontsize=8)


def runs_overview(recs: list[dict]) -> pd.DataFrame:
    """One row per run: what produced it (the label every number carries). A floor (popularity,
    repeat-history) is not trained: no loss, no training precision; its L is the window it was
    given (repeat-history's: the longest sequence, so that it reads every user's whole history)."""
    def trained(r, value):
        return value if r["config"]["model"] not in BASELINES else "not trained"

    rows = [{"dataset": DATASET_LABELS.get(r["config"]["dataset"], r["config"]["dataset"]),
             "model": LABELS.get(r["config"]["model"], r["config"]["model"]),
             "seed": r["config"]["seed"], "profile": r["config"].get("profile"),
             "data": source_kind(r["data"]), "L": r["config"]["lookback"],
             "epochs": r["last"]["epoch"], "best val epoch": r["best"]["epoch"],
             "loss": trained(r, r["config"].get("loss", "bce")),
             "device": device_label(r), "precision": trained(r, precision(r)),
             "train min": round(r["timings"]["train_seconds"] / 60, 2)} for r in recs]
    df = pd.DataFrame(rows)
    return df.sort_values(["dataset", "model", "seed"]).reset_index(drop=True) if len(df) else df


def variant(rec: dict) -> str:
    """The record's variant ('' = the paper's setting). Records written before records carried
    their variant are told apart by their loss (the only variant then was full CE)."""
    c = rec["config"]
    if "variant" in c:
        return c["variant"] or ""
    return "" if c.get("loss", "bce") == "bce" else str(c["loss"])


def main_runs(recs: list[dict]) -> list[dict]:
    """The runs that form Table 1: the paper's setting; variants (e.g. full CE) excluded."""
    return [r for r in recs if variant(r) == ""]


def repeated_runs(recs: list[dict], key, member) -> dict[tuple, dict]:
    """{key(rec): {member(rec): record}} for the trained runs (floors left out), keeping the keys
    with two members or more: the same run made again with one thing changed."""
    groups: dict[tuple, dict] = {}
    for rec in recs:
        if rec["config"]["model"] not in BASELINES:
            groups.setdefault(key(rec), {})[member(rec)] = rec
    return {k: runs for k, runs in groups.items() if len(runs) > 1}


# what makes two runs the same run (besides the data): a variant that changes any of these (e.g.
# `l5`: lookback 5) is another run, never a twin in another precision
RUN_SETTING = ("dataset", "model", "seed", "lookback", "epochs", "batch_size", "lr", "loss",
               "model_options")


def precision_twins(recs: list[dict]) -> dict[tuple, dict[str, dict]]:
    """{(dataset, model, seed, ...): {'bf16 autocast': record, 'fp32': record}} for the trained
    runs made in both training precisions with every other `RUN_SETTING` the same (e.g. a bf16
    profile and its `fp32` variant)."""
    def setting(rec):
        c = rec["config"]
        return tuple(json.dumps(c.get(name), sort_keys=True) for name in RUN_SETTING)
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
            rows.append({"dataset": DATASET_LABELS.get(dataset, dataset),
                         "model": LABELS.get(model, model), "seed": seed, "protocol": protocol,
                         "epochs": f"{bf16['last']['epoch']} / {fp32['last']['epoch']}",
                         f"bf16 {metric}": a, f"fp32 {metric}": b, "fp32 − bf16": b - a,
                         "Wilcoxon": {stats.BETTER: "fp32 better", stats.WORSE: "fp32 worse"}.get(
                             verdict, "no significant difference")})
    return pd.DataFrame(rows)


def seed_groups(recs: list[dict]) -> dict[tuple, dict[int, dict]]:
    """{(profile, dataset, model, variant, precision): {seed: record}}: trained runs that differ
    in their seed alone, where there are two seeds or more."""
    def setting(rec):
        c = rec["config"]
        return (c.get("profile"), c["dataset"], c["model"], variant(rec), precision(rec))
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
            rows.append({"profile": profile, "dataset": DATASET_LABELS.get(dataset, dataset),
                         "model": LABELS.get(model, model), "variant": var or "(main)",
                         "precision": prec, "protocol": protocol, "seeds": len(values),
                         **{f"seed {seed}": v for seed, v in values.items()},
                         "mean": values.mean(), "sd": values.std(ddof=1),
                         "max − min": values.max() - values.min(),
                         "seed pairs differing (Wilcoxon)": f"{differ} / {len(pairs)}"})
    df = pd.DataFrame(rows)
    if df.empty:
        return df
    head = ["profile", "dataset", "model", "variant", "precision", "protocol", "seeds"]
    seeds = sorted((c for c in df.columns if c.split(" ")[-1].isdigit()), key=lambda c: int(c[5:]))
    return df[head + seeds + [c for c in df.columns if c not in head + seeds]]


def plot_seed_curves(recs: list[dict], protocol: str = "full", metric: str = "NDCG@10"):
    """Test `metric` per evaluated epoch of every seed of each `seed_groups` group: one panel per
    setting (profile, dataset, variant, precision), one colour per model, one line per seed.
    Returns the figure, or None without a group."""
    import matplotlib.pyplot as plt
    from matplotlib.ticker import MaxNLocator
    panels: dict[tuple, list[tuple[str, dict[int, dict]]]] = {}
    for (profile, dataset, model, var, prec), runs in seed_groups(recs).items():
        panels.setdefault((profile, dataset, var, prec), []).append((model, runs))
    if not panels:
        return None
    cols = min(2, len(panels))                      # two panels a row: the book column's width
    rows = -(-len(panels) // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(7.0, 3.2 * rows), squeeze=False)
    for ax in axes.flat[len(panels):]:
        ax.set_axis_off()
    ordered = sorted(panels.items(), key=lambda panel: tuple(map(str, panel[0])))
    for ax, ((profile, dataset, var, prec), groups) in zip(axes.flat, ordered):
        for model, runs in sorted(groups, key=lambda group: group[0]):
            for style, (seed, rec) in zip(itertools.cycle(("-", "--", ":", "-.")), runs.items()):
                c = curves([rec], metric, "test", protocol)
                ax.plot(c["epoch"], c["value"], linestyle=style, color=colour(model),
                        label=f"{LABELS.get(model, model)}, seed {seed}")
        ax.set_xlabel("epoch", fontsize=8)
        ax.set_ylabel(f"test {metric} ({protocol})", fontsize=8)
        ax.set_title(f"{DATASET_LABELS.get(dataset, dataset)}: profile {profile}"
                     + (f" ~{var}" if var else "") + f", {prec}", fontsize=8)
        ax.xaxis.set_major_locator(MaxNLocator(nbins=4, integer=True))
        ax.tick_params(labelsize=7)
        ax.legend(fontsize=6)
    fig.tight_layout()
    return fig


# ------------------------------------------------------------------------------------ long runs
# committed run folders under results/, preferred first: the paper's settings on the canonical
# data (GPU), on the dataset copies (GPU), then the paper's protocol at L = 20 on a CPU
LONG_RUN_PROFILES = ("paper", "paper-copies", "cpu-paper")


def long_runs(results_dir, profiles=LONG_RUN_PROFILES) -> dict[str, tuple[str, list[dict]]]:
    """{dataset: (profile, main-run records)}: for every dataset, the most complete committed
    profile (`results_dir/PROFILE/...`): the one with the most trained models on it, the first
    in `profiles` among equals. So a GPU profile with two models so far does not hide a CPU
    profile with all five, and takes over once it has as many."""
    found: dict[str, list[tuple[int, str, list[dict]]]] = {}
    for rank, profile in enumerate(profiles):
        root = Path(results_dir) / profile
        if not root.is_dir():
            continue
        by_dataset: dict[str, list[dict]] = {}
        for rec in main_runs(records(root)):
            by_dataset.setdefault(rec["config"]["dataset"], []).append(rec)
        for dataset, recs in by_dataset.items():
            trained = len({r["config"]["model"] for r in recs} - set(BASELINES))
            found.setdefault(dataset, []).append((-trained, rank, profile, recs))
    return {dataset: min(options, key=lambda o: o[:2])[2:] for dataset, options in found.items()}


def cost_of_missing_runs(long: dict, bench_paths) -> pd.DataFrame:
    """For the datasets of `long_runs`, the models without a long run and what each would take
    at that budget (the dataset's L, eval_every and epochs) on every device the benchmark files
    in `bench_paths` timed it (`benchfiles.projected_cell_hours`); empty when none did."""
    from .benchfiles import projected_cell_hours
    tables = []
    for dataset, (_, recs) in long.items():
        trained = [r for r in recs if r["config"]["model"] not in BASELINES]
        absent = [m for m in TABLE_ORDER if m not in {r["config"]["model"] for r in trained}]
        if not (trained and absent):
            continue
        config, epochs = trained[0]["config"], max(r["last"]["epoch"] for r in trained)
        cost = projected_cell_hours(bench_paths, dataset, config["lookback"], epochs,
                                    config["eval_every"], absent)
        if len(cost):
            tables.append(cost.assign(dataset=DATASET_LABELS.get(dataset, dataset), epochs=epochs))
    if not tables:
        return pd.DataFrame()
    return pd.concat(tables).sort_values(["dataset", "model"], kind="stable").set_index(
        ["dataset", "model"])


def long_run_of(results_dir, model: str, dataset: str | None = None) -> dict | None:
    """The committed long run of `model` (on `dataset`, or on the first dataset that has one)."""
    for ds, (_, recs) in long_runs(results_dir).items():
        if dataset in (None, ds):
            hit = [r for r in recs if r["config"]["model"] == model]
            if hit:
                return max(hit, key=lambda r: r["last"]["epoch"])
    return None


def budget_label(recs: list[dict]) -> str:
    """What produced a set of records, e.g. 'profile cpu-paper, FS-NYC (local file ...), L=20,
    2000 epochs, CPU, bf16 autocast, seed 42' (values joined by ' / ' where the records differ;
    several seeds are named with how Table 1 and the claims pool them)."""
    trained = [r for r in recs if r["config"]["model"] not in BASELINES]
    parts = [record_label(r).split(", ") for r in trained]
    parts = [p for p in parts if len(p) == len(parts[0])] if parts else []
    if not parts:
        return "no trained runs"
    seeds = sorted({r["config"]["seed"] for r in trained})
    seeds_label = (f"seed {seeds[0]}" if len(seeds) == 1 else
                   f"seeds {', '.join(map(str, seeds))} (per-user values averaged over the seeds)")
    return ", ".join([*(" / ".join(dict.fromkeys(column)) for column in zip(*parts)), seeds_label])


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


def plot_run_curves(record: dict, protocols, dataset: str | None = None,
                    paper_protocols=("full",)) -> None:
    """One run's validation and test NDCG@10 per evaluated epoch, one panel per protocol (two per
    row, the book column's width), in the model's colour; the paper's final value (after 2000
    epochs) as a dotted line on the panel of the paper's protocol(s) only (`paper_protocols`: the
    results chapter identifies them), never on another protocol's scale."""
    import matplotlib.pyplot as plt
    from matplotlib.ticker import MaxNLocator
    model = record["config"]["model"]
    paper = paper_row(model, dataset or record["config"]["dataset"])
    protocols = list(protocols)
    cols = min(2, len(protocols))
    rows = -(-len(protocols) // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(7.0, 2.8 * rows + 0.6), squeeze=False)
    for ax, protocol in zip(axes.flat, protocols):
        for split, style in (("val", "--"), ("test", "-")):
            c = curves([record], split=split, protocol=protocol)
            ax.plot(c["epoch"], c["value"], style, marker="o", ms=3, color=colour(model),
                    alpha=0.6 if split == "val" else 1.0, label=split)
        if paper is not None and protocol in paper_protocols:
            ax.axhline(paper["NDCG@10"], color="black", ls=":", label="paper (2000 epochs)")
        ax.set_title(f"protocol: {protocol}" + (" (the paper's)" if protocol in paper_protocols
                                                else ""), fontsize=9)
        ax.set_ylabel("NDCG@10", fontsize=9)
        ax.xaxis.set_major_locator(MaxNLocator(nbins=5, integer=True))
        ax.tick_params(labelsize=8)
        ax.legend(fontsize=7)
    for ax in axes.flat[len(protocols):]:
        ax.set_axis_off()
    for ax in axes[-1]:
        ax.set_xlabel("epoch", fontsize=9)
    fig.suptitle(f"{LABELS.get(model, model)}: {record_label(record)}", fontsize=8)
    fig.tight_layout()
    plt.show()
