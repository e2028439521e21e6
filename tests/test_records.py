"""Run records can be checked against themselves: `config` is the config as asked, its identity
is the record's `config_hash` (every committed record, and any later one), and the migration of
schema-1 records touched nothing but where the resolved values live."""
import json
from pathlib import Path

import pytest

from rebuild.migrate_records import migrated
from seqrec.errors import DataError
from seqrec.results import RECORD_NAME, RECORD_SCHEMA, read_record, resolved
from seqrec.training import EXECUTION_ONLY, TrainConfig

ROOT = Path(__file__).resolve().parents[1]
COMMITTED = sorted((ROOT / "results").rglob(RECORD_NAME))


def test_there_are_committed_records():
    assert len(COMMITTED) >= 35


@pytest.mark.parametrize("path", COMMITTED, ids=lambda p: str(p.relative_to(ROOT / "results")))
def test_a_committed_record_recomputes_its_own_identity(path):
    rec = read_record(path)
    assert rec["schema"] == RECORD_SCHEMA
    assert TrainConfig.from_dict(rec["config"]).identity() == rec["config_hash"]
    assert isinstance(resolved(rec, "amp"), bool) and rec["config"]["amp"] in ("auto", "on", "off")


def schema_1(rec: dict) -> dict:
    """A record as schema 1 wrote it: the resolved values inside `config`, no `resolved`."""
    old = {k: v for k, v in rec.items() if k != "resolved"}
    old["config"] = {**rec["config"], **rec["resolved"]}
    old["schema"] = 1
    return old


@pytest.mark.parametrize("path", COMMITTED[::6] + [p for p in COMMITTED if "/repeat/" in str(p)][:1],
                         ids=lambda p: p.parent.parent.name)
def test_migrating_a_schema_1_record_changes_only_where_the_resolved_values_live(path):
    rec = read_record(path)
    again = migrated(schema_1(rec))
    # schema 1 kept only the resolved value of an execution-only field (eval_batch_size 'auto'
    # ran as 128), which no hash recovers: the migration keeps it in both places
    as_run = {k: rec["resolved"][k] for k in EXECUTION_ONLY if k in rec["resolved"] and k in rec["config"]}
    expected = {**rec, "config": {**rec["config"], **as_run}}
    assert again == expected                              # every metric, rank, history, timing
    assert list(again) == list(rec)                       # and the order of the keys
    assert list(again["config"]) == list(rec["config"])


def test_a_record_whose_hash_nothing_reproduces_is_left_alone():
    rec = schema_1(read_record(COMMITTED[0]))
    rec["config_hash"] = "000000000000"
    assert migrated(rec) is None


def test_a_record_of_an_older_schema_is_refused_with_the_command_that_migrates_it(tmp_path):
    committed = read_record(COMMITTED[0])
    old = dict(committed, schema=1)
    path = tmp_path / "fs-nyc" / "sasrec" / "seed42" / RECORD_NAME
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps(old))
    with pytest.raises(DataError, match=r"schema 1.*python -m rebuild\.migrate_records"):
        read_record(path)
