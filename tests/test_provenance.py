"""What produced a number (`seqrec.study.provenance`): every label names the training precision, the
device and the seeds it pools."""
from seqrec.study import provenance


def label_record(model="sasrec", seed=42, amp=True):
    return {"config": {"profile": "cpu-paper", "dataset": "fs-nyc", "model": model,
                       "lookback": 20, "seed": seed},
            "resolved": {"amp": amp}, "environment": {}, "last": {"epoch": 2000},
            "data": {"source": "/x/nyc_stan_checkins.tsv", "format": "table"}}


def test_every_label_names_the_training_precision():
    rec = label_record()
    assert provenance.record_label(rec) == ("profile cpu-paper, FS-NYC (local file "
                                        "nyc_stan_checkins.tsv), L=20, 2000 epochs, CPU, "
                                        "bf16 autocast")
    rec["resolved"]["amp"] = False
    assert provenance.record_label(rec).endswith("CPU, fp32")
    rec["environment"] = {"cpu": "AMD EPYC"}
    assert provenance.record_label(rec).endswith("CPU (AMD EPYC), fp32")


def test_the_source_kind_tells_generated_downloaded_and_local_data_apart():
    assert provenance.source_kind({"source": "synthetic", "format": "synthetic"}) == "generated"
    assert provenance.source_kind({"source": "/c/ml-1m.zip!ratings.dat", "format": "ml-1m",
                               "url": "https://x/ml-1m.zip"}) == "canonical download"
    assert provenance.source_kind({"source": "/c/ml-1m.zip!ratings.dat",
                               "format": "ml-1m"}) == "local file ml-1m.zip"


def test_a_budget_label_names_the_seeds_it_pools():
    rec = label_record
    one = provenance.budget_label([rec("sasrec", 42, False), rec("caser+", 42, False),
                               rec("pop", 0, False)])
    assert one.endswith("L=20, 2000 epochs, CPU, fp32, seed 42")       # a floor's seed is no seed
    three = provenance.budget_label([rec("sasrec", s, False) for s in (44, 42, 43)]
                                + [rec("caser+", 42, False)])
    assert three.endswith("fp32, seeds 42, 43, 44 (per-user values averaged over the seeds)")
    mixed = provenance.budget_label([rec("sasrec", 42, True), rec("caser+", 42, False)])
    assert "CPU, bf16 autocast / fp32, seed 42" in mixed
    assert provenance.budget_label([rec("pop", 42)]) == "no trained runs"


def test_the_label_gives_the_window_as_run_repeat_widens_it_to_the_longest_history():
    rec = label_record("repeat")
    rec["resolved"]["lookback"] = 2515                   # what `training.run` made of L = 20
    assert ", L=2515, " in provenance.record_label(rec)
