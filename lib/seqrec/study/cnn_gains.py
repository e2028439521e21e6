"""Each "+" gain of the paper taken apart, and its claims read against the original CNNs (the
CNN-baselines study, `cnn_study`): the causal architecture, the targets per epoch and the
toolkit's own setting, each a switch, as paired differences over users; the paper's claims of a
"+" model over its CNN read against the CNN as its own paper trains it; and the paper's §1
explanation of the gain read on them.

    decomposition_table(runs, "caser")                # architecture x targets x setting
    decomposition_effects(runs, "caser")              # each factor, the other two held fixed
    fair_claims(runs)                                 # the claims against the originals
"""
from __future__ import annotations

import pandas as pd

from .. import stats
from ..registry import DATASET_LABELS, LABELS, PLUS_OF, REFERENCES_FOR
from .cnn_study import (DIFFERENCES, GRID, MECHANISM, METRIC, ORIGINALS, Cell, interval,
                        paired, seeds_of, family_cells, per_user)
from .findings import mean_difference
from .paper_claims import CLAIMS, STAND_IN

DECOMPOSITION = (   # (architecture, targets per epoch, setting) -> the cell that trains it, L = 5
    ("original", "one target", "toolkit", GRID, "l5", "{family}"),
    ("original", "one target", "fixed", MECHANISM, "l5-fixed", "{family}"),
    ("causal", "one target", "toolkit", MECHANISM, "l5-last", "{plus}"),
    ("causal", "one target", "fixed", MECHANISM, "l5-fixed-last", "{plus}"),
    ("causal", "every target", "toolkit", GRID, "l5", "{plus}"),
    ("causal", "every target", "fixed", MECHANISM, "l5-fixed", "{plus}"),
)
FIXES = {"caser": "the reference initialisation", "cosrec": None}   # item 3's finding, per family


def decomposition_cells(family: str) -> list[tuple[tuple[str, str, str], Cell]]:
    plus = PLUS_OF[family]
    out = []
    for arch, targets, setting, profile, variant, model in DECOMPOSITION:
        if setting == "fixed" and FIXES[family] is None:
            continue
        name = model.format(family=family, plus=plus)
        out.append(((arch, targets, setting), Cell(profile, variant, name,
                                                   f"{LABELS[name]}: {arch} architecture, "
                                                   f"{targets}, {setting} setting")))
    return out


def decomposition_table(records: list[dict], family: str) -> pd.DataFrame:
    """The "+" gain taken apart at L = 5 on FS-NYC: one row per (architecture, targets per
    epoch, setting) cell with its test NDCG@10, plus the original regime (every sliding window);
    'not run' with the command where a cell has no runs."""
    rows = []
    for (arch, targets, setting), cell in decomposition_cells(family):
        runs = cell.runs(records)
        rows.append({"architecture": arch, "targets per window": targets,
                     "setting": setting if setting == "toolkit" else FIXES[family],
                     "model": LABELS[cell.model], "seeds": seeds_of(runs) if runs else "",
                     f"test {METRIC}, 95 % CI": (interval(per_user(runs)) if runs
                                                 else f"not run: `{cell.command()}`")})
    original = family_cells(family)["original"]
    runs = original.runs(records)
    rows.append({"architecture": "original", "targets per window": "3 after the window",
                 "setting": "its paper's (every sliding window, each epoch)",
                 "model": LABELS[original.model], "seeds": seeds_of(runs) if runs else "",
                 f"test {METRIC}, 95 % CI": (interval(per_user(runs)) if runs
                                             else f"not run: `{original.command()}`")})
    return pd.DataFrame(rows)


def decomposition_effects(records: list[dict], family: str) -> pd.DataFrame:
    """Each factor as a paired difference over users, with the other two held fixed: the causal
    architecture (causal, one target − original, one target), the targets per epoch (every −
    one target, causal), the setting (fixed − toolkit), in every combination the runs allow."""
    cells = dict(decomposition_cells(family))
    runs = {k: c.runs(records) for k, c in cells.items()}
    factors = (("the whole \"+\" (causal, every target − original, one target)", None, None),
               ("causal architecture", 0, ("original", "causal")),
               ("every position a target", 1, ("one target", "every target")),
               (FIXES[family] or "", 2, ("toolkit", "fixed")))
    rows = []
    for name, axis, change in factors:
        if axis is None:                                  # the "+" model against the CNN
            for setting in ("toolkit", "fixed"):
                key = ("causal", "every target", setting)
                other = ("original", "one target", setting)
                if key in cells and other in cells and runs[key] and runs[other]:
                    x, y = per_user(runs[key]), per_user(runs[other])
                    rows.append({"factor": name, "held fixed": setting if setting == "toolkit"
                                 else FIXES[family], f"Δ {METRIC}, 95 % CI, Wilcoxon": paired(x, y),
                                 "seeds": f"{len(runs[key])} / {len(runs[other])}"})
            continue
        off, on = change
        for key in cells:
            if key[axis] != on:
                continue
            other = tuple(off if i == axis else v for i, v in enumerate(key))
            if other not in cells or not (runs[key] and runs[other]):
                continue
            x, y = per_user(runs[key]), per_user(runs[other])
            held = ", ".join(v for i, v in enumerate(key) if i != axis)
            rows.append({"factor": name, "held fixed": held,
                         f"Δ {METRIC}, 95 % CI, Wilcoxon": paired(x, y),
                         "seeds": f"{len(runs[key])} / {len(runs[other])}"})
    return pd.DataFrame(rows)


# ------------------------------------------------------------------------------ the claims
def fair_sentence(records: list[dict]) -> str | None:
    """The paper's headline gains (§1) read against the originals, in one sentence; None until
    one of them is read."""
    table = fair_claims(records)
    gains = table[table["the paper says"].str.contains("%") & (table["outcome"] != "not tested")]
    if gains.empty:
        return None
    parts = [f"{r['the paper says']} reads {r['effect, 95 % CI']} against {r['against']} on "
             f"{r['read on']}: {r['outcome']}" for r in gains.to_dict("records")]
    return ("Against the CNNs as their own papers train them, each model at its own authors' "
            "settings: " + "; ".join(parts) + ".")


def fair_claims(records: list[dict]) -> pd.DataFrame:
    """The paper's claims of a "+" model over its CNN (`paper_claims.CLAIMS`: the gains and Table 1's
    directions), read against the CNN as its own paper trains it: the "+" model as the paper's
    authors train it (the grid's main runs: L = 20, 2000 epochs) against the original as its
    authors train it (L = 5, every sliding window, 50 or 40 epochs), paired over the same users,
    test targets and candidates. FS-TKY's claims are read on FS-NYC, as in the findings."""
    rows = []
    for claim in CLAIMS:
        if claim.kind not in ("gain", "direction") or claim.against not in REFERENCES_FOR \
                or claim.against == "sasrec":
            continue
        for dataset in claim.datasets:
            read_on = STAND_IN.get(dataset, dataset)
            plus = Cell(GRID, "", claim.model, "", read_on).runs(records)
            reference = REFERENCES_FOR[claim.against][0]
            original = Cell(ORIGINALS, "", reference, "", read_on).runs(records)
            where = DATASET_LABELS[read_on] + (f" (for {DATASET_LABELS[dataset]})"
                                               if read_on != dataset else "")
            rows.append({"the paper says": claim.quote, "read on": where,
                         "against": LABELS[REFERENCES_FOR[claim.against][0]],
                         **_read(claim, plus, original)})
    return pd.DataFrame(rows)


def _read(claim, plus: list[dict], original: list[dict]) -> dict:
    """Effect and outcome of one claim on the runs (the findings' vocabulary)."""
    if not (plus and original):
        missing = "the original" if plus else f"{LABELS[claim.model]}'s main run"
        return {"effect, 95 % CI": "", "outcome": "not tested",
                "evidence": f"no run of {missing} on this dataset"}
    x, y = per_user(plus), per_user(original)
    d, lo, hi = mean_difference(x, y)
    p = stats.wilcoxon(x, y)
    base = y.mean()
    significant = p < 0.05
    if claim.kind == "gain":
        effect = f"{d / base:+.0%} [{lo / base:+.0%}, {hi / base:+.0%}]"
        if significant and lo / base >= claim.size:
            outcome = "reproduced"
        elif significant and lo > 0:
            outcome = "partly reproduced"
        elif significant and hi < 0:
            outcome = "reversed"
        else:
            outcome = "no significant difference"
    else:
        effect = f"{d:+.4f} [{lo:+.4f}, {hi:+.4f}]"
        up = lo > 0 if claim.above else hi < 0
        down = hi < 0 if claim.above else lo > 0
        outcome = ("reproduced" if significant and up else "reversed" if significant and down
                   else "no significant difference")
    return {"effect, 95 % CI": effect, "outcome": outcome,
            "evidence": (f"{LABELS[claim.model]} {x.mean():.4f} ({_runs_label(plus)}) vs "
                         f"{base:.4f} ({_runs_label(original)}); Wilcoxon p = {p:.2g}")}


def _runs_label(runs: list[dict]) -> str:
    c = runs[0]
    return (f"L = {c['config']['lookback']}, {c['last']['epoch']} epochs, "
            f"{'bf16' if c['resolved']['amp'] else 'fp32'}, {seeds_of(runs)}")


def mechanism_claim(records: list[dict]) -> pd.DataFrame:
    """§1: “These changes enable multiple predictions per sequence, leading to more stable
    training and better convergence”, read per family on the decomposition (L = 5, FS-NYC): how
    much of the "+" gain over the toolkit's CNN the targets per epoch give (every − one target,
    causal architecture, toolkit setting) beside the causal architecture alone (causal − original,
    one target); and, where the family has a fix (`FIXES`), the same two with it. Reproduced where
    the targets carry a significant gain in both settings; partly where only in the toolkit's."""
    rows = []
    for family in DIFFERENCES:
        cells = dict(decomposition_cells(family))
        runs = {k: c.runs(records) for k, c in cells.items()}
        toolkit = _mechanism(runs, "toolkit")
        if toolkit is None:
            keys = [k for k in cells if k[2] == "toolkit" and not runs[k]]
            rows.append({"family": LABELS[family], "outcome": "not tested",
                         "evidence": "not run: " + "; ".join(f"`{cells[k].command()}`"
                                                            for k in keys)})
            continue
        fixed = _mechanism(runs, "fixed") if FIXES[family] else None
        outcome = toolkit.pop("outcome")
        row = {"family": LABELS[family], "outcome": outcome,
               **{f"{k} (toolkit's setting)": v for k, v in toolkit.items()}}
        if fixed is not None:
            fixed_outcome = fixed.pop("outcome")
            row.update({f"{k} (with {FIXES[family]})": v for k, v in fixed.items()})
            if outcome == "reproduced" and fixed_outcome != "reproduced":
                row["outcome"] = "partly reproduced"
        elif FIXES[family]:
            row[f"with {FIXES[family]}"] = "not run: " + "; ".join(
                f"`{cells[k].command()}`" for k in cells if k[2] == "fixed" and not runs[k])
        row["evidence"] = "L = 5, FS-NYC, fp32; paired over users, Wilcoxon"
        rows.append(row)
    return pd.DataFrame(rows).fillna("")          # a family not tested has no effect columns


def _mechanism(runs: dict, setting: str) -> dict | None:
    """In one setting: the targets' effect (every − one target, causal), its share of the "+"
    gain (causal every − original one) and the architecture alone (causal − original, one
    target); None unless the three cells have runs."""
    keys = [("original", "one target", setting), ("causal", "one target", setting),
            ("causal", "every target", setting)]
    if not all(runs.get(k) for k in keys):
        return None
    base, one, every = (per_user(runs[k]) for k in keys)
    whole = every.mean() - base.mean()
    d, lo, hi = mean_difference(every, one)
    p = stats.wilcoxon(every, one)
    _, g_lo, g_hi = mean_difference(every, base)
    share = (f" ({d / whole:.0%} of the '+' gain, {whole:+.4f})" if g_lo > 0 or g_hi < 0
             else f" (no significant '+' gain to share: {whole:+.4f} [{g_lo:+.4f}, {g_hi:+.4f}])")
    return {"outcome": ("reproduced" if p < 0.05 and lo > 0 else
                        "reversed" if p < 0.05 and hi < 0 else "no significant difference"),
            "every target − one target": f"{d:+.4f} [{lo:+.4f}, {hi:+.4f}], p = {p:.2g}{share}",
            "causal architecture alone": f"{one.mean() - base.mean():+.4f}"}


def targets_effect(records: list[dict], models=("caser+", "cosrec+", "sasrec")) -> pd.DataFrame:
    """Every position of the window a target against the last one only (`targets: last`), for
    each model that scores every position, in the toolkit's setting at L = 5 on FS-NYC: the grid's
    `l5` runs against the `cnn-mechanism` profile's `l5-last` runs, paired over users."""
    rows = []
    for model in models:
        every = Cell(GRID, "l5", model, "").runs(records)
        last = Cell(MECHANISM, "l5-last", model, "")
        last_runs = last.runs(records)
        if not (every and last_runs):
            rows.append({"model": LABELS[model], "every position": "", "last position only": "",
                         "every − last, 95 % CI, Wilcoxon": f"not run: `{last.command()}`"})
            continue
        x, y = per_user(every), per_user(last_runs)
        rows.append({"model": LABELS[model],
                     "every position": f"{x.mean():.4f} ({seeds_of(every)})",
                     "last position only": f"{y.mean():.4f} ({seeds_of(last_runs)})",
                     "every − last, 95 % CI, Wilcoxon": paired(x, y)})
    return pd.DataFrame(rows)
