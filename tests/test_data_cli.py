"""`python -m seqrec.data`: one JSON object on success; message + exit code 2 on user errors."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from seqrec.data.__main__ import main

TSMC_FIXTURE = Path(__file__).parent / "fixtures" / "tsmc2014_tiny.txt"


def cli(*args) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "seqrec.data", *args], capture_output=True,
                          text=True, timeout=300)


def test_stats_prints_one_json_object(capsys):
    assert main(["stats", "fs-nyc", "--file", str(TSMC_FIXTURE), "--filter", "none"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert (out["users"], out["items"], out["interactions"]) == (3, 5, 12)
    assert (out["raw_users"], out["raw_items"], out["raw_interactions"]) == (3, 5, 12)
    assert (out["length_min"], out["length_median"], out["length_mean"], out["length_max"]) == \
        (3, 4.0, 4.0, 5)
    assert out["filter"] == "none" and out["format"] == "tsmc2014"


def test_stats_synthetic_with_seed(capsys):
    assert main(["stats", "synthetic", "--seed", "4"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["users"] == 300 and out["items"] == 200 and out["length_min"] >= 20


def test_columns_option(tmp_path, capsys):
    table = tmp_path / "t.tsv"
    table.write_text("".join(f"{u}\t{i}\t{t}\n" for u in range(3) for t, i in enumerate(range(4))))
    assert main(["stats", "ml-1m", "--file", str(table), "--columns", "0,1,2",
                 "--filter", "none"]) == 0
    assert json.loads(capsys.readouterr().out)["interactions"] == 12
    assert main(["stats", "ml-1m", "--file", str(table), "--filter", "none"]) == 2
    assert "--columns" in capsys.readouterr().err


@pytest.mark.parametrize("args, expected", [
    (["stats", "ml-10m"], "valid datasets: ml-1m, fs-nyc, fs-tky, synthetic"),
    (["stats", "ml-1m", "--file", "/no/such/ratings.dat"],
     "https://files.grouplens.org/datasets/movielens/ml-1m.zip"),
    (["stats", "fs-nyc", "--file", str(TSMC_FIXTURE)], "no interactions left"),
])
def test_errors_exit_2_without_traceback(args, expected):
    run = cli(*args)
    assert run.returncode == 2 and run.stdout == ""
    assert expected in run.stderr and "Traceback" not in run.stderr
