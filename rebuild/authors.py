"""The authors' own model classes: the oracle of the fidelity tests and the benchmark's reference.

PyPI `easy-lightning==1.0.4` ships the authors' model files
`easy_lightning/easy_rec/model/sequential/{Caser,CosRec,SASRec}.py`, which import only torch. We
download the wheel once (`pip download --no-deps`, cache dir `$SEQREC_CACHE` or
`~/.cache/seqrec/oracle`), open it as a zip and execute those three files as modules. Nothing is
installed and none of their code is copied into the project.

    module = authors_module("Caser")           # or None when the wheel cannot be had
    theirs = authors_model("caser+", U, N, L)   # their Caser2 with the paper's hyperparameters
    scores = authors_scores(theirs, "caser+", users, items, candidates)
"""
from __future__ import annotations

import functools
import importlib.util
import os
import subprocess
import sys
import zipfile
from pathlib import Path

from seqrec import models

WHEEL_SPEC = "easy-lightning==1.0.4"
WHEEL_NAME = "easy_lightning-1.0.4-py3-none-any.whl"
MODEL_DIR = "easy_lightning/easy_rec/model/sequential"
# our model name -> (file stem, class name) of the authors' class (`authors_class` of each model)
CLASSES = {name: cls.authors_class for name, cls in models.CLASSES.items() if cls.authors_class}
# the paper's hyperparameters in the authors' names, per authors' file (the original and its "+"
# share them; recsys_conv_conf cfg/model/rec_model/*.yaml)
HYPERPARAMETERS = {
    "Caser": dict(emb_size=64, num_hor_filters=16, num_ver_filters=16, drop_rate=0.5,
                  act_conv="Tanh", act_fc="Tanh"),
    "CosRec": dict(emb_size=64, block_dims=[128, 256], fc_dim=128, act_fc="Tanh", dropout_rate=0.5),
    "SASRec": dict(emb_size=64, num_blocks=1, num_heads=1, dropout_rate=0.2),
}


def cache_dir() -> Path:
    return Path(os.environ.get("SEQREC_CACHE") or Path.home() / ".cache" / "seqrec" / "oracle")


@functools.lru_cache(maxsize=None)
def wheel_path() -> Path | None:
    """The cached wheel, downloaded on first use; None (with the reason in `wheel_problem`)."""
    target = cache_dir()
    wheel = target / WHEEL_NAME
    if wheel.is_file() and zipfile.is_zipfile(wheel):
        return wheel
    try:
        target.mkdir(parents=True, exist_ok=True)
        done = subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "--quiet",
                               WHEEL_SPEC, "-d", str(target)], capture_output=True, text=True,
                              timeout=180)
    except (OSError, subprocess.SubprocessError) as err:
        _problems.append(f"pip download {WHEEL_SPEC} failed: {err}")
        return None
    if done.returncode != 0 or not wheel.is_file():
        last = (done.stderr.strip().splitlines() or ["no output"])[-1]
        _problems.append(f"pip download {WHEEL_SPEC} failed (rc {done.returncode}): {last}")
        return None
    return wheel


_problems: list[str] = []


def wheel_problem() -> str:
    return _problems[-1] if _problems else "unknown problem"


@functools.lru_cache(maxsize=None)
def authors_module(file_stem: str):
    """The module `easy_rec/model/sequential/<file_stem>.py` from the wheel, or None."""
    wheel = wheel_path()
    if wheel is None:
        return None
    member = f"{MODEL_DIR}/{file_stem}.py"
    with zipfile.ZipFile(wheel) as archive:
        source = archive.read(member).decode("utf-8")
    spec = importlib.util.spec_from_loader(f"authors_{file_stem}", loader=None)
    module = importlib.util.module_from_spec(spec)
    exec(compile(source, f"{wheel}!{member}", "exec"), module.__dict__)
    return module


def skip_reason() -> str | None:
    """None when the oracle is available, else why not (for pytest.skip)."""
    if authors_module("Caser") is None:
        return (f"authors' model files unavailable: {wheel_problem()} "
                f"(needs network once, or the wheel in {cache_dir()})")
    return None


def authors_model(name: str, num_users: int, num_items: int, lookback: int, **changes):
    """The authors' class for our model `name`, with the paper's hyperparameters (+ changes)."""
    file_stem, class_name = CLASSES[name]
    params = dict(HYPERPARAMETERS[file_stem], **changes)
    return getattr(authors_module(file_stem), class_name)(num_users=num_users, num_items=num_items,
                                                          lookback=lookback, **params)


def authors_scores(model, name: str, users, items, candidates):
    """Call their forward with its own argument order: [B, T, K] scores."""
    file_stem, _ = CLASSES[name]
    if file_stem == "SASRec":
        return model(items, candidates)
    return model(items, candidates, users)
