"""Datasets: canonical downloads, readers, the paper's preprocessing, synthetic data.

    data = load("ml-1m")                                   # download + verify + filter + sequences
    data = load("ml-1m", file="shared/data/ml-1m/ml-1m_sequences.tsv")   # a local copy
    data = load("synthetic", num_users=100, seed=1)

`load` returns a `SequenceData` whose `info` holds the raw and filtered counts
(`raw_users`, `raw_items`, `raw_interactions`, `users`, `items`, `interactions`), the `source`
path, the `format` read and the `filter` used. Command line: `python -m seqrec.data stats ml-1m`.
The chapters' `datasets` parameter (name -> file/columns/filter/options) is read by `load_entry`
(see `entries`).
"""
from __future__ import annotations

from .download import archive_path, archive_url, cache_dir, fetch, manual_steps, verify_member
from .entries import load_entry, sequences_frame, shown_path, stats_argv
from .loading import ensure_available, load, read_raw
from .preprocess import (FILTERS, apply_filter, counts, length_stats, paper_filter, preprocess,
                         to_sequences)
from .readers import read_interactions
from .registry import DATASETS, DatasetSpec, get_spec
from .synthetic import synthetic

__all__ = ["DATASETS", "DatasetSpec", "FILTERS", "load", "read_raw", "read_interactions", "paper_filter",
           "apply_filter", "preprocess", "to_sequences", "synthetic", "counts", "length_stats",
           "get_spec", "fetch", "verify_member", "cache_dir", "archive_path", "archive_url",
           "load_entry", "sequences_frame", "stats_argv", "shown_path", "ensure_available"]
