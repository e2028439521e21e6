"""A grid cell on its way to `seqrec.training.run`, and its state on disk.

The cell's config (`Cell.config`, the TrainConfig the profile made) travels unchanged, as a
dict of its fields: papermill injects it into the chapter as its `config` parameter, the direct
engine hands it to `training.run` itself, and the record keeps it. Its identity
(`TrainConfig.identity`) is what every run record, status file and `cell.json` carries as
`config_hash`, so the state of a cell is read from its run folder (`record.json`,
`status.json`), never from a log.
"""
from __future__ import annotations

import json
import os
import socket
from dataclasses import asdict
from pathlib import Path

from seqrec import data
from seqrec.data.download import CACHE_ENV
from seqrec.errors import DataError
from seqrec.results import PAUSED, RECORD_NAME, STATUS_NAME, read_record, status
from seqrec.training import CHECKPOINT_NAME

from .profiles import ROOT, Cell, Profile

CELL_FILE = "cell.json"          # the runner's own notes: engine, log, start time, last outcome
NOTEBOOK = "chapter.ipynb"
LOG = "papermill.log"


def chapter_path(cell: Cell) -> Path:
    return ROOT / "book" / f"{cell.chapter}.ipynb"


def parameters(profile: Profile, cell: Cell, deadline: float | None = None) -> dict:
    """The values papermill injects into the chapter's `parameters` cell (and the direct engine
    reads): the run's `config`, where its data comes from, where its record goes."""
    params = {"config": asdict(cell.config), "data_file": cell.data.get("file"),
              "data_options": {k: v for k, v in {**cell.data.get("options", {}),
                                                 "columns": cell.data.get("columns"),
                                                 "filter": cell.data.get("filter")}.items()
                               if v is not None},
              "run_dir": str(profile.run_dir(cell)), "deadline": deadline}
    if cell.chapter == "evaluation":
        params["baselines"] = [cell.model]
    return params


def pid_alive(pid: int) -> bool:
    """Whether a process of this id runs on this machine."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def running_here(meta: dict) -> bool:
    """Whether the runner's note says a runner on this machine is training the cell now (the
    runner that wrote it is still alive)."""
    return (meta.get("status") == "running" and meta.get("host") == socket.gethostname()
            and isinstance(meta.get("runner_pid"), int) and pid_alive(meta["runner_pid"]))


def state(profile: Profile, cell: Cell) -> str:
    """From the cell's run folder: 'done' (a record of this config), 'stale' (a record of another
    config), 'running' (a live runner on this machine trains it now, the runner's note says),
    'paused' / 'failed' (the run's status file says so; or a checkpoint without either),
    'failed' (the process died before writing anything: the runner's note), or 'missing'."""
    run_dir = profile.run_dir(cell)
    if (run_dir / RECORD_NAME).exists():
        rec = read_record(run_dir / RECORD_NAME)
        return "done" if rec.get("config_hash") == cell.config.identity() else "stale"
    meta = read_meta(profile, cell)
    if meta.get("config_hash") == cell.config.identity() and running_here(meta):
        return "running"
    if (run_dir / STATUS_NAME).exists():
        note = read_record(run_dir / STATUS_NAME)
        if note.get("config_hash") == cell.config.identity():
            return "paused" if status(note) == PAUSED else "failed"
    if meta.get("status") == "failed":
        return "failed"
    if (run_dir / CHECKPOINT_NAME).exists():
        return "paused"
    return "missing"


def status_message(profile: Profile, cell: Cell) -> str | None:
    """Why an unfinished run stopped, as its status file says, or that the runner was
    interrupted while it ran (None when neither says)."""
    path = profile.run_dir(cell) / STATUS_NAME
    if path.exists():
        return read_record(path).get("message")
    if read_meta(profile, cell).get("status") == "interrupted":
        return "interrupted while running; the same command resumes it from its last checkpoint"
    return None


def write_meta(profile: Profile, cell: Cell, **fields) -> None:
    run_dir = profile.run_dir(cell)
    run_dir.mkdir(parents=True, exist_ok=True)
    meta = {"key": cell.key, "config_hash": cell.config.identity(), "chapter": cell.chapter,
            **fields}
    (run_dir / CELL_FILE).write_text(json.dumps(meta, indent=1))


def read_meta(profile: Profile, cell: Cell) -> dict:
    p = profile.run_dir(cell) / CELL_FILE
    return json.loads(p.read_text()) if p.exists() else {}


def ensure_data(profile: Profile, sources: dict, stopped: str) -> None:
    """Before any chapter starts: every dataset of `sources` (`Profile.data_sources`) is in the
    download cache (downloaded now where it can be) or readable from its file
    (`seqrec.data.ensure_available`); else a DataError, `stopped` saying what did not start,
    with one line per dataset that cannot be read and the ways around a missing network. Without
    it, each cell of a grid would fail alone on the same download."""
    problems = data.ensure_available(sources)
    if not problems:
        return
    lines = [f"{stopped}: {len(problems)} dataset(s) of profile {profile.name!r} cannot be read"]
    lines += [f"  - {name}: {why}" for name, why in problems.items()]
    lines.append(
        "Without a network: put each archive where its line says (the cache folder is "
        f"${CACHE_ENV}, default ~/.cache/seqrec); or name a copy you have in the profile, "
        "`datasets: {NAME: {file: PATH}}` (what --file is to `python -m seqrec.data`); or build "
        "the book from the repository's dataset copies: `make book PROFILE=ci "
        "SEQREC_DATA_DIR=/path/to/shared/data` (`python -m rebuild run --profile ci` with "
        "SEQREC_DATA_DIR set)")
    raise DataError("\n".join(lines))
