"""Run records: one JSON file per run (model x dataset x seed x profile), written atomically.

A record (`record.json`, written when a run completes; schema 2) holds its `status` ("complete"),
the config as asked (`config`, with its `variant` and `profile` labels; its identity is
`config_hash`) and what the machine made of it (`resolved`: read with `resolved`), code version,
environment, timings, per-epoch history, test metrics at the best-validation epoch and at the
last epoch, and the per-user test ranks behind them (per-user metrics follow from ranks:
`seqrec.metrics.per_user`). The fields records are grouped by (`precision`, `variant`,
`main_runs`) and their curves (`curves`) are read here, and a folder of records is read checked
(`checked_records`: a record that cannot stand for a finished run is left out, saying why).

An unfinished run leaves `status.json` beside its checkpoint instead: "paused" at a time budget or
"failed" on a bad loss, with its config hash, the epoch reached and the reason. The grid runner
reads the two files, never logs. The folder layout of runs has one home, `run_dir`:
RUN_ROOT/DATASET/MODEL[~VARIANT]/seedSEED, where RUN_ROOT is a profile's folder of runs (e.g.
`results/cpu-paper`, `runs/ci`).
"""
from __future__ import annotations

import hashlib
import json
import os
import platform
import subprocess
import tempfile
from pathlib import Path

import pandas as pd

from .errors import DataError
from .evaluation import SELECTION_PROTOCOL
from .registry import BASELINES

RECORD_NAME = "record.json"
# 2: `config` is the config as asked (its identity is `config_hash`), `resolved` what the machine
# made of it; 1 (before): `config` held the resolved values (rebuild/migrate_records.py)
RECORD_SCHEMA = 2
STATUS_NAME = "status.json"                                   # an unfinished run's status
COMPLETE, PAUSED, FAILED = "complete", "paused", "failed"


def run_key(dataset: str, model: str, seed: int, variant: str = "") -> str:
    """'fs-nyc/caser+/seed42' (or 'fs-nyc/caser+~ce/seed42' for a variant): a run's place."""
    return f"{dataset}/{model}{'~' + variant if variant else ''}/seed{seed}"


def run_dir(run_root, dataset: str, model: str, seed: int, variant: str = "") -> Path:
    """The folder of one run under `run_root` (its record, checkpoint and logs)."""
    return Path(run_root) / run_key(dataset, model, seed, variant)


def status(record: dict) -> str:
    """The status of a record or status file: COMPLETE, PAUSED or FAILED."""
    return record["status"]


def config_hash(config: dict) -> str:
    """Short stable hash of a resolved config (key order does not matter)."""
    blob = json.dumps(config, sort_keys=True, default=str).encode()
    return hashlib.sha256(blob).hexdigest()[:12]


def write_json_atomic(path, obj) -> Path:
    """Write JSON to a temporary file beside `path`, then rename: readers never see half a file."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w") as f:
            json.dump(obj, f, separators=(",", ":"), default=_jsonable)
        os.chmod(tmp, 0o644)                      # mkstemp creates 0600; records are for reading
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def _jsonable(x):
    if hasattr(x, "tolist"):
        return x.tolist()
    return str(x)


def read_json(path) -> dict:
    """A record or status file as written, whatever its schema."""
    with open(path) as f:
        return json.load(f)


def read_record(path) -> dict:
    """A record or status file; DataError for a record of an older schema, naming the script
    that brings it up to date (`rebuild.migrate_records`, which changes no metric)."""
    rec = read_json(path)
    schema = rec.get("schema", 1) if isinstance(rec, dict) else None
    if Path(path).name == RECORD_NAME and schema is not None and schema < RECORD_SCHEMA:
        raise DataError(f"{path} is a run record of schema {schema}, written by an older seqrec; "
                        f"bring it to schema {RECORD_SCHEMA} with `python -m rebuild.migrate_records "
                        f"{Path(path).parent}` (it changes no metric)")
    return rec


def find_records(run_root) -> list[Path]:
    """The record files below `run_root`, sorted by path."""
    return sorted(Path(run_root).rglob(RECORD_NAME))


def records(run_root) -> list[dict]:
    """Every record below `run_root`, each with its file as `path`."""
    return [dict(read_record(p), path=str(p)) for p in find_records(run_root)]


def record_problem(rec: dict) -> str | None:
    """Why a record cannot be read as a finished run (None when it can): a protocol it was
    asked to test that it lacks, or a history cut short of the epochs it claims."""
    c = rec.get("config", {})
    for part in ("config", "history", "last", "best", "test_ranks"):
        if part not in rec:
            return f"no '{part}' entry"
    asked = c.get("eval_protocols") or list(rec["last"].get("test", {}))
    for protocol in asked:
        if protocol not in rec["last"].get("test", {}) or protocol not in rec["test_ranks"].get("last", {}):
            return f"lacks protocol {protocol!r} (asked for {', '.join(asked)})"
    trained_to = max((h["epoch"] for h in rec["history"]), default=-1)
    if c.get("model") not in BASELINES and trained_to < rec["last"].get("epoch", 0):
        return (f"history cut short: it ends at epoch {trained_to}, the record claims "
                f"{rec['last'].get('epoch')}")
    return None


def checked_records(root) -> tuple[list[dict], list[str]]:
    """(readable records under `root`, one line per record left out naming its file and why)."""
    good, problems = [], []
    for path in find_records(root):
        try:
            rec = dict(read_record(path), path=str(path))
        except (OSError, ValueError) as err:
            problems.append(f"{path}: unreadable ({err}); rerun its cell")
            continue
        except DataError as err:                      # an older schema: the message says what to do
            problems.append(str(err))
            continue
        problem = record_problem(rec)
        if problem:
            problems.append(f"{path}: {problem}; its cell counts as not run (rerun it)")
        else:
            good.append(rec)
    return good, problems


def code_version() -> str:
    """git commit of the working tree (with '+dirty' if modified), else the package version."""
    from . import __version__
    here = Path(__file__).resolve().parent
    try:
        sha = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=here, capture_output=True,
                             text=True, timeout=5, check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--", str(here)], cwd=here,
                               capture_output=True, text=True, timeout=5).stdout.strip()
        return f"{sha}{'+dirty' if dirty else ''}"
    except (OSError, subprocess.SubprocessError):
        return f"seqrec {__version__}"


def cpu_name() -> str:
    """The CPU's model name ('AMD EPYC', 'Intel(R) Xeon(R) Platinum 8480+', ...): machines of
    the same kind differ (AMX or not), so records and benchmark files say which one they ran on."""
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def environment(device=None) -> dict:
    import torch
    env = {"python": platform.python_version(), "torch": torch.__version__,
           "platform": platform.platform(), "cpu": cpu_name(), "cpu_threads": torch.get_num_threads()}
    if device is not None and torch.device(device).type == "cuda":
        env["gpu"] = torch.cuda.get_device_name(device)
        env["cuda"] = torch.version.cuda
    return env


def record_data(rec: dict):
    """The SequenceData a run record was trained on, from its local copy (found through
    `$SEQREC_DATA_DIR` when the record's own path is not on this machine); None when absent."""
    from . import data
    source = Path(str(rec["data"].get("source", "")).split("!")[0])
    candidates = [source]
    if os.environ.get("SEQREC_DATA_DIR") and len(source.parts) >= 2:
        candidates.append(Path(os.environ["SEQREC_DATA_DIR"]) / source.parts[-2] / source.name)
    for path in candidates:
        if path.is_file():
            return data.load(rec["config"]["dataset"], file=str(path))
    return None


def resolved(rec: dict, key: str):
    """What the machine that wrote `rec` made of config field `key` (the device, amp as a bool,
    the evaluation batch, Repeat's widened window): the record's `resolved` entry where the field
    was resolved, else the config as asked."""
    return rec["resolved"][key] if key in rec["resolved"] else rec["config"][key]


def precision(rec: dict) -> str:
    """The training precision of a record: 'bf16 autocast' or 'fp32' (evaluation is always fp32)."""
    return "bf16 autocast" if resolved(rec, "amp") is True else "fp32"


def variant(rec: dict) -> str:
    """The record's variant of its profile ('' = the profile's main setting, e.g. 'fp32', 'l5')."""
    return rec["config"]["variant"]


def main_runs(recs: list[dict]) -> list[dict]:
    """The runs that form Table 1: the paper's setting; variants (e.g. full CE) excluded."""
    return [r for r in recs if variant(r) == ""]


def curves(recs: list[dict], metric: str = "NDCG@10", split: str = "test",
           protocol: str | None = None) -> pd.DataFrame:
    """Long frame: model, dataset, seed, epoch, value of `metric` on `split` at each eval epoch
    (under `protocol`, by default `evaluation.SELECTION_PROTOCOL`)."""
    rows = []
    for rec in recs:
        c = rec["config"]
        p = protocol or SELECTION_PROTOCOL
        for h in rec["history"]:
            if split in h and p in h[split]:
                rows.append({"model": c["model"], "dataset": c["dataset"], "seed": c["seed"],
                             "epoch": h["epoch"], "value": h[split][p][metric]})
    return pd.DataFrame(rows)
