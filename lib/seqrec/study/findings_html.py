"""The findings as a page shows them: a table a reader can scan (one row per claim, one column per
dataset with the outcome badge and the effect at the main setting) with the evidence of each row
folded under it (`<details>`, one click), the outcome vocabulary, and the summary as a list.
Every word and number comes from the table `seqrec.findings.findings` builds.
"""
from __future__ import annotations

import html
import re

import pandas as pd

from .findings import NOT_RUN, OUTCOMES, PRELIMINARY, _base_outcome
from .paper_claims import PAPER_DATASETS
from ..registry import DATASET_LABELS, REFERENCES_FOR

OUTCOME_CLASS = {o: o.replace(" ", "-") for o in OUTCOMES}
GROUPS = (("The paper's text and figures", lambda t: (t["kind"] != "direction") & ~_ours(t)),
          ("Table 1, comparison by comparison (NDCG@10)", lambda t: (t["kind"] == "direction") & ~_ours(t)),
          ("Against SASRec as its own paper builds it (not in the paper)", lambda t: _ours(t)))
esc = html.escape


def _ours(t: pd.DataFrame) -> pd.Series:
    return t["against"].isin(REFERENCES_FOR["sasrec"])


def badge(outcome: str) -> str:
    base = _base_outcome(outcome)
    return f'<span class="outcome {OUTCOME_CLASS[base]}">{esc(base)}</span>'


def short_effect(row: dict, protocol: str) -> str:
    """The effect in a cell's few words: the gain in per cent for a 'gain' claim, the NDCG@10
    difference with its interval for a comparison, 'ahead at k of n epochs' for a curve."""
    effect = row.get(f"effect ({protocol})", "")
    if not effect or effect == NOT_RUN:
        return ""
    if row["kind"] == "curve":
        found = re.search(r"at (\d+) of (\d+) evaluated epochs", effect)
        return f"ahead at {found[1]} of {found[2]} epochs" if found else ""
    if row["kind"] == "gain":
        return effect.split(" over users")[0].replace("gain ", "")
    delta, (lo, hi) = row[f"delta ({protocol})"], row[f"delta interval ({protocol})"]
    return f"{delta:+.4f} [{lo:+.4f}, {hi:+.4f}]"


def _cell(row: dict | None, protocol: str) -> str:
    if row is None:
        return '<td class="none">—</td>'
    words = [badge(row["outcome"])]
    effect = short_effect(row, protocol)
    if effect:
        words.append(f'<span class="effect">{esc(effect)}</span>')
    notes = []
    if row["kind"] == "direction":
        notes.append(f"paper: {'above' if ' > ' in row['name'] else 'below'}")
    if "stand-in" in row["read on"]:
        notes.append("on FS-NYC")
    if row["seeds"]:
        have, of = row["seeds"].split(" of ")
        if int(have) < int(of.split()[0]):
            notes.append(row["seeds"])
    if row["preliminary"]:
        notes.append(PRELIMINARY)
    if row[f"effect ({protocol})"] == NOT_RUN:
        notes.append(NOT_RUN)
    elif row["reason"] and not row["evidence"]:
        notes.append("no copy" if "no copy" in row["reason"] else row["reason"])
    if notes:
        words.append(f'<span class="note">{esc(" · ".join(notes))}</span>')
    return f"<td>{'<br>'.join(words)}</td>"


def _evidence(rows: list[dict], protocol: str) -> str:
    """What a claim's row rests on, per dataset: the paper's words, the setting, the effect in
    full, convergence, the other settings (robustness) and, where a run is missing, why and the
    command that makes it."""
    out = []
    for r in rows:
        items = [f"<li><b>the paper says</b>: {esc(r['claim'])} ({esc(r['where'])})</li>"]
        if r["note"]:
            items.append(f"<li><b>note</b>: {esc(r['note'])}</li>")
        if r["evidence"]:
            items.append(f"<li><b>main setting</b>: {esc(r['evidence'])}</li>")
            items.append(f"<li><b>effect</b>: {esc(r[f'effect ({protocol})'])}</li>")
            items.append(f"<li><b>runs</b>: {esc(r['converged'])}</li>")
        if r["reason"]:
            items.append(f"<li><b>not tested</b>: {esc(r['reason'])}</li>")
        if r["robustness"]:
            items.append(f"<li><b>other settings</b>: {esc(r['robustness'])}</li>")
        if r["command"]:
            items.append(f"<li><b>{'to run' if not r['evidence'] else 'its other seeds'}</b>: "
                         f"<code>{esc(r['command'])}</code></li>")
        out.append(f"<div class=\"evidence-set\"><b>{esc(r['read on'])}</b>"
                   f"<ul>{''.join(items)}</ul></div>")
    return "".join(out)


def claim_rows(table: pd.DataFrame) -> list[tuple[str, list[dict]]]:
    """The table's rows grouped by claim (one entry per claim, its rows one per dataset):
    Table 1's comparisons of one pair across the datasets form one claim."""
    groups: dict[tuple, list[dict]] = {}
    for r in table.to_dict("records"):
        key = ((r["kind"], r["model"], r["against"]) if r["kind"] == "direction"
               else (r["kind"], r["model"], r["against"], r["claim"]))
        groups.setdefault(key, []).append(r)
    return [(rows[0]["name"] if rows[0]["kind"] != "direction" else
             rows[0]["name"].replace(" > ", " vs ").replace(" < ", " vs "), rows)
            for rows in groups.values()]


def findings_html(table: pd.DataFrame, protocol: str) -> str:
    """The findings as one table (class `findings`): one row per claim, one column per paper
    dataset holding the outcome badge and the effect at the main setting, and under each row its
    evidence, folded (`<details>`)."""
    head = "".join(f"<th>{DATASET_LABELS[d]}</th>" for d in PAPER_DATASETS)
    body = []
    for title, pick in GROUPS:
        part = table[pick(table)]
        if part.empty:
            continue
        body.append(f'<tr class="group"><th colspan="{1 + len(PAPER_DATASETS)}">{esc(title)}</th></tr>')
        for name, rows in claim_rows(part):
            by_dataset = {}
            for r in rows:              # the stand-in's reading stands in the FS-TKY column
                d = next(k for k, v in DATASET_LABELS.items() if v == r["paper dataset"])
                if d not in by_dataset or "stand-in" in r["read on"]:
                    by_dataset[d] = r
            where = rows[0]["where"]
            cells = "".join(_cell(by_dataset.get(d), protocol) for d in PAPER_DATASETS)
            body.append(f'<tr class="claim"><th scope="row">{esc(name)} '
                        f'<span class="where">{esc(where)}</span></th>{cells}</tr>')
            body.append(f'<tr class="evidence"><td colspan="{1 + len(PAPER_DATASETS)}"><details>'
                        f"<summary>evidence: settings, seeds, convergence, other settings</summary>"
                        f"{_evidence(rows, protocol)}</details></td></tr>")
    return (f'<div class="findings-box"><table class="findings"><thead><tr><th>claim</th>{head}'
            f'</tr></thead><tbody>{"".join(body)}</tbody></table></div>')


def vocabulary_html() -> str:
    """The outcome vocabulary as a definition list, each term in its badge."""
    items = "".join(f'<dt><span class="outcome {OUTCOME_CLASS[o]}">{esc(o)}</span></dt>'
                    f"<dd>{esc(means)}</dd>" for o, means in OUTCOMES.items())
    return f'<dl class="outcomes">{items}</dl>'


def summary_html(sentences: list[str]) -> str:
    """The plain-words summary as an HTML list (class `findings-summary`): HTML, not Markdown,
    because the introduction glues it from the results chapter and myst-nb pastes only text,
    HTML and images across pages."""
    items = "".join(f"<li>{esc(s)}</li>" for s in sentences)
    return f'<ul class="findings-summary">{items}</ul>'


def figure_html(wide, narrow, alt: str) -> str:
    """Two renderings of one figure as one responsive image (class `findings-figure`): `narrow`
    on screens up to 600 px (a phone), `wide` elsewhere, both embedded as PNG, so that the
    introduction can paste it from the results chapter (myst-nb glues HTML across pages)."""
    import base64
    import io
    def data(fig) -> str:
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png", dpi=100)
        return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()
    return (f'<picture class="findings-figure"><source media="(max-width: 600px)" '
            f'srcset="{data(narrow)}"><img src="{data(wide)}" alt="{esc(alt)}"></picture>')
