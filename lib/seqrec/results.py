"""Run records: one JSON file per run (model x dataset x seed x profile), written atomically.

A record holds the resolved config, code version, environment, timings, per-epoch history, test
metrics at the best-validation epoch and at the last epoch, and the per-user test ranks behind them
(per-user metrics follow from ranks: `seqrec.metrics.per_user`).
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

RECORD_NAME = "record.json"
SCHEMA = 1


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


def read_record(path) -> dict:
    with open(path) as f:
        return json.load(f)


def find_records(root) -> list[Path]:
    return sorted(Path(root).rglob(RECORD_NAME))


def load_records(root) -> pd.DataFrame:
    """One row per (record, when in {'best', 'last'}, protocol): identity columns plus every metric."""
    rows = []
    for path in find_records(root):
        rec = read_record(path)
        cfg = rec["config"]
        for when in ("best", "last"):
            for protocol, metrics in rec[when]["test"].items():
                rows.append({"model": cfg["model"], "dataset": cfg["dataset"], "seed": cfg["seed"],
                             "profile": cfg.get("profile"), "epochs": rec[when]["epoch"],
                             "trained_epochs": rec["last"]["epoch"], "when": when,
                             "protocol": protocol, "path": str(path), **metrics})
    return pd.DataFrame(rows)


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


def environment(device=None) -> dict:
    import torch
    env = {"python": platform.python_version(), "torch": torch.__version__,
           "platform": platform.platform(), "cpu_threads": torch.get_num_threads()}
    if device is not None and torch.device(device).type == "cuda":
        env["gpu"] = torch.cuda.get_device_name(device)
        env["cuda"] = torch.version.cuda
    return env
