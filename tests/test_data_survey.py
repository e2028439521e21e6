"""seqrec.data.survey: the data chapter's statistics of a dataset, on tiny data checked by hand."""
from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from seqrec import data
from seqrec.data import survey
from seqrec.errors import DataError

TSMC_FIXTURE = Path(__file__).parent / "fixtures" / "tsmc2014_tiny.txt"


def tiny():
    return data.load_entry("fs-nyc", {"file": str(TSMC_FIXTURE), "filter": "none"})


def frame_sequences(rows):
    """SequenceData of [(user, item, time), ...], unfiltered."""
    return data.to_sequences(pd.DataFrame(rows, columns=["user", "item", "time"]), "toy")


def test_provenance_says_a_partial_copy_is_a_subset():
    _, seqs = tiny()
    sentence = survey.provenance("fs-nyc", seqs)
    assert sentence.startswith("fs-nyc: local file tsmc2014_tiny.txt; a SUBSET")
    assert "interactions 12 vs 227,428" in sentence
    assert survey.provenance("synthetic", data.load("synthetic", num_users=20, num_items=15,
                                                    min_len=5, max_len=9)).endswith(
        "no canonical archive to compare with")


def test_stage_counts_ends_with_what_load_returned():
    raw, seqs = tiny()
    table = survey.stage_counts("fs-nyc", raw, seqs)
    assert table.index.tolist() == ["raw", "paper filter (one pass)", "iterative k-core",
                                    "loaded (filter='none')"]
    assert table.loc["raw"].to_dict() == data.counts(raw)
    assert table.iloc[-1]["interactions"] == seqs.num_interactions == 12


def test_stage_counts_refuses_a_raw_frame_load_did_not_read():
    raw, seqs = tiny()
    with pytest.raises(DataError, match="load_entry"):
        survey.stage_counts("fs-nyc", raw.iloc[1:], seqs)


def test_repeat_share_counts_returns_to_an_earlier_item_of_the_same_user():
    # user 1: a b a a (2 repeats), user 2: a b c (none; user 1's a does not count)
    seqs = frame_sequences([(1, "a", 0), (1, "b", 1), (1, "a", 2), (1, "a", 3),
                            (2, "a", 0), (2, "b", 1), (2, "c", 2)])
    assert survey.repeat_share(seqs) == pytest.approx(2 / 7)


def test_sequence_summary_density_and_lengths():
    seqs = frame_sequences([(1, "a", 0), (1, "b", 1), (1, "c", 2), (2, "a", 0), (2, "b", 1)])
    row = survey.sequence_summary(seqs)
    assert (row["users"], row["items"], row["interactions"]) == (2, 3, 5)
    assert row["density"] == pytest.approx(5 / 6)
    assert row["length_p90"] == pytest.approx(2.9)


def test_time_ties_counts_every_row_of_a_tie_group():
    raw = pd.DataFrame({"user": [1, 1, 1, 2, 2], "item": list("abcab"), "time": [5, 5, 6, 1, 1]})
    ties = survey.time_ties(raw, frame_sequences(raw.values.tolist()))
    assert ties["rows in a tie group"] == 4 and ties["share of rows"] == pytest.approx(0.8)
