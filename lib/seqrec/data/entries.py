"""A chapter's `datasets` parameter: one entry per dataset, read and shown.

An entry maps a dataset name to a source spec with the optional keys `file`, `columns`, `filter`
and `options` (other `load` arguments, e.g. synthetic sizes):

    raw, seqs = load_entry("fs-nyc", {"file": "${SEQREC_DATA_DIR}/foursquare-nyc/nyc.tsv"})
    argv = stats_argv("fs-nyc", {"file": ...})      # the same numbers from the command line
    shown_path(seqs.info["source"])                 # '${SEQREC_DATA_DIR}/foursquare-nyc/nyc.tsv'

`load_entry` returns the raw interactions frame beside the `SequenceData`, so that a chapter can
count what each filter removes; models only ever see what `load` returns.
"""
from __future__ import annotations

import os
import sys
from pathlib import Path

import pandas as pd
import torch

from ..errors import unknown
from .download import CACHE_ENV, cache_dir
from .loading import load, read_raw
from .registry import get_spec

SPEC_KEYS = ("file", "columns", "filter", "options")
DATA_DIR_ENV = "SEQREC_DATA_DIR"
# load() options that `python -m seqrec.data stats` has a flag for
CLI_FLAGS = {"min_item_rows": "--min-item-rows", "min_user_rows": "--min-user-rows",
             "cache_dir": "--cache-dir", "seed": "--seed"}


def check_entry(name: str, spec: dict | None) -> dict:
    """The entry as a dict; ConfigError naming the valid keys for an unknown one."""
    spec = dict(spec or {})
    bad = sorted(set(spec) - set(SPEC_KEYS))
    if bad:
        raise unknown("key", bad, SPEC_KEYS, where=f"datasets[{name!r}]")
    return spec


def load_entry(name: str, spec: dict | None):
    """(raw interactions frame [user, item, time], SequenceData) for one entry of `datasets`.

    The raw frame is what `load` reads before any filter (the same reader, download or local
    file); for the generated `synthetic` dataset it is the sequences themselves."""
    spec = check_entry(name, spec)
    options = dict(spec.get("options") or {})
    source = {} if name == "synthetic" else {"file": spec.get("file"), "columns": spec.get("columns"),
                                             "filter": spec.get("filter", "paper")}
    seqs = load(name, **source, **options)
    if name == "synthetic":                 # generated: its sequences ARE the raw interactions
        return sequences_frame(seqs), seqs
    raw = read_raw(get_spec(name), source["file"], source["columns"], options.get("cache_dir"))
    return raw, seqs


def sequences_frame(seqs) -> pd.DataFrame:
    """SequenceData -> frame [user, item, time] with dense ids and time = position in the user's
    sequence (the inverse of `to_sequences` up to the id mapping)."""
    users = torch.repeat_interleave(torch.arange(1, seqs.num_users + 1), seqs.lengths)   # [R]
    pos = torch.arange(seqs.num_interactions) - seqs.offsets[users - 1]                   # [R]
    return pd.DataFrame({"user": users.numpy(), "item": seqs.items.numpy(), "time": pos.numpy()})


def stats_argv(name: str, spec: dict | None, python: str | None = None) -> list[str] | None:
    """argv of `python -m seqrec.data stats` for an entry, or None when an option has no
    command-line flag (e.g. the synthetic sizes: Python only)."""
    spec = check_entry(name, spec)
    options = dict(spec.get("options") or {})
    if set(options) - set(CLI_FLAGS):
        return None
    argv = [python or sys.executable, "-m", "seqrec.data", "stats", name]
    if spec.get("file"):
        argv += ["--file", str(spec["file"])]
    if spec.get("columns"):
        cols = spec["columns"]
        argv += ["--columns", cols if isinstance(cols, str) else ",".join(map(str, cols))]
    if spec.get("filter"):
        argv += ["--filter", spec["filter"]]
    for key, value in options.items():
        argv += [CLI_FLAGS[key], str(value)]
    return argv


def shown_path(path) -> str:
    """A data path as a published page shows it: under `$SEQREC_DATA_DIR` as
    `${SEQREC_DATA_DIR}/...` (which `load` expands again), in the download cache as
    `${SEQREC_CACHE}/...` (or `~/.cache/seqrec/...` when the variable is unset), under the home
    folder as `~/...`; anything else unchanged. A zip member (`archive!member`) keeps its member."""
    text = str(path)
    head, bang, member = text.partition("!")
    if not head.startswith(("/", "~")):
        return text
    p = Path(os.path.expanduser(head))
    prefixes = []
    if os.environ.get(DATA_DIR_ENV):
        prefixes.append((os.environ[DATA_DIR_ENV], "${" + DATA_DIR_ENV + "}"))
    prefixes.append((cache_dir(), "${" + CACHE_ENV + "}" if os.environ.get(CACHE_ENV)
                     else "~/.cache/seqrec"))
    prefixes.append((Path.home(), "~"))
    for folder, label in prefixes:
        for base in {Path(folder).expanduser(), Path(folder).expanduser().resolve()}:
            if p == base or p.is_relative_to(base):
                rel = p.relative_to(base).as_posix()
                return (label if rel == "." else f"{label}/{rel}") + bang + member
    return text
