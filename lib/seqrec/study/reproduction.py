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

from ..errors import DataError
from ..registry import BASELINES, DATASET_LABELS, LABELS, MODELS
from ..results import checked_records, curves, variant
from . import findings as F
from . import findings_words
from . import protocol_match
from .committed_runs import LONG_RUN_PROFILES, cost_of_missing_runs, long_runs
from .findings_setting import MAIN_SETTINGS, TRAINED, MainSetting, settings
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
    main: dict[str, MainSetting] = field(default_factory=lambda: dict(MAIN_SETTINGS))

    @property
    def protocol(self) -> str:
        return self.protocols[0]

    def summary(self) -> list[str]:
        sentences = findings_words.summary_sentences(self.findings, self.protocol, self.main)
        study = [study_sentence(study_records(self.results_dir)),
                 ablation_sentence(study_records(self.results_dir, ABLATION_PROFILE))]
        return sentences[:-1] + floor_sentences(self) + [s for s in study if s] + sentences[-1:]


def load(results_dir, when: str = "last", protocol: str | None = None,
         main: dict[str, MainSetting] | None = None) -> Reproduction:
    """Everything the results chapter shows, from the records under `results_dir/PROFILE/` for
    the long-run profiles, read at each dataset's main setting (`main`, by default
    `findings_setting.MAIN_SETTINGS`). `protocol`: read the findings under this one instead of
    the identified protocol(s)."""
    results_dir = Path(results_dir)
    main = dict(MAIN_SETTINGS if main is None else main)
    records, problems = [], []
    for profile in LONG_RUN_PROFILES:
        if (results_dir / profile).is_dir():
            good, bad = checked_records(results_dir / profile)
            records += good
            problems += bad
    long = main_setting_runs(records, main)
    main_recs = [r for _, rs in long.values() for r in rs]
    identification = protocol_match.identify(main_recs, records, when)
    protocols = (protocol,) if protocol else identification.protocols or ("full",)
    table = F.findings(records, protocols, when, main=main)
    return Reproduction(results_dir, when, records, problems, long, identification, protocols,
                        table, main)


def main_setting_runs(records: list[dict], main: dict[str, MainSetting]) -> dict[str, tuple[str, list[dict]]]:
    """{dataset: (profile, records)}: the runs of each dataset's main setting, floors included;
    a dataset without a named main setting keeps the most complete long-run profile's main runs
    (`committed.long_runs`)."""
    out = {d: v for d, v in long_runs(records).items() if d not in main}
    for dataset, setting in main.items():
        runs = [r for r in records if setting.holds(r)]
        if any(r["config"]["model"] not in BASELINES for r in runs):
            out[dataset] = (setting.profile, runs)
    return out


def beside_main(rep: Reproduction, model: str) -> dict[str, tuple[str, list[dict]]]:
    """{dataset: (words, records)} of `model` where the main setting has no run of it: its runs
    in the nearest other setting (the main setting's window, then its epochs, then the most
    seeds), named in words ('fp32, seeds 42-44') so that a figure can draw them beside the main
    runs, labelled, never as them."""
    out = {}
    for dataset, (_, recs) in rep.long.items():
        setting = rep.main.get(dataset)
        if setting is None or any(r["config"]["model"] == model for r in recs):
            continue
        options = [s for s in settings(rep.records, rep.main) if s.dataset == dataset
                   and not s.main and model in s.runs]
        if not options:
            continue
        def distance(s):
            epochs = max(r["last"]["epoch"] for r in s.runs[model].values())
            return (s.lookback != setting.lookback, epochs != setting.epochs, -len(s.runs[model]))
        best = min(options, key=distance)
        out[dataset] = (best.short((model,), setting), list(best.runs[model].values()))
    return out


# ----------------------------------------------------------------------------- the gaps
def not_run(rep: Reproduction, bench_glob: str | None = None) -> pd.DataFrame:
    """One row per dataset and trained model whose main setting lacks some of its seeds: which
    seeds, why (a damaged record is named), what one run would take at the main setting on every
    device a benchmark file measured (the quickest precision per device), and the command that
    runs them, found among the cells of the setting's profile (`findings_setting.run_command`)."""
    from .benchmarks import projected_cell_hours
    from .findings_setting import missing_runs, run_command, seeds_text
    bench = sorted(glob.glob(bench_glob or str(rep.results_dir / "bench*.json")))
    damaged = {(r.split(": ")[0]): r for r in rep.problems}
    rows = []
    for dataset, setting in rep.main.items():
        runs: dict[str, dict[int, dict]] = {}
        for r in rep.long.get(dataset, (None, []))[1]:
            runs.setdefault(r["config"]["model"], {})[r["config"]["seed"]] = r
        eval_every = next((r["config"].get("eval_every", 10) for rs in runs.values()
                           for r in rs.values()), 10)
        for model, seeds in missing_runs(setting, runs, TRAINED).items():
            hours = projected_cell_hours(bench, dataset, setting.lookback, setting.epochs,
                                         eval_every, [model])
            if len(hours):                          # the main setting's precision only
                hours = hours[hours["training"] == setting.precision]
            quickest = (hours.sort_values("projected h").drop_duplicates("device")
                        if len(hours) else hours)
            measured = "; ".join(f"{h['projected h']:.1f} h on {h['device']}"
                                 for h in quickest.to_dict("records")) or "no benchmark of it"
            stale = [line for path, line in damaged.items()
                     if f"/{dataset}/{model}/" in path or f"/{dataset}/{model}~" in path]
            rows.append({"dataset": DATASET_LABELS.get(dataset, dataset), "model": LABELS[model],
                         "seeds missing": seeds_text(seeds).replace("seed ", "").replace("seeds ", ""),
                         "setting": setting.text(),
                         "why": stale[0] if stale else "not run yet",
                         "one run takes (epochs plus evaluations)": measured,
                         "command": run_command(setting, {model: seeds})})
    return pd.DataFrame(rows)


# ----------------------------------------------------------------------------- the floors
def floors(rep: Reproduction) -> pd.DataFrame:
    """Per dataset and protocol: the Repeat and Pop floors' test NDCG@10 beside the best trained
    model of the main setting (which, and by how much Repeat is above it), and every trained
    model of the book that the main setting lacks, with its NDCG@10 in the nearest other
    setting, named (`beside_main`): a superlative that sees every model."""
    rows = []
    elsewhere = {m: beside_main(rep, m) for m in TRAINED}
    for dataset, (_, recs) in rep.long.items():
        by_model: dict[str, list[dict]] = {}
        for r in recs:
            by_model.setdefault(r["config"]["model"], []).append(r)
        trained = [m for m in by_model if m not in BASELINES]
        if "repeat" not in by_model or not trained:
            continue
        for protocol in by_model["repeat"][0][rep.when]["test"]:
            score = {m: sum(r[rep.when]["test"][protocol]["NDCG@10"] for r in rs) / len(rs)
                     for m, rs in by_model.items() if protocol in rs[0][rep.when]["test"]}
            best = max((m for m in score if m not in BASELINES), key=score.get)
            absent, values = [], []
            for m in TRAINED:
                if m in by_model or dataset not in elsewhere[m]:
                    continue
                words, runs = elsewhere[m][dataset]
                value = sum(r[rep.when]["test"][protocol]["NDCG@10"] for r in runs) / len(runs)
                absent.append(f"{LABELS[m]} {value:.4f} ({words})")
                values.append(value)
            rows.append({"dataset": DATASET_LABELS.get(dataset, dataset), "protocol": protocol,
                         "Repeat": score["repeat"], "Pop": score.get("pop", float("nan")),
                         "best trained model": LABELS[best], "its NDCG@10": score[best],
                         "Repeat − best": score["repeat"] - score[best],
                         "not run at the main setting": "; ".join(absent),
                         "highest of those": max(values, default=float("nan"))})
    return pd.DataFrame(rows).round(4)


def floor_sentences(rep: Reproduction) -> list[str]:
    """One sentence per dataset where the Repeat floor (no learning: the user's own past items,
    most frequent first) beats every trained model of the main setting under the protocol the
    findings use; a trained model the main setting lacks is named with its value elsewhere, so
    that 'best' ranges over every trained model the book shows."""
    table = floors(rep)
    if table.empty:
        return []
    out = []
    for r in table[table["protocol"] == rep.protocol].to_dict("records"):
        if r["Repeat − best"] <= 0:
            continue
        absent = r["not run at the main setting"]
        beaten_too = not r["highest of those"] >= r["Repeat"]
        out.append(f"On {r['dataset']} no trained model of the main setting reaches the Repeat "
                   f"floor, which only re-ranks the items a user already had: test NDCG@10 "
                   f"{r['Repeat']:.4f} against {r['its NDCG@10']:.4f} for "
                   f"{r['best trained model']}, the best of them ({rep.protocol} protocol)"
                   + (f"; not run at the main setting, {absent}"
                      + (", is below it too" if beaten_too else "") if absent else "")
                   + " (see 'What the floors say').")
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
    """A sentence on what the variant `name`'s runs on `dataset` do for the findings: every row
    is read at the main setting, so they answer none; the rows whose two models both have runs
    of the variant give its outcome in their robustness column (*other settings*); where none,
    which of the rows' models the variant has no run of."""
    where = DATASET_LABELS[dataset]
    rows = rep.findings[rep.findings["read on"].str.startswith(where)]   # stand-in rows included
    have = {r["config"]["model"] for r in variant_runs(rep, name, dataset)}
    pairs = [{m, against} for m, against in zip(rows["model"], rows["against"])]
    covered = sum(pair <= have for pair in pairs)
    if covered:
        return (f"Every findings row is read at the main setting; of the {len(rows)} rows read on "
                f"{where}, {covered} compare two models that both have runs here, and give their "
                "outcome on these runs among their *other settings* (same or which instead).")
    lacking = set().union(*pairs) - have if pairs else set()
    return (f"None of the {len(rows)} findings rows read on {where} can use these runs, even as "
            f"a robustness check: each compares a model that has no `{name}` run on {where} "
            f"({', '.join(LABELS[m] for m in LABELS if m in lacking)}).")


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
