"""Figures from run records: the paper's Fig. 3/4 rebuilt (test curves per dataset with the
floors), the curves of every seed, and one run's validation and test curves per protocol.

One convention: each function takes the records it draws and returns the matplotlib Figure
(None when there is nothing to draw); the caller shows it. Every model is drawn in its colour
and named with its label from `seqrec.registry`. Figures are the book column's width (7 in).
"""
from __future__ import annotations

import itertools

import numpy as np

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
                protocol: str | None = None, metric: str = "NDCG@10",
                beside: dict[str, dict[str, tuple[str, list[dict]]]] | None = None) -> Figure:
    """Fig. 3/4 of the paper: one panel per dataset of `groups` ({dataset: (profile, records)},
    the main setting's runs), the test `metric` per evaluated epoch of each of `models` (the
    originals dashed; the mean over seeds where a model has several) and the floors as flat
    lines. `beside`: {model: {dataset: (words, records)}} of a model the main setting lacks,
    drawn dotted from another setting and labelled with it (`reproduction.beside_main`)."""
    fig, axes = plt.subplots(len(groups), 1, figsize=(WIDTH, 3.2 * len(groups)), squeeze=False)
    for ax, (dataset, (profile, recs)) in zip(axes[:, 0], groups.items()):
        _draw_curves(ax, recs, models, dataset, metric, protocol,
                     title=f"{label(dataset)} (profile {profile})")
        for model, where in (beside or {}).items():
            if dataset in where:
                words, runs = where[dataset]
                c = curves(runs, metric, "test", protocol).groupby("epoch")["value"].mean()
                ax.plot(c.index, c.values, color=colour(model), linestyle=":", lw=1.6,
                        label=f"{label(model)} ({words}; not run at the main setting)")
                ax.legend(fontsize=7)
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


# ----------------------------------------------------------------------------- the findings
OUTCOME_COLOURS = {"reproduced": "#2e7d32", "partly reproduced": "#b07d00", "reversed": "#c62828",
                   "no significant difference": "#4a5d86", "not tested": "#8a8a8a"}
RATIO_TICKS = (-0.5, 0.0, 1.0, 10.0, 30.0)   # ratio − 1: −50 % ... +3000 %


def _log_ratio(r: float) -> float:
    return float(np.log1p(r))


def plot_findings(table, protocol: str, width: float = 6.4, font: float = 10.0,
                  narrow: bool = False) -> Figure | None:
    """The findings in one figure: for every claim and dataset read at the main setting (the rows
    of `seqrec.findings.findings`, FS-TKY's untested rows left out), our NDCG@10 ratio model /
    against with its 95 % interval (a dot and a bar, coloured by the outcome) beside the paper's
    (a black diamond), on the log of the ratio, labelled in per cent, so that +3000 % and −5 %
    are both readable; its value is written beside each row. A row whose main setting lacks a
    model says so instead of a dot. One panel per dataset read. `narrow`: the phone's layout,
    each row's label above its dot instead of beside it (3.7 in wide: 1:1 on a 390 px screen)."""
    if narrow:
        width, font = 3.7, 8.5
    from .findings import NOT_RUN
    from .findings_html import claim_rows
    rows = table[table["reason"].eq("") | table[f"effect ({protocol})"].eq(NOT_RUN)]
    if rows.empty:
        return None
    rows = rows.assign(panel=rows["read on"].str.split(",").str[0])
    panels = list(dict.fromkeys(rows["panel"]))
    heights = [len(rows[rows["panel"] == p]) for p in panels]
    per_row = 0.42 if narrow else 0.26
    fig, axes = plt.subplots(len(panels), 1, figsize=(width, per_row * sum(heights) + 1.1 * len(panels) + 0.6),
                             gridspec_kw={"height_ratios": [h + 3 for h in heights]}, squeeze=False)
    lo_x, hi_x = _log_ratio(RATIO_TICKS[0]), _log_ratio(RATIO_TICKS[-1])
    for ax, panel in zip(axes[:, 0], panels):
        part = rows[rows["panel"] == panel]
        ordered = [r for _, group in claim_rows(part) for r in group]
        labels = []
        for y, r in enumerate(ordered):
            base = r["outcome"].split(",")[0]
            colour = OUTCOME_COLOURS[base]
            labels.append(r["name"] + (" (TKY)" if "stand-in" in r["read on"] else ""))
            if narrow:
                ax.text(0, y - 0.42, labels[-1], transform=ax.get_yaxis_transform(), ha="left",
                        va="center", fontsize=font, zorder=3,
                        bbox=dict(facecolor="white", edgecolor="none", pad=0.3))
            if r[f"effect ({protocol})"] == NOT_RUN:
                ax.text(lo_x, y + (0.1 if narrow else 0), NOT_RUN, ha="left", va="center",
                        fontsize=font * 0.9, color=colour, style="italic")
                continue
            x = _log_ratio(r["ratio"])
            if r["ratio lo"] != r["ratio hi"]:
                ax.plot([_log_ratio(max(r["ratio lo"], -0.99)), _log_ratio(r["ratio hi"])], [y, y],
                        color=colour, lw=2.2, solid_capstyle="butt")
            ax.plot([x], [y], "o" if r["kind"] != "curve" else "s", color=colour, ms=5.5)
            if not np.isnan(r["paper ratio"]):
                ax.plot([_log_ratio(r["paper ratio"])], [y], "D", mfc="none", mec="black", ms=5.5,
                        mew=1.2)
            ax.text(1.01, y, f"{r['ratio']:+.0%}".replace("-", "−"), transform=ax.get_yaxis_transform(),
                    ha="left", va="center", fontsize=font, color=colour)
        ax.axvline(0, color="#777", lw=0.8)
        ax.set_ylim(len(ordered) - 0.4, -0.9 if narrow else -0.6)
        ax.set_yticks(range(len(ordered)), [] if narrow else labels, fontsize=font)
        ax.tick_params(axis="y", length=0)
        ax.set_xlim(lo_x - 0.05, hi_x + 0.1)
        ax.set_xticks([_log_ratio(t) for t in RATIO_TICKS])
        ax.set_xticklabels([f"{t:+.0%}".replace("+0%", "0").replace("-", "−") for t in RATIO_TICKS],
                           fontsize=font * 0.85)
        ax.grid(axis="x", color="#e4e4e4", lw=0.6)
        ax.set_axisbelow(True)
        ax.set_title(f"{panel}, main setting", fontsize=font + 1, loc="left", fontweight="bold")
        ax.set_xlabel("NDCG@10, first model ÷ second − 1 (log scale)", fontsize=font * 0.9)
        for side in ("top", "right", "left"):
            ax.spines[side].set_visible(False)
    handles = [plt.Line2D([], [], marker="o", ls="-", color=c, label=o, ms=5)
               for o, c in OUTCOME_COLOURS.items() if o in {r.split(",")[0] for r in rows["outcome"]}]
    handles += [plt.Line2D([], [], marker="D", ls="none", mfc="none", mec="black", label="the paper"),
                plt.Line2D([], [], marker="s", ls="none", color="#444",
                           label="curve claim: ratio of window means")]
    fig.legend(handles=handles, loc="lower center", ncol=1 if narrow else 2, fontsize=font * 0.9,
               frameon=False)
    fig.tight_layout(rect=(0, (1.6 if narrow else 1.0) / fig.get_figheight(), 1, 1))
    return fig
