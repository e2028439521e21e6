"""The 'beyond the paper' tables (`seqrec.study.beyond`): committed long runs only, no inf or NaN, at
most four decimals, the findings vocabulary."""
import pandas as pd

from seqrec.study import beyond, findings


def rec(model, dataset, full, sampled, unseen=None):
    test = {"full": {"NDCG@10": full}, "sampled": {"NDCG@10": sampled}}
    if unseen is not None:
        test["full-unseen"] = {"NDCG@10": unseen}
    return {"config": {"model": model, "dataset": dataset, "lookback": 20, "profile": "cpu-paper"},
            "last": {"epoch": 2000, "test": test}}


def long():
    return {"fs-nyc": ("cpu-paper", [rec("sasrec", "fs-nyc", 0.3, 0.7, 0.5),
                                     rec("caser", "fs-nyc", 0.0, 0.5, 0.0),
                                     rec("caser+", "fs-nyc", 0.123456789, 0.72, 0.4)]),
            "ml-1m": ("cpu-paper", [rec("sasrec", "ml-1m", 0.03, 0.4)])}


def test_no_inf_or_nan_and_four_decimals():
    wide = beyond.by_protocol(long())
    assert wide.loc[("FS-NYC", "caser+"), "full"] == 0.1235
    agree = beyond.agreement(wide)
    assert not agree.isna().any().any()
    nyc = agree[agree["dataset"] == "FS-NYC"].iloc[0]
    assert nyc["Kendall tau"] == 1.0 or isinstance(nyc["Kendall tau"], float)
    assert agree[agree["dataset"] == "ML-1M"].iloc[0]["Kendall tau"].startswith("n/a")
    mask = beyond.masking(long()).set_index("model")
    assert mask.loc["Caser", "unseen / full"] == "n/a (denominator 0)"
    assert "ML-1M" not in set(mask["dataset"])                  # no full-unseen: left out
    for frame in (wide.reset_index(), agree, mask):
        text = frame.to_string()
        assert "inf" not in text and "NaN" not in text


def test_verdicts_are_restated_in_the_findings_vocabulary():
    table = pd.DataFrame([{"claim": "Caser+ vs SASRec", "seed 42": "holds (0.3 vs 0.2)",
                           "seed 43": "does not hold (0.1 vs 0.2)",
                           "seeds pooled": "same direction, not significant (0.2 vs 0.2)",
                           "same verdict": False, "verdict": "holds"}])
    got = beyond.in_findings_words(table).iloc[0]
    assert got["seed 42"] == "reproduced (0.3 vs 0.2)"
    assert got["seed 43"] == "reversed (0.1 vs 0.2)"
    assert got["seeds pooled"] == "no significant difference (0.2 vs 0.2)"
    assert got["outcome"] in findings.OUTCOMES and "same outcome" in got.index


def test_shown_frames_say_not_measured_instead_of_nan():
    frame = pd.DataFrame({"a": [0.123456, float("nan")]})
    assert beyond.shown(frame)["a"].tolist() == [0.1235, "not measured"]
