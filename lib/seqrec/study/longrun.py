"""A model's committed long runs, as a model chapter shows them: one table (what each run is, where
it ends, where validation would have stopped it, whether it has converged) and one figure per
question (where it ends up against the paper's Table 1; what the protocol changes).

The runs are read, never retrained: the checked records under `results/PROFILE/` for the long-run
profiles (`seqrec.study.reproduction.load`). Runs that differ in their seed alone are one *setting*
(their numbers are the mean over the seeds); a setting is (profile, dataset, variant, training
precision, L, epochs). Convergence is `seqrec.study.convergence.status`, the book's one rule. The
paper's Table 1 value is drawn and tabled under the protocol(s) the results chapter identifies
as the paper's (`paper_protocols`), under no other.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..registry import DATASET_LABELS, LABELS, colour
from ..results import curves, precision, variant
from . import convergence
from .paper import paper_row
from .provenance import device_label

METRICS = {"NDCG@10": "NDCG@10", "HR@10": "R@10"}     # shown name -> record key (HR = recall @ 1 target)
LINESTYLES = ("-", "--", ":", "-.")                   # settings of one model, in `settings` order


# ----------------------------------------------------------------------------- settings
@dataclass(frozen=True)
class Setting:
    """Runs of one model that differ in their seed alone."""
    profile: str
    dataset: str
    variant: str           # '' = the profile's main setting
    precision: str         # training precision: 'bf16 autocast' or 'fp32'
    lookback: int
    epochs: int
    records: tuple         # one record per seed, seeds in order

    @property
    def seeds(self) -> list[int]:
        return [r["config"]["seed"] for r in self.records]

    @property
    def label(self) -> str:
        """e.g. 'L = 20, bf16 autocast, seed 42' or 'L = 5, fp32, seeds 42-44 (mean)'."""
        s = self.seeds
        seeds = f"seed {s[0]}" if len(s) == 1 else f"seeds {s[0]}–{s[-1]} (mean)"
        return f"L = {self.lookback}, {self.precision}, {seeds}"


def settings(records: list[dict], model: str) -> list[Setting]:
    """The committed settings of `model`: per dataset, the main one first, then the variants
    (by L, longest window first, then by name)."""
    groups: dict[tuple, list[dict]] = {}
    for rec in records:
        c = rec["config"]
        if c["model"] != model:
            continue
        key = (c.get("profile"), c["dataset"], variant(rec), precision(rec), c["lookback"],
               rec["last"]["epoch"])
        groups.setdefault(key, []).append(rec)
    out = [Setting(*key, tuple(sorted(recs, key=lambda r: r["config"]["seed"])))
           for key, recs in groups.items()]
    return sorted(out, key=lambda s: (s.dataset, s.variant != "", -s.lookback, s.variant, s.profile))


# ----------------------------------------------------------------------------- the table
def _mean(recs, when: str, protocol: str, key: str) -> float:
    return float(np.mean([r[when]["test"][protocol][key] for r in recs]))


def convergence_label(recs, protocol: str, metric: str = "NDCG@10") -> str:
    """'converged', the rule's label for one seed, or e.g. 'still rising (...) in 2 of 3 seeds'."""
    status = [convergence.status(r, protocol, metric) for r in recs]
    if all(s.converged for s in status):
        return "converged" if len(status) == 1 else f"converged ({len(status)} of {len(status)} seeds)"
    moving = [s for s in status if not s.converged]
    worst = max(moving, key=lambda s: abs(s.movement) if np.isfinite(s.movement) else -1)
    return worst.label + ("" if len(status) == 1 else f" in {len(moving)} of {len(status)} seeds")


def long_run_table(records: list[dict], model: str, protocols, paper_protocols=("full",),
                   missing: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per committed setting of `model` and protocol: dataset, L, epochs, seeds, training
    precision and variant; test NDCG@10 and HR@10 at the last epoch and at the best-validation
    epoch (means over the seeds); convergence (`convergence_label`); the paper's Table 1 NDCG@10
    under the paper's protocol(s) only. `missing`: `reproduction.not_run`'s frame; its rows for
    `model` are added as 'not run' with their reason. Numbers are rounded to 4 decimals; no cell
    is NaN (a cell that does not apply says why)."""
    rows = []
    for s in settings(records, model):
        for protocol in protocols:
            if not all(protocol in r["last"]["test"] for r in s.records):
                continue
            paper = paper_row(model, s.dataset)
            row = {"dataset": DATASET_LABELS.get(s.dataset, s.dataset), "L": s.lookback,
                   "epochs": s.epochs, "seeds": ", ".join(map(str, s.seeds)),
                   "precision": s.precision, "variant": s.variant or "(main)",
                   "protocol": protocol}
            for name, key in METRICS.items():
                row[f"last-epoch {name}"] = round(_mean(s.records, "last", protocol, key), 4)
            row["best-val epoch"] = " / ".join(str(r["best"]["epoch"]) for r in s.records)
            for name, key in METRICS.items():
                row[f"best-val {name}"] = round(_mean(s.records, "best", protocol, key), 4)
            row["convergence"] = convergence_label(s.records, protocol)
            row["paper NDCG@10"] = (
                "no paper row" if paper is None else
                round(float(paper["NDCG@10"]), 4) if protocol in paper_protocols else
                "n/a: not the paper's protocol")
            rows.append(row)
    for m in (missing.to_dict("records") if missing is not None and len(missing) else []):
        if m["model"] != LABELS.get(model, model):
            continue
        lookback = _setting_number(m["setting"], "L = ")
        rows.append({"dataset": m["dataset"], "L": lookback,
                     "epochs": _setting_number(m["setting"], ", ", " epochs"), "seeds": "none",
                     "precision": "—", "variant": "(main)", "protocol": "all",
                     **{c: "not run" for c in ("last-epoch NDCG@10", "last-epoch HR@10",
                                               "best-val epoch", "best-val NDCG@10",
                                               "best-val HR@10")},
                     "convergence": m["why"], "paper NDCG@10": "—"})
    df = pd.DataFrame(rows)
    if len(df):      # a missing run sits with its dataset
        df = df.sort_values("dataset", kind="stable").reset_index(drop=True)
    return df


def long_run_html(table: pd.DataFrame, paper_protocols=("full",)) -> str:
    """`long_run_table` as HTML: the rows under the paper's protocol(s) open, every other
    protocol folded in a <details> element (rows not run appear in each)."""
    if not len(table):
        return "<p><em>No committed long run.</em></p>"
    every = table["protocol"] == "all"
    protocols = list(dict.fromkeys(table.loc[~every, "protocol"]))
    protocols.sort(key=lambda p: p not in paper_protocols)
    parts = []
    for p in protocols:
        part = table[(table["protocol"] == p) | every].drop(columns="protocol")
        html = part.to_html(index=False, border=0, classes="long-run")
        if p in paper_protocols:
            parts.append(f"<p><strong>protocol <code>{p}</code> (the paper's)</strong></p>{html}")
        else:
            parts.append(f"<details><summary>the same runs under protocol <code>{p}</code>"
                         f"</summary>{html}</details>")
    return "\n".join(parts)


def _setting_number(text: str, before: str, after: str = ","):
    """The number after `before` (and before `after`) in a not-run row's 'setting' text."""
    import re
    hit = re.search(re.escape(before) + r"(\d+)" + re.escape(after), text + ",")
    return int(hit.group(1)) if hit else "?"


def not_run_sentences(missing: pd.DataFrame | None, model: str) -> list[str]:
    """One sentence per missing long run of `model`: where, why, and the command that makes it."""
    if missing is None or not len(missing):
        return []
    return [f"{m['dataset']}, {m['setting']}: {m['why']}; `{m['command']}` makes it."
            for m in missing.to_dict("records") if m["model"] == LABELS.get(model, model)]


# ----------------------------------------------------------------------------- the figures
WIDTH = 7.0            # inches: the book's column at 100 dpi


def _mean_curve(recs, protocol: str, split: str = "test", metric: str = "NDCG@10") -> pd.Series:
    df = curves(list(recs), metric, split, protocol)
    return df.groupby("epoch")["value"].mean() if len(df) else pd.Series(dtype=float)


def _style_axis(ax) -> None:
    from matplotlib.ticker import MaxNLocator
    ax.xaxis.set_major_locator(MaxNLocator(nbins=4, integer=True))
    ax.yaxis.set_major_locator(MaxNLocator(nbins=5))
    ax.tick_params(labelsize=8)
    ax.grid(alpha=0.3)


def plot_against_paper(records: list[dict], model: str, protocol: str = "full"):
    """Question: where does each long run end up, against the paper's Table 1? One panel per
    dataset: test NDCG@10 under `protocol` (which must be the paper's) per evaluated epoch, one
    line per setting (seeds averaged, their range shaded), the paper's value dotted. None
    without a run."""
    import matplotlib.pyplot as plt
    by_dataset: dict[str, list[Setting]] = {}
    for s in settings(records, model):
        by_dataset.setdefault(s.dataset, []).append(s)
    if not by_dataset:
        return None
    n = len(by_dataset)
    fig, axes = plt.subplots(1, n, figsize=(WIDTH, 3.4), squeeze=False)
    for ax, (dataset, group) in zip(axes[0], by_dataset.items()):
        for style, s in zip(LINESTYLES, group):
            mean = _mean_curve(s.records, protocol)
            ax.plot(mean.index, mean.values, linestyle=style, color=colour(model), lw=1.2,
                    label=s.label)
            if len(s.records) > 1:
                df = curves(list(s.records), "NDCG@10", "test", protocol).groupby("epoch")["value"]
                ax.fill_between(df.min().index, df.min().values, df.max().values,
                                color=colour(model), alpha=0.15, lw=0)
        paper = paper_row(model, dataset)
        if paper is not None:
            ax.axhline(float(paper["NDCG@10"]), color="black", ls=":", lw=1,
                       label=f"paper, Table 1 ({float(paper['NDCG@10']):.4f})")
        ax.set_title(DATASET_LABELS.get(dataset, dataset), fontsize=10)
        ax.set_xlabel("epoch", fontsize=9)
        _style_axis(ax)
        ax.legend(fontsize=7, loc="lower right")
    axes[0][0].set_ylabel(f"test NDCG@10 ({protocol})", fontsize=9)
    fig.suptitle(f"{LABELS.get(model, model)}: the committed long runs against the paper "
                 f"(protocol {protocol})", fontsize=10)
    fig.tight_layout()
    return fig


def plot_protocols(records: list[dict], model: str, dataset: str, protocols,
                   paper_protocols=("full",)):
    """Question: does the protocol change the picture? One panel per protocol (two per row):
    test NDCG@10 per evaluated epoch of every setting of `model` on `dataset`; the paper's
    value only on the panel of the paper's protocol(s). None without a run there."""
    import matplotlib.pyplot as plt
    group = [s for s in settings(records, model) if s.dataset == dataset]
    protocols = [p for p in protocols if any(p in r["last"]["test"] for s in group for r in s.records)]
    if not group or not protocols:
        return None
    cols = min(2, len(protocols))
    rows = -(-len(protocols) // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(WIDTH, 2.9 * rows), squeeze=False)
    paper = paper_row(model, dataset)
    for ax, protocol in zip(axes.flat, protocols):
        for style, s in zip(LINESTYLES, group):
            mean = _mean_curve(s.records, protocol)
            ax.plot(mean.index, mean.values, linestyle=style, color=colour(model), lw=1.2,
                    label=s.label)
        if paper is not None and protocol in paper_protocols:
            ax.axhline(float(paper["NDCG@10"]), color="black", ls=":", lw=1,
                       label="paper, Table 1")
        ax.set_title(f"protocol {protocol}" + (" (the paper's)" if protocol in paper_protocols
                                               else ""), fontsize=9)
        _style_axis(ax)
    for ax in axes.flat[len(protocols):]:
        ax.set_axis_off()
    for ax in axes[-1]:
        ax.set_xlabel("epoch", fontsize=9)
    for ax in axes[:, 0]:
        ax.set_ylabel("test NDCG@10", fontsize=9)
    legend = {}
    for ax in axes.flat:
        for handle, label in zip(*ax.get_legend_handles_labels()):
            legend.setdefault(label, handle)
    handles, labels = list(legend.values()), list(legend)
    fig.legend(handles, labels, loc="lower center", ncol=min(3, len(labels)), fontsize=7,
               frameon=False)
    fig.suptitle(f"{LABELS.get(model, model)} on {DATASET_LABELS.get(dataset, dataset)}: "
                 "the same runs under every protocol", fontsize=10)
    fig.tight_layout(rect=(0, 0.04 + 0.03 * (len(labels) > 3), 1, 1))
    return fig


# ----------------------------------------------------------------------------- the chapter's run
PAPER_EPOCHS = 2000     # the paper's budget (§3)


def own_run_sentence(record: dict) -> str:
    """What the chapter's own run is, from its record (never from a typed profile name): e.g.
    'This chapter's run (profile `ci`, 10 epochs at L = 10 on FS-NYC, CPU) trained 0.5 % of the
    paper's 2000 epochs: read its numbers as the start of the learning curve, not as the
    paper's converged value.'"""
    c = record["config"]
    epochs = record["last"]["epoch"]
    share = epochs / PAPER_EPOCHS
    where = (f"profile `{c.get('profile')}`, {epochs} epochs at L = {c['lookback']} on "
             f"{DATASET_LABELS.get(c['dataset'], c['dataset'])}")
    head = f"This chapter's run ({where}, {device_label(record)})"
    if share >= 1:
        return f"{head} trained the paper's full budget of {PAPER_EPOCHS} epochs."
    return (f"{head} trained {share:.1%} of the paper's {PAPER_EPOCHS} epochs: read its numbers "
            "as the start of the learning curve, not as the paper's converged value.")


def budget_lines(records: list[dict], model: str) -> list[str]:
    """One line per dataset: the committed settings of `model` and their budget against the
    paper's (e.g. 'ML-1M: L = 20, bf16 autocast, seed 42; 300 epochs, 15% of the paper's 2000')."""
    by_dataset: dict[str, list[Setting]] = {}
    for s in settings(records, model):
        by_dataset.setdefault(s.dataset, []).append(s)
    lines = []
    for dataset, group in by_dataset.items():
        epochs = sorted({s.epochs for s in group})
        budget = " / ".join(map(str, epochs)) + " epochs"
        budget += (", the paper's budget" if epochs == [PAPER_EPOCHS] else
                   f", {max(epochs) / PAPER_EPOCHS:.0%} of the paper's {PAPER_EPOCHS}")
        lines.append(f"{DATASET_LABELS.get(dataset, dataset)}: "
                     f"{'; '.join(s.label for s in group)}; {budget}")
    return lines
