"""Readers of benchmark files: epochs per precision are never mixed, the device is named."""
import json

import pytest

from seqrec.study import benchmarks


def _loop_row(model, amp, epoch_s, **extra):
    return {"model": model, "mode": "eager", "device": "cpu", "amp_bf16": amp, "dataset": "fs-nyc",
            "lookback": 20, "steps_per_epoch": 9, "epoch_s": epoch_s,
            "projected_paper_grid_hours": None, **extra}


def test_epochs_of_each_precision_stay_apart_with_their_speed_up(tmp_path):
    path = tmp_path / "bench.json"
    path.write_text(json.dumps({
        "environment": {"device": "cpu", "threads": 2, "cpu": "AMD EPYC", "cpu_native_bf16": False},
        "results": [],
        "loop": [_loop_row("cosrec", False, 8.0), _loop_row("cosrec", True, 2.0),
                 _loop_row("sasrec", False, 0.3), _loop_row("sasrec", True, 0.6)]}))
    loop = benchmarks.bench_loop(path)
    assert list(loop.index) == [("CosRec", "fs-nyc", 20), ("SASRec", "fs-nyc", 20)]
    assert loop.loc[("CosRec", "fs-nyc", 20), ("epoch s", "eager, fp32")] == 8.0
    assert loop.loc[("CosRec", "fs-nyc", 20), ("epoch s", "eager, bf16")] == 2.0
    assert loop.loc[("CosRec", "fs-nyc", 20), ("bf16 speed-up", "eager")] == pytest.approx(4.0)
    assert loop.loc[("SASRec", "fs-nyc", 20), ("bf16 speed-up", "eager")] == pytest.approx(0.5)
    assert "paper grid h" not in loop                     # nothing projected at L = 20
    assert loop.attrs["device"] == "CPU (AMD EPYC, no native bf16), 2 threads"


def test_files_written_before_datasets_and_precisions_were_recorded_read_as_ml1m(tmp_path):
    old = {"environment": {"gpu": "NVIDIA H200"}, "results": [],
           "loop": [{"model": "sasrec", "device": "cuda", "amp_bf16": True, "lookback": 100,
                     "epoch_s": 0.37, "projected_paper_grid_hours": 0.54}],
           "loop_compile": [{"model": "sasrec", "device": "cuda", "amp_bf16": True, "lookback": 100,
                             "epoch_s": 0.42, "projected_paper_grid_hours": 0.74}]}
    path = tmp_path / "old.json"
    path.write_text(json.dumps(old))
    loop = benchmarks.bench_loop(path)
    row = ("SASRec", "ml-1m", 100)
    assert loop.loc[row, ("epoch s", "eager, bf16")] == 0.37
    assert loop.loc[row, ("epoch s", "compile, bf16")] == 0.42
    assert loop.loc[row, ("paper grid h", "eager, bf16")] == 0.54
    assert loop.attrs["device"] == "NVIDIA H200"


def test_projected_cell_hours_on_a_hand_worked_file(tmp_path):
    """2000 epochs x 18 s + (1 + 2000 / 10) evaluations x 2 splits x 6 s = 38,412 s = 10.7 h."""
    path = tmp_path / "bench.json"
    path.write_text(json.dumps({
        "environment": {"threads": 2, "cpu": "AMD EPYC", "cpu_native_bf16": False}, "results": [],
        "loop": [_loop_row("cosrec", False, 18.0, eval_all_users_s=6.0),
                 _loop_row("cosrec", False, 1.0, eval_all_users_s=1.0, lookback=50),   # other L
                 _loop_row("sasrec", False, 0.3, eval_all_users_s=0.2)]}))
    hours = benchmarks.projected_cell_hours([path], "fs-nyc", 20, 2000, 10, ["cosrec"])
    assert len(hours) == 1
    row = hours.iloc[0]
    assert row["model"] == "CosRec" and row["training"] == "fp32"
    assert row["projected h"] == pytest.approx(10.7)
    assert row["device"] == "CPU (AMD EPYC, no native bf16), 2 threads"
    assert benchmarks.projected_cell_hours([path], "ml-1m", 20, 300, 10, ["cosrec"]).empty
    # 15 epochs evaluated every 10: at epochs 0, 10 and 15 (the last epoch too), 3 x 2 x 1800 s
    path.write_text(json.dumps({"environment": {"threads": 2}, "results": [],
                                "loop": [_loop_row("caser", False, 0.0, eval_all_users_s=1800.0)]}))
    short = benchmarks.projected_cell_hours([path], "fs-nyc", 20, 15, 10, ["caser"]).iloc[0]
    assert short["projected h"] == pytest.approx(3.0)
