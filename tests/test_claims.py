"""The paper's claims checked on run records (`seqrec.study.claims`): at the end of training, along the
curves, per training precision and per seed."""
import numpy as np

from fake_records import full_record, seeded

from seqrec.study import claims


def test_claims_say_where_the_papers_direction_holds():
    rng = np.random.default_rng(2)
    strong, weak = rng.integers(1, 4, 300).tolist(), rng.integers(30, 60, 300).tolist()
    rising, flat = [(e, 0.001 * e) for e in range(0, 110, 10)], [(e, 0.05) for e in range(0, 110, 10)]
    recs = [full_record("caser", "fs-nyc", weak, flat), full_record("caser+", "fs-nyc", strong, rising),
            full_record("cosrec", "fs-nyc", strong, flat), full_record("cosrec+", "fs-nyc", weak, flat),
            full_record("sasrec", "fs-nyc", strong, flat)]
    got = claims.claims(recs, protocol="full").set_index("claim")["verdict"].to_dict()
    # paper on FS-NYC: Caser+ > Caser, CosRec+ < CosRec (NDCG@10), Caser+ < SASRec, CosRec+ > SASRec
    assert got == {"Caser+ vs Caser": "holds", "CosRec+ vs CosRec": "holds",
                   "Caser+ vs SASRec": "no significant difference",   # the same ranks
                   "CosRec+ vs SASRec": "does not hold"}
    along = claims.curve_claims(recs, "full").set_index("claim")
    # rising 0.001 * epoch crosses the flat 0.05 after epoch 50: above at 60..100 of 10..100
    assert along.loc["Caser+ above Caser at every epoch", "share of epochs"] == 0.5
    assert along.loc["Caser+ above Caser at every epoch", "epochs ahead"] == 5     # of 10
    assert along.loc["CosRec+ above CosRec at every epoch", "verdict"] == "does not hold"


def test_claims_by_precision_read_the_verdict_once_per_training_precision():
    """Caser+ and SASRec trained in bf16 and again in fp32 (Caser trained in bf16 only, so it is
    left out): one table per precision, the verdict from that precision's runs alone."""
    runs = []
    for amp, plus_rank in ((True, 50), (False, 1)):
        for model, rank in (("caser+", plus_rank), ("sasrec", 30)):
            rec = full_record(model, "fs-nyc", [rank] * 40, [(2000, 0.1)])
            rec["resolved"]["amp"] = amp
            rec["last"]["test"] = {"full": {"NDCG@10": 0.1}}
            runs.append(rec)
    runs.append(full_record("caser", "fs-nyc", [9] * 40, [(2000, 0.1)]))
    tables = claims.claims_by_precision(runs, "last", ["full"])
    assert set(tables) == {"bf16 autocast", "fp32"}
    assert list(tables["fp32"]["claim"]) == ["Caser+ vs SASRec"]
    # fp32: rank 1 against rank 30 on every user, better on all nine metrics; bf16: ranks 50 and
    # 30 are both outside the top 20, so every metric ties at zero
    assert tables["fp32"]["ours: better / worse on (of 9)"].iloc[0] == "9 / 0"
    assert tables["bf16 autocast"]["ours: better / worse on (of 9)"].iloc[0] == "0 / 0"
    assert "fp32" in tables["fp32"].attrs["label"]


def test_claims_by_seed_give_each_seeds_verdict_and_the_pooled_one():
    """Seed 42: Caser+ ranks every target first, SASRec 30th (Caser+ far better); seed 43 the
    reverse. The two seeds give opposite verdicts; pooled over the seeds both have (per-user
    values averaged, as Table 1 does) the pair ties, so no significant difference, and the seeds
    do not agree. SASRec's seed 44 has no Caser+ twin: its column has no claim, and it stays out
    of the pooled values (with it SASRec would pool 1, 0, 1 against Caser+'s 1, 0)."""
    recs = [seeded("caser+", 42, [1] * 40), seeded("sasrec", 42, [30] * 40),
            seeded("caser+", 43, [30] * 40), seeded("sasrec", 43, [1] * 40),
            seeded("sasrec", 44, [1] * 40),                                 # no Caser+ seed 44
            seeded("caser", 42, [5] * 40)]                                  # one seed: left out
    table = claims.claims_by_seed(recs, "last", ["full"])
    assert len(table) == 1
    row = table.iloc[0]
    assert (row["claim"], row["protocol"], row["setting"]) == (
        "Caser+ vs SASRec", "full", "cpu-paper, bf16 autocast")
    verdicts = {row["seed 42"].split(" (")[0], row["seed 43"].split(" (")[0]}
    assert verdicts == {"holds", "does not hold"}
    assert row["seeds pooled"].startswith("no significant difference")
    assert "seed 44" not in table.columns
    assert not row["same verdict"]
