"""seqrec.data.entries: a chapter's `datasets` entries read, turned into the CLI, shown."""
from __future__ import annotations

from pathlib import Path

import pytest

from seqrec import data
from seqrec.data.__main__ import build_parser, stats
from seqrec.errors import ConfigError

TSMC_FIXTURE = Path(__file__).parent / "fixtures" / "tsmc2014_tiny.txt"


def test_load_entry_returns_the_raw_frame_and_the_loaded_sequences():
    raw, seqs = data.load_entry("fs-nyc", {"file": str(TSMC_FIXTURE), "filter": "none"})
    assert list(raw.columns[:3]) == ["user", "item", "time"]
    assert len(raw) == 12 and seqs.num_interactions == 12          # no filter: nothing removed
    assert data.counts(raw) == {"users": seqs.num_users, "items": seqs.num_items,
                                "interactions": seqs.num_interactions}


def test_load_entry_of_synthetic_data_frames_its_sequences():
    raw, seqs = data.load_entry("synthetic", {"options": {"num_users": 20, "num_items": 15,
                                                          "min_len": 5, "max_len": 9, "seed": 3}})
    assert len(raw) == seqs.num_interactions
    again = data.to_sequences(raw, "synthetic")                    # the frame is the sequences
    assert again.items.tolist() == seqs.items.tolist()
    assert again.offsets.tolist() == seqs.offsets.tolist()


def test_load_entry_names_the_valid_keys():
    with pytest.raises(ConfigError, match="valid keys: file, columns, filter, options"):
        data.load_entry("fs-nyc", {"path": "x.tsv"})


def test_sequences_frame_positions_restart_for_every_user():
    _, seqs = data.load_entry("fs-nyc", {"file": str(TSMC_FIXTURE), "filter": "none"})
    frame = data.sequences_frame(seqs)
    assert frame["user"].tolist() == sum(([u] * n for u, n in
                                          enumerate(seqs.lengths.tolist(), start=1)), [])
    assert (frame.groupby("user")["time"].min() == 0).all()
    assert frame["item"].tolist() == seqs.items.tolist()


def test_stats_argv_parses_with_the_cli_and_gives_the_loaded_counts():
    spec = {"file": str(TSMC_FIXTURE), "filter": "none", "options": {"min_user_rows": 2}}
    argv = data.stats_argv("fs-nyc", spec, python="python")
    assert argv[:5] == ["python", "-m", "seqrec.data", "stats", "fs-nyc"]
    out = stats(build_parser().parse_args(argv[3:]))
    _, seqs = data.load_entry("fs-nyc", spec)
    assert (out["users"], out["items"], out["interactions"]) == \
        (seqs.num_users, seqs.num_items, seqs.num_interactions)
    assert out["min_user_rows"] == 2 and out["filter"] == "none"


def test_stats_argv_columns_and_python_only_options():
    assert data.stats_argv("ml-1m", {"file": "t.tsv", "columns": [0, 1, 2]})[5:] == \
        ["--file", "t.tsv", "--columns", "0,1,2"]
    assert data.stats_argv("synthetic", {"options": {"num_users": 10}}) is None   # no flag for it


def test_shown_path_hides_this_machines_folders(monkeypatch, tmp_path):
    shared, cache, home = tmp_path / "shared" / "data", tmp_path / "cache", tmp_path / "home"
    monkeypatch.setenv("SEQREC_DATA_DIR", str(shared))
    monkeypatch.setenv("SEQREC_CACHE", str(cache))
    monkeypatch.setenv("HOME", str(home))
    assert data.shown_path(shared / "ml-1m" / "r.tsv") == "${SEQREC_DATA_DIR}/ml-1m/r.tsv"
    assert data.shown_path(f"{cache}/dataset_tsmc2014.zip!dataset_tsmc2014/NYC.txt") == \
        "${SEQREC_CACHE}/dataset_tsmc2014.zip!dataset_tsmc2014/NYC.txt"
    assert data.shown_path(home / "copies" / "nyc.tsv") == "~/copies/nyc.tsv"
    assert data.shown_path("synthetic") == "synthetic"
    assert data.shown_path("/srv/elsewhere/x.tsv") == "/srv/elsewhere/x.tsv"     # not ours to hide
    monkeypatch.delenv("SEQREC_CACHE")
    assert data.shown_path(home / ".cache" / "seqrec" / "ml-1m.zip") == "~/.cache/seqrec/ml-1m.zip"


def test_shown_path_of_a_loaded_copy_is_loadable_again(monkeypatch):
    monkeypatch.setenv("SEQREC_DATA_DIR", str(TSMC_FIXTURE.parent))
    _, seqs = data.load_entry("fs-nyc", {"file": "${SEQREC_DATA_DIR}/tsmc2014_tiny.txt",
                                         "filter": "none"})
    shown = data.shown_path(seqs.info["source"])
    assert shown == "${SEQREC_DATA_DIR}/tsmc2014_tiny.txt"
    assert data.load("fs-nyc", file=shown, filter="none").num_interactions == 12
