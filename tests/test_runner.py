"""The local grid runner end to end with the direct engine (no Jupyter): the parameters file the
runner writes is what the cell runs on, `--device` changes where a cell runs but not its identity,
and a cell that cannot finish within the budget stops at once and the summary says why."""
from __future__ import annotations

import pytest
import yaml

from rebuild import profiles
from rebuild.__main__ import main
from rebuild.cells import state, status_message
from seqrec.results import RECORD_NAME, read_record


def write_profile(tmp_path, **train) -> str:
    path = tmp_path / "tiny.yaml"
    path.write_text(yaml.safe_dump({"extends": "smoke", "output": str(tmp_path / "runs"),
                                    "models": ["sasrec", "pop"], "train": train}))
    return str(path)


def test_direct_cells_run_on_the_parameters_file_and_device_keeps_the_identity(tmp_path, capsys):
    ref = write_profile(tmp_path, device="cuda")          # the profile asks for a GPU ...
    assert main(["run", "--profile", ref, "--engine", "direct", "--device", "cpu"]) == 0   # ... run here
    profile = profiles.load(ref)
    for cell in profile.cells():
        assert state(profile, cell) == "done"
        run_dir = profile.run_dir(cell)
        rec = read_record(run_dir / RECORD_NAME)
        assert rec["resolved"]["device"] == "cpu" and rec["config_hash"] == cell.config.identity()
        params = yaml.safe_load((run_dir / "parameters.yaml").read_text())
        assert params["config"]["device"] == "cpu" and params["run_dir"] == str(run_dir)
    assert "2 done" in capsys.readouterr().out
    with pytest.raises(SystemExit):
        main(["run", "--profile", ref, "--device"])               # --device needs a value


def test_a_cell_that_cannot_finish_in_the_budget_is_paused_with_the_reason(tmp_path, capsys):
    # so many epochs that even a fast machine (a few ms per epoch here) cannot finish in 10 min
    ref = write_profile(tmp_path, epochs=100_000_000, eval_every=50_000_000,
                        checkpoint_every=50_000_000,
                        stop_if_unfinishable=True)
    code = main(["run", "--profile", ref, "--engine", "direct", "--only", "model=sasrec",
                 "--budget-minutes", "10"])
    out = capsys.readouterr().out
    assert code == 0 and "1 paused at the budget" in out
    assert "cannot finish within the time budget" in out and "epochs left" in out
    profile = profiles.load(ref)
    (cell,) = profile.select("model=sasrec")
    assert state(profile, cell) == "paused"
    assert "the budget leaves" in status_message(profile, cell)
    assert not (profile.run_dir(cell) / RECORD_NAME).exists()


def test_an_interrupted_runner_stops_its_cells_at_a_checkpoint_and_the_same_command_resumes(tmp_path):
    """SIGTERM to `python -m rebuild run` (a scheduler's stop, or `kill`): the runner stops the cell
    it started (no process left computing), says so and exits 130; the cell keeps its last
    checkpoint, and the same command resumes it to a record."""
    import os
    import signal
    import subprocess
    import sys
    import time
    from pathlib import Path

    ref = write_profile(tmp_path, epochs=30, eval_every=30, checkpoint_every=1)
    profile = profiles.load(ref)
    (cell,) = profile.select("model=sasrec")
    run_dir = profile.run_dir(cell)
    root = Path(__file__).resolve().parents[1]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(root / "lib"), str(root)])}
    cmd = [sys.executable, "-m", "rebuild", "run", "--profile", ref, "--engine", "direct",
           "--only", "model=sasrec"]
    runner = subprocess.Popen(cmd, cwd=root, env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True)
    end = time.time() + 120
    while not (run_dir / "checkpoint.pt").exists() and time.time() < end:
        time.sleep(0.2)
    assert (run_dir / "checkpoint.pt").exists(), "the cell never wrote a checkpoint"
    runner.send_signal(signal.SIGTERM)
    out = runner.communicate(timeout=60)[0]
    assert runner.returncode == 130, out
    assert "interrupted (signal SIGTERM): stopping 1 running cell(s)" in out
    assert "1 interrupted" in out and "interrupted: synthetic/sasrec/seed42" in out
    params = str(run_dir / "parameters.yaml")
    alive = subprocess.run(["pgrep", "-f", params], capture_output=True, text=True).stdout
    assert not alive.strip(), f"a cell process outlived its runner: {alive}"
    assert state(profile, cell) == "paused" and not (run_dir / RECORD_NAME).exists()
    assert "interrupted while running" in status_message(profile, cell)
    rerun = subprocess.run(cmd, cwd=root, env=env, capture_output=True, text=True, timeout=600)
    assert rerun.returncode == 0, rerun.stdout + rerun.stderr
    assert state(profile, cell) == "done"


def test_a_cell_a_live_runner_trains_shows_running_and_a_second_runner_leaves_it(tmp_path, capsys):
    import os
    import socket
    import subprocess
    import sys

    from rebuild.cells import write_meta

    ref = write_profile(tmp_path)
    profile = profiles.load(ref)
    (cell,) = profile.select("model=sasrec")
    here = dict(host=socket.gethostname(), runner_pid=os.getpid())     # this process: alive
    write_meta(profile, cell, status="running", **here)
    assert state(profile, cell) == "running"
    assert main(["run", "--profile", ref, "--engine", "direct", "--only", "model=sasrec"]) == 0
    out = capsys.readouterr().out
    assert "left to the runner already training it: " + cell.key in out
    assert not (profile.run_dir(cell) / RECORD_NAME).exists()         # nothing trained twice
    main(["status", "--profile", ref, "--only", "model=sasrec"])
    assert "running" in capsys.readouterr().out

    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True).stdout.strip()
    write_meta(profile, cell, status="running", host=here["host"], runner_pid=int(gone))
    assert state(profile, cell) == "missing"                          # its runner died early
    write_meta(profile, cell, status="running", host="another-machine", runner_pid=os.getpid())
    assert state(profile, cell) == "missing"                          # not this machine's runner


def offline_profile(tmp_path, monkeypatch) -> str:
    """The `cpu` profile's real datasets, with an empty download cache and no host to reach
    (the archives' URLs point at a closed port on this machine: refused at once)."""
    monkeypatch.setenv("SEQREC_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("SEQREC_URL_ML_1M", "http://127.0.0.1:9/ml-1m.zip")
    monkeypatch.setenv("SEQREC_URL_TSMC2014", "http://127.0.0.1:9/dataset_tsmc2014.zip")
    path = tmp_path / "offline.yaml"
    path.write_text(yaml.safe_dump({"extends": "cpu", "output": str(tmp_path / "runs"),
                                    "models": ["sasrec", "pop"]}))
    return str(path)


def test_a_run_without_the_data_stops_before_any_cell_with_one_line_per_dataset(
        tmp_path, monkeypatch, capsys):
    from rebuild import local
    from seqrec.data import DATASETS

    started = []
    monkeypatch.setattr(local, "execute_cell", lambda *a, **k: started.append(a) or ("done", 0, ""))
    ref = offline_profile(tmp_path, monkeypatch)
    assert main(["run", "--profile", ref, "--jobs", "2"]) == 2
    err = capsys.readouterr().err
    assert not started and not (tmp_path / "runs").exists()            # no cell started
    assert "no cell started: 3 dataset(s) of profile 'offline' cannot be read" in err
    lines = [line for line in err.splitlines() if line.startswith("  - ")]
    assert [line.split(":")[0] for line in lines] == ["  - fs-nyc", "  - fs-tky", "  - ml-1m"]
    for line, name in zip(lines, ("fs-nyc", "fs-tky", "ml-1m")):
        spec = DATASETS[name]
        assert spec.url in line and str(tmp_path / "cache" / spec.archive) in line
    assert "PROFILE=ci SEQREC_DATA_DIR=" in err and "{file: PATH}" in err
    assert main(["book", "--profile", ref]) == 2                      # the book's own check
    assert "no chapter executed: 3 dataset(s)" in capsys.readouterr().err


def test_a_cached_dataset_passes_the_check_and_only_the_missing_one_is_named(
        tmp_path, monkeypatch, capsys):
    import io
    import zipfile

    from rebuild import local

    started = []
    monkeypatch.setattr(local, "execute_cell",
                        lambda profile, cell, *a, **k: started.append(cell.key) or ("done", 0.0, ""))
    ref = offline_profile(tmp_path, monkeypatch)
    buf = io.BytesIO()                        # the TSMC2014 archive in the cache (no published
    with zipfile.ZipFile(buf, "w") as zf:     # checksum: the cached file is used as it is)
        zf.writestr("dataset_tsmc2014/dataset_TSMC2014_NYC.txt", "")
    (tmp_path / "cache").mkdir()
    (tmp_path / "cache" / "dataset_tsmc2014.zip").write_bytes(buf.getvalue())
    assert main(["run", "--profile", ref]) == 2
    err = capsys.readouterr().err
    assert "1 dataset(s)" in err and "  - ml-1m: " in err and "fs-nyc" not in err
    assert main(["run", "--profile", ref, "--only", "dataset=fs-nyc|fs-tky"]) == 0
    tsmc = profiles.load(ref).select("dataset=fs-nyc|fs-tky")
    assert sorted(started) == sorted(c.key for c in tsmc)
