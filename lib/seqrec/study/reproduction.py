"""What the committed runs add up to: the records under `results/`, checked; the protocol the
paper's Table 1 used, identified on the converged ones; the paper's claims read on them
(`seqrec.study.findings`); the cells not run yet, with what each would cost and the command that fills
it; and what the non-learned floors say about each dataset. The results chapter and the
introduction show this object; nothing in it is typed in.
"""
from __future__ import annotations

import glob
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from ..registry import BASELINES, DATASET_LABELS, LABELS, MODELS
from ..results import checked_records, curves, variant
from . import findings as F
from . import protocol_match
from .committed_runs import LONG_RUN_PROFILES, cost_of_missing_runs, long_runs
from .paper import paper_row
from .sasrec_study import ABLATION_PROFILE, ablation_sentence, study_records, study_sentence
from .tables import table1


# ----------------------------------------------------------------------------- the whole picture
@dataclass
class Reproduction:
    results_dir: Path
    when: str
    records: list[dict]                         # every readable committed record
    problems: list[str]                         # records left out, one line each
    long: dict[str, tuple[str, list[dict]]]     # dataset -> (profile, main runs)
    identification: protocol_match.Identification
    protocols: tuple[str, ...]                  # the protocol(s) the findings are read under
    findings: pd.DataFrame = field(repr=False)

    @property
    def protocol(self) -> str:
        return self.protocols[0]

    def summary(self) -> list[str]:
        sentences = F.summary_sentences(self.findings, self.protocol)
        study = [study_sentence(study_records(self.results_dir)),
                 ablation_sentence(study_records(self.results_dir, ABLATION_PROFILE))]
        return sentences[:-1] + floor_sentences(self) + [s for s in study if s] + sentences[-1:]


def load(results_dir, when: str = "last", protocol: str | None = None) -> Reproduction:
    """Everything the results chapter shows, from the records under `results_dir/PROFILE/` for
    the long-run profiles. `protocol`: read the findings under this one instead of the
    identified protocol(s)."""
    results_dir = Path(results_dir)
    records, problems = [], []
    for profile in LONG_RUN_PROFILES:
        if (results_dir / profile).is_dir():
            good, bad = checked_records(results_dir / profile)
            records += good
            problems += bad
    long = long_runs(records)
    main = [r for _, rs in long.values() for r in rs]
    identification = protocol_match.identify(main, records, when)
    protocols = (protocol,) if protocol else identification.protocols or ("full",)
    table = F.findings(records, protocols, when)
    return Reproduction(results_dir, when, records, problems, long, identification, protocols,
                        table)


# ----------------------------------------------------------------------------- the gaps
def not_run(rep: Reproduction, bench_glob: str | None = None) -> pd.DataFrame:
    """One row per (dataset, model) of the long-run grid with no committed run: why, what it
    would take on every device a benchmark file measured, and the command that fills it."""
    bench = sorted(glob.glob(bench_glob or str(rep.results_dir / "bench*.json")))
    cost = cost_of_missing_runs(rep.long, bench)
    damaged = {(r.split(": ")[0]): r for r in rep.problems}
    rows = []
    for dataset, (profile, recs) in rep.long.items():
        have = {r["config"]["model"] for r in recs}
        trained = [r for r in recs if r["config"]["model"] not in BASELINES]
        if not trained:
            continue
        lookback = trained[0]["config"]["lookback"]
        epochs = max(r["last"]["epoch"] for r in trained)
        for model in MODELS:
            if model in have:
                continue
            label = (DATASET_LABELS.get(dataset, dataset), LABELS[model])
            hours = cost.loc[label] if label in cost.index else pd.DataFrame()
            if isinstance(hours, pd.Series):
                hours = hours.to_frame().T
            quickest = (hours.sort_values("projected h").drop_duplicates("device")
                        if len(hours) else hours)                  # each device's best precision
            measured = "; ".join(f"{h['projected h']:.1f} h on {h['device']} ({h['training']})"
                                 for h in quickest.to_dict("records")) or "no benchmark of it"
            why = ("not run yet: " + (f"{quickest['projected h'].iloc[0]:.1f} h on the fastest "
                                      "device measured, longer than the other cells of the grid"
                                      if len(quickest) else "no device has timed it"))
            stale = [line for path, line in damaged.items() if f"/{dataset}/{model}/" in path]
            rows.append({"dataset": label[0], "model": label[1],
                         "setting": f"profile {profile}, L = {lookback}, {epochs} epochs",
                         "why": stale[0] if stale else why, "cost (2000 epochs plus evaluations)"
                         if epochs == 2000 else f"cost ({epochs} epochs plus evaluations)": measured,
                         "command": (f"python -m rebuild run --profile {profile} --engine direct "
                                     f"--only model={model},dataset={dataset}")})
    return pd.DataFrame(rows)


# ----------------------------------------------------------------------------- the floors
def floors(rep: Reproduction) -> pd.DataFrame:
    """Per dataset and protocol: the Repeat and Pop floors' test NDCG@10 beside the best trained
    model of the long runs (which, and whether it beats Repeat)."""
    rows = []
    for dataset, (_, recs) in rep.long.items():
        by_model = {r["config"]["model"]: r for r in recs}
        trained = [r for r in recs if r["config"]["model"] not in BASELINES]
        if "repeat" not in by_model or not trained:
            continue
        for protocol in by_model["repeat"][rep.when]["test"]:
            score = {m: r[rep.when]["test"][protocol]["NDCG@10"] for m, r in by_model.items()
                     if protocol in r[rep.when]["test"]}
            best = max((m for m in score if m not in BASELINES), key=score.get)
            rows.append({"dataset": DATASET_LABELS.get(dataset, dataset), "protocol": protocol,
                         "Repeat": score["repeat"], "Pop": score.get("pop", float("nan")),
                         "best trained model": LABELS[best], "its NDCG@10": score[best],
                         "Repeat − best": score["repeat"] - score[best]})
    return pd.DataFrame(rows).round(4)


def floor_sentences(rep: Reproduction) -> list[str]:
    """One sentence per dataset where the Repeat floor (no learning: the user's own past items,
    most frequent first) beats every trained model under the protocol the findings use."""
    table = floors(rep)
    if table.empty:
        return []
    out = []
    for r in table[table["protocol"] == rep.protocol].to_dict("records"):
        if r["Repeat − best"] > 0:
            out.append(f"On {r['dataset']} no trained model reaches the Repeat floor, which only "
                       f"re-ranks the items a user already had: test NDCG@10 {r['Repeat']:.4f} "
                       f"against {r['its NDCG@10']:.4f} for {r['best trained model']}, the best "
                       f"trained model ({rep.protocol} protocol; see 'What the floors say').")
    return out


def revisit_share(rec: dict) -> float | None:
    """Share of users whose test item they already visited before, on the data of `rec` (read
    from its local copy, found through `$SEQREC_DATA_DIR` when the record's own path is not on
    this machine); None when the data is not here."""
    from ..baselines import seen_before_share
    from ..results import record_data
    data = record_data(rec)
    return None if data is None else seen_before_share(data)


# ----------------------------------------------------------------------------- the variants
def variant_runs(rep: Reproduction, name: str, dataset: str) -> list[dict]:
    """The committed runs of the long-run profile's variant `name` on `dataset`, with the
    floors of the main runs there (a floor is not trained: neither L nor the epochs change it);
    empty when the variant has no run there."""
    runs = [r for r in rep.records if variant(r) == name and r["config"]["dataset"] == dataset]
    floors = [r for r in rep.long.get(dataset, (None, []))[1] if r["config"]["model"] in BASELINES]
    return runs + floors if runs else []


def variant_reading(rep: Reproduction, name: str, dataset: str) -> str:
    """A sentence on which findings rows on `dataset` the variant `name`'s runs decide (a row reads
    on the best setting that holds both of its models: `findings.evidence_for`), and, where none,
    which of the rows' models the variant has no run of."""
    where = DATASET_LABELS[dataset]
    rows = rep.findings[rep.findings["read on"].str.startswith(where)]   # stand-in rows included
    on_variant = rows["evidence"].str.contains(f"~{name})", regex=False)
    if on_variant.any():
        return (f"Of the {len(rows)} findings rows read on {where}, {on_variant.sum()} rest on these "
                f"runs (their *evidence* column names `~{name}`).")
    have = {r["config"]["model"] for r in variant_runs(rep, name, dataset)}
    pairs = [{m, against} for m, against in zip(rows["model"], rows["against"])]
    lacking = set().union(*pairs) - have
    if not all(pair & lacking for pair in pairs):
        return (f"None of the {len(rows)} findings rows read on {where} rests on these runs: each "
                "rests on the setting its *evidence* column names.")
    return (f"None of the {len(rows)} findings rows read on {where} rests on these runs: each "
            f"compares a model that has no `{name}` run on {where} "
            f"({', '.join(LABELS[m] for m in LABELS if m in lacking)}), so it rests on the "
            "setting its *evidence* column names.")


def longer_training(rep: Reproduction, name: str, dataset: str, metric: str = "NDCG@10") -> pd.DataFrame:
    """Per model of the variant `name` on `dataset`: `metric` of its main long run, of the
    variant's run (seeds averaged, at `rep.when` under `rep.protocol`) and the paper's value;
    what training longer than the main runs changed, and how far it still is from the paper."""
    runs = [r for r in variant_runs(rep, name, dataset) if r["config"]["model"] not in BASELINES]
    main = [r for r in rep.long.get(dataset, (None, []))[1]
            if r["config"]["model"] in {m["config"]["model"] for m in runs}]
    rows = []
    for label_, recs in (("main", main), (name, runs)):
        if not recs:
            continue
        t = table1(recs, rep.when, rep.protocol)
        t = t[t["metric"] == metric].set_index("model")["value"]
        epochs = {r["config"]["model"]: r["last"]["epoch"] for r in recs}
        rows += [{"model": m, "run": label_, "epochs": epochs[m], "value": v} for m, v in t.items()]
    if not rows:
        return pd.DataFrame()
    long = pd.DataFrame(rows)
    out = long.pivot_table(index="model", columns="run", values=["epochs", "value"], aggfunc="first")
    table = pd.DataFrame(index=[m for m in MODELS if m in out.index])
    for run in [r for r in ("main", name) if ("value", r) in out.columns]:
        table[f"{metric}, {out.loc[table.index, ('epochs', run)].astype(int).max()} epochs"] = (
            out.loc[table.index, ("value", run)])
    peaks = {m: highest_test(runs, m, rep.protocol, metric) for m in table.index}
    table[f"highest {metric} in the {name} run"] = [peaks[m][1] for m in table.index]
    table["at epoch"] = [peaks[m][0] for m in table.index]
    paper = {m: paper_row(m, dataset) for m in table.index}
    table[f"{metric}, the paper"] = [p[metric] if p is not None else float("nan")
                                     for p in paper.values()]
    table.index = [LABELS[m] for m in table.index]
    return table.round(4)


def highest_test(recs: list[dict], model: str, protocol: str, metric: str = "NDCG@10") -> tuple[int, float]:
    """(epoch, value) where `model`'s test `metric` curve, averaged over its seeds in `recs`, is
    highest: a curve that peaks early and falls shows it here (a description of the curve, not a
    model choice, which uses the validation split)."""
    curve = curves([r for r in recs if r["config"]["model"] == model], metric, "test", protocol)
    mean = curve.pivot_table(index="epoch", columns="seed", values="value").dropna().mean(axis=1)
    return int(mean.idxmax()), float(mean.max())
