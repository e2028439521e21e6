"""Readers: any supported file -> one `DataFrame[user, item, time]`, one row per interaction.

Recognised inputs (by content, so renamed copies work too):

- raw MovieLens 1M `ratings.dat` (`UserID::MovieID::Rating::Timestamp`), plain, `.gz` or inside
  `ml-1m.zip`; every rating is an interaction (the paper's `min_rating: 0`), the rating is dropped;
- raw TSMC2014 Foursquare `dataset_TSMC2014_{NYC,TKY}.txt` (tab-separated, no header, latin-1,
  CRLF possible; the UTC time column parsed with `%a %b %d %H:%M:%S %z %Y`, the separate
  timezone-offset column ignored, as in the authors' code), plain or inside the TSMC2014 zip;
- a generic table (TSV / CSV / `;` / whitespace, optional `.gz`, or the only table in a zip) with a
  header naming the user, item and time-or-position columns (`user_id`, `item_id`, `seq_pos`...),
  or with the columns named explicitly through `columns=(user, item, time)`.

`time` is only an ordering key, in the source's unit (Unix seconds, minutes, a 0-based position,
seconds since 1970 for parsed date strings). Rows keep the file order, which is the tie-break used
when sequences are built. Every malformed line is reported with its file and line number.
"""
from __future__ import annotations

import csv
import gzip
import re
import zipfile
import zlib
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import ConfigError, DataError

TSMC_TIME_FORMAT = "%a %b %d %H:%M:%S %z %Y"   # e.g. "Tue Apr 03 18:00:09 +0000 2012"
FORMATS = ("ml-1m-ratings", "tsmc2014", "table")
ML1M_LAYOUT = "expected UserID::MovieID::Rating::Timestamp"
TSMC_LAYOUT = ("expected 8 tab-separated fields: userId, venueId, venueCategoryId, venueCategory, "
               "latitude, longitude, timezoneOffset, utcTimestamp")

# Header names recognised for each role, compared after lower-casing and dropping "_", "-", " ".
USER_NAMES = ("user_id", "userId", "user", "uid", "users", "user_idx", "visitor_id", "customer_id")
ITEM_NAMES = ("item_id", "itemId", "item", "iid", "movie_id", "movieId", "movie", "poi_id", "poi",
              "venue_id", "venueId", "venue", "sid", "product_id", "business_id", "track_id",
              "location_id")
TIME_NAMES = ("timestamp", "time", "seq_pos", "minutes", "datetime", "ts", "date", "unix_time",
              "utc_time", "utcTimestamp", "position", "pos", "seconds", "epoch")

_ML1M_LINE = re.compile(r"^\s*[^:\s]+::[^:\s]+::[^:\s]*::[^:\s]+\s*$")
_COLUMNS_HINT = ("name them with columns=(user, item, time) in Python or --columns USER,ITEM,TIME "
                 "on the command line (header names, or 0-based positions for a file without "
                 "header; give only USER,ITEM to order each user's rows as they appear in the "
                 "file)")


def _norm(name) -> str:
    return re.sub(r"[\s_\-]", "", str(name)).lower()


ROLE_NAMES = {role: {_norm(n) for n in names}
              for role, names in (("user", USER_NAMES), ("item", ITEM_NAMES), ("time", TIME_NAMES))}


# ---------------------------------------------------------------------------------- file access
@dataclass(frozen=True)
class Source:
    """A readable interactions file: a path, optionally a member of a zip archive."""

    path: Path
    member: str | None = None

    def __str__(self) -> str:
        return f"{self.path}!{self.member}" if self.member else str(self.path)

    @contextmanager
    def open(self):
        """Binary stream of the (decompressed) file."""
        if self.member is not None:
            with zipfile.ZipFile(self.path) as zf, zf.open(self.member) as f:
                yield f
        elif self.path.name.endswith(".gz"):
            with gzip.open(self.path, "rb") as f:
                yield f
        else:
            with open(self.path, "rb") as f:
                yield f

    def first_line(self) -> str:
        """The first non-empty line, decoded as latin-1 (never fails), '' for an empty file."""
        with self.corrupt_as_data_error(), self.open() as f:
            for raw in f:
                line = raw.decode("latin-1").rstrip("\r\n")
                if line.strip():
                    return line
        return ""

    def line(self, number: int) -> str:
        """Line `number` (1-based) as text, for error messages."""
        with self.corrupt_as_data_error(), self.open() as f:
            for i, raw in enumerate(f, start=1):
                if i == number:
                    return raw.decode("latin-1").rstrip("\r\n")
        return "<end of file>"

    @contextmanager
    def corrupt_as_data_error(self):
        """Turn truncated / corrupt compressed data into a DataError that says what to do."""
        try:
            yield
        except (EOFError, gzip.BadGzipFile, zipfile.BadZipFile, zlib.error) as e:
            raise DataError(f"{self} is truncated or corrupt ({type(e).__name__}: {e}); "
                            "download or copy the file again") from None


def zip_member(path: Path, member: str | None) -> str:
    """Pick the interactions file inside a zip archive."""
    try:
        with zipfile.ZipFile(path) as zf:
            names = [n for n in zf.namelist() if not n.endswith("/") and "__MACOSX" not in n
                     and not Path(n).name.startswith(".")]
    except zipfile.BadZipFile as e:
        raise DataError(f"{path} is not a readable zip archive ({e}); it is probably truncated: "
                        "delete it and download it again") from None
    if member is not None:
        hits = ([n for n in names if n == member]
                or [n for n in names if Path(n).name == Path(member).name])
        if len(hits) != 1:
            raise DataError(f"archive {path} has no member {member!r}; members: {', '.join(names)}")
        return hits[0]
    ratings = [n for n in names if Path(n).name == "ratings.dat"]
    tsmc = [n for n in names if re.fullmatch(r"dataset_TSMC2014_\w+\.txt", Path(n).name)]
    tables = [n for n in names if re.search(r"\.(csv|tsv|txt|dat|inter)(\.gz)?$", n, re.I)]
    for found in (ratings, tsmc, tables):
        if len(found) == 1:
            return found[0]
        if len(found) > 1:
            raise ConfigError(f"archive {path} holds several interaction files "
                              f"({', '.join(found)}); choose one with member=NAME, or load "
                              "the dataset by its name (e.g. load('fs-tky', file=...))")
    raise DataError(f"archive {path} holds no interactions file; members: {', '.join(names)}")


def detect_format(source: Source) -> str:
    """'ml-1m-ratings', 'tsmc2014' or 'table', from the first non-empty line."""
    first = source.first_line()
    if not first:
        raise DataError(f"{source} is empty; download or copy the file again")
    if _ML1M_LINE.match(first):
        return "ml-1m-ratings"
    fields = first.split("\t")
    if len(fields) == 8 and _parses(fields[7], TSMC_TIME_FORMAT):
        return "tsmc2014"
    return "table"


def _parses(text: str, fmt: str) -> bool:
    try:
        pd.to_datetime(text, format=fmt)
        return True
    except (ValueError, TypeError):
        return False


# ---------------------------------------------------------------------------------- public reader
def read_interactions(path, columns=None, *, member: str | None = None) -> pd.DataFrame:
    """Read an interactions file into `DataFrame[user, item, time]` (file row order kept).

    path: a raw ML-1M ratings file, a raw TSMC2014 txt, one of their zip archives, or a generic
      TSV/CSV table (optionally .gz). columns: (user, item, time) or (user, item) header names, or
      0-based positions for a header-less table, as a sequence or a "U,I,T" string; only for
      generic tables. member: which file to read inside a zip with several (e.g. the TKY txt).
    `df.attrs` records `source` (path[!member]) and `format`.
    """
    path = Path(path).expanduser()
    if not path.is_file():
        raise DataError(f"interactions file not found: {path}; check the path (or pass the "
                        "dataset name without a file to download the canonical archive)")
    source = Source(path, zip_member(path, member) if zipfile.is_zipfile(path) else None)
    fmt = detect_format(source)
    if columns is not None and fmt != "table":
        raise ConfigError(f"{source} is a raw {fmt} file whose columns are fixed; "
                          "drop the columns argument (--columns)")
    with source.corrupt_as_data_error():
        if fmt == "ml-1m-ratings":
            df = _read_ml1m(source)
        elif fmt == "tsmc2014":
            df = _read_tsmc(source)
        else:
            df = _read_table(source, columns)
    df = df.reset_index(drop=True)
    df.attrs.update(source=str(source), format=fmt)
    return df


# ---------------------------------------------------------------------------------- raw formats
def _csv(source: Source, header_lines: int, layout: str = "", **kw) -> pd.DataFrame:
    """pandas.read_csv on the source; one row per line (blank lines kept as all-NaN rows, so
    row index + 1 + header_lines is the line number). layout: expected line layout, for messages."""
    try:
        with source.open() as f:
            return pd.read_csv(f, skip_blank_lines=False, **kw)
    except pd.errors.ParserError as e:
        line = re.search(r"line (\d+)", str(e))
        where = f"line {line.group(1)}" if line else "a line"
        text = f": {source.line(int(line.group(1)))[:120]!r}" if line else ""
        problem = layout or str(e).split("C error: ")[-1].strip()
        raise DataError(f"{source}: {where} is garbled ({problem}){text}; "
                        "fix or remove that line, or download the file again") from None
    except pd.errors.EmptyDataError:
        raise DataError(f"{source} is empty; download or copy the file again") from None


def _drop_blank(df: pd.DataFrame) -> pd.DataFrame:
    return df[df.notna().any(axis=1)]


def _garbled(source: Source, row: int, header_lines: int, problem: str) -> DataError:
    line = int(row) + 1 + header_lines
    return DataError(f"{source}: line {line} is truncated or garbled ({problem}): "
                     f"{source.line(line)[:120]!r}; fix or remove that line, or download the "
                     "file again")


def _integers(df: pd.DataFrame, col, source: Source, header_lines: int, what: str) -> pd.Series:
    """Column `col` as int64; DataError naming the first line where it is not an integer."""
    if pd.api.types.is_integer_dtype(df[col]):     # fast path: the parser saw only integers
        return df[col].astype("int64")
    values = pd.to_numeric(df[col], errors="coerce")
    bad = values.isna() | (values != np.floor(values))
    if bad.any():
        raise _garbled(source, bad.idxmax(), header_lines, f"{what} is missing or not an integer")
    return values.astype("int64")


def _read_ml1m(source: Source) -> pd.DataFrame:
    """`UserID::MovieID::Rating::Timestamp`: split on ':' so the fast C parser works; the fields
    sit in columns 0, 2, 4, 6 and columns 1, 3, 5 must be empty."""
    df = _drop_blank(_csv(source, 0, ML1M_LAYOUT, sep=":", header=None, names=range(7),
                          encoding="latin-1", quoting=csv.QUOTE_NONE))
    bad = df[[1, 3, 5]].notna().any(axis=1) | df[6].isna()
    if bad.any():
        raise _garbled(source, bad.idxmax(), 0, ML1M_LAYOUT)
    return pd.DataFrame({"user": _integers(df, 0, source, 0, "UserID"),
                         "item": _integers(df, 2, source, 0, "MovieID"),
                         "time": _integers(df, 6, source, 0, "Timestamp")})


def _read_tsmc(source: Source) -> pd.DataFrame:
    """TSMC2014: userId, venueId, venueCategoryId, venueCategory, lat, lon, tzOffset, utcTimestamp.
    Time = UTC seconds since 1970 parsed from column 8 (the offset column is ignored)."""
    df = _drop_blank(_csv(source, 0, TSMC_LAYOUT, sep="\t", header=None, names=range(8),
                          dtype={1: str, 7: str}, encoding="latin-1", quoting=csv.QUOTE_NONE))
    users = _integers(df, 0, source, 0, "userId")
    venue = df[1].str.strip()
    if (venue.isna() | (venue == "")).any():
        raise _garbled(source, (venue.isna() | (venue == "")).idxmax(), 0, "venueId is missing")
    when = pd.to_datetime(df[7], format=TSMC_TIME_FORMAT, errors="coerce", utc=True)
    if when.isna().any():
        raise _garbled(source, when.isna().idxmax(), 0,
                       "utcTimestamp is missing or not like 'Tue Apr 03 18:00:09 +0000 2012'")
    return pd.DataFrame({"user": users, "item": venue.astype(object), "time": _epoch_seconds(when)})


def _epoch_seconds(when: pd.Series) -> pd.Series:
    """UTC datetimes -> seconds since 1970 (int64 when whole seconds), unit-independent."""
    secs = (when - pd.Timestamp(0, tz="UTC")) / pd.Timedelta(seconds=1)
    return secs.astype("int64") if (secs == np.floor(secs)).all() else secs


# ---------------------------------------------------------------------------------- generic table
def _sniff_sep(first_line: str) -> str:
    for sep in ("\t", ",", ";"):
        if sep in first_line:
            return sep
    return r"\s+"


def _parse_columns(columns) -> list:
    """columns -> list of 2 or 3 header names or 0-based ints."""
    if isinstance(columns, str):
        columns = [c.strip() for c in columns.split(",")]
    cols = list(columns)
    if len(cols) not in (2, 3) or any(c is None or str(c) == "" for c in cols):
        raise ConfigError(f"columns must be USER,ITEM,TIME or USER,ITEM, got {columns!r}")
    positional = [isinstance(c, (int, np.integer)) or str(c).isdigit() for c in cols]
    if any(positional) and not all(positional):
        raise ConfigError(f"columns mix header names and positions ({columns!r}); use one kind")
    return [int(c) for c in cols] if all(positional) else [str(c) for c in cols]


def _roles_from_header(header: list[str], source: Source) -> list[str]:
    """Find the user, item and time columns among the header names; ConfigError when unsure."""
    chosen = []
    for role in ("user", "item", "time"):
        hits = [h for h in header if _norm(h) in ROLE_NAMES[role]]
        if len(hits) != 1:
            problem = (f"no {role} column" if not hits else
                       f"several possible {role} columns ({', '.join(hits)})")
            raise ConfigError(f"cannot tell which columns of {source} hold user, item and time: "
                              f"{problem} in header {header}; {_COLUMNS_HINT}")
        chosen.append(hits[0])
    return chosen


def _read_table(source: Source, columns) -> pd.DataFrame:
    first = source.first_line()
    sep = _sniff_sep(first)
    cols = None if columns is None else _parse_columns(columns)
    positional = cols is not None and isinstance(cols[0], int)
    header_lines = 0 if positional else 1
    kw = dict(sep=sep, header=None if positional else 0, quoting=csv.QUOTE_MINIMAL)
    try:
        df = _csv(source, header_lines, encoding="utf-8", **kw)
    except UnicodeDecodeError:
        df = _csv(source, header_lines, encoding="latin-1", **kw)
    header = [str(c) for c in df.columns]
    if cols is None:
        cols = _roles_from_header(header, source)
    elif positional:
        if max(cols) >= df.shape[1]:
            raise ConfigError(f"{source} has {df.shape[1]} columns; positions {cols} do not fit")
    else:
        missing = [c for c in cols if c not in header]
        if missing:
            raise ConfigError(f"{source} has no column {', '.join(map(repr, missing))}; "
                              f"its header is {header}")
    df = _drop_blank(df)
    out = pd.DataFrame({"user": _ids(df, cols[0], source, header_lines, "user"),
                        "item": _ids(df, cols[1], source, header_lines, "item")})
    if len(cols) == 3:
        out["time"] = _times(df, cols[2], source, header_lines)
    else:                                         # file order is the sequence order
        out["time"] = np.arange(len(out), dtype=np.int64)
    return out


def _ids(df: pd.DataFrame, col, source: Source, header_lines: int, role: str) -> pd.Series:
    values = df[col]
    if values.isna().any():
        raise _garbled(source, values.isna().idxmax(), header_lines, f"{role} id is missing")
    if pd.api.types.is_float_dtype(values) and (values == np.floor(values)).all():
        return values.astype("int64")
    if pd.api.types.is_numeric_dtype(values):
        return values
    return values.astype(str).str.strip().astype(object)


def _times(df: pd.DataFrame, col, source: Source, header_lines: int) -> pd.Series:
    """Numeric times as they are; date strings as seconds since 1970 (UTC)."""
    raw = df[col]
    if raw.isna().any():
        raise _garbled(source, raw.isna().idxmax(), header_lines, "time is missing")
    numbers = pd.to_numeric(raw, errors="coerce")
    if numbers.notna().iloc[0]:                   # a numeric column; report the first non-number
        if numbers.isna().any():
            raise _garbled(source, numbers.isna().idxmax(), header_lines, "time is not a number")
        if (numbers == np.floor(numbers)).all():
            return numbers.astype("int64")
        return numbers.astype("float64")
    when = pd.to_datetime(raw, errors="coerce", utc=True)
    if when.isna().any():
        raise _garbled(source, when.isna().idxmax(), header_lines,
                       "time is neither a number nor a date")
    return _epoch_seconds(when)


__all__ = ["read_interactions", "detect_format", "Source", "FORMATS", "TSMC_TIME_FORMAT",
           "USER_NAMES", "ITEM_NAMES", "TIME_NAMES"]
