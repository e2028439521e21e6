"""The findings in plain sentences, every number from the findings table (`findings.findings`):
per pair of models what the rows say at the main setting, which setting every sentence is read
at, and the outcome counts.
"""
from __future__ import annotations

import pandas as pd

from .. import stats
from ..registry import DATASET_LABELS, LABELS, ORIGINAL_OF, REFERENCES_FOR
from .findings import NOT_RUN, OUTCOMES, PRELIMINARY, _base_outcome
from .findings_setting import MAIN_SETTINGS, MainSetting, seeds_text
from .paper_claims import NO_COPY

AGAINST_TABLE1 = {"reproduced": "as in Table 1", "reversed": "the opposite of Table 1",
                  "no significant difference": "where Table 1 has a difference",
                  "partly reproduced": "partly as in Table 1"}


def _own_rows(table: pd.DataFrame) -> pd.DataFrame:
    """The rows read on their own dataset (no stand-in, not the datasets without a copy)."""
    return table[~table["read on"].str.contains("stand-in")
                 & ~table["reason"].isin(list(NO_COPY.values()))]


def _pair_sentence(table: pd.DataFrame, model: str, against: str, protocol: str) -> str | None:
    """'Caser+ is significantly above Caser on FS-NYC (+0.3263 NDCG@10 [+0.31, +0.34];
    preliminary; as in Table 1), and ...' from the Table 1 rows of one pair, read at the main
    setting of each dataset; a dataset whose main setting lacks a model says so."""
    rows = _own_rows(table[(table["kind"] == "direction") & (table["model"] == model)
                           & (table["against"] == against)])
    if rows.empty:
        return None
    parts, not_run = [], []
    for r in rows.to_dict("records"):
        if r[f"effect ({protocol})"] == NOT_RUN:
            not_run.append(r["read on"])
            continue
        if r["outcome"] == "not tested":                # no main setting named there: said once
            continue
        verdict = r[f"verdict ({protocol})"]
        lo, hi = r[f"delta interval ({protocol})"]
        where = (f"significantly above {LABELS[against]}" if verdict == stats.BETTER else
                 f"significantly below {LABELS[against]}" if verdict == stats.WORSE else
                 f"not significantly different from {LABELS[against]}")
        parts.append(f"{where} on {r['read on']} ({r[f'delta ({protocol})']:+.4f} NDCG@10 "
                     f"[{lo:+.4f}, {hi:+.4f}]{', preliminary' if r['preliminary'] else ''}; "
                     f"{AGAINST_TABLE1[_base_outcome(r['outcome'])]})")
    said = f"{LABELS[model]} is " + ", and ".join(parts) if parts else ""
    if not not_run:
        return said or None
    lacking = (f"{LABELS[model]} against {LABELS[against]} is {NOT_RUN} on "
               f"{' and '.join(not_run)}, so not tested there (the findings table gives the "
               "command that runs it)")
    return f"{said}; {lacking[0].lower()}{lacking[1:]}" if said else lacking


def setting_sentence(table: pd.DataFrame, main: dict[str, MainSetting] | None = None) -> str:
    """Which setting every sentence is read at: per dataset its main setting, and how many of
    its seeds the rows rest on."""
    main = MAIN_SETTINGS if main is None else main
    parts = []
    for dataset, m in main.items():
        rows = table[(table["read on"].str.startswith(DATASET_LABELS[dataset]))
                     & (table["seeds"] != "")]
        if not len(table[table["read on"].str.startswith(DATASET_LABELS[dataset])]):
            continue
        seeds = sorted(set(rows["seeds"]), key=lambda s: int(s.split()[0]))
        parts.append(f"{DATASET_LABELS[dataset]} at L = {m.lookback}, {m.epochs} epochs, "
                     f"{m.precision}, {seeds_text(list(m.seeds))}"
                     + (f" (the rows rest on {' or '.join(seeds)} so far)"
                        if seeds and seeds != [f"{len(m.seeds)} of {len(m.seeds)} seed"
                                               + "s" * (len(m.seeds) > 1)] else ""))
    return ("Every sentence below is read at one main setting per dataset, never at another: "
            + "; ".join(parts) + ".")


def summary_sentences(table: pd.DataFrame, protocol: str,
                      main: dict[str, MainSetting] | None = None) -> list[str]:
    """The findings in a few plain sentences, every number from `table` (`findings`), which
    reads every row at the main setting."""
    pairs = [(plus, original) for plus, original in ORIGINAL_OF.items()]
    pairs += [(plus, sas) for sas in ("sasrec", *REFERENCES_FOR["sasrec"]) for plus in ORIGINAL_OF]
    out = [setting_sentence(table, main)]
    out += [s + "." for s in (_pair_sentence(table, m, a, protocol) for m, a in pairs) if s]
    untested = table[table["outcome"] == "not tested"]
    tky = untested[untested["reason"] == NO_COPY["fs-tky"]]             # not tested for want of a copy
    if len(tky):
        gains = table[(table["kind"] == "gain") & table["read on"].str.contains("stand-in")
                      & (table[f"effect ({protocol})"] != NOT_RUN)]
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
