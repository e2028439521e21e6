"""Reading a dataset: `load` (a canonical dataset, downloaded and verified, or any interactions
file, through the paper's preprocessing to sequences), `read_raw` (the raw interactions
before any filter) and `ensure_available` (can each dataset of a grid be read, before anything
long starts?). The package `seqrec.data` re-exports them.
"""
from __future__ import annotations

import inspect
import os
import zipfile
from pathlib import Path

from ..errors import ConfigError, DataError, unknown
from ..sequences import SequenceData
from .download import archive_url, fetch, manual_steps, verify_member
from .preprocess import FILTERS, preprocess
from .readers import read_interactions
from .registry import DatasetSpec, get_spec
from .synthetic import synthetic

_SYNTHETIC_ARGS = tuple(inspect.signature(synthetic).parameters)


def _expand_path(path: str) -> str:
    expanded = os.path.expanduser(os.path.expandvars(path))
    if "$" in expanded:
        raise ConfigError(f"file {path!r} names an environment variable that is not set; export "
                          "it (e.g. SEQREC_DATA_DIR=/path/to/shared/data) or pass the full path")
    return expanded


def load(name: str, file=None, columns=None, cache_dir=None, filter: str = "paper",
         min_item_rows: int = 5, min_user_rows: int = 5, **synthetic_kwargs) -> SequenceData:
    """Load dataset `name` as time-ordered sequences after the paper's preprocessing.

    name: one of DATASETS ("ml-1m", "fs-nyc", "fs-tky", "synthetic").
    file: read this local file instead of downloading (raw ratings.dat / TSMC txt / their zips,
      or a generic interactions table, see `read_interactions`). No checksum is applied to it.
      `~` and environment variables (`${SEQREC_DATA_DIR}/...`) in it are expanded; an unset
      variable is an error naming it.
    columns: (user, item, time) for a generic table whose header is not recognised.
    cache_dir: where downloads are kept (default $SEQREC_CACHE or ~/.cache/seqrec).
    filter: "paper" (one pass: items < min_item_rows rows dropped, then users < min_user_rows
      rows), "kcore" (the same until stable) or "none". Users with < 3 interactions are always
      dropped afterwards (leave-one-out needs a train, a validation and a test item).
    synthetic_kwargs: arguments of `synthetic` (name="synthetic" only; no filter is applied).
    """
    spec = get_spec(name)
    if filter not in FILTERS:
        raise unknown("filter", filter, FILTERS)
    if spec.name == "synthetic":
        if file is not None or columns is not None:
            raise ConfigError("the synthetic dataset is generated, it reads no file; drop file= / "
                              "columns= (--file / --columns)")
        unknown_args = sorted(set(synthetic_kwargs) - set(_SYNTHETIC_ARGS))
        if unknown_args:
            raise unknown("synthetic argument", unknown_args, _SYNTHETIC_ARGS)
        return synthetic(**synthetic_kwargs)
    if synthetic_kwargs:
        raise ConfigError(f"arguments {sorted(synthetic_kwargs)} only apply to the synthetic "
                          f"dataset, not {name!r}")
    df = read_raw(spec, file, columns, cache_dir)
    return preprocess(df, spec.name, filter, min_item_rows, min_user_rows)


def read_raw(spec: DatasetSpec | str, file=None, columns=None, cache=None):
    """The raw interactions (user, item, time) of a dataset, before any filter: from `file`, or
    from the verified cached canonical archive (downloaded if needed). `~` and environment
    variables in `file` are expanded."""
    spec = get_spec(spec) if isinstance(spec, str) else spec
    if file is None:
        archive = fetch(spec, cache)
        verify_member(spec, archive)
        df = read_interactions(archive, columns, member=spec.member)
        df.attrs["url"] = archive_url(spec)
        return df
    path = Path(_expand_path(str(file)))
    if not path.is_file():
        raise DataError(f"{spec.name}: file {path} not found; fix the path, or load without a "
                        f"file to download the canonical archive, or {manual_steps(spec, cache)}")
    member = None
    if zipfile.is_zipfile(path) and spec.member:
        with zipfile.ZipFile(path) as zf:
            wanted = Path(spec.member).name
            member = next((n for n in zf.namelist() if Path(n).name == wanted), None)
    return read_interactions(path, columns, member=member)


def ensure_available(sources: dict, cache=None) -> dict[str, str]:
    """Make sure, before anything long starts, that `read_raw` can read each dataset of
    `sources` (name -> its local file, None for the canonical archive): a file must exist and be
    readable; a canonical archive must be in the cache (checked against its published checksum)
    or is downloaded now, one try per archive (FS-NYC and FS-TKY share one). Generated datasets
    need nothing. Returns {name: why it cannot be read and what to do} for each dataset that
    cannot, in the order of `sources`; empty when every one can."""
    problems: dict[str, str] = {}
    failed_archives: dict[str, str] = {}             # archive -> the first dataset that needed it
    for name, file in sources.items():
        spec = get_spec(name)
        if spec.url is None:                         # generated (synthetic)
            continue
        if file is not None:
            path = Path(_expand_path(str(file)))
            if not (path.is_file() and os.access(path, os.R_OK)):
                problems[name] = (f"the file {path} is not there or not readable; fix the path, "
                                  "or read the canonical archive instead: "
                                  + manual_steps(spec, cache))
            continue
        first = failed_archives.get(spec.archive)
        if first is not None:                        # tried once already: the same answer
            problems[name] = (f"{spec.title} is in the archive {first} needs, which is not in the "
                              f"cache and could not be downloaded; {manual_steps(spec, cache)}")
            continue
        try:
            fetch(spec, cache)
        except DataError as e:
            failed_archives[spec.archive] = name
            problems[name] = str(e)
    return problems
