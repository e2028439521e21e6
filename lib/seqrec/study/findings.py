"""The paper's claims, in its own words, checked on the committed runs: one row per claim and
dataset, with our evidence, the effect and its 95 % interval, whether the runs behind it have
converged, and an outcome from one vocabulary (`OUTCOMES`).

Nothing here is typed in but the paper's words and numbers (`CLAIMS`, from its text and its
Table 1): every effect, interval and outcome is computed from run records. The reading of each
kind of claim is written once, in `OUTCOMES` and in the docstrings of the `_read_*` functions.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd
from scipy import stats as st

from .. import stats
from ..registry import BASELINES, DATASET_LABELS, LABELS, ORIGINAL_OF, REFERENCE_MODELS
from ..results import precision, variant
from . import convergence
from .paper import TABLE_METRICS, paper_marks, paper_table
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
    "not tested": "no committed run can answer the claim; the reason is given",
}
PRELIMINARY = "preliminary"      # appended to an outcome that rests on a run still moving

# ----------------------------------------------------------------------------- the paper's claims
# the datasets of the paper; FS-TKY has no copy here, FS-NYC is read in its place where marked
PAPER_DATASETS = ("fs-tky", "fs-nyc", "ml-1m")
STAND_IN = {"fs-tky": "fs-nyc"}
NO_COPY = {"fs-tky": "no copy of Foursquare Tokyo here (the data chapter: how to add it)"}


@dataclass(frozen=True)
class Claim:
    """One of the paper's statements, as a test on two models. `kind` says how it is read:
    'direction' (model above/below `against` on `metric`), 'all-metrics' (above on all nine
    Table 1 metrics), 'gain' (relative gain of at least `size`), 'gap-at-most' (`against` above
    `model` by at most `size`), 'curve' (ahead at every evaluated epoch in `epochs`)."""
    quote: str
    where: str
    kind: str
    model: str
    against: str
    datasets: tuple[str, ...]
    above: bool = True                   # the paper says `model` scores above `against`
    size: float | None = None
    epochs: tuple[int, int | None] = (1, None)
    metric: str = "NDCG@10"
    note: str = ""


def text_claims() -> list[Claim]:
    """The claims of the paper's text and figures, quoted with their section."""
    mods = ("better scores than the baseline models across all metrics", "§3.1")
    out = [Claim(f"“The modified architectures yielded {mods[0]}.”", mods[1], "all-metrics",
                 plus, orig, PAPER_DATASETS) for plus, orig in ORIGINAL_OF.items()]
    out += [
        Claim("“Caser+ yields a 750% relative gain in NDCG@10 over its predecessor”", "§1",
              "gain", "caser+", "caser", ("fs-tky",), size=7.5,
              note="Table 1 puts this gain on FS-TKY (0.2551 vs 0.0300); the abstract says "
                   "“improvements of up to +65%” for both models, which this contradicts"),
        Claim("“CosRec+ improves NDCG@10 by 65%” (abstract: “up to +65%”)", "§1, abstract",
              "gain", "cosrec+", "cosrec", ("fs-tky",), size=0.65,
              note="Table 1 puts this gain on FS-TKY (0.5594 vs 0.3378)"),
        Claim("“CosRec+ even surpasses SASRec ... by 53%”", "§1", "gain", "cosrec+", "sasrec",
              ("fs-tky",), size=0.53, note="Table 1 puts this on FS-TKY (0.5594 vs 0.3653)"),
    ]
    out += [Claim("“across all epochs, the enhanced models consistently outperform their "
                  "respective baselines”", "§3.1, Fig. 3", "curve", plus, orig, PAPER_DATASETS)
            for plus, orig in ORIGINAL_OF.items()]
    fig4a = ("the paper names no dataset; the paragraph follows the ML-1M sentence, but its "
             "values (0.35-0.47) sit on the Foursquare scale, not ML-1M's (≤ 0.14)")
    out += [Claim("“the CNN-based models produce higher test performance during the first 250 "
                  "and 500 epochs”", "§3.2, Fig. 4a", "curve", model, "sasrec",
                  ("ml-1m", "fs-nyc"), epochs=(1, up_to), note=fig4a)
            for model, up_to in (("cosrec", 250), ("cosrec+", 500))]
    out += [Claim("“although SASRec converges faster on FS-TKY, Caser+ overtakes it after "
                  "epoch 1000”", "§3.2, Fig. 4b", "curve", "caser+", "sasrec", ("fs-tky",),
                  epochs=(1001, None))]
    out += [Claim("“On ML-1M, SASRec still holds the edge ... our models trail by at most "
                  "0.0404 in NDCG@10”", "§3.2", "gap-at-most", plus, "sasrec", ("ml-1m",),
                  above=False, size=0.0404,
                  note="in Table 1 Caser+ trails SASRec by 0.0538, more than 0.0404; the bound is "
                       "absolute, on the paper's scale, and our ML-1M numbers sit well below it")
            for plus in ORIGINAL_OF]
    return out


def table1_claims() -> list[Claim]:
    """The direction of each of the paper's Table 1 comparisons (NDCG@10), per dataset: each
    "+" model against its original and against SASRec, with the paper's values and marks."""
    paper = paper_table().set_index(["dataset", "model"])["NDCG@10"]
    marks = paper_marks().set_index(["dataset", "model", "metric"])
    out = []
    for dataset in PAPER_DATASETS:
        for plus, orig in ORIGINAL_OF.items():
            for against, mark in ((orig, "dagger"), ("sasrec", "star")):
                a, b = paper[(dataset, plus)], paper[(dataset, against)]
                marked = bool(marks.loc[(dataset, plus, "NDCG@10"), mark])
                words = (f"Table 1, {DATASET_LABELS[dataset]}: {LABELS[plus]} {a:.4f} "
                         f"{'>' if a > b else '<'} {LABELS[against]} {b:.4f}"
                         + (f" ({'†' if mark == 'dagger' else '*'}: significant)" if marked else ""))
                out.append(Claim(words, "Table 1", "direction", plus, against, (dataset,),
                                 above=bool(a > b)))
    return out


def original_sasrec_claims() -> list[Claim]:
    """The paper's comparisons with its SASRec (the toolkit's variant) read again against SASRec
    as its own paper builds it (`registry.REFERENCE_MODELS`), which the paper did not train:
    the Table 1 directions and the headline gain, with the paper's words unchanged."""
    note = ("read against {label}, which the paper did not train: the paper's SASRec is its "
            "toolkit's variant (the SASRec chapter sets the two side by side)")
    return [replace(c, against=ref, note=note.format(label=LABELS[ref]))
            for c in text_claims() + table1_claims()
            if c.against == "sasrec" and c.kind in ("direction", "gain")
            for ref in REFERENCE_MODELS]


CLAIMS = text_claims() + table1_claims() + original_sasrec_claims()

# ----------------------------------------------------------------------------- the evidence


@dataclass
class Setting:
    """Runs that differ in model and seed only: one profile, variant, training precision,
    window length and dataset."""
    profile: str
    variant: str
    precision: str
    lookback: int
    dataset: str
    runs: dict[str, dict[int, dict]] = field(default_factory=dict)     # model -> seed -> record

    def label(self, models, protocol: str) -> str:
        seeds = self.common_seeds(models)
        epochs = sorted({self.runs[m][s]["last"]["epoch"] for m in models for s in seeds})
        seeds_text = (f"seed {seeds[0]}" if len(seeds) == 1 else
                      f"seeds {seeds[0]}-{seeds[-1]}" if seeds == list(range(seeds[0], seeds[-1] + 1))
                      else "seeds " + ", ".join(map(str, seeds)))
        return (f"L = {self.lookback}, {'/'.join(map(str, epochs))} epochs, {seeds_text}, "
                f"{self.precision}, {protocol} (profile {self.profile}"
                + (f" ~{self.variant}" if self.variant else "") + ")")

    def common_seeds(self, models) -> list[int]:
        return sorted(set.intersection(*(set(self.runs.get(m, {})) for m in models)))


def settings(recs: list[dict]) -> list[Setting]:
    """The records grouped into `Setting`s (floors left out)."""
    out: dict[tuple, Setting] = {}
    for rec in recs:
        c = rec["config"]
        if c["model"] in BASELINES:
            continue
        key = (c.get("profile"), variant(rec), precision(rec), c["lookback"], c["dataset"])
        s = out.setdefault(key, Setting(*key))
        s.runs.setdefault(c["model"], {})[c["seed"]] = rec
    return list(out.values())


def evidence_for(claim_models, dataset: str, found: list[Setting]) -> list[Setting]:
    """The settings on `dataset` that hold both models, best evidence first: the longest window
    (closest to the paper's L = 100), then the most epochs, then the most seeds, then the
    paper's setting (no variant) before a variant."""
    usable = [s for s in found if s.dataset == dataset and s.common_seeds(claim_models)]
    def rank(s):
        seeds = s.common_seeds(claim_models)
        epochs = min(s.runs[m][seed]["last"]["epoch"] for m in claim_models for seed in seeds)
        return (-s.lookback, -epochs, -len(seeds), s.variant != "")
    return sorted(usable, key=rank)


# ----------------------------------------------------------------------------- one reading
@dataclass
class Reading:
    outcome: str
    effect: str            # in words, with the interval(s)
    converged: str         # 'all converged' or which run is still moving
    moving: bool           # a run behind the reading is still moving: the outcome is preliminary
    delta: float = float("nan")                # mean difference model − against on the metric
    verdict: str | None = None                 # stats.BETTER / stats.WORSE / None (Wilcoxon)


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
    return Reading(outcome, effect, conv, moving, mean, verdict)


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
    for s in seeds:
        a = convergence.test_curve(setting.runs[claim.model][s], protocol, claim.metric)
        b = convergence.test_curve(setting.runs[claim.against][s], protocol, claim.metric)
        shared = sorted(set(a[:, 0]) & set(b[:, 0]))
        shared = [e for e in shared if e >= first and (last is None or e <= last)]
        va = dict(zip(a[:, 0], a[:, 1]))
        vb = dict(zip(b[:, 0], b[:, 1]))
        ahead += sum(va[e] > vb[e] for e in shared)
        total += len(shared)
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
    return Reading(outcome, effect, conv, moving)


# ----------------------------------------------------------------------------- the table
def findings(recs: list[dict], protocols=("full",), when: str = "last",
             claims: list[Claim] | None = None) -> pd.DataFrame:
    """One row per claim and paper dataset: the paper's words, the dataset read (and whether as
    a stand-in), our evidence, per protocol the effect and the outcome, whether the runs have
    converged, and the outcome in every other setting that holds both models ('also read on')."""
    found = settings(recs)
    rows = []
    for claim in claims if claims is not None else CLAIMS:
        for dataset in claim.datasets:
            if not (dataset in NO_COPY and claim.against in REFERENCE_MODELS):  # said once
                rows.append(_row(claim, dataset, found, protocols, when))
            if dataset in STAND_IN and claim.datasets == (dataset,):
                rows.append(_row(claim, dataset, found, protocols, when, STAND_IN[dataset]))
    return pd.DataFrame(rows)


def _row(claim: Claim, dataset: str, found: list[Setting], protocols, when,
         stand_in: str | None = None) -> dict:
    row = {"claim": claim.quote, "where": claim.where, "note": claim.note, "size": claim.size,
           "paper dataset": DATASET_LABELS[dataset], "model": claim.model,
           "against": claim.against, "kind": claim.kind}
    # a claim about a dataset without a copy is not tested; where the claim is about that
    # dataset alone, a second row reads it on the stand-in (`findings` adds it)
    read_on = stand_in or dataset
    models = (claim.model, claim.against)
    no_copy = NO_COPY.get(dataset)
    options = [] if no_copy and not stand_in else evidence_for(models, read_on, found)
    if not options:
        reason = (no_copy if no_copy and not stand_in else
                  f"{' and '.join(LABELS[m] for m in models)} have no common committed run "
                  f"on {DATASET_LABELS[read_on]}")
        row.update({"read on": DATASET_LABELS[read_on], "evidence": "", "converged": "",
                    "outcome": "not tested", "reason": reason, "also read on": "",
                    "precisions": "", "preliminary": False})
        for p in protocols:
            row[f"effect ({p})"], row[f"outcome ({p})"] = "", "not tested"
        return row
    best = options[0]
    row["read on"] = DATASET_LABELS[read_on] + (
        f", as a stand-in for {DATASET_LABELS[dataset]}" if stand_in else "")
    row["evidence"] = best.label(models, "/".join(protocols))
    row["reason"] = ""
    row["lookback"] = int(best.lookback)
    row["epochs"] = min(best.runs[m][s]["last"]["epoch"] for m in models
                        for s in best.common_seeds(models))
    convergence_words = []
    for p in protocols:
        r = read_curve(claim, best, p) if claim.kind == "curve" else read_pair(claim, best, p, when)
        row[f"effect ({p})"] = r.effect
        row[f"outcome ({p})"] = r.outcome + (f", {PRELIMINARY}" if r.moving else "")
        row[f"delta ({p})"], row[f"verdict ({p})"] = r.delta, r.verdict
        row["preliminary"] = bool(row.get("preliminary")) or r.moving
        convergence_words.append(r.converged)
    row["converged"] = " | ".join(dict.fromkeys(convergence_words))
    row["outcome"] = row[f"outcome ({protocols[0]})"]
    p = protocols[0]
    others = [(other, read_curve(claim, other, p) if claim.kind == "curve"
               else read_pair(claim, other, p, when)) for other in options[1:]]
    row["also read on"] = "; ".join(f"{r.outcome}" + (f", {PRELIMINARY}" if r.moving else "")
                                    + f" — {other.label(models, p)}" for other, r in others)
    row["precisions"] = _precisions_agree(best, row[f"outcome ({p})"], others)
    return row


def _precisions_agree(best: Setting, outcome: str, others: list) -> str:
    """Where the same window holds both models in another training precision (the `fp32` twin
    of a bf16 run): whether the outcome is the same in both; '' where there is no twin."""
    twins = [(o, r) for o, r in others
             if o.lookback == best.lookback and o.precision != best.precision]
    if not twins:
        return ""
    by_precision = {best.precision: outcome.replace(f", {PRELIMINARY}", "")}
    for other, r in twins:
        by_precision.setdefault(other.precision, r.outcome)
    if len(set(by_precision.values())) == 1:
        return f"the same outcome in {' and in '.join(by_precision)}"
    return "the outcome depends on the precision: " + "; ".join(
        f"{o} in {p}" for p, o in by_precision.items())


# ----------------------------------------------------------------------------- in words
def _short(row: dict) -> str:
    """'L = 20' or 'L = 20, 300 epochs' (epochs named where they are not the paper's 2000)."""
    epochs = int(row["epochs"])
    return f"L = {int(row['lookback'])}" + ("" if epochs == 2000 else f", {epochs} epochs")


AGAINST_TABLE1 = {"reproduced": "as in Table 1", "reversed": "the opposite of Table 1",
                  "no significant difference": "where Table 1 has a difference",
                  "partly reproduced": "partly as in Table 1"}


def _pair_sentence(table: pd.DataFrame, model: str, against: str, protocol: str) -> str | None:
    """'Caser+ is significantly above Caser on FS-NYC (+0.3280 NDCG@10; L = 20, preliminary)
    and ...' from the Table 1 rows of one pair, read on the datasets themselves."""
    rows = table[(table["kind"] == "direction") & (table["model"] == model)
                 & (table["against"] == against) & (table["outcome"] != "not tested")
                 & ~table["read on"].str.contains("stand-in")]
    if rows.empty:
        return None
    parts = []
    for r in rows.to_dict("records"):
        verdict = r[f"verdict ({protocol})"]
        where = (f"significantly above {LABELS[against]}" if verdict == stats.BETTER else
                 f"significantly below {LABELS[against]}" if verdict == stats.WORSE else
                 f"not significantly different from {LABELS[against]}")
        parts.append(f"{where} on {r['read on']} ({r[f'delta ({protocol})']:+.4f} NDCG@10; "
                     f"{_short(r)}{', preliminary' if r['preliminary'] else ''}; "
                     f"{AGAINST_TABLE1[r['outcome'].replace(', ' + PRELIMINARY, '')]})")
    return f"{LABELS[model]} is " + ", and ".join(parts)


def summary_sentences(table: pd.DataFrame, protocol: str) -> list[str]:
    """The findings in a few plain sentences, every number from `table` (`findings`)."""
    pairs = [(plus, original) for plus, original in ORIGINAL_OF.items()]
    pairs += [(plus, sas) for sas in ("sasrec", *REFERENCE_MODELS) for plus in ORIGINAL_OF]
    out = [s + "." for s in (_pair_sentence(table, m, a, protocol) for m, a in pairs) if s]
    untested = table[table["outcome"] == "not tested"]
    tky = untested[untested["reason"] == NO_COPY["fs-tky"]]             # not tested for want of a copy
    if len(tky):
        gains = table[(table["kind"] == "gain") & table["read on"].str.contains("stand-in")]
        read = "; ".join(f"{LABELS[r['model']]} over {LABELS[r['against']]} "
                         f"{r[f'effect ({protocol})'].split(' over users')[0].replace('gain ', '')} "
                         f"(the paper: {r['size']:+.0%}): {r['outcome']}"
                         for r in gains.to_dict("records"))
        out.append(f"{len(tky)} rows about FS-TKY are not tested, for want of a copy; the "
                   "introduction's headline percentages are FS-TKY numbers"
                   + (f", and read on FS-NYC as a stand-in they give: {read}." if read else "."))
    prelim = table[table["preliminary"].astype(bool)]
    if len(prelim):
        moving = sorted({w.split(" still")[0].split(" (seed")[0]
                         for c in prelim["converged"] for w in c.split("; ") if "still" in w})
        out.append(f"{len(prelim)} of the {len(table) - len(untested)} tested rows are "
                   f"preliminary: a run behind them is still moving after its last epoch "
                   f"({', '.join(moving)}).")
    return out


def outcome_counts(table: pd.DataFrame) -> dict[str, int]:
    """How many rows end in each outcome (preliminary ones counted under their outcome)."""
    base = table["outcome"].str.replace(f", {PRELIMINARY}", "", regex=False)
    return {o: int((base == o).sum()) for o in OUTCOMES}


def vocabulary() -> pd.DataFrame:
    return pd.DataFrame({"outcome": list(OUTCOMES), "means": list(OUTCOMES.values())})


# ----------------------------------------------------------------------------- as a page shows it
OUTCOME_CLASS = {o: o.replace(" ", "-") for o in OUTCOMES}


def findings_html(table: pd.DataFrame, protocol: str) -> str:
    """The findings as one HTML table (class `findings`): the paper's words with their place,
    what we read them on, the effect with its interval, whether the runs converged, the outcome
    (a badge whose class names it) and the other settings that hold both models."""
    import html
    esc = html.escape
    head = ("<tr><th>the paper says</th><th>read on</th><th>effect, 95 % interval</th>"
            "<th>runs</th><th>outcome</th></tr>")
    body = []
    ours = table["against"].isin(REFERENCE_MODELS)
    for group, rows in (("The paper's text and figures", table[(table["kind"] != "direction") & ~ours]),
                        ("Table 1, comparison by comparison (NDCG@10)",
                         table[(table["kind"] == "direction") & ~ours]),
                        ("The same comparisons against SASRec as its own paper builds it "
                         "(not in the paper)", table[ours])):
        if rows.empty:
            continue
        body.append(f'<tr class="group"><th colspan="5">{esc(group)}</th></tr>')
        for r in rows.to_dict("records"):
            base = r["outcome"].replace(f", {PRELIMINARY}", "")
            said = f"{esc(r['claim'])} <span class=\"where\">({esc(r['where'])})</span>"
            if r["note"]:
                said += f"<div class=\"note\">{esc(r['note'])}</div>"
            read = f"<b>{esc(r['read on'])}</b>"
            if r["evidence"]:
                read += f"<div class=\"note\">{esc(r['evidence'])}</div>"
            if r["also read on"]:
                read += f"<div class=\"note\">also: {esc(r['also read on'])}</div>"
            if r.get("precisions"):
                read += f"<div class=\"note precisions\">{esc(r['precisions'])}</div>"
            outcome = f'<span class="outcome {OUTCOME_CLASS[base]}">{esc(base)}</span>'
            if r["preliminary"]:
                outcome += f'<div class="note">{PRELIMINARY}</div>'
            if r["reason"]:
                outcome += f'<div class="note">{esc(r["reason"])}</div>'
            body.append(f"<tr><td>{said}</td><td>{read}</td>"
                        f"<td>{esc(r.get(f'effect ({protocol})', ''))}</td>"
                        f"<td>{esc(r['converged'])}</td><td>{outcome}</td></tr>")
    return (f'<div class="findings-box"><table class="findings"><thead>{head}</thead>'
            f'<tbody>{"".join(body)}</tbody></table></div>')


def vocabulary_html() -> str:
    """The outcome vocabulary as a definition list, each term in its badge."""
    import html
    items = "".join(f'<dt><span class="outcome {OUTCOME_CLASS[o]}">{html.escape(o)}</span></dt>'
                    f"<dd>{html.escape(means)}</dd>" for o, means in OUTCOMES.items())
    return f'<dl class="outcomes">{items}</dl>'


def summary_html(sentences: list[str]) -> str:
    """The plain-words summary as an HTML list (class `findings-summary`): HTML, not Markdown,
    because the introduction glues it from the results chapter and myst-nb pastes only text,
    HTML and images across pages."""
    import html
    items = "".join(f"<li>{html.escape(s)}</li>" for s in sentences)
    return f'<ul class="findings-summary">{items}</ul>'
