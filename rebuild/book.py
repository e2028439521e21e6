"""Build the book: execute every chapter into _build/ (never in place), then Jupyter Book 1.x.

The chapters in `book/` carry no outputs. For a profile, each chapter is executed with papermill
into `_build/<profile>/src/book/` with the profile's display parameters (model chapters reuse the
grid's run records, so nothing is trained twice), and `jupyter-book build` renders that staged copy
with execution off and warnings as errors (`-W --keep-going`). The HTML lands in `_build/html`.

Two things of the profile's run stay out of the published pages: the cell papermill injects with
the profile's parameters (tagged `remove-cell`, so the page shows the chapter's own `parameters`
cell), and the executed notebook itself as the page's download: the download button offers the
clean chapter from `book/`, with its `parameters` cell and no outputs, as a reader would run it.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import yaml

from seqrec import registry
from seqrec.data import shown_path as data_shown_path

from .cells import parameters
from .profiles import ROOT, Profile

BUILD = ROOT / "_build"


def toc_notebooks() -> list[str]:
    """Chapter file stems in _toc.yml order (notebooks only)."""
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    stems = [toc["root"]]
    for part in toc.get("parts", [{"chapters": toc.get("chapters", [])}]):
        stems += [c["file"] for c in part.get("chapters", [])]
    return [s for s in stems if (ROOT / f"{s}.ipynb").exists()]


def shown_path(path: str) -> str:
    """A path as the published page shows it: relative to the chapters' folder inside the
    repository (`../runs/ci`); outside it as `seqrec.data.shown_path` writes data paths
    (`${SEQREC_DATA_DIR}/...`, which `seqrec.data.load` expands), never this machine's."""
    p = Path(path).resolve()
    data_dir = os.environ.get("SEQREC_DATA_DIR")
    inside_data = data_dir and p.is_relative_to(Path(data_dir).resolve())
    if p.is_relative_to(ROOT) and not inside_data:
        return os.path.relpath(p, ROOT / "book")
    return data_shown_path(path)


def display_parameters(profile: Profile, stem: str) -> dict:
    """Parameters for the book's copy of a chapter under `profile`, with the paths it shows
    (`shown_path`)."""
    params = _parameters(profile, stem)
    for key in ("run_root", "run_dir", "data_file"):
        if params.get(key):
            params[key] = shown_path(params[key])
    for spec in (params.get("datasets") or {}).values():
        if spec.get("file"):
            spec["file"] = shown_path(spec["file"])
    return params


def _parameters(profile: Profile, stem: str) -> dict:
    name = Path(stem).name
    dataset = profile.book_dataset
    models = {registry.CHAPTERS[m]: m for m in registry.MODELS}
    floors = [b for b in registry.BASELINES if registry.CHAPTERS[b] == name]
    seed = profile.raw["seeds"][0]
    if name in models:
        return parameters(profile, _display_cell(profile, models[name], dataset, seed))
    common = {"profile": profile.name, "run_root": str(profile.output)}
    if floors:                        # the floors' chapter shows the first floor's record
        p = parameters(profile, _display_cell(profile, floors[0], dataset, seed))
        p.update(baselines=floors)
        return {**p, **common}
    if name == "data":
        return {**common, "datasets": {d: dict(s or {}) for d, s in profile.raw["datasets"].items()}}
    return common


def _display_cell(profile: Profile, model: str, dataset: str, seed: int):
    """The grid cell the book shows for `model` (its record is reused); built from the profile's
    parameters when the grid does not list that model."""
    grid = profile.cells()
    if not any(c.model == model for c in grid):
        grid = Profile(profile.name, {**profile.raw, "models": [model]}).cells()
    return next(c for c in grid if c.model == model and c.dataset == dataset and c.seed == seed
                and not c.variant)


def execute(profile: Profile, stems: list[str], src: Path, log=sys.stdout) -> list[str]:
    """papermill every chapter into the staged source; returns the chapters that failed."""
    import papermill as pm
    failed = []
    timeout = profile.raw.get("book", {}).get("timeout_seconds", 1800)
    env_path = os.pathsep.join([str(ROOT / "lib"), str(ROOT)])
    os.environ["PYTHONPATH"] = env_path + os.pathsep + os.environ.get("PYTHONPATH", "")
    for stem in stems:
        t0 = time.perf_counter()
        out = src / f"{stem}.ipynb"
        out.parent.mkdir(parents=True, exist_ok=True)
        try:
            pm.execute_notebook(str(ROOT / f"{stem}.ipynb"), str(out),
                                parameters=display_parameters(profile, stem),
                                cwd=str(ROOT / "book"), progress_bar=False,
                                execution_timeout=timeout, kernel_name="python3")
            hide_injected_parameters(out)
            print(f"  executed {stem}.ipynb ({time.perf_counter() - t0:.1f} s)", file=log, flush=True)
        except Exception as e:                              # keep going: report every failure
            failed.append(stem)
            print(f"  FAILED   {stem}.ipynb: {type(e).__name__}: {str(e)[-2000:]}", file=log, flush=True)
    return failed


INJECTED = "injected-parameters"        # papermill's tag on the cell it adds after `parameters`


def hide_injected_parameters(path: Path) -> int:
    """Tag papermill's injected-parameters cell(s) of an executed notebook `remove-cell` (the
    page shows the chapter's own `parameters` cell, not the profile's values). Returns how many."""
    nb = nbformat.read(path, as_version=4)
    hidden = 0
    for cell in nb.cells:
        tags = list(cell.metadata.get("tags", []))
        if INJECTED in tags and "remove-cell" not in tags:
            cell.metadata["tags"] = tags + ["remove-cell"]
            hidden += 1
    if hidden:
        nbformat.write(nb, path)
    return hidden


def offer_clean_downloads(html: Path, stems: list[str]) -> list[str]:
    """Replace each executed chapter under `html/_sources/` (what the page's download button
    offers) by the clean chapter from the repository. Returns the files replaced."""
    done = []
    for stem in stems:
        offered = html / "_sources" / f"{stem}.ipynb"
        if offered.exists():
            shutil.copyfile(ROOT / f"{stem}.ipynb", offered)
            done.append(offered.relative_to(html).as_posix())
    return done


def stage(src: Path) -> None:
    if src.exists():
        shutil.rmtree(src)
    src.mkdir(parents=True)
    for name in ("_config.yml", "_toc.yml"):
        shutil.copy(ROOT / name, src / name)
    shutil.copytree(ROOT / "book", src / "book", ignore=shutil.ignore_patterns("*.ipynb", ".ipynb_checkpoints"))


def jupyter_book_command() -> str:
    """The `jupyter-book` script of this Python's environment (also when it is not on PATH)."""
    beside = Path(sys.executable).parent / "jupyter-book"
    found = str(beside) if beside.exists() else shutil.which("jupyter-book")
    if found is None:
        raise SystemExit("jupyter-book is not installed in this environment: pip install -e '.[book]'")
    return found


def build(profile: Profile, log=sys.stdout) -> Path:
    """Execute and render; returns the HTML folder. Raises SystemExit(1) on any failure."""
    src = BUILD / profile.name / "src"
    stage(src)
    stems = toc_notebooks()
    print(f"book: executing {len(stems)} chapters with profile {profile.name!r}", file=log, flush=True)
    failed = execute(profile, stems, src, log)
    cmd = [jupyter_book_command(), "build", str(src), "--path-output", str(BUILD / profile.name),
           "-W", "--keep-going"]
    print("book: " + " ".join(cmd), file=log, flush=True)
    proc = subprocess.run(cmd, cwd=ROOT)
    html = BUILD / profile.name / "_build" / "html"
    if html.exists():
        offer_clean_downloads(html, stems)
        target = BUILD / "html"
        if target.exists():
            shutil.rmtree(target)
        shutil.copytree(html, target)
    if failed or proc.returncode != 0:
        why = (f"chapters failed: {', '.join(failed)}" if failed else "") + \
              (f"; jupyter-book exited {proc.returncode}" if proc.returncode else "")
        print(f"book: FAILED ({why.strip('; ')})", file=log, flush=True)
        raise SystemExit(1)
    print(f"book: HTML in {BUILD / 'html'}", file=log, flush=True)
    return BUILD / "html"
