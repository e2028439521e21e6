"""The paper's preprocessing: frequency filter, dense ids, time-ordered sequences.

Follows the authors' toolkit (reference notes, section 3) with two deliberate fixes for
reproducibility, both stated in the book:

- dense ids enumerate the SORTED original ids (1..U, 1..N), not Python set order (which depends on
  hash randomisation for string venue ids);
- each user's rows are ordered by time with a STABLE sort, so equal times keep the file's row order
  (the authors' unstable quicksort leaves ties in an arbitrary order; ML-1M has many same-second
  ties). For the ML-1M sequences copy the time column is `seq_pos`, i.e. the authors' own order.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import torch

from ..errors import ConfigError, DataError, unknown
from ..sequences import SequenceData

FILTERS = ("paper", "kcore", "none")
MIN_SEQUENCE_LENGTH = 3    # leave-one-out needs >= 1 training item, a validation and a test item


def paper_filter(df: pd.DataFrame, min_item_rows: int = 5, min_user_rows: int = 5,
                 iterative: bool = False) -> pd.DataFrame:
    """Drop items with < min_item_rows rows, THEN users with < min_user_rows remaining rows.

    Counts are interaction rows (repeated check-ins count), nothing is de-duplicated. The paper's
    toolkit makes ONE pass (`filter_by_frequence`), so a user's removal can leave an item below the
    threshold; `iterative=True` repeats the pass until nothing changes (the usual k-core).
    Row order is preserved.
    """
    for name, value in (("min_item_rows", min_item_rows), ("min_user_rows", min_user_rows)):
        if not isinstance(value, (int, np.integer)) or value < 0:
            raise ConfigError(f"{name} must be a non-negative integer, got {value!r}")
    while True:
        before = len(df)
        item_rows = df["item"].map(df["item"].value_counts())
        df = df[item_rows >= min_item_rows]
        user_rows = df["user"].map(df["user"].value_counts())
        df = df[user_rows >= min_user_rows]
        if not iterative or len(df) == before:
            return df


def counts(df: pd.DataFrame) -> dict:
    """users / items / interactions of an interactions frame."""
    return {"users": int(df["user"].nunique()), "items": int(df["item"].nunique()),
            "interactions": int(len(df))}


def apply_filter(df: pd.DataFrame, filter: str = "paper", min_item_rows: int = 5,
                 min_user_rows: int = 5) -> tuple[pd.DataFrame, int]:
    """Apply the named filter, then drop users too short to split (< 3 rows).

    Returns the filtered frame and the number of users dropped only for being too short.
    """
    if filter not in FILTERS:
        raise unknown("filter", filter, FILTERS)
    if filter != "none":
        df = paper_filter(df, min_item_rows, min_user_rows, iterative=(filter == "kcore"))
    user_rows = df["user"].map(df["user"].value_counts())
    short = user_rows < MIN_SEQUENCE_LENGTH
    dropped = int(df.loc[short, "user"].nunique())
    return df[~short], dropped


def dense_ids(values: pd.Series) -> tuple[np.ndarray, list]:
    """Original ids -> 0-based codes in SORTED id order, plus the sorted original ids."""
    try:
        codes, uniques = pd.factorize(values, sort=True)
    except TypeError:                        # mixed types (e.g. ints and strings): sort as text
        codes, uniques = pd.factorize(values.astype(str), sort=True)
    return codes.astype(np.int64), list(np.asarray(uniques).tolist())


def to_sequences(df: pd.DataFrame, name: str = "dataset", info: dict | None = None) -> SequenceData:
    """Interactions frame -> SequenceData with dense 1-based ids and time-ordered sequences.

    Order within a user: by `time`, ties in file row order (two stable sorts: time, then user).
    """
    if len(df) == 0:
        raise DataError(f"{name}: no interactions to build sequences from")
    user_code, user_ids = dense_ids(df["user"])          # [R] 0..U-1
    item_code, item_ids = dense_ids(df["item"])          # [R] 0..N-1
    time = df["time"].to_numpy()
    order = np.argsort(time, kind="stable")
    order = order[np.argsort(user_code[order], kind="stable")]     # [R] user-major, time-minor
    per_user = np.bincount(user_code, minlength=len(user_ids))     # [U]
    offsets = np.concatenate([[0], np.cumsum(per_user)])           # [U + 1]
    return SequenceData(items=torch.from_numpy(item_code[order] + 1),
                        offsets=torch.from_numpy(offsets.astype(np.int64)),
                        num_items=len(item_ids), name=name, user_ids=user_ids,
                        item_ids=item_ids, info=dict(info or {}))


def preprocess(df: pd.DataFrame, name: str, filter: str = "paper", min_item_rows: int = 5,
               min_user_rows: int = 5) -> SequenceData:
    """Raw interactions -> filtered SequenceData whose `info` holds raw and filtered counts."""
    raw = counts(df)
    kept, short_users = apply_filter(df, filter, min_item_rows, min_user_rows)
    source = df.attrs.get("source", "")
    if len(kept) == 0:
        how = {"paper": "the paper filter", "kcore": "the iterative k-core filter",
               "none": "dropping users with fewer than 3 interactions"}[filter]
        raise DataError(
            f"no interactions left in {name} ({source}) after {how} (items >= {min_item_rows} rows, "
            f"users >= {min_user_rows} rows; raw {raw['users']} users / {raw['items']} items / "
            f"{raw['interactions']} interactions); use a larger file, lower min_item_rows / "
            "min_user_rows (--min-item-rows / --min-user-rows) or filter='none'")
    info = {"source": source, "format": df.attrs.get("format", ""), "filter": filter,
            "min_item_rows": min_item_rows, "min_user_rows": min_user_rows,
            **{f"raw_{k}": v for k, v in raw.items()}, **counts(kept),
            "dropped_short_users": short_users,
            "tie_break": "stable sort by time; equal times keep the file's row order"}
    if "url" in df.attrs:                        # downloaded: where from
        info["url"] = df.attrs["url"]
    return to_sequences(kept, name, info)


def length_stats(data: SequenceData) -> dict:
    """min / median / mean / max of the per-user sequence lengths."""
    n = data.lengths.cpu().numpy()                                 # [U]
    return {"length_min": int(n.min()), "length_median": float(np.median(n)),
            "length_mean": round(float(n.mean()), 3), "length_max": int(n.max())}
