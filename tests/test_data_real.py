"""The real dataset copies (SEQREC_DATA_DIR): counts from the data README, the authors' order."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch

from seqrec.data import DATASETS, load, read_interactions

pytestmark = pytest.mark.data

ML_COPY = "ml-1m/ml-1m_sequences.tsv"
ML_RAW_PART = "ml-1m/original/ratings_users0001-2999.dat.gz"
NYC_COPY = "foursquare-nyc/nyc_stan_checkins.tsv"


def data_file(relative: str) -> Path:
    root = os.environ.get("SEQREC_DATA_DIR")
    if not root:
        pytest.skip("SEQREC_DATA_DIR is not set: point it at the real dataset copies "
                    "(e.g. ../shared/data) to run the real-data tests")
    path = Path(root) / relative
    if not path.is_file():
        pytest.skip(f"{path} is missing: SEQREC_DATA_DIR should hold the copies listed in its README")
    return path


def counts(data) -> tuple:
    raw = tuple(data.info[k] for k in ("raw_users", "raw_items", "raw_interactions"))
    return (data.num_users, data.num_items, data.num_interactions), raw


@pytest.fixture(scope="module")
def ml1m():
    return load("ml-1m", file=data_file(ML_COPY))


def test_ml1m_copy_counts(ml1m):
    assert counts(ml1m) == ((6040, 3416, 999611), (6040, 3706, 1000209))
    spec = DATASETS["ml-1m"]
    assert counts(ml1m) == tuple(tuple(sizes[k] for k in ("users", "items", "interactions"))
                                 for sizes in (spec.expected_filtered, spec.expected_raw))
    assert ml1m.info["format"] == "table" and ml1m.info["source"].endswith(ML_COPY)


def test_ml1m_raw_partial_counts():
    data = load("ml-1m", file=data_file(ML_RAW_PART))
    assert counts(data) == ((2999, 3266, 486907), (2999, 3615, 487650))
    assert data.info["format"] == "ml-1m-ratings"


def test_ml1m_raw_partial_is_time_ordered_with_file_order_ties():
    path = data_file(ML_RAW_PART)
    data = load("ml-1m", file=path, filter="none")
    raw = read_interactions(path)
    # expected: stable sort by (user, timestamp) of the file rows, ids renumbered by sorted id
    expected = raw.iloc[np.lexsort((raw["time"].to_numpy(), raw["user"].to_numpy()))]
    dense = {item: i + 1 for i, item in enumerate(sorted(raw["item"].unique()))}
    assert data.items.tolist() == expected["item"].map(dense).tolist()


def test_nyc_copy_unchanged_by_the_filter():
    data = load("fs-nyc", file=data_file(NYC_COPY))
    assert counts(data) == ((1083, 5135, 147938), (1083, 5135, 147938))
    n = data.lengths
    assert (int(n.min()), float(n.double().median()), int(n.max())) == (17, 93.0, 2515)


def test_ml1m_sequences_follow_seq_pos(ml1m):
    df = pd.read_csv(data_file(ML_COPY), sep="\t")
    kept = df[df["item_id"].map(df["item_id"].value_counts()) >= 5]         # the paper's item pass
    kept = kept.sort_values(["user_id", "seq_pos"])
    dense = {item: i + 1 for i, item in enumerate(ml1m.item_ids)}
    assert ml1m.items.tolist() == kept["item_id"].map(dense).tolist()
    assert ml1m.user_ids == sorted(df["user_id"].unique().tolist())


def test_ml1m_order_does_not_depend_on_row_order(ml1m, tmp_path):
    df = pd.read_csv(data_file(ML_COPY), sep="\t")
    shuffled = tmp_path / "shuffled.tsv"
    df.sample(frac=1.0, random_state=0).to_csv(shuffled, sep="\t", index=False)
    again = load("ml-1m", file=shuffled)
    assert torch.equal(again.items, ml1m.items) and torch.equal(again.offsets, ml1m.offsets)


def test_ml1m_raw_lengths():
    data = load("ml-1m", file=data_file(ML_COPY), filter="none")
    n = data.lengths
    assert (int(n.min()), float(n.double().median()), int(n.max())) == (20, 96.0, 2314)


def test_cli_stats_on_nyc_copy():
    path = data_file(NYC_COPY)
    run = subprocess.run([sys.executable, "-m", "seqrec.data", "stats", "fs-nyc", "--file", str(path)],
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    out = json.loads(run.stdout)
    assert (out["users"], out["items"], out["interactions"]) == (1083, 5135, 147938)
    assert (out["raw_users"], out["raw_items"], out["raw_interactions"]) == (1083, 5135, 147938)
    assert (out["length_min"], out["length_median"], out["length_max"]) == (17, 93.0, 2515)
    assert out["length_mean"] == pytest.approx(147938 / 1083, abs=1e-3)
