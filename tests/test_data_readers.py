"""Readers: raw ML-1M, raw TSMC2014 (fixture in the exact format), generic tables, bad input."""
from __future__ import annotations

import gzip
import zipfile
from pathlib import Path

import pandas as pd
import pytest

from seqrec.data import load, read_interactions
from seqrec.errors import ConfigError, DataError

FIXTURES = Path(__file__).parent / "fixtures"
TSMC_FIXTURE = FIXTURES / "tsmc2014_tiny.txt"

# Venue ids of the fixture, in sorted order (so dense ids 1..5) and its users (69 < 470 < 979).
ARTS, BRIDGE, CAFE, HOME, COFFEE = ("49bbd6c0f964a520f4531fe3", "4a43c0aef964a520c6a61fe3",
                                    "4b5b981bf964a520900929e3", "4c5cc7b485a1e21e00d35711",
                                    "4d0cc47f903d37041864bf55")


def write(path: Path, text: str, encoding="utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


# ------------------------------------------------------------------------------------ TSMC2014
def test_tsmc_fixture_is_in_the_exact_raw_format():
    raw = TSMC_FIXTURE.read_bytes()
    assert raw.count(b"\r\n") == 12 and b"Caf\xe9" in raw           # CRLF, latin-1 (not UTF-8)
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
    assert all(len(line.split(b"\t")) == 8 for line in raw.splitlines())


def test_tsmc_reader_parses_utc_time_and_keeps_file_order():
    df = read_interactions(TSMC_FIXTURE)
    assert df.attrs["format"] == "tsmc2014"
    assert list(df.columns) == ["user", "item", "time"] and len(df) == 12
    assert df["user"].tolist()[:3] == [470, 979, 69]
    assert df["item"].tolist()[:4] == [ARTS, BRIDGE, HOME, CAFE]
    # "Tue Apr 03 18:00:09 +0000 2012" = 1333476009 s since 1970 (UTC)
    assert df["time"].iloc[0] == 1333476009
    assert df["time"].iloc[1] - df["time"].iloc[0] == 16
    # the two tied rows of user 979 (Fri Apr 06 10:00:00) whatever their tz-offset column says
    tied = df[(df["user"] == 979) & df["item"].isin([HOME, CAFE])]
    assert tied["time"].nunique() == 1


def test_tsmc_sequences_sorted_by_time_ties_in_file_order():
    data = load("fs-nyc", file=TSMC_FIXTURE, filter="none")
    assert data.user_ids == [69, 470, 979]
    assert data.item_ids == [ARTS, BRIDGE, CAFE, HOME, COFFEE]
    a, b, c, h, k = 1, 2, 3, 4, 5
    expected = [[h, c, b],                 # user 69
                [a, c, a, c, k],           # user 470: file rows out of time order, repeats kept
                [b, h, c, a]]              # user 979: h and c tie, file order kept
    assert data.offsets.tolist() == [0, 3, 8, 12]
    assert data.items.tolist() == sum(expected, [])
    assert data.info["raw_interactions"] == 12 and data.info["format"] == "tsmc2014"


def test_tsmc_zip_with_both_cities_needs_a_choice(tmp_path):
    archive = tmp_path / "dataset_tsmc2014.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("dataset_tsmc2014/dataset_TSMC2014_NYC.txt", TSMC_FIXTURE.read_bytes())
        tky = b"\r\n".join(TSMC_FIXTURE.read_bytes().splitlines()[:5]) + b"\r\n"
        zf.writestr("dataset_tsmc2014/dataset_TSMC2014_TKY.txt", tky)
        zf.writestr("dataset_tsmc2014/dataset_TSMC2014_readme.txt", b"readme")
    with pytest.raises(ConfigError, match="several interaction files"):
        read_interactions(archive)
    assert len(read_interactions(archive, member="dataset_TSMC2014_TKY.txt")) == 5
    assert load("fs-tky", file=archive, filter="none").info["raw_interactions"] == 5
    assert load("fs-nyc", file=archive, filter="none").info["raw_interactions"] == 12


def test_tsmc_bad_time_reports_file_and_line(tmp_path):
    lines = TSMC_FIXTURE.read_bytes().split(b"\r\n")
    lines[3] = lines[3].replace(b"Tue Apr 03 20:00:00", b"Tue Apr 33 20:00:00")
    bad = tmp_path / "nyc.txt"
    bad.write_bytes(b"\r\n".join(lines))
    with pytest.raises(DataError, match=r"nyc\.txt: line 4 .*utcTimestamp"):
        read_interactions(bad)


# ------------------------------------------------------------------------------------ ML-1M raw
ML_RATINGS = "1::1193::5::978300760\n1::661::3::978302109\n2::1193::4::978298413\n"


def test_ml1m_raw_plain_gz_and_zip_agree(tmp_path):
    plain = write(tmp_path / "ratings.dat", ML_RATINGS)
    gz = tmp_path / "ratings.dat.gz"
    gz.write_bytes(gzip.compress(ML_RATINGS.encode()))
    archive = tmp_path / "ml-1m.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("ml-1m/movies.dat", "1193::One Flew Over the Cuckoo's Nest (1975)::Drama\n")
        zf.writestr("ml-1m/ratings.dat", ML_RATINGS)
        zf.writestr("ml-1m/README", "readme")
    frames = [read_interactions(p) for p in (plain, gz, archive)]
    for df in frames:
        assert df.attrs["format"] == "ml-1m-ratings"
        assert df.to_dict("list") == {"user": [1, 1, 2], "item": [1193, 661, 1193],
                                      "time": [978300760, 978302109, 978298413]}
    assert frames[2].attrs["source"].endswith("ml-1m.zip!ml-1m/ratings.dat")


@pytest.mark.parametrize("line, problem", [("1::1193::5", "Timestamp"),
                                           ("x1::1193::5::978300760", "UserID"),
                                           ("1::1193::5::97830:0760",
                                            "UserID::MovieID::Rating::Timestamp")])
def test_ml1m_garbled_line_reports_file_and_line(tmp_path, line, problem):
    path = write(tmp_path / "ratings.dat", ML_RATINGS + line + "\n2::661::1::978298414\n")
    with pytest.raises(DataError, match=rf"ratings\.dat: line 4 .*{problem}"):
        read_interactions(path)


def test_truncated_gzip_is_a_clear_error(tmp_path):
    blob = gzip.compress((ML_RATINGS * 2000).encode())
    path = tmp_path / "ratings.dat.gz"
    path.write_bytes(blob[: len(blob) // 2])
    with pytest.raises(DataError, match="truncated or corrupt.*download or copy the file again"):
        read_interactions(path)


# ------------------------------------------------------------------------------------ tables
@pytest.mark.parametrize("header, sep", [("user_id\titem_id\tseq_pos", "\t"),
                                         ("userId,movieId,timestamp", ","),
                                         ("uid;sid;time", ";"),
                                         ("user_id\tpoi_id\tminutes", "\t")])
def test_table_columns_recognised_from_header(tmp_path, header, sep):
    rows = [("7", "b", "2"), ("7", "a", "1"), ("3", "a", "5")]
    path = write(tmp_path / "t.csv", "\n".join([header] + [sep.join(r) for r in rows]) + "\n")
    df = read_interactions(path)
    assert df.attrs["format"] == "table"
    assert df.to_dict("list") == {"user": [7, 7, 3], "item": ["b", "a", "a"], "time": [2, 1, 5]}


def test_table_extra_columns_ignored_and_gz(tmp_path):
    text = "rating\tuser_id\ttimestamp\titem_id\n5\t1\t10\t100\n3\t1\t9\t200\n"
    path = tmp_path / "t.tsv.gz"
    path.write_bytes(gzip.compress(text.encode()))
    assert read_interactions(path).to_dict("list") == {"user": [1, 1], "item": [100, 200],
                                                       "time": [10, 9]}


def test_table_date_strings_become_seconds(tmp_path):
    path = write(tmp_path / "t.csv", "user,item,datetime\n1,5,2012-04-03 18:00:09\n"
                                     "1,6,2012-04-03 18:00:10\n")
    assert read_interactions(path)["time"].tolist() == [1333476009, 1333476010]


@pytest.mark.parametrize("header", ["user_id\tuid\titem_id\ttimestamp",       # two user columns
                                    "user_id\titem_id\ttimestamp\tseq_pos",   # two time columns
                                    "a\tb\tc"])                                # nothing known
def test_ambiguous_table_asks_for_columns(tmp_path, header):
    n = len(header.split("\t"))
    path = write(tmp_path / "t.tsv", header + "\n" + "\t".join(["1"] * n) + "\n")
    with pytest.raises(ConfigError, match="--columns"):
        read_interactions(path)


def test_headerless_table_asks_for_columns_then_reads_positions(tmp_path):
    path = write(tmp_path / "t.tsv", "4\t40\t2\n4\t41\t1\n5\t40\t3\n")
    with pytest.raises(ConfigError, match="--columns"):
        read_interactions(path)
    df = read_interactions(path, columns="0,1,2")
    assert df.to_dict("list") == {"user": [4, 4, 5], "item": [40, 41, 40], "time": [2, 1, 3]}


def test_named_columns_and_file_order(tmp_path):
    path = write(tmp_path / "t.csv", "who,what,when\n1,9,20\n1,8,10\n")
    assert read_interactions(path, columns=("who", "what", "when"))["time"].tolist() == [20, 10]
    assert read_interactions(path, columns="who,what")["time"].tolist() == [0, 1]
    with pytest.raises(ConfigError, match="no column 'wen'.*header"):
        read_interactions(path, columns="who,what,wen")
    with pytest.raises(ConfigError, match="mix"):
        read_interactions(path, columns=("who", 1, 2))


def test_columns_rejected_for_raw_formats():
    with pytest.raises(ConfigError, match="columns are fixed"):
        read_interactions(TSMC_FIXTURE, columns="0,1,7")


@pytest.mark.parametrize("bad_line, problem", [("1\t\t3", "item id is missing"),
                                               ("1\t2", "time is missing"),
                                               ("1\t2\tnoon", "time is not a number")])
def test_table_garbled_line_reports_line_number(tmp_path, bad_line, problem):
    text = f"user_id\titem_id\ttimestamp\n1\t2\t3\n\n{bad_line}\n1\t3\t4\n"
    path = write(tmp_path / "t.tsv", text)
    with pytest.raises(DataError, match=rf"t\.tsv: line 4 .*{problem}"):
        read_interactions(path)


def test_table_line_with_too_many_fields(tmp_path):
    path = write(tmp_path / "t.tsv", "user_id\titem_id\ttimestamp\n1\t2\t3\n1\t2\t3\t4\n")
    with pytest.raises(DataError, match=r"t\.tsv: line 3 is garbled"):
        read_interactions(path)


def test_blank_lines_are_skipped(tmp_path):
    path = write(tmp_path / "t.tsv", "user_id\titem_id\ttimestamp\n\n1\t2\t3\n\n1\t4\t5\n\n")
    expected = {"user": [1, 1], "item": [2, 4], "time": [3, 5]}
    assert read_interactions(path).to_dict("list") == expected


def test_missing_and_empty_files(tmp_path):
    with pytest.raises(DataError, match="not found"):
        read_interactions(tmp_path / "nope.tsv")
    with pytest.raises(DataError, match="empty"):
        read_interactions(write(tmp_path / "empty.tsv", "\n\n"))


def test_latin1_table_falls_back(tmp_path):
    path = write(tmp_path / "t.tsv", "user\titem\ttime\nJos\xe9\tCaf\xe9\t1\n", encoding="latin-1")
    df = read_interactions(path)
    assert df["user"].tolist() == ["Jos\xe9"] and df["item"].tolist() == ["Caf\xe9"]


def test_generic_reader_returns_plain_frame(tmp_path):
    df = read_interactions(write(tmp_path / "t.tsv", "user_id\titem_id\tseq_pos\n1\t2\t0\n"))
    assert isinstance(df, pd.DataFrame) and df.index.tolist() == [0]
