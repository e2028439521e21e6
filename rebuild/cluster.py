"""Run grid cells on a SLURM cluster through submitit: one job array, one papermill run per task.

    python -m rebuild run    --profile paper --executor slurm [--partition P] [--gpus-per-run 1]
                             [--time-limit HOURS] [--array-parallelism K] [--account A] [--qos Q]
    python -m rebuild status --profile paper

`submit` sends every cell that has no run record for its current config (missing, failed, paused,
stale) and is not already queued or running as ONE job array, writes the job id of each cell to
`<output>/.submitit/jobs.json`, prints the ids and returns. Each array task re-loads the profile,
finds its cell by key and calls `local.execute_cell`, the same code path as a local run: the run
record and `cell.json` land in `profile.run_dir(cell)`, where the book reads them.

Time limits. A task stops cleanly at a checkpoint shortly before the SLURM time limit (the
notebook's `deadline` parameter; the cell is then `paused`); a task killed anyway (time limit,
preemption, node failure) leaves its last checkpoint. Rerunning `run` resubmits what is not done,
and training resumes from `run_dir/checkpoint.pt`. Preempted tasks are requeued by submitit itself.

`cluster_states` maps the scheduler's view of each submitted cell (SLURM via `sacct`, or the local
executor used by the tests) to queued / running / failed; a cell whose record exists is always done.
"""
from __future__ import annotations

import json
import pickle
import shutil
import sys
import time
from pathlib import Path

import submitit

from seqrec.errors import ConfigError, TrainingError, unknown
from seqrec.results import write_json_atomic

from . import profiles
from .cells import pid_alive, read_meta, state
from .profiles import CLUSTER_OPTIONS, Cell, Profile

SUBMITIT_DIR = ".submitit"
JOBS_FILE = "jobs.json"
CLUSTERS = ("slurm", "local")            # "local": submitit's local executor (tests, no SLURM)

# sacct states -> our cell states; anything else (COMPLETED, UNKNOWN...) defers to the files on disk
SLURM_QUEUED = {"PENDING", "REQUEUED", "REQUEUE_FED", "REQUEUE_HOLD", "CONFIGURING", "RESIZING",
                "SUSPENDED", "READY"}
SLURM_RUNNING = {"RUNNING", "COMPLETING", "STAGE_OUT", "SIGNALING"}
SLURM_FAILED = {"FAILED", "TIMEOUT", "CANCELLED", "OUT_OF_MEMORY", "NODE_FAIL", "PREEMPTED",
                "BOOT_FAIL", "DEADLINE", "REVOKED", "SPECIAL_EXIT"}



# ------------------------------------------------------------------------------- options
def cluster_options(profile: Profile, args=None) -> dict:
    """The profile's `cluster:` section overridden by the command line options that were given."""
    opts = dict(profile.raw.get("cluster") or {})
    for key, (attr, _) in CLUSTER_OPTIONS.items():
        value = getattr(args, attr, None) if attr else None
        if value is not None:
            opts[key] = value
    if isinstance(opts.get("setup"), str):
        opts["setup"] = [opts["setup"]]
    for key, (attr, kind) in CLUSTER_OPTIONS.items():
        value = opts.get(key)
        where = f"--{attr.replace('_', '-')} / " if attr else ""
        if value is None:
            continue
        if kind in (int, float) and (isinstance(value, bool) or not isinstance(value, (int, float))):
            raise ConfigError(f"{where}cluster.{key} must be a number, got {value!r}")
        if kind is str and not isinstance(value, str):
            raise ConfigError(f"{where}cluster.{key} must be a string, got {value!r}")
        if kind is list and not (isinstance(value, list) and all(isinstance(v, str) for v in value)):
            raise ConfigError(f"cluster.setup must be a shell line or a list of shell lines, got {value!r}")
    if opts.get("time_limit_hours") is None:
        raise ConfigError("no time limit for the cluster tasks: pass --time-limit HOURS or set "
                          f"cluster.time_limit_hours in profile {profile.name!r}")
    for key, low in (("time_limit_hours", 0), ("mem_gb", 0)):
        if opts.get(key) is not None and not opts[key] > low:
            raise ConfigError(f"cluster.{key} must be > {low}, got {opts[key]!r}")
    for key, low in (("gpus_per_run", 0), ("cpus_per_run", 1), ("array_parallelism", 1)):
        if opts.get(key) is not None and (int(opts[key]) != opts[key] or opts[key] < low):
            raise ConfigError(f"cluster.{key} must be an integer >= {low}, got {opts[key]!r}")
    return opts


def executor_parameters(profile: Profile, opts: dict, cluster: str) -> dict:
    """submitit `update_parameters` keywords for the resolved options (generic + cluster-prefixed)."""
    params = {"name": f"rebuild-{profile.name}", "timeout_min": max(1, round(60 * opts["time_limit_hours"])),
              "nodes": 1, "tasks_per_node": 1, "gpus_per_node": int(opts.get("gpus_per_run") or 0)}
    if opts.get("cpus_per_run"):
        params["cpus_per_task"] = int(opts["cpus_per_run"])
    if opts.get("mem_gb"):
        params["mem_gb"] = opts["mem_gb"]
    if opts.get("setup"):
        params[f"{cluster}_setup"] = list(opts["setup"])
    if cluster == "slurm":
        for key in ("partition", "account", "qos", "constraint"):
            if opts.get(key):
                params[f"slurm_{key}"] = opts[key]
        if opts.get("array_parallelism"):
            params["slurm_array_parallelism"] = int(opts["array_parallelism"])
    return params


def task_deadline(start: float, time_limit_hours: float, budget_minutes: float | None = None) -> float:
    """When the notebook should stop at a checkpoint: before the time limit by a margin that leaves
    room to finish the epoch and write the checkpoint (5% of the limit, clamped to [5, 20] minutes,
    at most half the limit); earlier if `--budget-minutes` says so."""
    limit_s = 3600 * time_limit_hours
    margin_s = min(limit_s / 2, min(1200.0, max(300.0, 0.05 * limit_s)))
    deadline = start + limit_s - margin_s
    if budget_minutes:
        deadline = min(deadline, start + 60 * budget_minutes)
    return deadline


# ------------------------------------------------------------------------------- the task
def profile_ref(profile: Profile, args=None) -> str:
    """What a task passes to `profiles.load`: the built-in name, or the YAML file's absolute path."""
    given = getattr(args, "profile", None) or profile.name
    path = Path(given)
    return str(path.resolve()) if path.suffix else given


def find_cell(profile: Profile, key: str) -> Cell:
    for cell in profile.cells():
        if cell.key == key:
            return cell
    raise ConfigError(f"cell {key!r} is no longer in profile {profile.name!r} (was the profile edited "
                      "after submission?); run `python -m rebuild run` again to submit the current grid")


def run_cell(ref: str, key: str, time_limit_hours: float, budget_minutes: float | None = None) -> str:
    """Body of one array task: re-load the profile, run the cell's chapter with papermill (exactly
    as a local run does) and raise when it failed, so that the scheduler marks the task failed."""
    from .local import cell_threads, execute_cell
    deadline = task_deadline(time.time(), time_limit_hours, budget_minutes)
    profile = profiles.load(ref)
    cell = find_cell(profile, key)
    # checkpoints live on the cluster's shared filesystem: a cell longer than one task resumes in
    # the next one, so it must not stop early for being unable to finish within this task
    cell = cell.with_config(stop_if_unfinishable=False)
    status, seconds, log = execute_cell(profile, cell, deadline=deadline, threads=cell_threads(1))
    print(f"{key}: {status} after {seconds:.1f} s; papermill log: {log}", flush=True)
    if status == "failed":
        raise TrainingError(f"cell {key} failed after {seconds:.1f} s; see the papermill log {log}")
    return status


class CellTask(submitit.helpers.Checkpointable):
    """Picklable callable run by each array task. Checkpointable: when SLURM preempts the task,
    submitit requeues it with the same arguments and training resumes from run_dir/checkpoint.pt."""

    def __call__(self, ref: str, key: str, time_limit_hours: float,
                 budget_minutes: float | None = None) -> str:
        return run_cell(ref, key, time_limit_hours, budget_minutes)


# ------------------------------------------------------------------------------- job book-keeping
def submitit_folder(profile: Profile) -> Path:
    return profile.output / SUBMITIT_DIR


def read_jobs(profile: Profile) -> dict:
    """{cell key: {"job_id", "cluster", "submitted"}} of the latest submission of each cell."""
    path = submitit_folder(profile) / JOBS_FILE
    if not path.exists():
        return {}
    try:
        return json.loads(path.read_text())
    except json.JSONDecodeError as e:
        raise ConfigError(f"{path} is corrupt ({e}); delete it (cells already done keep their "
                          "records) and run `python -m rebuild run` again") from e


def _write_jobs(profile: Profile, jobs: dict) -> None:
    folder = submitit_folder(profile)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / ".gitignore").write_text("*\n")          # pickles and logs never get committed
    write_json_atomic(folder / JOBS_FILE, jobs)


def _job(folder: Path, entry: dict) -> submitit.Job:
    kind = submitit.SlurmJob if entry["cluster"] == "slurm" else submitit.LocalJob
    return kind(folder=folder, job_id=str(entry["job_id"]))


def _result_kind(job: submitit.Job) -> str | None:
    """'success' / 'error' from the task's result pickle, None while there is none."""
    path = job.paths.result_pickle
    if not path.exists():
        return None
    try:
        with open(path, "rb") as f:
            return pickle.load(f)[0]
    except Exception:                       # being written, or unreadable: treat as not there yet
        return None


def _scheduler_state(job: submitit.Job, entry: dict) -> str | None:
    """queued / running / failed, or None when the task finished (the files on disk then tell)."""
    if entry["cluster"] == "slurm":
        raw = job.watcher.get_state(job.job_id, mode="cache").upper().split()[0]   # "CANCELLED by 0"
        if raw in SLURM_QUEUED:
            return "queued"
        if raw in SLURM_RUNNING:
            return "running"
        if raw in SLURM_FAILED:
            return "failed"
        return "failed" if _result_kind(job) == "error" else None
    kind = _result_kind(job)                # local executor: job id = pid of the task's controller
    if kind == "error":
        return "failed"
    if kind == "success":
        return None
    return "running" if pid_alive(int(entry["job_id"])) else "failed"


def cluster_states(profile: Profile) -> dict[str, str]:
    """{cell key: queued | running | failed} for submitted cells the scheduler still speaks for.
    Cells with a record for their current config (done) and tasks that finished normally are left
    out: `cells.state` (done / paused / failed / missing) is then the truth."""
    jobs = read_jobs(profile)
    if not jobs:
        return {}
    folder = submitit_folder(profile)
    cells = {c.key: c for c in profile.cells()}
    live = {key: (entry, _job(folder, entry)) for key, entry in jobs.items()
            if key in cells and state(profile, cells[key]) != "done"}
    slurm = [job for entry, job in live.values() if entry["cluster"] == "slurm"]
    if slurm:
        if shutil.which("sacct") is None:
            print("note: sacct not found, so SLURM states are unknown here; showing the files on disk "
                  "(run `status` on the cluster's login node)", file=sys.stderr)
        slurm[0].watcher.update()           # one sacct call for every registered job
    out = {}
    for key, (entry, job) in live.items():
        s = _scheduler_state(job, entry)
        if s is not None:
            out[key] = s
    return out


def failure_log(profile: Profile, cell: Cell) -> str | None:
    """The log to read for a failed cell: the papermill log when the notebook failed, else (the task
    died: time limit, memory, cancelled, or an error before the notebook started) the task's
    submitit stderr."""
    meta = read_meta(profile, cell)
    if meta.get("status") == "failed" and meta.get("log"):
        return meta["log"]
    entry = read_jobs(profile).get(cell.key)
    if entry is not None:
        return str(_job(submitit_folder(profile), entry).paths.stderr)
    return meta.get("log")


# ------------------------------------------------------------------------------- submission
def make_executor(profile: Profile, opts: dict, cluster: str) -> submitit.AutoExecutor:
    if cluster not in CLUSTERS:
        raise unknown("cluster", cluster, CLUSTERS)
    if cluster == "slurm" and (shutil.which("sbatch") is None or shutil.which("srun") is None):
        raise ConfigError("sbatch/srun not found: submit from a SLURM login node with the project's "
                          "virtual environment active, or use --executor local on this machine")
    executor = submitit.AutoExecutor(folder=submitit_folder(profile), cluster=cluster)
    executor.update_parameters(**executor_parameters(profile, opts, cluster))
    return executor


def submit(profile: Profile, cells: list[Cell], args=None, cluster: str = "slurm", task=None,
           out=None) -> list[submitit.Job]:
    """Submit the cells that are not done and not already queued/running as one job array.

    args: the `run` command's namespace (cluster options, --budget-minutes, --profile); task: the
    callable each array task runs with (profile ref, cell key, time limit h, budget min), default
    `CellTask()`. Returns the submitted jobs (one per cell, in `cells` order)."""
    out = out or sys.stdout
    opts = cluster_options(profile, args)
    in_flight = {k: s for k, s in cluster_states(profile).items() if s in ("queued", "running")}
    done = [c for c in cells if state(profile, c) == "done"]
    todo = [c for c in cells if c not in done and c.key not in in_flight]
    print(f"profile {profile.name}: {len(cells)} cells, {len(done)} done, "
          f"{sum(c.key in in_flight for c in cells)} queued or running, {len(todo)} to submit",
          file=out, flush=True)
    if not todo:
        return []
    executor = make_executor(profile, opts, cluster)
    ref = profile_ref(profile, args)
    budget = getattr(args, "budget_minutes", None)
    n = len(todo)
    jobs = executor.map_array(task or CellTask(), [ref] * n, [c.key for c in todo],
                              [opts["time_limit_hours"]] * n, [budget] * n)
    book = read_jobs(profile)
    now = time.time()
    for cell, job in zip(todo, jobs):
        book[cell.key] = {"job_id": job.job_id, "cluster": cluster, "submitted": now}
    _write_jobs(profile, book)
    _print_submission(profile, opts, cluster, todo, jobs, ref, out)
    return jobs


def _print_submission(profile, opts, cluster, todo, jobs, ref, out) -> None:
    if cluster == "slurm":
        array_id = jobs[0].job_id.split("_")[0]
        where = f" on partition {opts['partition']}" if opts.get("partition") else ""
        at_most = (f", at most {min(opts['array_parallelism'], len(todo))} at a time"
                   if opts.get("array_parallelism") else "")
        print(f"submitted {len(todo)} cells as SLURM job array {array_id}{where}: "
              f"{opts.get('gpus_per_run') or 0} GPU(s) and {opts['time_limit_hours']:g} h per task{at_most}",
              file=out)
    else:
        print(f"submitted {len(todo)} cells to submitit's local executor", file=out)
    for cell, job in zip(todo, jobs):
        print(f"  {job.job_id:>12}  {cell.key}", file=out)
    print(f"task logs: {submitit_folder(profile)}/<job id>_0_log.err|out", file=out)
    print(f"follow with: python -m rebuild status --profile {ref}; run the same `run` command again "
          "to resubmit what failed or paused", file=out, flush=True)
