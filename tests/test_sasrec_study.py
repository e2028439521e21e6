"""The SASRec study's tables on hand-made records: names of the runs from their switches, the
intervals and the paired comparison against the original."""
import numpy as np
import pytest

from seqrec import metrics
from seqrec.study import sasrec_study


def record(model, ranks, options=None, curve=(0.1, 0.2)):
    per = {p: metrics.from_ranks(ranks) for p in ("sampled", "full")}
    return {"config": {"model": model, "model_options": options or {}, "dataset": "ml-1m"},
            "history": [{"epoch": 10 * i, "test": {"sampled": {"NDCG@10": v, "R@10": 2 * v}}}
                        for i, v in enumerate(curve)],
            "last": {"epoch": 10 * (len(curve) - 1), "test": per},
            "test_ranks": {"last": {p: [int(r) for r in ranks] for p in ("sampled", "full")}}}


RNG = np.random.default_rng(1)
GOOD, BAD = RNG.integers(1, 3, 400), RNG.integers(5, 40, 400)


def test_runs_are_named_by_what_differs_from_the_original():
    assert sasrec_study.what_differs(record("sasrec-original", GOOD)) == "SASRec (original)"
    assert sasrec_study.what_differs(record("sasrec-original", GOOD, {"padding_mask": False})) == \
        "original, padding as the toolkit's"
    assert sasrec_study.what_differs(record("sasrec", GOOD)).startswith("SASRec (the toolkit's: all 5")


def test_the_ablation_table_compares_each_run_with_the_original_over_users():
    recs = [record("sasrec", BAD), record("sasrec-original", GOOD, {"padding_mask": False}),
            record("sasrec-original", GOOD)]
    table = sasrec_study.ablation_table(recs)
    assert list(table["run"])[0] == "SASRec (original)"            # the reference row first
    worse = table.set_index("run").loc[sasrec_study.what_differs(recs[0])]
    assert worse["Δ NDCG@10 vs original (sampled)"].startswith("-")
    assert "p = " in worse["Δ NDCG@10 vs original (full)"]
    same = table.set_index("run").loc["original, padding as the toolkit's"]
    assert same["Δ NDCG@10 vs original (sampled)"].startswith("+0.0000 [+0.0000, +0.0000], p = 1")
    mean = metrics.per_user(GOOD)["NDCG@10"].mean()
    assert table.iloc[0]["NDCG@10 (sampled)"].startswith(f"{mean:.4f} [")


def test_the_ablation_needs_the_original():
    with pytest.raises(ValueError, match="needs the original"):
        sasrec_study.ablation_table([record("sasrec", GOOD)])


def test_curves_have_one_column_per_run():
    curves = sasrec_study.sasrec_curves([record("sasrec", BAD, curve=(0.1, 0.3)),
                                     record("sasrec-original", GOOD, curve=(0.2, 0.5))])
    assert curves.loc[("NDCG@10", 10), "SASRec (original)"] == 0.5
    assert curves.loc[("HR@10", 10), "SASRec (original)"] == 1.0


def test_the_grid_pair_table_reads_both_sasrecs_where_a_setting_holds_both():
    from test_findings import FLAT_HIGH, FLAT_LOW, make_record
    recs = [make_record("sasrec", BAD, FLAT_LOW, seed=s) for s in (42, 43)]
    assert sasrec_study.grid_pair_table(recs, "full").empty              # no original yet
    recs += [make_record("sasrec-original", GOOD, FLAT_HIGH, seed=s) for s in (42, 43)]
    row = sasrec_study.grid_pair_table(recs, "full").iloc[0]
    assert row["setting"].startswith("L = 20") and "seeds 42-43" in row["setting"]
    assert row["SASRec (original)"] > row["SASRec"] and row["original − SASRec, 95 % CI"].startswith("+")
    assert row["converged"] == "all"


def test_the_study_sentence_needs_both_runs_and_says_the_ratio():
    toolkit, original = record("sasrec", BAD), record("sasrec-original", GOOD)
    for r in (toolkit, original):
        r["config"]["lookback"] = 200
    assert sasrec_study.study_sentence([toolkit]) is None
    text = sasrec_study.study_sentence([toolkit, original])
    ratio = metrics.per_user(GOOD)["NDCG@10"].mean() / metrics.per_user(BAD)["NDCG@10"].mean()
    assert f"{ratio:.2f} times the" in text and "L = 200" in text and "0.5905" in text


def test_the_ablation_sentence_names_the_costliest_difference_and_its_share():
    worse = np.minimum(GOOD + 1, 60)
    recs = [record("sasrec", BAD), record("sasrec-original", GOOD),
            record("sasrec-original", BAD, {"init": "torch"}),
            record("sasrec-original", worse, {"input_scale": False})]
    text = sasrec_study.ablation_sentence(recs)
    assert "one does almost all the harm: with the initialisation as" in text
    assert "100% of the" in text and "input scaling as the toolkit's -" in text
    assert sasrec_study.ablation_sentence(recs[:2]) is None
