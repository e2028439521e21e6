"""From a grid cell to papermill parameters, and the state of a cell on disk."""
from __future__ import annotations

import json
from pathlib import Path

from seqrec.results import RECORD_NAME, config_hash, read_record

from .profiles import ROOT, Cell, Profile

NAMED_TRAIN_PARAMS = {"lookback": "lookback", "epochs": "epochs", "eval_every": "eval_every",
                      "eval_protocols": "protocols", "seed": "seed", "device": "device",
                      "profile": "profile"}
CELL_FILE = "cell.json"
NOTEBOOK = "chapter.ipynb"
LOG = "papermill.log"


def chapter_path(cell: Cell) -> Path:
    return ROOT / "book" / f"{cell.chapter}.ipynb"


def parameters(profile: Profile, cell: Cell, deadline: float | None = None) -> dict:
    """The values papermill injects into the chapter's `parameters` cell."""
    params = {"dataset": cell.dataset, "data_file": cell.data.get("file"),
              "data_options": {k: v for k, v in {**cell.data.get("options", {}),
                                                 "columns": cell.data.get("columns"),
                                                 "filter": cell.data.get("filter")}.items()
                               if v is not None},
              "train_options": {}, "run_dir": str(profile.run_dir(cell)), "deadline": deadline}
    for key, value in cell.train.items():
        if key in NAMED_TRAIN_PARAMS:
            params[NAMED_TRAIN_PARAMS[key]] = value
        else:
            params["train_options"][key] = value
    if cell.chapter == "evaluation":
        params["baselines"] = [cell.model]
        params["run_root"] = str(profile.output)
    return params


def cell_hash(profile: Profile, cell: Cell) -> str:
    return config_hash({"model": cell.model, "dataset": cell.dataset, "train": cell.train,
                        "data": cell.data})


def state(profile: Profile, cell: Cell) -> str:
    """'done' (record for this exact cell config), 'stale' (record of another config), 'paused'
    (checkpoint, no record), 'failed' (last attempt failed), or 'missing'."""
    run_dir = profile.run_dir(cell)
    meta_path = run_dir / CELL_FILE
    meta = json.loads(meta_path.read_text()) if meta_path.exists() else {}
    if (run_dir / RECORD_NAME).exists():
        return "done" if meta.get("hash") == cell_hash(profile, cell) else "stale"
    if meta.get("status") == "failed":
        return "failed"
    if (run_dir / "checkpoint.pt").exists():
        return "paused"
    return "missing"


def write_meta(profile: Profile, cell: Cell, **fields) -> None:
    run_dir = profile.run_dir(cell)
    run_dir.mkdir(parents=True, exist_ok=True)
    meta = {"key": cell.key, "hash": cell_hash(profile, cell), "chapter": cell.chapter, **fields}
    (run_dir / CELL_FILE).write_text(json.dumps(meta, indent=1))


def read_meta(profile: Profile, cell: Cell) -> dict:
    p = profile.run_dir(cell) / CELL_FILE
    return json.loads(p.read_text()) if p.exists() else {}


def record(profile: Profile, cell: Cell) -> dict | None:
    p = profile.run_dir(cell) / RECORD_NAME
    return read_record(p) if p.exists() else None
