"""The paper's claims, in its own words, checked on the committed runs: one row per claim and
dataset, with our evidence, the effect and its 95 % interval, whether the runs behind it have
converged, and an outcome from one vocabulary (`OUTCOMES`).

Nothing here is typed in but the paper's words and numbers (`paper_claims.CLAIMS`, from its text
and its Table 1): every effect, interval and outcome is computed from run records; the findings
in plain sentences are `findings_words`'. The reading of each
kind of claim is written once, in `OUTCOMES` and in the docstrings of the `_read_*` functions.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats as st

from .. import stats
from ..registry import DATASET_LABELS, LABELS, REFERENCE_OF, REFERENCES_FOR
from . import convergence
from .findings_setting import (MainSetting, Setting, main_setting, missing_runs,
                               run_command, settings)
from .paper import TABLE_METRICS, paper_table
from .paper_claims import CLAIMS, NO_COPY, STAND_IN, Claim
from .tables import per_user_values

# ----------------------------------------------------------------------------- the vocabulary
OUTCOMES = {
    "reproduced": "our runs show what the paper states: for a comparison, a paired Wilcoxon test "
                  "over users (p < 0.05) in the paper's direction, with every seed on the same "
                  "side; for a stated size, that and a 95 % interval that reaches the size; for "
                  "a curve, ahead at every evaluated epoch of the claim's window (of the part the runs "
                  "cover, where they end before it: the evidence then says where they end)",
    "partly reproduced": "part of the claim holds and part does not: a significant gain smaller "
                         "than the stated size, a significant win on some of the nine metrics "
                         "only, or a curve ahead at some evaluated epochs only (the evidence "
                         "says how many)",
    "reversed": "our runs show significantly the opposite (for a curve: behind at every "
                "evaluated epoch of the window; for a bound: the gap is significantly larger)",
    "no significant difference": "neither: the Wilcoxon test finds no difference at p < 0.05, "
                                 "or the seeds disagree on its sign",
    "not tested": "no committed run at the main setting can answer the claim (another "
                  "setting's runs are never used in its place); the reason is given, and where "
                  "a run is missing, the command that makes it",
}
PRELIMINARY = "preliminary"      # appended to an outcome that rests on a run still moving

# ----------------------------------------------------------------------------- one reading
@dataclass
class Reading:
    outcome: str
    effect: str            # in words, with the interval(s)
    converged: str         # 'all converged' or which run is still moving
    moving: bool           # a run behind the reading is still moving: the outcome is preliminary
    delta: float = float("nan")                # mean difference model − against on the metric
    verdict: str | None = None                 # stats.BETTER / stats.WORSE / None (Wilcoxon)
    delta_interval: tuple[float, float] = (float("nan"), float("nan"))   # 95 %, over users
    ratio: tuple[float, float, float] = (float("nan"),) * 3   # mean(model)/mean(against) − 1, 95 %


def _per_user(setting: Setting, model: str, seeds, protocol: str, metric: str, when: str):
    """[seeds, users] per-user values of `metric`."""
    return np.stack([per_user_values(setting.runs[model][s], when, protocol)[metric] for s in seeds])


def _interval_over_seeds(per_seed: np.ndarray) -> tuple[float, float] | None:
    """95 % t interval of the mean of the per-seed effects; None with one seed."""
    k = len(per_seed)
    if k < 2:
        return None
    half = st.t.ppf(0.975, k - 1) * per_seed.std(ddof=1) / np.sqrt(k)
    return float(per_seed.mean() - half), float(per_seed.mean() + half)


def mean_difference(a: np.ndarray, b: np.ndarray) -> tuple[float, float, float]:
    """Mean of the paired differences a − b over users and its 95 % interval (normal
    approximation: users number in the thousands)."""
    d = a - b
    half = 1.959964 * d.std(ddof=1) / np.sqrt(len(d))
    return float(d.mean()), float(d.mean() - half), float(d.mean() + half)


def relative_gain(a: np.ndarray, b: np.ndarray) -> tuple[float, float, float]:
    """mean(a) / mean(b) − 1 over paired users and its 95 % interval (delta method)."""
    n, ma, mb = len(a), a.mean(), b.mean()
    cov = np.cov(a, b, ddof=1)
    var = (cov[0, 0] / mb**2 - 2 * ma * cov[0, 1] / mb**3 + ma**2 * cov[1, 1] / mb**4) / n
    half = 1.959964 * np.sqrt(max(var, 0.0))
    r = ma / mb
    return float(r - 1), float(r - half - 1), float(r + half - 1)


def _convergence(setting: Setting, models, seeds, protocol: str) -> tuple[bool, str]:
    """(any run still moving, words): the rule of `seqrec.study.convergence` on every run used."""
    moving = []
    for m in models:
        for s in seeds:
            state = convergence.status(setting.runs[m][s], protocol)
            if not state.converged:
                moving.append(f"{LABELS[m]}" + (f" (seed {s})" if len(seeds) > 1 else "")
                              + f" {state.label}")
    return bool(moving), ("all converged" if not moving else "; ".join(moving))


def _fmt(x: float, signed: bool = True) -> str:
    return f"{x:+.4f}" if signed else f"{x:.4f}"


def _pct(x: float) -> str:
    return f"{x:+.0%}"


def read_pair(claim: Claim, setting: Setting, protocol: str, when: str = "last") -> Reading:
    """A 'direction', 'all-metrics', 'gain' or 'gap-at-most' claim on one setting: per-user
    values averaged over the common seeds (as Table 1 pools them), the paired Wilcoxon test
    over users (`seqrec.stats`), the interval over users and, with several seeds, over seeds."""
    seeds = setting.common_seeds((claim.model, claim.against))
    sign = 1 if claim.above else -1
    a_all = _per_user(setting, claim.model, seeds, protocol, claim.metric, when)
    b_all = _per_user(setting, claim.against, seeds, protocol, claim.metric, when)
    a, b = a_all.mean(0), b_all.mean(0)
    verdict = stats.compare(a, b)
    seed_signs = {np.sign(x.mean() - y.mean()) for x, y in zip(a_all, b_all)}
    agree = len(seed_signs) == 1
    moving, conv = _convergence(setting, (claim.model, claim.against), seeds, protocol)
    direction = ("better" if sign > 0 else "worse")
    opposite = ("worse" if sign > 0 else "better")
    mean, lo, hi = mean_difference(a, b)
    effect = (f"{LABELS[claim.model]} − {LABELS[claim.against]}: {_fmt(mean)} "
              f"[{_fmt(lo)}, {_fmt(hi)}] over users")
    over_seeds = _interval_over_seeds(np.array([x.mean() - y.mean() for x, y in zip(a_all, b_all)]))
    if over_seeds:
        effect += f"; [{_fmt(over_seeds[0])}, {_fmt(over_seeds[1])}] over {len(seeds)} seeds"
    effect += f" ({claim.metric} {a.mean():.4f} vs {b.mean():.4f})"

    if claim.kind == "direction":
        outcome = _direction_outcome(verdict, direction, opposite, agree)
    elif claim.kind == "all-metrics":
        outcome, counts = _all_metrics(claim, setting, seeds, protocol, when)
        effect = f"better on {counts[0]} of 9 metrics, worse on {counts[1]}; " + effect
    elif claim.kind == "gain":
        gain, glo, ghi = relative_gain(a, b)
        effect = (f"gain {_pct(gain)} [{_pct(glo)}, {_pct(ghi)}] over users "
                  f"(the paper: {_pct(claim.size)}); " + effect)
        outcome = _direction_outcome(verdict, direction, opposite, agree)
        if outcome == "reproduced" and ghi < claim.size:
            outcome = "partly reproduced"
    elif claim.kind == "gap-at-most":
        gap, glo, ghi = mean_difference(b, a)                               # against − model
        effect = (f"gap {LABELS[claim.against]} − {LABELS[claim.model]}: {_fmt(gap)} "
                  f"[{_fmt(glo)}, {_fmt(ghi)}] over users (the paper: at most {claim.size:.4f}; "
                  f"{claim.metric} {a.mean():.4f} vs {b.mean():.4f})")
        outcome = ("reproduced" if ghi <= claim.size and verdict == stats.WORSE and agree else
                   "reversed" if glo > claim.size or (verdict == stats.BETTER and agree) else
                   "no significant difference")
    else:
        raise ValueError(f"read_pair cannot read a {claim.kind!r} claim")
    ratio = relative_gain(a, b) if b.mean() > 0 else (float("nan"),) * 3
    return Reading(outcome, effect, conv, moving, mean, verdict, (lo, hi), ratio)


def _direction_outcome(verdict, direction: str, opposite: str, agree: bool) -> str:
    if verdict == direction and agree:
        return "reproduced"
    if verdict == opposite and agree:
        return "reversed"
    return "no significant difference"


def _all_metrics(claim: Claim, setting: Setting, seeds, protocol: str, when: str):
    """Outcome of 'better on all nine metrics' and (better, worse) counts over the nine."""
    better = worse = 0
    for metric in TABLE_METRICS:
        a = _per_user(setting, claim.model, seeds, protocol, metric, when).mean(0)
        b = _per_user(setting, claim.against, seeds, protocol, metric, when).mean(0)
        verdict = stats.compare(a, b)
        better += verdict == stats.BETTER
        worse += verdict == stats.WORSE
    n = len(TABLE_METRICS)
    outcome = ("reproduced" if better == n else "reversed" if worse == n else
               "partly reproduced" if better else
               "reversed" if worse else "no significant difference")
    return outcome, (better, worse)


def read_curve(claim: Claim, setting: Setting, protocol: str) -> Reading:
    """A 'curve' claim: the share of evaluated epochs in the claim's window at which `model`'s
    test metric is above `against`'s, in every seed."""
    seeds = setting.common_seeds((claim.model, claim.against))
    first, last = claim.epochs
    ahead = total = 0
    means = []                         # per seed: the two curves' means over the shared epochs
    for s in seeds:
        a = convergence.test_curve(setting.runs[claim.model][s], protocol, claim.metric)
        b = convergence.test_curve(setting.runs[claim.against][s], protocol, claim.metric)
        shared = sorted(set(a[:, 0]) & set(b[:, 0]))
        shared = [e for e in shared if e >= first and (last is None or e <= last)]
        va = dict(zip(a[:, 0], a[:, 1]))
        vb = dict(zip(b[:, 0], b[:, 1]))
        ahead += sum(va[e] > vb[e] for e in shared)
        total += len(shared)
        if shared:
            means.append((np.mean([va[e] for e in shared]), np.mean([vb[e] for e in shared])))
    moving, conv = _convergence(setting, (claim.model, claim.against), seeds, protocol)
    trained = min(setting.runs[m][s]["last"]["epoch"] for m in (claim.model, claim.against) for s in seeds)
    end = trained if last is None else min(last, trained)   # the window the runs cover
    if total == 0:
        return Reading("not tested", f"no evaluated epoch in {first}-{end}", conv, moving)
    effect = (f"{LABELS[claim.model]} ahead of {LABELS[claim.against]} at {ahead} of {total} "
              f"evaluated epochs in {first}-{end}" + (f" (over {len(seeds)} seeds)" if len(seeds) > 1 else "")
              + (f"; the runs end at epoch {trained}, before the claim's window ends at {last}"
                 if last is not None and trained < last else ""))
    outcome = ("reproduced" if ahead == total else "reversed" if ahead == 0 else "partly reproduced")
    ratio = float(np.mean([a for a, _ in means]) / np.mean([b for _, b in means]) - 1)
    return Reading(outcome, effect, conv, moving, ratio=(ratio, ratio, ratio))


# ----------------------------------------------------------------------------- the table
NOT_RUN = "not run at the main setting"


def findings(recs: list[dict], protocols=("full",), when: str = "last",
             claims: list[Claim] | None = None,
             main: dict[str, MainSetting] | None = None) -> pd.DataFrame:
    """One row per claim and paper dataset, read at the dataset's main setting (`main`, by
    default `findings_setting.MAIN_SETTINGS`) and nowhere else: the paper's words, the dataset
    read (and whether as a stand-in), our evidence, per protocol the effect and the outcome,
    whether the runs have converged, and in `robustness` the outcome in every other setting that
    holds both models ('same' where it agrees). Where the main setting lacks a model the row is
    not tested, says so, and gives the command that runs it."""
    found = settings(recs, main)
    rows = []
    for claim in claims if claims is not None else CLAIMS:
        for dataset in claim.datasets:
            if not (dataset in NO_COPY and claim.against in REFERENCES_FOR["sasrec"]):  # said once
                rows.append(_row(claim, dataset, found, protocols, when))
            if dataset in STAND_IN and claim.datasets == (dataset,):
                rows.append(_row(claim, dataset, found, protocols, when, STAND_IN[dataset]))
    return pd.DataFrame(rows)


def _others(found: list[Setting], dataset: str, models) -> list[Setting]:
    """The settings on `dataset` besides the main one that hold both `models`: the longest
    window first, then the most epochs, the most seeds, a profile's main grid before a variant."""
    usable = [s for s in found if s.dataset == dataset and not s.main and s.common_seeds(models)]
    def rank(s):
        seeds = s.common_seeds(models)
        epochs = min(s.runs[m][seed]["last"]["epoch"] for m in models for seed in seeds)
        return (-s.lookback, -epochs, -len(seeds), s.variant != "")
    return sorted(usable, key=rank)


def _read(claim: Claim, setting: Setting, protocol: str, when: str) -> Reading:
    return read_curve(claim, setting, protocol) if claim.kind == "curve" else read_pair(
        claim, setting, protocol, when)


def _row(claim: Claim, dataset: str, found: list[Setting], protocols, when,
         stand_in: str | None = None) -> dict:
    row = {"claim": claim.quote, "where": claim.where, "note": claim.note, "size": claim.size,
           "paper dataset": DATASET_LABELS[dataset], "model": claim.model,
           "against": claim.against, "kind": claim.kind, "name": claim_name(claim),
           "read on": DATASET_LABELS[stand_in or dataset], "evidence": "", "converged": "",
           "reason": "", "command": "", "robustness": "", "preliminary": False,
           "main setting": "", "seeds": "", "paper ratio": paper_ratio(claim, dataset)}
    for p in protocols:
        row[f"effect ({p})"], row[f"outcome ({p})"] = "", "not tested"
        row[f"delta ({p})"], row[f"verdict ({p})"] = float("nan"), None
        row[f"delta interval ({p})"] = (float("nan"), float("nan"))
    row["ratio"] = row["ratio lo"] = row["ratio hi"] = float("nan")
    row["outcome"] = "not tested"
    # a claim about a dataset without a copy is not tested; where the claim is about that
    # dataset alone, a second row reads it on the stand-in (`findings` adds it)
    read_on = stand_in or dataset
    models = (claim.model, claim.against)
    if NO_COPY.get(dataset) and not stand_in:
        row["reason"] = NO_COPY[dataset]
        return row
    if stand_in:
        row["read on"] += f", as a stand-in for {DATASET_LABELS[dataset]}"
    main = main_setting(found, read_on)
    if main is None:
        row["reason"] = f"no main setting is named for {DATASET_LABELS[read_on]}"
        return row
    setting = main.main
    row["main setting"] = setting.text()
    missing = missing_runs(setting, main.runs, models)
    if missing:
        row["command"] = run_command(setting, missing)
    seeds = main.common_seeds(models)
    others = _others(found, read_on, models)
    p = protocols[0]
    if not seeds:
        absent = [m for m in models if not main.runs.get(m)]
        names = " and ".join(LABELS[m] for m in absent) or " and ".join(map(LABELS.get, models))
        row["reason"] = (f"{names} {'is' if len(absent) == 1 else 'are'} {NOT_RUN} "
                         f"({setting.text()}); another setting's answer is not used here")
        for q in protocols:
            row[f"effect ({q})"] = NOT_RUN
        row["robustness"] = "; ".join(
            f"{_base(r)}{_moving(r)} ({o.short(models, setting)})"
            for o, r in ((o, _read(claim, o, p, when)) for o in others))
        return row
    row["evidence"] = main.label(models, "/".join(protocols))
    row["seeds"] = f"{len(seeds)} of {len(setting.seeds)} seed{'s' * (len(setting.seeds) > 1)}"
    row["lookback"] = int(main.lookback)
    row["epochs"] = min(main.runs[m][s]["last"]["epoch"] for m in models for s in seeds)
    convergence_words = []
    for q in protocols:
        r = _read(claim, main, q, when)
        row[f"effect ({q})"] = r.effect
        row[f"outcome ({q})"] = r.outcome + _moving(r)
        row[f"delta ({q})"], row[f"verdict ({q})"] = r.delta, r.verdict
        row[f"delta interval ({q})"] = r.delta_interval
        row["preliminary"] = row["preliminary"] or r.moving
        convergence_words.append(r.converged)
        if q == p:
            row["ratio"], row["ratio lo"], row["ratio hi"] = r.ratio
    row["converged"] = " | ".join(dict.fromkeys(convergence_words))
    row["outcome"] = row[f"outcome ({p})"]
    ours = _base_outcome(row["outcome"])
    row["robustness"] = "; ".join(
        ("same" if _base(r) == ours else _base(r) + _moving(r)) + f" ({o.short(models, setting)})"
        for o, r in ((o, _read(claim, o, p, when)) for o in others))
    return row


def _base_outcome(outcome: str) -> str:
    return outcome.replace(f", {PRELIMINARY}", "")


def _base(r: Reading) -> str:
    return r.outcome


def _moving(r: Reading) -> str:
    return f", {PRELIMINARY}" if r.moving else ""


def claim_name(claim: Claim) -> str:
    """The claim in a few words, for the figure and the scanning table: 'Caser+ > Caser, all
    metrics', 'CosRec+ over CosRec: +65 %', 'Caser+ ahead of SASRec after epoch 1000'."""
    a, b = LABELS[claim.model], LABELS[claim.against]
    if claim.kind == "all-metrics":
        return f"{a} > {b}, all 9 metrics"
    if claim.kind == "gain":
        return f"{a} over {b}: {_pct(claim.size)}"
    if claim.kind == "gap-at-most":
        return f"{a} trails {b} by ≤ {claim.size:.4f}"
    if claim.kind == "curve":
        first, last = claim.epochs
        window = (f"epochs 1-{last}" if first == 1 and last else
                  f"epochs > {first - 1}" if first > 1 else "every epoch")
        return f"{a} ahead of {b}, {window}"
    return f"{a} {'>' if claim.above else '<'} {b}"


def paper_ratio(claim: Claim, dataset: str) -> float:
    """The paper's own NDCG@10 ratio model / against − 1 on `dataset` (Table 1); against the
    paper's SASRec where the claim is read against the original one, which the paper did not
    train; NaN for a curve claim (the paper gives no single number for it)."""
    if claim.kind == "curve":
        return float("nan")
    paper = paper_table().set_index(["dataset", "model"])["NDCG@10"]
    against = REFERENCE_OF.get(claim.against, claim.against)
    if (dataset, claim.model) not in paper.index or (dataset, against) not in paper.index:
        return float("nan")
    return float(paper[(dataset, claim.model)] / paper[(dataset, against)] - 1)
