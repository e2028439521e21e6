"""Which unfinished cells of a profile fit in the time left, on this machine.

`python -m rebuild plan --profile cpu-paper --minutes 150` lists every cell that is not done
(missing, or paused with a checkpoint here) with its projected wall time on this CPU and says
which fit; `python -m rebuild run ... --budget-minutes M` refuses a cell whose projection does
not fit (unless `--force`). The projection is the results chapter's cost table's
(`seqrec.study.benchmarks.projected_cell_hours`: the epochs left times the measured epoch time, plus
every evaluation left, from the committed `results/bench*.json` files), read only from the files
measured on a CPU like this one (`benchmarks.files_for_this_cpu`) and scaled to the threads each
cell gets (`--jobs`). A paused cell counts from its checkpoint's epoch.
"""
from __future__ import annotations

import glob
from dataclasses import dataclass

from seqrec.study import benchmarks
from seqrec.results import STATUS_NAME, cpu_name, read_record
import torch

from seqrec.training import cpu_has_native_bf16

from .cells import state
from .local import cell_threads
from .profiles import ROOT, Cell, Profile

BENCH_GLOB = str(ROOT / "results" / "bench*.json")


@dataclass
class Projection:
    cell: Cell
    state: str                      # 'missing' or 'paused'
    start_epoch: int                # a paused cell resumes here
    precision: str                  # 'bf16 autocast' or 'fp32', as this CPU would train it
    minutes: float | None           # None: no benchmark file timed this cell on this CPU
    source: str                     # the benchmark file used, or what to run to get one

    def fits(self, minutes: float) -> bool | None:
        return None if self.minutes is None else bool(self.minutes <= minutes)


def _precision(cell: Cell) -> str:
    return "bf16 autocast" if cell.config.use_amp(torch.device("cpu")) else "fp32"


def _start_epoch(profile: Profile, cell: Cell) -> int:
    status = profile.run_dir(cell) / STATUS_NAME
    return int(read_record(status).get("epoch", 0)) if status.exists() else 0


def bench_command(cell: Cell, precision: str) -> str:
    """The benchmark that would time `cell` on this machine."""
    amp = "on" if precision.startswith("bf16") else "off"
    data_file = f"--loop-file {cell.data['file']} " if cell.data.get("file") else ""
    return (f"python -m rebuild bench --loop-only --no-authors --models {cell.model} "
            f"--loop-dataset {cell.dataset} {data_file}--loop-lookback {cell.config.lookback} "
            f"--loop-amp {amp} --out results/bench-<this cpu>-{cell.dataset}.json")


def project(profile: Profile, cell: Cell, jobs: int = 1, bench_glob: str | None = None) -> Projection:
    """The projected wall time of what is left of `cell` on this CPU, `jobs` cells at a time."""
    precision = _precision(cell)
    start = _start_epoch(profile, cell)
    paths = benchmarks.files_for_this_cpu(sorted(glob.glob(bench_glob or BENCH_GLOB)))
    c = cell.config
    hours = benchmarks.projected_cell_hours(paths, cell.dataset, c.lookback, c.epochs,
                                            c.eval_every, [cell.model], start_epoch=start)
    if len(hours):
        hours = hours[hours["training"] == precision]
    if not len(hours):
        return Projection(cell, state(profile, cell), start, precision, None,
                          "no benchmark of it on this CPU: " + bench_command(cell, precision))
    row = hours.iloc[0]                    # the file that names this CPU, where one does
    threads = row["threads"] or 2
    slowdown = max(1.0, threads / cell_threads(jobs))   # fewer threads per cell: slower, ~linearly
    return Projection(cell, state(profile, cell), start, precision,
                      round(float(row["projected s"]) / 60 * slowdown, 1),
                      f"{row['file'].split('/')[-1]} ({row['device']})")


def unfinished(profile: Profile, cells: list[Cell]) -> list[Cell]:
    return [c for c in cells if state(profile, c) in ("missing", "paused")]


def plan(profile: Profile, cells: list[Cell], minutes: float, jobs: int = 1,
         bench_glob: str | None = None) -> tuple[list[Projection], list[Projection]]:
    """All unfinished cells' projections (profile order), and the ones to start: in order of
    projected time, shortest first, as long as the cells run so far (`jobs` at a time) fit."""
    rows = [project(profile, c, jobs, bench_glob) for c in unfinished(profile, cells)]
    chosen, lanes = [], [0.0] * jobs
    for p in sorted((p for p in rows if p.minutes is not None), key=lambda p: p.minutes):
        lane = lanes.index(min(lanes))
        if lanes[lane] + p.minutes <= minutes:
            lanes[lane] += p.minutes
            chosen.append(p)
    return rows, chosen


def _fmt(m: float | None) -> str:
    if m is None:
        return "unknown"
    return f"{m / 60:.1f} h" if m >= 90 else f"{m:.0f} min"


def report(profile: Profile, cells: list[Cell], minutes: float, jobs: int = 1,
           bench_glob: str | None = None) -> str:
    """What `python -m rebuild plan` prints."""
    rows, chosen = plan(profile, cells, minutes, jobs, bench_glob)
    head = (f"profile {profile.name} on this CPU ({cpu_name()}, "
            f"{'native bf16' if cpu_has_native_bf16() else 'no native bf16'}), {jobs} cell(s) at a "
            f"time, {minutes:g} min: {len(rows)} cell(s) not done")
    if not rows:
        return head
    lines = [head]
    for p in rows:
        where = f" from epoch {p.start_epoch}" if p.start_epoch else ""
        fits = {True: "fits", False: "does not fit", None: "?"}[p.fits(minutes)]
        lines.append(f"  {p.state:>7}  {p.cell.key:<28} {_fmt(p.minutes):>9}{where} "
                     f"({p.precision}) {fits} — {p.source}")
    if chosen:
        lines.append(f"start: {', '.join(p.cell.key for p in chosen)}")
        lines.append("  e.g. python -m rebuild run --profile " + profile.name + " --engine direct "
                     f"--jobs {jobs} --budget-minutes {minutes:g} --only "
                     + ",".join(f"{k}={v}" for k, v in _only(chosen).items()))
    elif all(p.minutes is None for p in rows):
        lines.append("no benchmark file of a CPU like this one times these cells: run the "
                     "`rebuild bench` command of each line first, or run them as they are "
                     "(a run measures its own pace; `stop_if_unfinishable` stops it early)")
    else:
        lines.append("no cell with a projection fits in the time given")
    return "\n".join(lines)


def _only(chosen: list[Projection]) -> dict:
    """An --only filter that selects at least the chosen cells (and, where it cannot say less,
    cells like them: the runner then refuses those that do not fit)."""
    out = {}
    for key in ("model", "dataset", "variant", "seed"):
        values = list(dict.fromkeys(str(getattr(p.cell, key)) for p in chosen))
        if key == "variant" and values == [""]:
            continue
        out[key] = "|".join(values)
    return out


def refuse_unfit(profile: Profile, cells: list[Cell], minutes: float, jobs: int,
                 bench_glob: str | None = None) -> list[str]:
    """Cells of `cells` whose projection alone exceeds `minutes`: one line each, saying what to
    do. Cells without a projection are not refused (the run measures its own pace and, with
    `stop_if_unfinishable`, stops as soon as it knows)."""
    lines = []
    for c in unfinished(profile, cells):
        p = project(profile, c, jobs, bench_glob)
        if p.fits(minutes) is False:
            lines.append(f"{c.key}: projected {_fmt(p.minutes)} on this CPU ({p.precision}, "
                         f"{p.source}) > budget {minutes:g} min")
    return lines
