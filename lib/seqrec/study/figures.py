"""Figures from run records: the paper's Fig. 3/4 rebuilt (test curves per dataset with the
floors), the curves of every seed, and one run's validation and test curves per protocol.

One convention: each function takes the records it draws and returns the matplotlib Figure
(None when there is nothing to draw); the caller shows it. Every model is drawn in its colour
and named with its label from `seqrec.registry`. Figures are the book column's width (7 in).
"""
from __future__ import annotations

import itertools

import matplotlib.pyplot as plt
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from ..registry import BASELINES, ORIGINAL_OF, colour, label
from ..results import curves
from .paper import paper_row
from .provenance import record_label
from .seeds_and_precision import seed_groups

WIDTH = 7.0                                     # inches: the book column
FLOOR_OFF_SCALE = 1.5     # a floor above 1.5x the best curve is named in the legend, not drawn
FLOOR_STYLES = dict(zip(BASELINES, itertools.cycle((":", "-."))))   # one line style per floor
SEED_STYLES = ("-", "--", ":", "-.")            # one line style per seed of a model


def plot_curves(groups: dict[str, tuple[str, list[dict]]], models, title: str,
                protocol: str | None = None, metric: str = "NDCG@10") -> Figure:
    """Fig. 3/4 of the paper: one panel per dataset of `groups` ({dataset: (profile, records)},
    as `committed_runs.long_runs` gives), the test `metric` per evaluated epoch of each of `models`
    (the originals dashed; the mean over seeds where a model has several) and the floors as
    flat lines."""
    fig, axes = plt.subplots(len(groups), 1, figsize=(WIDTH, 3.2 * len(groups)), squeeze=False)
    for ax, (dataset, (profile, recs)) in zip(axes[:, 0], groups.items()):
        _draw_curves(ax, recs, models, dataset, metric, protocol,
                     title=f"{label(dataset)} (profile {profile})")
    fig.suptitle(f"{title}: protocol {protocol}", fontsize=10)
    fig.tight_layout()
    return fig


def _draw_curves(ax, recs: list[dict], models, dataset: str, metric: str, protocol: str | None,
                 title: str) -> None:
    """One panel of `plot_curves`. A floor far above every curve (on check-in data the
    repeat-history rule can be) would flatten the curves onto the x axis: it is then named in
    the legend with its value instead."""
    df = curves([r for r in recs if r["config"]["dataset"] == dataset], metric, "test", protocol)
    if df.empty:
        ax.set_axis_off()
        return
    top = 0.0
    for model in models:
        sub = df[df["model"] == model].groupby("epoch")["value"].mean()
        if len(sub):
            top = max(top, float(sub.max()))
            ax.plot(sub.index, sub.values, label=label(model), color=colour(model),
                    linestyle="--" if model in ORIGINAL_OF.values() else "-")
    for model in BASELINES:
        sub = df[df["model"] == model]["value"]
        if not len(sub):
            continue
        value = float(sub.mean())
        style = dict(color=colour(model), linewidth=0.8, linestyle=FLOOR_STYLES[model])
        if top > 0 and value > FLOOR_OFF_SCALE * top:
            ax.plot([], [], **style, label=f"{label(model)} = {value:.3f} (off the scale)")
        else:
            ax.axhline(value, **style, label=label(model))
    ax.set_xlabel("epoch")
    ax.set_ylabel(f"test {metric}" + (f" ({protocol})" if protocol else ""))
    ax.set_title(title)
    ax.legend(fontsize=8)


def plot_seed_curves(recs: list[dict], protocol: str = "full",
                     metric: str = "NDCG@10") -> Figure | None:
    """Test `metric` per evaluated epoch of every seed of each `seeds_and_precision.seed_groups` group: one
    panel per setting (profile, dataset, variant, precision), one colour per model, one line per
    seed. None without a group."""
    panels: dict[tuple, list[tuple[str, dict[int, dict]]]] = {}
    for (profile, dataset, model, var, prec), runs in seed_groups(recs).items():
        panels.setdefault((profile, dataset, var, prec), []).append((model, runs))
    if not panels:
        return None
    cols = min(2, len(panels))                      # two panels a row: the book column's width
    rows = -(-len(panels) // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(WIDTH, 3.2 * rows), squeeze=False)
    for ax in axes.flat[len(panels):]:
        ax.set_axis_off()
    ordered = sorted(panels.items(), key=lambda panel: tuple(map(str, panel[0])))
    for ax, ((profile, dataset, var, prec), groups) in zip(axes.flat, ordered):
        for model, runs in sorted(groups, key=lambda group: group[0]):
            for style, (seed, rec) in zip(itertools.cycle(SEED_STYLES), runs.items()):
                c = curves([rec], metric, "test", protocol)
                ax.plot(c["epoch"], c["value"], linestyle=style, color=colour(model),
                        label=f"{label(model)}, seed {seed}")
        ax.set_xlabel("epoch", fontsize=8)
        ax.set_ylabel(f"test {metric} ({protocol})", fontsize=8)
        ax.set_title(f"{label(dataset)}: profile {profile}" + (f" ~{var}" if var else "")
                     + f", {prec}", fontsize=8)
        ax.xaxis.set_major_locator(MaxNLocator(nbins=4, integer=True))
        ax.tick_params(labelsize=7)
        ax.legend(fontsize=6)
    fig.tight_layout()
    return fig


def plot_run_curves(record: dict, protocols, dataset: str | None = None,
                    paper_protocols=("full",)) -> Figure:
    """One run's validation and test NDCG@10 per evaluated epoch, one panel per protocol (two per
    row), in the model's colour; the paper's final value (after 2000 epochs) as a dotted line on
    the panel of the paper's protocol(s) only (`paper_protocols`: the results chapter identifies
    them), never on another protocol's scale."""
    model = record["config"]["model"]
    paper = paper_row(model, dataset or record["config"]["dataset"])
    protocols = list(protocols)
    cols = min(2, len(protocols))
    rows = -(-len(protocols) // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(WIDTH, 2.8 * rows + 0.6), squeeze=False)
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
    fig.suptitle(f"{label(model)}: {record_label(record)}", fontsize=8)
    fig.tight_layout()
    return fig
