"""rebuild/cluster.py: submitit submission, job states, failure logs, resubmission.

The local-executor tests run the real submitit code path (pickled task, controller and task
subprocesses, result pickles) and real papermill runs of small stand-in chapter notebooks written
under tmp_path (the task wrapper below points `chapter_path` at them inside the task process), so
they test the cluster machinery, not the chapters. The SLURM tests put fake `sbatch`/`srun`/`sacct`
executables on PATH: submitit writes its real sbatch script, and parses real `sacct` output.
"""
from __future__ import annotations

import argparse
import json
import os
import stat
import sys
import time
from pathlib import Path

import cloudpickle
import nbformat
import pytest
import submitit
import yaml

from rebuild import cluster, profiles
from rebuild.__main__ import main
from rebuild.cells import read_meta, state, write_meta
from seqrec.errors import ConfigError
from seqrec.results import RECORD_NAME, RECORD_SCHEMA, write_json_atomic

cloudpickle.register_pickle_by_value(sys.modules[__name__])   # the tasks below travel by value

SASREC, POP = "synthetic/sasrec/seed42", "synthetic/pop/seed42"
WAIT_S = 240

# The stand-in chapter: takes the real papermill parameters, checks the device the profile asks
# for the way the training code does (seqrec.training.TrainConfig.resolved_device) and writes a
# run record where the chapter would.
CHAPTER_CODE = """\
import json, time
from pathlib import Path
import torch
from seqrec.results import RECORD_NAME, RECORD_SCHEMA, write_json_atomic
from seqrec.training import TrainConfig
cfg = TrainConfig.from_dict(config)
dev = cfg.resolved_device()
torch.zeros(1, device=dev)            # a GPU the node lacks fails here
write_json_atomic(Path(run_dir) / RECORD_NAME,
                  {"schema": RECORD_SCHEMA, "status": "complete", "config_hash": cfg.identity(), "config": config,
                   "device": str(dev), "time": time.time()})
"""
PARAMETERS = """\
config = {"model": "sasrec", "dataset": "synthetic", "device": "cpu"}
data_file = None
data_options = {}
run_dir = "runs/x"
deadline = None
baselines = []
"""


def write_chapters(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name in ("sasrec", "caser", "evaluation"):
        nb = nbformat.v4.new_notebook()
        params = nbformat.v4.new_code_cell(PARAMETERS)
        params.metadata["tags"] = ["parameters"]
        nb.cells = [params, nbformat.v4.new_code_cell(CHAPTER_CODE)]
        nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
        nbformat.write(nb, folder / f"{name}.ipynb")
    return folder


class WithChapters:
    """The production task (cluster.CellTask) with `chapter_path` pointed at stand-in notebooks."""

    def __init__(self, folder: Path):
        self.folder = str(folder)

    def __call__(self, *args):
        import rebuild.local
        rebuild.local.chapter_path = lambda cell: Path(self.folder) / f"{cell.chapter}.ipynb"
        return cluster.CellTask()(*args)


class KilledTask:
    """A task that dies the way an out-of-memory kill does: no result, no notebook."""

    def __call__(self, *args):
        import signal
        os.kill(os.getpid(), signal.SIGKILL)


def write_profile(tmp_path: Path, models=("sasrec", "pop"), per_model=None, **cluster_opts) -> Path:
    """A copy of the smoke profile with output under tmp_path and a reduced grid."""
    raw = yaml.safe_load((profiles.PROFILE_DIR / "smoke.yaml").read_text())
    raw.update(output=str(tmp_path / "runs"), models=list(models))
    raw["train"].update(epochs=1)
    raw["per_model"] = per_model or {}
    raw["cluster"] = {"time_limit_hours": 0.25, **cluster_opts}
    path = tmp_path / "grid.yaml"
    path.write_text(yaml.safe_dump(raw))
    return path


def run_args(path: Path, **kw) -> argparse.Namespace:
    base = dict(profile=str(path), partition=None, account=None, qos=None, constraint=None,
                gpus_per_run=None, time_limit=None, array_parallelism=None, budget_minutes=None)
    return argparse.Namespace(**{**base, **kw})


def wait_all(jobs):
    t0 = time.time()
    while not all(j.done() for j in jobs):          # LocalJob.done polls (and reaps) the controller
        assert time.time() - t0 < WAIT_S, "submitit local jobs did not finish in time"
        time.sleep(0.5)


def status_lines(path: Path, capsys) -> dict[str, str]:
    capsys.readouterr()
    assert main(["status", "--profile", str(path)]) == 0
    lines = capsys.readouterr().out.splitlines()
    return {ln.split()[1]: ln.strip() for ln in lines if not ln.startswith("total")}


# ----------------------------------------------------------------------------- local executor
@pytest.mark.smoke
def test_local_executor_failed_cell_is_reported_then_resubmitted(tmp_path, capsys):
    chapters = write_chapters(tmp_path / "chapters")
    path = write_profile(tmp_path, per_model={"sasrec": {"device": "cuda:99"}})   # no such GPU
    profile = profiles.load(str(path))
    t_submit = time.time()
    jobs = cluster.submit(profile, profile.cells(), run_args(path), cluster="local",
                          task=WithChapters(chapters))
    assert len(jobs) == 2
    book = json.loads((profile.output / ".submitit" / "jobs.json").read_text())
    assert set(book) == {SASREC, POP}
    assert {e["job_id"] for e in book.values()} == {j.job_id for j in jobs}
    # submitting again while the tasks run sends nothing twice
    assert cluster.submit(profile, profile.cells(), run_args(path), cluster="local",
                          task=WithChapters(chapters)) == []
    wait_all(jobs)

    cells = {c.key: c for c in profile.cells()}
    assert state(profile, cells[POP]) == "done"
    assert (profile.run_dir(cells[POP]) / RECORD_NAME).exists()          # where the book reads it
    assert cluster.cluster_states(profile) == {SASREC: "failed"}
    lines = status_lines(path, capsys)
    assert lines[POP].startswith("done")
    log = Path(lines[SASREC].split("log: ")[1])
    assert lines[SASREC].startswith("failed") and log.name == "papermill.log"
    assert "CUDA" in log.read_text() or "device" in log.read_text()
    assert Path(read_meta(profile, cells[SASREC])["log"]) == log
    by_id = {j.job_id: j for j in jobs}
    with pytest.raises(submitit.core.utils.FailedJobError, match="TrainingError"):
        by_id[book[SASREC]["job_id"]].result()     # the task exited non-zero with the cell's error
    assert by_id[book[POP]["job_id"]].result() == "done"
    # the task stopped the notebook before the time limit: deadline = start + 15 min - 5 min margin
    params = yaml.safe_load((profile.run_dir(cells[POP]) / "parameters.yaml").read_text())
    assert t_submit + 600 - 5 < params["deadline"] < time.time() + 600

    # fix the cause in the YAML and run again: only the failed cell goes out
    path.write_text(path.read_text().replace("cuda:99", "cpu"))
    profile = profiles.load(str(path))
    pop_record = (profile.run_dir(cells[POP]) / RECORD_NAME).read_text()
    jobs = cluster.submit(profile, profile.cells(), run_args(path), cluster="local",
                          task=WithChapters(chapters))
    assert len(jobs) == 1
    assert json.loads((profile.output / ".submitit" / "jobs.json").read_text())[SASREC]["job_id"] \
        == jobs[0].job_id
    wait_all(jobs)
    assert jobs[0].result() == "done"
    lines = status_lines(path, capsys)
    assert lines[SASREC].startswith("done") and lines[POP].startswith("done")
    assert (profile.run_dir(cells[POP]) / RECORD_NAME).read_text() == pop_record   # not rerun
    assert (profile.output / ".submitit" / ".gitignore").read_text() == "*\n"


def test_task_killed_by_the_scheduler_points_at_its_submitit_log(tmp_path, capsys):
    path = write_profile(tmp_path, models=("pop",))
    profile = profiles.load(str(path))
    jobs = cluster.submit(profile, profile.cells(), run_args(path), cluster="local", task=KilledTask())
    wait_all(jobs)
    assert cluster.cluster_states(profile) == {POP: "failed"}
    line = status_lines(path, capsys)[POP]
    assert line.startswith("failed")
    log = Path(line.split("log: ")[1])
    assert log == jobs[0].paths.stderr and log.exists()         # the task's own stderr
    assert "Starting with" in jobs[0].paths.stdout.read_text()  # the task started, then died
    assert not jobs[0].paths.result_pickle.exists()


# ----------------------------------------------------------------------------- SLURM (fake binaries)
@pytest.fixture
def fake_slurm(tmp_path, monkeypatch):
    """sbatch saves the script it is given and answers with the next job id; sacct prints the
    states in tmp_path/sacct.txt in `--parsable2` format; srun only needs to exist."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    counter = tmp_path / "next_id"
    counter.write_text("4242")
    scripts = {
        "sbatch": f'n=$(cat {counter}); cp "$1" {tmp_path}/sbatch_$n.sh; echo $((n+1)) > {counter}; '
                  'echo "Submitted batch job $n"',
        "sacct": f'echo "JobID|State|NodeList"; cat {tmp_path}/sacct.txt 2>/dev/null',
        "srun": "exit 0",
    }
    for name, body in scripts.items():
        f = bin_dir / name
        f.write_text(f"#!/bin/sh\n{body}\n")
        f.chmod(f.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    submitit.SlurmJob.watcher.clear()
    return tmp_path


def test_slurm_submits_one_array_with_the_options(fake_slurm, tmp_path, capsys):
    path = write_profile(tmp_path, models=("sasrec", "caser", "pop"), array_parallelism=8,
                         mem_gb=16, cpus_per_run=4, setup=["module load cuda"])
    profile = profiles.load(str(path))
    args = run_args(path, partition="gpu", gpus_per_run=1, time_limit=12.0, array_parallelism=2)
    jobs = cluster.submit(profile, profile.cells(), args)
    out = capsys.readouterr().out
    assert [j.job_id for j in jobs] == ["4242_0", "4242_1", "4242_2"]
    script = (tmp_path / "sbatch_4242.sh").read_text()
    for line in ("#SBATCH --array=0-2%2", "#SBATCH --partition=gpu", "#SBATCH --gpus-per-node=1",
                 "#SBATCH --time=720", "#SBATCH --cpus-per-task=4", "#SBATCH --mem=16GB",
                 "#SBATCH --job-name=rebuild-grid", "module load cuda"):
        assert line in script, line                 # CLI options win over the profile's (2 vs 8)
    assert "submitted 3 cells as SLURM job array 4242" in out and "4242_2  synthetic/pop/seed42" in out
    book = json.loads((profile.output / ".submitit" / "jobs.json").read_text())
    assert {k: v["job_id"] for k, v in book.items()} == {
        "synthetic/sasrec/seed42": "4242_0", "synthetic/caser/seed42": "4242_1", POP: "4242_2"}


def test_slurm_states_from_sacct_and_resubmission(fake_slurm, tmp_path, capsys):
    path = write_profile(tmp_path, models=("sasrec", "caser", "caser+", "pop"))
    profile = profiles.load(str(path))
    args = run_args(path)
    cluster.submit(profile, profile.cells(), args)             # array 4242, tasks 0..3
    (tmp_path / "sacct.txt").write_text(
        "4242_0|PENDING|None assigned\n4242_1|RUNNING|node1\n4242_1.batch|RUNNING|node1\n"
        "4242_2|TIMEOUT|node2\n4242_3|COMPLETED|node3\n")
    cells = {c.key: c for c in profile.cells()}
    run_dir = profile.run_dir(cells[POP])                       # task 3 wrote its record
    run_dir.mkdir(parents=True)
    write_json_atomic(run_dir / RECORD_NAME, {"schema": RECORD_SCHEMA, "status": "complete",
                                              "config_hash": cells[POP].config.identity()})
    write_meta(profile, cells[POP], status="done", log=str(run_dir / "papermill.log"))
    caser_plus = "synthetic/caser+/seed42"
    write_meta(profile, cells[caser_plus], status="running", log="papermill.log")  # killed mid-run
    assert cluster.cluster_states(profile) == {"synthetic/sasrec/seed42": "queued",
                                               "synthetic/caser/seed42": "running",
                                               caser_plus: "failed"}
    lines = status_lines(path, capsys)
    assert lines["synthetic/sasrec/seed42"].startswith("queued")
    assert lines["synthetic/caser/seed42"].startswith("running")
    assert lines[POP].startswith("done")
    assert lines[caser_plus].startswith("failed")
    assert lines[caser_plus].endswith(str(profile.output / ".submitit" / "4242_2_0_log.err"))
    # run again: only the timed-out cell is submitted (a new array of one task)
    jobs = cluster.submit(profile, profile.cells(), args)
    assert [j.job_id for j in jobs] == ["4243"]
    book = json.loads((profile.output / ".submitit" / "jobs.json").read_text())
    assert book[caser_plus]["job_id"] == "4243" and book["synthetic/sasrec/seed42"]["job_id"] == "4242_0"


def test_status_without_sacct_falls_back_to_the_files(fake_slurm, tmp_path, capsys, monkeypatch):
    path = write_profile(tmp_path, models=("pop",))
    profile = profiles.load(str(path))
    cluster.submit(profile, profile.cells(), run_args(path))
    (fake_slurm / "bin" / "sacct").unlink()
    submitit.SlurmJob.watcher.clear()
    assert cluster.cluster_states(profile) == {}
    assert "sacct not found" in capsys.readouterr().err
    assert status_lines(path, capsys)[POP].startswith("missing")


# ----------------------------------------------------------------------------- user errors
def test_deadline_leaves_a_margin_before_the_time_limit():
    assert cluster.task_deadline(0.0, 12) == 12 * 3600 - 1200       # 5% = 36 min, capped at 20
    assert cluster.task_deadline(0.0, 2) == 2 * 3600 - 360          # 5% of 2 h
    assert cluster.task_deadline(0.0, 0.5) == 1800 - 300            # at least 5 min
    assert cluster.task_deadline(0.0, 0.1) == 360 - 180             # at most half the limit
    assert cluster.task_deadline(0.0, 12, budget_minutes=30) == 1800


def test_bad_cluster_options_are_clear_errors(tmp_path):
    path = write_profile(tmp_path)
    raw = yaml.safe_load(path.read_text())
    del raw["cluster"]
    path.write_text(yaml.safe_dump(raw))
    profile = profiles.load(str(path))
    with pytest.raises(ConfigError, match="--time-limit HOURS"):
        cluster.cluster_options(profile, run_args(path))
    with pytest.raises(ConfigError, match="gpus_per_run must be an integer >= 0"):
        cluster.cluster_options(profile, run_args(path, time_limit=1.0, gpus_per_run=-1))
    with pytest.raises(ConfigError, match="time_limit_hours must be > 0"):
        cluster.cluster_options(profile, run_args(path, time_limit=0.0))
    opts = cluster.cluster_options(profile, run_args(path, time_limit=2.0, partition="a100"))
    assert opts == {"time_limit_hours": 2.0, "partition": "a100"}


def test_cli_slurm_without_sbatch_says_what_to_do(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    path = write_profile(tmp_path)
    assert main(["run", "--profile", str(path), "--executor", "slurm"]) == 2
    assert "sbatch/srun not found" in capsys.readouterr().err
    assert not (tmp_path / "runs" / ".submitit" / "jobs.json").exists()


def test_parallel_cells_share_the_cores_instead_of_oversubscribing(tmp_path, monkeypatch):
    """Each of `jobs` cells gets cores // jobs OpenMP threads (a user's OMP_NUM_THREADS wins)."""
    from rebuild import local
    monkeypatch.setattr(local.os, "sched_getaffinity", lambda pid: set(range(8)), raising=False)
    assert [local.cell_threads(j) for j in (1, 2, 3, 16)] == [8, 4, 2, 1]
    seen = []
    monkeypatch.setattr(local, "run_process", lambda cmd, log, env, own_group: seen.append(env) or 1)
    raw = yaml.safe_load((profiles.PROFILE_DIR / "smoke.yaml").read_text())
    raw["output"] = str(tmp_path / "runs")
    (tmp_path / "p.yaml").write_text(yaml.safe_dump(raw))
    profile = profiles.load(str(tmp_path / "p.yaml"))
    cell = profile.cells()[0]
    monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
    local.execute_cell(profile, cell, threads=4)
    assert seen[-1]["OMP_NUM_THREADS"] == "4" and seen[-1]["MKL_NUM_THREADS"] == "4"
    monkeypatch.setenv("OMP_NUM_THREADS", "3")
    local.execute_cell(profile, cell, threads=4)
    assert seen[-1]["OMP_NUM_THREADS"] == "3"
