"""Run grid cells on this machine: one papermill subprocess per cell, `--jobs` at a time.

Interrupted (Ctrl-C, or SIGTERM from a scheduler or `kill`), the runner stops the cells it
started, each at its last checkpoint, and says so; the same command resumes them."""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor, as_completed

from seqrec import registry

from .cells import LOG, NOTEBOOK, chapter_path, parameters, state, write_meta
from .profiles import ROOT, Cell, Profile


def _gpus() -> list[str]:
    try:
        import torch
        return [str(i) for i in range(torch.cuda.device_count())]
    except Exception:
        return []


def longest_first(cells: list[Cell]) -> list[Cell]:
    """Longest cells first (the models' relative `cost`), so that the grid does not end with one
    long cell running alone; stable: profile order among equals."""
    return sorted(cells, key=lambda c: -registry.COST.get(c.model, 1))


def cell_threads(jobs: int) -> int:
    """CPU threads for each of `jobs` cells run at once: the cores this process may use (its CPU
    affinity, which SLURM sets to the task's CPUs), shared out. Left alone, torch starts one
    OpenMP thread per core in EVERY cell, and oversubscribed OpenMP threads spin against each
    other: two `ci` cells on two cores measured 3.4x slower epochs and 3x slower evaluations."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return max(1, (cores or 1) // max(1, jobs))


# the cell processes running now (one per running cell), so that an interrupted runner stops them
RUNNING: set[subprocess.Popen] = set()
STOPPING = threading.Event()                        # set once the runner was interrupted


def run_process(cmd: list[str], log, env: dict, own_group: bool = False) -> int:
    """Run one cell's process, its output to `log`; its exit code. `own_group` (the local
    runner): the process leads its own process group (papermill and its kernel, or
    `rebuild.direct`), so that `stop_running_cells` stops all of it and a runner stopped by a
    signal sent to it alone never leaves it computing. Without (a cluster task): it stays in the
    task's group, where the scheduler's own signals reach it."""
    with open(log, "w") as f:
        proc = subprocess.Popen(cmd, stdout=f, stderr=subprocess.STDOUT, env=env, cwd=ROOT,
                                start_new_session=own_group)
        RUNNING.add(proc)
        try:
            return proc.wait()
        finally:
            RUNNING.discard(proc)


def stop_running_cells(grace_seconds: float = 20.0) -> int:
    """Stop every running cell of `run_local`: SIGTERM to its process group (the process ends where it is; the
    cell's last checkpoint stays on disk, written atomically), SIGKILL after `grace_seconds`.
    Not SIGINT: a runner started in the background (`nohup ... &`) ignores SIGINT, and so would
    its cells. Returns how many were running."""
    STOPPING.set()
    procs = list(RUNNING)
    for sig, wait in ((signal.SIGTERM, grace_seconds), (signal.SIGKILL, 5.0)):
        for proc in procs:
            if proc.poll() is None:
                try:
                    os.killpg(proc.pid, sig)        # run_local starts each in its own group
                except ProcessLookupError:
                    pass
        end = time.monotonic() + wait
        while any(p.poll() is None for p in procs) and time.monotonic() < end:
            time.sleep(0.1)
    return len(procs)


def _raise_interrupt(signum, frame):
    raise KeyboardInterrupt(f"signal {signal.Signals(signum).name}")


def execute_cell(profile: Profile, cell: Cell, deadline: float | None = None,
                 gpu: str | None = None, kernel: str = "python3", engine: str = "papermill",
                 threads: int | None = None, own_group: bool = False) -> tuple[str, float, str]:
    """Execute the cell's chapter with papermill (engine "papermill"), or the same library calls
    without Jupyter (engine "direct", `rebuild.direct`); returns (status, seconds, log path).
    `threads`: CPU threads of the cell's process (OMP_NUM_THREADS), unless the caller's
    environment already sets OMP_NUM_THREADS. `own_group`: see `run_process`."""
    run_dir = profile.run_dir(cell)
    run_dir.mkdir(parents=True, exist_ok=True)
    import yaml
    params_file = run_dir / "parameters.yaml"
    params_file.write_text(yaml.safe_dump(parameters(profile, cell, deadline)))
    log = run_dir / LOG
    env = dict(os.environ)
    if gpu is not None:
        env["CUDA_VISIBLE_DEVICES"] = gpu
    if threads and "OMP_NUM_THREADS" not in os.environ:
        env["OMP_NUM_THREADS"] = env["MKL_NUM_THREADS"] = str(threads)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT / "lib"), str(ROOT), env.get("PYTHONPATH", "")])
    if engine == "direct":                          # the same parameters, without Jupyter
        cmd = [sys.executable, "-m", "rebuild.direct", str(params_file)]
    else:
        cmd = [sys.executable, "-m", "papermill", str(chapter_path(cell)), str(run_dir / NOTEBOOK),
               "-f", str(params_file), "--cwd", str(ROOT / "book"), "-k", kernel, "--log-output",
               "--no-progress-bar"]
    write_meta(profile, cell, status="running", started=time.time(), log=str(log), engine=engine,
               host=socket.gethostname(), runner_pid=os.getpid())
    t0 = time.perf_counter()
    returncode = run_process(cmd, log, env, own_group)
    seconds = time.perf_counter() - t0
    write_meta(profile, cell, status="ended", log=str(log))          # no longer 'running'
    now = state(profile, cell)                      # read from the run record, not from the log
    if returncode == 0 and now == "done":
        status = "done"
    elif STOPPING.is_set():                         # stopped by the runner: resumes, not failed
        status = "interrupted"
    elif now == "paused":
        status = "paused"
    else:
        status = "failed"
    write_meta(profile, cell, status=status, seconds=round(seconds, 2), log=str(log))
    return status, seconds, str(log)


def run_local(profile: Profile, cells: list[Cell], jobs: int = 1, deadline: float | None = None,
              out=None, engine: str = "papermill") -> dict[str, list]:
    """Execute cells (skipping done ones and those another runner on this machine trains now),
    `jobs` in parallel; returns {status: [(cell, log)]}. Progress lines go to `out` (default: the
    current sys.stdout)."""
    out = out or sys.stdout
    states = {c.key: state(profile, c) for c in cells}
    todo = [c for c in cells if states[c.key] not in ("done", "running")]
    busy = [c for c in cells if states[c.key] == "running"]
    summary: dict[str, list] = {"done": [], "skipped": [], "failed": [], "paused": [],
                                "interrupted": [], "not started": []}
    summary["skipped"] = [(c, None) for c in cells if c not in todo]
    print(f"profile {profile.name}: {len(cells)} cells, {len(cells) - len(todo) - len(busy)} "
          f"already done, {len(todo)} to run, {jobs} at a time"
          + (f"; left to the runner already training it: {', '.join(c.key for c in busy)}"
             if busy else ""), file=out, flush=True)
    gpus = _gpus()
    # one cell per GPU where several exist; with one GPU (or none) `jobs` cells share it
    free = list(gpus) if len(gpus) > 1 else [gpus[0] if gpus else None] * jobs

    def one(cell: Cell, gpu):
        if deadline is not None and time.time() > deadline:
            return cell, "not started", 0.0, None, gpu
        status, seconds, log = execute_cell(profile, cell, deadline, gpu, engine=engine,
                                            threads=cell_threads(jobs), own_group=True)
        return cell, status, seconds, log, gpu

    finished = 0

    def note_finished(future) -> None:
        nonlocal finished
        cell, status, seconds, log, gpu = future.result()
        free.append(gpu)
        finished += 1
        summary[status].append((cell, log))
        where = f" — log: {log}" if status == "failed" else ""
        print(f"[{finished}/{len(todo)}] {status:>7} {cell.key} ({seconds:.1f} s){where}",
              file=out, flush=True)

    STOPPING.clear()
    in_main = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGTERM, _raise_interrupt) if in_main else None
    previous = signal.SIG_DFL if previous is None else previous     # set outside Python: default
    queue = longest_first(todo)
    try:
        with ThreadPoolExecutor(max_workers=jobs) as pool:
            pending = {}
            try:
                while queue or pending:
                    while queue and len(pending) < jobs and free:
                        gpu = free.pop(0)
                        cell = queue.pop(0)
                        print(f"  start {cell.key} ({cell.chapter}.ipynb"
                              f"{', GPU ' + gpu if gpu else ''})", file=out, flush=True)
                        pending[pool.submit(one, cell, gpu)] = cell
                    done_future = next(as_completed(pending))
                    pending.pop(done_future)
                    note_finished(done_future)
            except KeyboardInterrupt as stop:
                print(f"interrupted ({stop or 'Ctrl-C'}): stopping {len(RUNNING)} running cell(s) "
                      "at their last checkpoint", file=out, flush=True)
                stop_running_cells()
                for future in as_completed(pending):
                    note_finished(future)
                summary["not started"] += [(c, None) for c in queue]
    finally:
        if in_main:
            signal.signal(signal.SIGTERM, previous)
    return summary
