"""Bring run records of schema 1 to schema 2: `config` as asked, `resolved` beside it.

Schema 1 kept the RESOLVED config in `config` (`amp: auto` became a bool, Repeat's window was
widened to the longest history), so the record's own `config_hash` could not be recomputed from
it. The config as asked is recovered from the hash itself: among the values the resolved ones
can have come from (`amp`: 'auto', 'off', 'on'; Repeat's `lookback`: the windows the profiles
use), the one whose identity is the record's `config_hash`. Nothing else of the record changes:
no metric, rank, history or timing (tests/test_records.py checks it). The execution-only fields
(`device`, `eval_batch_size`), which never enter the identity, keep their resolved values in both
places. A record whose hash no candidate reproduces is left as it is and named.

    python -m rebuild.migrate_records [results]        # every record.json below the folder
"""
from __future__ import annotations

import itertools
import sys
from pathlib import Path

from seqrec.results import RECORD_NAME, RECORD_SCHEMA, read_json, write_json_atomic
from seqrec.training import TrainConfig

AMP_ASKED = ("auto", "off", "on")
LOOKBACKS = (5, 10, 20, 50, 100, 200)          # the windows of the profiles (Repeat's asked L)
RESOLVED_KEYS = ("device", "amp", "eval_batch_size")


def asked_config(rec: dict) -> dict | None:
    """The config as asked that a schema-1 record was run with (identity = its config_hash),
    or None when no candidate reproduces the hash."""
    config = rec["config"]
    lookbacks = (config["lookback"],) + (LOOKBACKS if config["model"] == "repeat" else ())
    for amp, lookback in itertools.product(AMP_ASKED, lookbacks):
        candidate = {**config, "amp": amp, "lookback": lookback}
        if TrainConfig.from_dict(candidate).identity() == rec["config_hash"]:
            return candidate
    return None


def migrated(rec: dict) -> dict | None:
    """`rec` in schema 2 (a new dict; None when the asked config cannot be recovered)."""
    if rec.get("schema", 1) >= RECORD_SCHEMA:
        return rec
    asked = asked_config(rec)
    if asked is None:
        return None
    resolved = {k: rec["config"][k] for k in RESOLVED_KEYS if k in rec["config"]}
    if asked["lookback"] != rec["config"]["lookback"]:
        resolved["lookback"] = rec["config"]["lookback"]
    out = {}
    for key, value in rec.items():               # same order, config and resolved side by side
        if key == "config":
            out["config"], out["resolved"] = asked, resolved
        else:
            out[key] = value
    out["schema"] = RECORD_SCHEMA
    return out


def main(argv=None) -> int:
    root = Path((argv if argv is not None else sys.argv[1:] or ["results"])[0])
    changed, unchanged, failed = 0, 0, []
    for path in sorted(root.rglob(RECORD_NAME)):
        rec = read_json(path)
        new = migrated(rec)
        if new is None:
            failed.append(str(path))
        elif new is rec:
            unchanged += 1
        else:
            write_json_atomic(path, new)
            changed += 1
    print(f"{changed} records migrated to schema {RECORD_SCHEMA}, {unchanged} already there"
          + (f"; left as they are (no candidate reproduces their config_hash): {', '.join(failed)}"
             if failed else ""))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
