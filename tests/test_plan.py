"""`python -m rebuild plan` and the runner's refusal: projections of the unfinished cells on this
CPU from benchmark files measured on a CPU like it, which fit in the time given, and a run whose
projection exceeds its budget refused unless forced."""
from __future__ import annotations

import dataclasses
import json

import yaml

from rebuild import profiles
from rebuild.__main__ import main
from rebuild.cells import state
from rebuild.plan import bench_command, plan, project
from seqrec.results import STATUS_NAME, cpu_name
from seqrec.training import cpu_has_native_bf16


def write_profile(tmp_path, models=("sasrec", "caser"), **train) -> str:
    path = tmp_path / "tiny.yaml"
    path.write_text(yaml.safe_dump({"extends": "smoke", "output": str(tmp_path / "runs"),
                                    "models": list(models), "train": {"epochs": 3, **train}}))
    return str(path)


def write_bench(tmp_path, epoch_s: dict, eval_s: float = 1.0, native_bf16=None, name="bench-x.json",
                cpu=None) -> str:
    """A benchmark file as `rebuild bench --loop-only` writes it, measured 'here' by default."""
    bf16 = cpu_has_native_bf16() if native_bf16 is None else native_bf16
    rows = [{"model": m, "dataset": "synthetic", "lookback": 8, "amp_bf16": amp, "epoch_s": s,
             "eval_all_users_s": eval_s} for m, s in epoch_s.items() for amp in (False, True)]
    env = {"device": "cpu", "threads": 2, "cpu": cpu or cpu_name(), "cpu_native_bf16": bf16}
    (tmp_path / name).write_text(json.dumps({"environment": env, "results": [], "loop": rows}))
    return str(tmp_path / name)


def test_plan_projects_each_cell_from_this_cpus_benchmark_and_picks_what_fits(tmp_path, capsys):
    ref = write_profile(tmp_path)
    write_bench(tmp_path, {"sasrec": 60.0, "caser": 600.0})     # 3 epochs + 4 evaluations x 2 splits
    profile = profiles.load(ref)
    rows, chosen = plan(profile, profile.cells(), minutes=20, bench_glob=str(tmp_path / "bench*"))
    minutes = {p.cell.model: p.minutes for p in rows}
    assert minutes == {"sasrec": round((3 * 60 + 4 * 2 * 1) / 60, 1),
                       "caser": round((3 * 600 + 4 * 2 * 1) / 60, 1)}
    assert [p.cell.model for p in chosen] == ["sasrec"]          # caser's 30 min do not fit in 20
    assert main(["plan", "--profile", ref, "--minutes", "20", "--bench", str(tmp_path / "bench*")]) == 0
    out = capsys.readouterr().out
    assert "does not fit" in out and "start: synthetic/sasrec/seed42" in out


def test_a_benchmark_from_another_kind_of_cpu_is_not_used(tmp_path, capsys):
    ref = write_profile(tmp_path)
    write_bench(tmp_path, {"sasrec": 60.0, "caser": 60.0}, native_bf16=not cpu_has_native_bf16())
    write_bench(tmp_path, {"sasrec": 60.0, "caser": 60.0}, name="bench-y.json", cpu="Another CPU 9000")
    profile = profiles.load(ref)
    (cell, _) = profile.cells()
    p = project(profile, cell, bench_glob=str(tmp_path / "bench*"))
    assert p.minutes is None and "no benchmark of it on this CPU" in p.source
    assert "python -m rebuild bench --loop-only" in p.source and "--loop-dataset synthetic" in p.source
    assert "--loop-file" not in p.source                          # synthetic data has no file


def test_the_suggested_benchmark_reads_the_cells_own_data_file(tmp_path):
    profile = profiles.load(write_profile(tmp_path))
    cell = dataclasses.replace(profile.cells()[0],
                               data={"file": "${SEQREC_DATA_DIR}/ml-1m/ml-1m_sequences.tsv"})
    command = bench_command(cell, "fp32")
    assert "--loop-file ${SEQREC_DATA_DIR}/ml-1m/ml-1m_sequences.tsv --loop-lookback" in command
    assert "--loop-amp off" in command and bench_command(cell, "bf16 autocast").count("--loop-amp on")


def test_a_paused_cell_is_projected_from_its_checkpoint_epoch(tmp_path):
    ref = write_profile(tmp_path, epochs=100, eval_every=50)
    write_bench(tmp_path, {"sasrec": 60.0})
    profile = profiles.load(ref)
    cell = profile.cells()[0]
    fresh = project(profile, cell, bench_glob=str(tmp_path / "bench*"))
    run_dir = profile.run_dir(cell)
    run_dir.mkdir(parents=True)
    (run_dir / STATUS_NAME).write_text(json.dumps({"status": "paused", "epoch": 60,
                                                   "config_hash": cell.config.identity()}))
    assert state(profile, cell) == "paused"
    resumed = project(profile, cell, bench_glob=str(tmp_path / "bench*"))
    assert resumed.start_epoch == 60
    assert fresh.minutes == round((100 * 60 + 3 * 2) / 60, 1)      # evaluations at 0, 50, 100
    assert resumed.minutes == round((40 * 60 + 1 * 2) / 60, 1)     # only the one at 100 is left


def test_fewer_threads_per_cell_project_a_longer_run(tmp_path):
    ref = write_profile(tmp_path)
    write_bench(tmp_path, {"sasrec": 60.0})
    profile = profiles.load(ref)
    cell = profile.cells()[0]
    from rebuild.local import cell_threads
    exact = (3 * 60 + 4 * 2) / 60                     # minutes with the benchmark's 2 threads
    for jobs in (1, 2):
        slowdown = max(1.0, 2 / cell_threads(jobs))   # 2 cores, 2 jobs: one thread each, 2x
        assert project(profile, cell, jobs=jobs, bench_glob=str(tmp_path / "bench*")).minutes \
            == round(exact * slowdown, 1)


def test_run_refuses_a_cell_whose_projection_exceeds_the_budget_unless_forced(tmp_path, capsys):
    ref = write_profile(tmp_path, models=("sasrec",), epochs=1)
    write_bench(tmp_path, {"sasrec": 3600.0})                 # an hour per epoch, on paper
    bench = str(tmp_path / "bench*")
    code = main(["run", "--profile", ref, "--engine", "direct", "--budget-minutes", "5",
                 "--bench", bench])
    err = capsys.readouterr().err
    assert code == 2 and "not started: synthetic/sasrec/seed42: projected" in err and "--force" in err
    profile = profiles.load(ref)
    assert state(profile, profile.cells()[0]) == "missing"     # nothing started, nothing written
    assert main(["run", "--profile", ref, "--engine", "direct", "--budget-minutes", "5",
                 "--bench", bench, "--force"]) == 0           # the real epoch takes a second
    assert state(profile, profile.cells()[0]) == "done"


def test_a_forced_run_trains_to_its_budget_instead_of_stopping_when_it_cannot_finish(tmp_path, monkeypatch):
    """`--force` is for a cell longer than one session: it must train until the budget (and pause
    there, resumable), so the in-run pace guard that the profile switches on is switched off."""
    import rebuild.local
    ref = write_profile(tmp_path, models=("sasrec",), epochs=1, stop_if_unfinishable=True)
    write_bench(tmp_path, {"sasrec": 1.0})
    started = {}

    def fake_run_local(profile, cells, **_):
        started["guard"] = [cell.config.stop_if_unfinishable for cell in cells]
        return {k: [] for k in ("done", "skipped", "failed", "paused", "interrupted", "not started")}

    monkeypatch.setattr(rebuild.local, "run_local", fake_run_local)
    common = ["run", "--profile", ref, "--engine", "direct", "--budget-minutes", "5",
              "--bench", str(tmp_path / "bench*")]
    assert main(common) == 0 and started["guard"] == [True]         # the profile's guard stands
    assert main(common + ["--force"]) == 0 and started["guard"] == [False]
