"""The paper's filter (single pass vs k-core), dense ids, stable time order, load() errors."""
from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from seqrec.data import DATASETS, load, paper_filter, preprocess, to_sequences
from seqrec.data.preprocess import apply_filter, length_stats
from seqrec.errors import ConfigError, DataError

TSMC_FIXTURE = Path(__file__).parent / "fixtures" / "tsmc2014_tiny.txt"


def frame(rows) -> pd.DataFrame:
    users, items = zip(*rows)
    return pd.DataFrame({"user": users, "item": items, "time": range(len(rows))})


def test_single_pass_differs_from_kcore():
    # items: a 2 rows, b 2 rows, c 1 row -> c dropped; users then: u1 2 rows, u2 1, u3 1.
    df = frame([("u1", "a"), ("u1", "b"), ("u2", "a"), ("u2", "c"), ("u3", "b")])
    single = paper_filter(df, min_item_rows=2, min_user_rows=2)
    assert list(zip(single["user"], single["item"])) == [("u1", "a"), ("u1", "b")]
    # a and b now have 1 row each, so the k-core keeps going until nothing is left
    assert len(paper_filter(df, min_item_rows=2, min_user_rows=2, iterative=True)) == 0


def test_filter_counts_rows_not_distinct_and_keeps_repeats():
    # u1 checks in 5 times at x (x: 5 rows); u2 visits y, z once each and x 3 times
    df = frame([("u1", "x")] * 5 + [("u2", "y"), ("u2", "x"), ("u2", "x"), ("u2", "z"), ("u2", "x")])
    out = paper_filter(df)                               # the paper's 5 / 5
    assert out["user"].tolist() == ["u1"] * 5            # u2 keeps only 3 rows of x -> dropped
    assert out["item"].tolist() == ["x"] * 5             # repeats are not de-duplicated


def test_filter_order_items_then_users():
    # user u has 5 rows but 2 are on rare items: items first leaves u with 3 rows -> dropped
    df = frame([("u", "r1"), ("u", "r2")] + [("u", "p")] * 3 + [("v", "p")] * 2)
    assert len(paper_filter(df, min_item_rows=2, min_user_rows=4)) == 0
    assert len(paper_filter(df, min_item_rows=0, min_user_rows=4)) == 5


def test_filter_rejects_bad_thresholds():
    with pytest.raises(ConfigError, match="min_item_rows"):
        paper_filter(frame([("u", "i")]), min_item_rows=-1)


def test_dense_ids_sorted_and_ties_keep_file_order():
    # numeric ids sort numerically (4 < 30 < 100), strings lexicographically
    df = pd.DataFrame({"user": [30, 100, 4, 30, 30, 4, 100, 4],
                       "item": ["m", "b", "z", "a", "b", "a", "z", "m"],
                       "time": [2, 7, 5, 1, 2, 5, 6, 1]})
    data = to_sequences(df, "toy")
    assert data.user_ids == [4, 30, 100] and data.item_ids == ["a", "b", "m", "z"]
    a, b, m, z = 1, 2, 3, 4
    # user 4: m@1, then z@5 and a@5 tied -> file order z, a; user 30: a@1, m@2, b@2 (tie);
    # user 100: z@6, b@7
    assert data.items.tolist() == [m, z, a, a, m, b, z, b]
    assert data.offsets.tolist() == [0, 3, 6, 8]
    assert data.num_items == 4 and data.num_users == 3


def test_preprocess_info_and_short_users():
    df = frame([("u1", "a"), ("u1", "b"), ("u1", "a"), ("u2", "a"), ("u2", "b")])
    data = preprocess(df, "toy", filter="none")
    assert data.num_users == 1 and data.info["dropped_short_users"] == 1   # u2: 2 rows < 3
    assert {k: data.info[k] for k in ("raw_users", "raw_items", "raw_interactions",
                                      "users", "items", "interactions")} == \
        {"raw_users": 2, "raw_items": 2, "raw_interactions": 5, "users": 1, "items": 2,
         "interactions": 3}
    assert length_stats(data) == {"length_min": 3, "length_median": 3.0, "length_mean": 3.0,
                                  "length_max": 3}


def test_unknown_filter_and_apply_filter():
    with pytest.raises(ConfigError, match="valid filters: paper, kcore, none"):
        apply_filter(frame([("u", "i")] * 3), filter="5core")


def test_fixture_empty_after_paper_filter_is_a_clear_error():
    with pytest.raises(DataError, match=r"no interactions left in fs-nyc .*tsmc2014_tiny\.txt.*"
                                        r"raw 3 users / 5 items / 12 interactions.*min-item-rows"):
        load("fs-nyc", file=TSMC_FIXTURE)


def test_fixture_single_pass_vs_kcore_through_load():
    # items >= 3 rows: arts (3) and cafe (4); users >= 3 rows afterwards: only 470 (a, c, a, c)
    data = load("fs-nyc", file=TSMC_FIXTURE, min_item_rows=3, min_user_rows=3)
    assert data.user_ids == [470] and data.items.tolist() == [1, 2, 1, 2]
    with pytest.raises(DataError, match="k-core"):       # then arts and cafe have 2 rows each
        load("fs-nyc", file=TSMC_FIXTURE, filter="kcore", min_item_rows=3, min_user_rows=3)


def test_load_errors():
    with pytest.raises(ConfigError, match="valid datasets: ml-1m, fs-nyc, fs-tky, synthetic"):
        load("ml-100k")
    with pytest.raises(ConfigError, match="valid filters"):
        load("ml-1m", file=TSMC_FIXTURE, filter="5-core")
    with pytest.raises(ConfigError, match="only apply to the synthetic"):
        load("fs-nyc", file=TSMC_FIXTURE, num_users=3)
    with pytest.raises(ConfigError, match="reads no file"):
        load("synthetic", file=TSMC_FIXTURE)
    with pytest.raises(ConfigError, match="unknown synthetic arguments"):
        load("synthetic", users=3)


@pytest.mark.parametrize("name", ["ml-1m", "fs-nyc", "fs-tky"])
def test_missing_file_says_what_to_download_and_where(name, tmp_path):
    spec = DATASETS[name]
    with pytest.raises(DataError) as err:
        load(name, file=tmp_path / "nope.txt", cache_dir=tmp_path / "cache")
    msg = str(err.value)
    assert "not found" in msg and spec.url in msg
    assert str(tmp_path / "cache" / spec.archive) in msg and "--file" in msg
