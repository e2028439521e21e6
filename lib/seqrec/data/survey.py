"""What the data chapter says about each dataset it reads: where the copy comes from, what each
filter removes, how long the sequences are, how often users come back, how many rows tie in time.

    raw, seqs = load_entry("fs-nyc", {})
    provenance("fs-nyc", seqs)        # 'fs-nyc: canonical download; raw counts equal ...'
    stage_counts("fs-nyc", raw, seqs) # rows raw / one pass / k-core / loaded
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd
import torch

from ..errors import DataError
from .preprocess import apply_filter, counts, length_stats, paper_filter
from .registry import get_spec


def source_kind(data_info: dict) -> str:
    """'generated', 'canonical download' or 'local file NAME' (from a record's `data` entry)."""
    if data_info["format"] == "synthetic":
        return "generated"
    if data_info.get("url"):                     # only downloaded data has one
        return "canonical download"
    return f"local file {Path(str(data_info['source']).split('!')[0]).name}"


def provenance(name: str, seqs) -> str:
    """One sentence: where the data came from and whether it is the whole canonical dataset
    (its raw counts against the registry's `expected_raw`)."""
    info = seqs.info
    kind = source_kind(info)
    expected = get_spec(name).expected_raw
    if not expected:
        return f"{name}: {kind}; no canonical archive to compare with"
    raw = {k: info[f"raw_{k}"] for k in ("users", "items", "interactions")}
    if raw == expected:
        return f"{name}: {kind}; raw counts equal the canonical archive's ({raw['interactions']:,} rows)"
    diff = ", ".join(f"{k} {raw[k]:,} vs {expected[k]:,}" for k in raw if raw[k] != expected[k])
    return f"{name}: {kind}; a SUBSET or different copy of the canonical data ({diff})"


def stage_counts(name: str, raw: pd.DataFrame, seqs) -> pd.DataFrame:
    """Users, items and interactions at each stage: raw, the paper's one pass, the iterative
    k-core, and what `load` returned (rows `stage`). DataError when the configured filter on
    `raw` does not give what `load` returned (the raw frame is not the one `load` read)."""
    info = seqs.info
    low = dict(min_item_rows=info.get("min_item_rows", 5), min_user_rows=info.get("min_user_rows", 5))
    loaded = {"users": seqs.num_users, "items": seqs.num_items, "interactions": seqs.num_interactions}
    rows = {"raw": counts(raw),
            "paper filter (one pass)": counts(paper_filter(raw, **low)),
            "iterative k-core": counts(paper_filter(raw, iterative=True, **low)),
            f"loaded (filter={info['filter']!r})": loaded}
    kept, _ = apply_filter(raw, info["filter"], **low)            # what load applied
    got = counts(kept)
    same_items = got["items"] == loaded["items"] or name == "synthetic"   # generated: N counts
    if got["users"] != loaded["users"] or got["interactions"] != loaded["interactions"] \
            or not same_items:                                                # unvisited items
        raise DataError(f"{name}: filter {info['filter']!r} on the raw rows gives {got}, load "
                        f"returned {loaded}; pass the raw frame that load_entry read")
    return pd.DataFrame(rows).T.rename_axis("stage")


def sequence_summary(seqs) -> dict:
    """Users, items, interactions, density and the sequence lengths (mean, median, p90, ...)."""
    n = seqs.lengths.double()
    return {"users": seqs.num_users, "items": seqs.num_items,
            "interactions": seqs.num_interactions,
            "density": seqs.num_interactions / (seqs.num_users * seqs.num_items),
            **length_stats(seqs), "length_p90": float(n.quantile(0.9))}


def repeat_share(seqs) -> float:
    """Fraction of all interactions whose item the same user has interacted with before."""
    users = torch.repeat_interleave(torch.arange(1, seqs.num_users + 1), seqs.lengths)   # [R]
    before = torch.arange(seqs.num_interactions) - seqs.offsets[users - 1]               # [R] t - 1
    seen = seqs.history_index().seen(users, seqs.items, before)                          # [R] bool
    return float(seen.double().mean())


def time_ties(raw: pd.DataFrame, seqs) -> dict:
    """Rows of the raw frame in a tie group (same user, same time value), and their share."""
    in_tie = raw.duplicated(["user", "time"], keep=False)         # [R] same user, same time
    return {"format read": seqs.info.get("format", ""), "rows in a tie group": int(in_tie.sum()),
            "share of rows": float(in_tie.mean())}
