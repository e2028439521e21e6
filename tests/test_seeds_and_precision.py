"""Runs made again with one thing changed (`seqrec.study.seeds_and_precision`): the same run in both training
precisions, and at several seeds."""
import numpy as np

from fake_records import full_record, seeded

from seqrec import metrics
from seqrec.study import seeds_and_precision


def test_training_precision_effect_pairs_the_same_run_in_bf16_and_fp32():
    """The same (dataset, model, seed) trained in bf16 and in fp32: both values per protocol, and
    the Wilcoxon verdict of fp32 against bf16 (far better ranks: 'fp32 better'; identical: none).
    A run that differs in more than its precision (here its window L) is no twin."""
    bf16 = full_record("caser+", "fs-nyc", [50] * 40, [(2000, 0.1)])
    fp32 = full_record("caser+", "fs-nyc", [1] * 40, [(2000, 0.1)])
    fp32["config"].update(amp="off", variant="fp32")
    fp32["resolved"]["amp"] = False
    same = full_record("sasrec", "fs-nyc", [3] * 40, [(2000, 0.1)])
    same_fp32 = full_record("sasrec", "fs-nyc", [3] * 40, [(2000, 0.1)])
    same_fp32["resolved"]["amp"] = False
    for rec in (bf16, fp32, same, same_fp32):
        rec["last"]["test"] = {"full": {"NDCG@10": float(metrics.from_ranks(
            np.asarray(rec["test_ranks"]["last"]["full"]))["NDCG@10"])}}
    lonely = full_record("caser", "fs-nyc", [1] * 40, [(2000, 0.1)])       # no fp32 twin
    shorter = full_record("caser", "fs-nyc", [1] * 40, [(2000, 0.1)])      # fp32, but at L = 5:
    shorter["config"].update(variant="l5", lookback=5)                     # another run, no twin
    shorter["resolved"]["amp"] = False
    effect = seeds_and_precision.training_precision_effect([bf16, fp32, same, same_fp32, lonely, shorter]
                                               ).set_index("model")
    assert list(effect.index) == ["Caser+", "SASRec"]
    assert effect.loc["Caser+", "bf16 NDCG@10"] == 0.0 and effect.loc["Caser+", "fp32 NDCG@10"] == 1.0
    assert effect.loc["Caser+", "Wilcoxon"] == "fp32 better"
    assert effect.loc["SASRec", "fp32 − bf16"] == 0.0
    assert effect.loc["SASRec", "Wilcoxon"] == "no significant difference"


def test_seed_spread_measures_how_far_a_run_moves_with_its_seed_alone():
    """SASRec at three seeds (0.30, 0.32, 0.34): mean 0.32, sd 0.02, range 0.04. Seeds 42 and 43
    rank every target first, seed 44 none in the top 20: the Wilcoxon test over users separates
    seed 44 from each of the others (2 of the 3 pairs). A run of another variant or training
    precision is not one of its seeds; a model with one seed has no spread."""
    recs = [seeded("sasrec", s, ranks, v)
            for s, ranks, v in ((42, [1] * 10, 0.30), (43, [1] * 10, 0.32), (44, [50] * 10, 0.34))]
    recs += [seeded("sasrec", 45, [1] * 10, 0.90, amp=False),               # fp32: another group
             seeded("sasrec", 46, [1] * 10, 0.90, variant="ce"),            # another variant
             seeded("caser+", 42, [1] * 10, 0.5)]                           # one seed only
    spread = seeds_and_precision.seed_spread(recs)
    assert len(spread) == 1
    row = spread.iloc[0]
    assert (row["model"], row["seeds"], row["protocol"]) == ("SASRec", 3, "full")
    assert [row[f"seed {s}"] for s in (42, 43, 44)] == [0.30, 0.32, 0.34]
    assert np.isclose(row["mean"], 0.32) and np.isclose(row["sd"], 0.02)
    assert np.isclose(row["max − min"], 0.04)
    assert row["seed pairs differing (Wilcoxon)"] == "2 / 3"
    # models with different seeds: one column per seed, in order, before the summary columns
    mixed = [seeded("caser+", s, [1] * 10) for s in (43, 44)] + [seeded("sasrec", s, [1] * 10)
                                                                 for s in (42, 43)]
    columns = list(seeds_and_precision.seed_spread(mixed).columns)
    assert columns[7:11] == ["seed 42", "seed 43", "seed 44", "mean"]
