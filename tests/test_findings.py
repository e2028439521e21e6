"""The findings: claims read on hand-made records whose answer is known, the intervals on
hand-worked numbers, damaged records, and the table on the committed runs."""
import json
from pathlib import Path

import numpy as np
import pytest

from seqrec import metrics
from seqrec.study import findings as F
from seqrec.study import findings_setting as S
from seqrec.study import findings_words as W
from seqrec.study import paper_claims as C
from seqrec.study import protocol_match, reproduction
from seqrec.results import RECORD_SCHEMA

ROOT = Path(__file__).resolve().parents[1]
PROTOCOLS = ["full", "easyrec-n"]


def make_record(model, ranks, curve, dataset="fs-nyc", seed=42, lookback=20, variant="",
                amp=False, every=10, profile="cpu-paper"):
    """A run record whose test ranks (one per user, both protocols) and test NDCG@10 curve
    (epochs 0, every, ...) are given."""
    last = {p: metrics.from_ranks(ranks) for p in PROTOCOLS}
    return {"schema": RECORD_SCHEMA,
            "config": {"model": model, "dataset": dataset, "seed": seed, "lookback": lookback,
                       "profile": profile, "variant": variant, "amp": "auto", "loss": "bce",
                       "eval_protocols": PROTOCOLS, "epochs": every * (len(curve) - 1),
                       "eval_every": every},
            "resolved": {"amp": amp},
            "data": {"users": len(ranks), "items": 1000, "interactions": 10 * len(ranks)},
            "history": [{"epoch": i * every, "test": {p: {"NDCG@10": v} for p in PROTOCOLS}}
                        for i, v in enumerate(curve)],
            "last": {"epoch": every * (len(curve) - 1), "test": last},
            "best": {"epoch": every * (len(curve) - 1), "test": last},
            "test_ranks": {"last": {p: [int(r) for r in ranks] for p in PROTOCOLS},
                           "best": {p: [int(r) for r in ranks] for p in PROTOCOLS}},
            "environment": {"cpu": "test CPU"}, "timings": {"train_seconds": 1}}


# the main setting of the hand-made records: fp32 at L = 20, 390 epochs on FS-NYC (40 evaluations
# 10 epochs apart), 300 on ML-1M, three seeds
MAIN = {d: S.MainSetting(d, "cpu-paper", 20, epochs, S.FP32, (42, 43, 44), S.TRAINED + ("pop", "repeat"))
        for d, epochs in (("fs-nyc", 390), ("ml-1m", 300))}

RNG = np.random.default_rng(0)
GOOD = RNG.integers(1, 4, 500)              # ranks 1-3: high NDCG
BAD = RNG.integers(30, 60, 500)             # ranks past 20: NDCG 0
FLAT_HIGH, FLAT_LOW = [0.5] * 40, [0.01] * 40


def claim(kind="direction", model="caser+", against="caser", above=True, size=None,
          epochs=(1, None), datasets=("fs-nyc",)):
    return C.Claim("words", "§0", kind, model, against, datasets, above, size, epochs)


def read(recs, c):
    return F.findings(recs, ("full",), claims=[c], main=MAIN).iloc[0].to_dict()


def test_a_clear_win_in_the_paper_direction_is_reproduced_and_the_opposite_reversed():
    recs = [make_record("caser+", GOOD, FLAT_HIGH), make_record("caser", BAD, FLAT_LOW)]
    assert read(recs, claim())["outcome"] == "reproduced"
    assert read(recs, claim(above=False))["outcome"] == "reversed"
    assert read(recs, claim("all-metrics"))["outcome"] == "reproduced"


def test_equal_models_show_no_significant_difference():
    recs = [make_record("caser+", GOOD, FLAT_HIGH), make_record("caser", GOOD, FLAT_HIGH)]
    row = read(recs, claim())
    assert row["outcome"] == "no significant difference"
    assert "+0.0000 [+0.0000, +0.0000]" in row["effect (full)"]


def test_seeds_that_disagree_never_reproduce_a_claim():
    """Seed 42: Caser+ far ahead; seed 43: slightly behind. Pooled, the win is significant, but
    one seed is on the other side."""
    worse = np.minimum(GOOD + 1, 60)
    recs = [make_record("caser+", GOOD, FLAT_HIGH, seed=42), make_record("caser", BAD, FLAT_LOW, seed=42),
            make_record("caser+", worse, FLAT_HIGH, seed=43), make_record("caser", GOOD, FLAT_HIGH, seed=43)]
    row = read(recs, claim())
    assert row["outcome"] == "no significant difference" and "over 2 seeds" in row["effect (full)"]


def test_a_run_still_rising_makes_the_outcome_preliminary_and_says_which():
    rising = list(np.linspace(0.1, 0.5, 40))
    recs = [make_record("caser+", GOOD, rising), make_record("caser", BAD, FLAT_LOW)]
    row = read(recs, claim())
    assert row["outcome"] == "reproduced, preliminary" and row["preliminary"]
    assert row["converged"].startswith("Caser+ still rising")


def test_a_gain_smaller_than_the_stated_size_is_partly_reproduced():
    # NDCG@10 of rank 1 is 1, of rank 3 is 0.5: means 1.0 vs 0.5, a gain of +100 % exactly
    a, b = np.ones(400, int), np.full(400, 3)
    recs = [make_record("caser+", a, FLAT_HIGH), make_record("caser", b, FLAT_HIGH)]
    assert F.relative_gain(metrics.per_user(a)["NDCG@10"], metrics.per_user(b)["NDCG@10"])[0] == pytest.approx(1.0)
    assert read(recs, claim("gain", size=0.5))["outcome"] == "reproduced"
    assert read(recs, claim("gain", size=7.5))["outcome"] == "partly reproduced"


def test_a_gap_bound_reads_the_gap_against_its_interval():
    sas = np.ones(400, int)                                        # NDCG 1
    plus = np.where(np.arange(400) % 10 == 0, 3, 1)                # NDCG 1, or 0.5 for a tenth
    recs = [make_record("sasrec", sas, FLAT_HIGH), make_record("caser+", plus, FLAT_HIGH)]
    c = claim("gap-at-most", against="sasrec", above=False, size=0.2)
    assert read(recs, c)["outcome"] == "reproduced"                # gap 0.05, well under 0.2
    assert read(recs, C.Claim("w", "§", "gap-at-most", "caser+", "sasrec", ("fs-nyc",), False,
                              0.001))["outcome"] == "reversed"


def test_curves_ahead_at_some_epochs_only_are_partly_reproduced():
    ahead_late = [0.1] * 10 + [0.6] * 30
    recs = [make_record("caser+", GOOD, ahead_late), make_record("caser", BAD, [0.3] * 40)]
    row = read(recs, claim("curve"))
    assert row["outcome"] == "partly reproduced" and "at 30 of 39 evaluated epochs" in row["effect (full)"]
    assert read(recs, claim("curve", epochs=(1, 90)))["outcome"] == "reversed"
    assert read(recs, claim("curve", epochs=(200, None)))["outcome"] == "reproduced"


def test_a_curve_read_on_runs_shorter_than_the_claims_window_says_where_they_end():
    recs = [make_record("caser+", GOOD, FLAT_HIGH), make_record("caser", BAD, FLAT_LOW)]   # 390 epochs
    short = read(recs, claim("curve", epochs=(1, 500)))["effect (full)"]
    assert "at 39 of 39 evaluated epochs in 1-390; the runs end at epoch 390, before the claim's " \
           "window ends at 500" in short
    assert "the runs end" not in read(recs, claim("curve", epochs=(1, 250)))["effect (full)"]


def test_a_dataset_without_a_copy_is_not_tested_and_its_stand_in_says_so():
    recs = [make_record("caser+", GOOD, FLAT_HIGH), make_record("caser", BAD, FLAT_LOW)]
    rows = F.findings(recs, ("full",), claims=[claim(datasets=("fs-tky",))], main=MAIN)
    assert list(rows["outcome"]) == ["not tested", "reproduced"]
    assert "no copy of Foursquare Tokyo" in rows.iloc[0]["reason"]
    assert rows.iloc[1]["read on"] == "FS-NYC, as a stand-in for FS-TKY"


def test_the_main_setting_is_the_evidence_and_the_others_are_robustness():
    recs = [make_record("caser+", GOOD, FLAT_HIGH), make_record("caser", BAD, FLAT_LOW),
            make_record("caser+", BAD, FLAT_LOW, lookback=5, variant="l5"),
            make_record("caser", GOOD, FLAT_HIGH, lookback=5, variant="l5")]
    row = read(recs, claim())
    assert row["evidence"].startswith("L = 20") and row["outcome"] == "reproduced"
    assert "the main setting" in row["evidence"] and row["seeds"] == "1 of 3 seeds"
    assert row["robustness"] == "reversed (L = 5, seed 42)"


def test_a_bf16_run_and_its_fp32_twin_say_whether_the_outcome_is_the_same():
    main = [make_record("caser+", GOOD, FLAT_HIGH), make_record("caser", BAD, FLAT_LOW)]
    same = main + [make_record("caser+", GOOD, FLAT_HIGH, amp=True),
                   make_record("caser", BAD, FLAT_LOW, amp=True)]
    assert read(same, claim())["robustness"] == "same (bf16 autocast, seed 42)"
    flipped = main + [make_record("caser+", BAD, FLAT_LOW, amp=True),
                      make_record("caser", GOOD, FLAT_HIGH, amp=True)]
    row = read(flipped, claim())
    assert (row["outcome"], row["robustness"]) == ("reproduced", "reversed (bf16 autocast, seed 42)")
    assert read(main, claim())["robustness"] == ""                 # no other setting


def test_a_model_missing_at_the_main_setting_is_not_tested_and_never_borrows_another_setting():
    """Caser has runs at L = 5 only: the row says it is not run at the main setting, gives the
    command, and shows the L = 5 outcome as robustness, not as its answer."""
    recs = [make_record("caser+", GOOD, FLAT_HIGH),
            make_record("caser+", GOOD, FLAT_HIGH, lookback=5, variant="l5"),
            make_record("caser", BAD, FLAT_LOW, lookback=5, variant="l5")]
    row = read(recs, claim())
    assert row["outcome"] == "not tested" and row["effect (full)"] == F.NOT_RUN
    assert row["reason"].startswith("Caser is not run at the main setting (L = 20, 390 epochs")
    assert row["robustness"] == "reproduced (L = 5, seed 42)"
    assert np.isnan(row["delta (full)"]) and row["verdict (full)"] is None
    sentences = W.summary_sentences(F.findings(recs, ("full",), claims=C.table1_claims(), main=MAIN),
                                    "full", MAIN)
    assert any(s.startswith("Caser+ against Caser is not run at the main setting on FS-NYC")
               for s in sentences)
    assert not any("significantly" in s for s in sentences)


def test_some_seeds_of_the_main_setting_are_read_on_those_present_and_say_how_many():
    recs = [make_record(m, r, c, seed=seed) for seed in (42, 44)
            for m, r, c in (("caser+", GOOD, FLAT_HIGH), ("caser", BAD, FLAT_LOW))]
    recs.append(make_record("caser+", GOOD, FLAT_HIGH, seed=43))        # Caser seed 43 missing
    row = read(recs, claim())
    assert row["outcome"] == "reproduced" and row["seeds"] == "2 of 3 seeds"
    assert "seeds 42, 44 (2 of 3 seeds)" in row["evidence"]


def test_the_missing_runs_command_is_derived_from_the_profile_and_selects_exactly_them():
    from rebuild.profiles import load
    setting = S.MAIN_SETTINGS["fs-nyc"]
    command = S.run_command(setting, {"sasrec-original": [42, 43, 44], "cosrec": [43, 44]})
    assert command.startswith("python -m rebuild run --profile cpu-paper ")
    only = command.split("--only ")[1].strip("'")
    cells = load("cpu-paper").select(only) if "SEQREC_DATA_DIR" in __import__("os").environ else (
        S._profile("cpu-paper").select(only))
    assert {(c.model, c.seed) for c in cells} == {("sasrec-original", s) for s in (42, 43, 44)} | {
        ("cosrec", 43), ("cosrec", 44)}
    assert all(c.dataset == "fs-nyc" and c.config.lookback == 20 and c.config.epochs == 2000
               and c.config.amp != "off" for c in cells)


def test_mean_difference_interval_on_a_hand_worked_example():
    a, b = np.array([1.0, 2.0, 3.0, 4.0]), np.array([0.0, 1.0, 1.0, 2.0])   # d = 1, 1, 2, 2
    mean, lo, hi = F.mean_difference(a, b)
    half = 1.959964 * np.std([1, 1, 2, 2], ddof=1) / 2
    assert (mean, lo, hi) == pytest.approx((1.5, 1.5 - half, 1.5 + half))


def test_the_summary_is_written_from_the_rows():
    recs = [make_record("caser+", GOOD, FLAT_HIGH), make_record("caser", BAD, FLAT_LOW)]
    table = F.findings(recs, ("full",), claims=C.table1_claims(), main=MAIN)
    sentences = W.summary_sentences(table, "full", MAIN)
    assert sentences[0].startswith("Every sentence below is read at one main setting per dataset")
    assert sentences[1].startswith("Caser+ is significantly above Caser on FS-NYC (+")
    assert sentences[1].endswith("as in Table 1).")
    assert any("rows about FS-TKY are not tested" in s for s in sentences)


# ----------------------------------------------------------------------------- damaged records
def test_a_damaged_record_is_named_and_its_cell_counts_as_not_run(tmp_path):
    good = make_record("caser", BAD, FLAT_LOW)
    lacking = make_record("caser+", GOOD, FLAT_HIGH)
    del lacking["last"]["test"]["easyrec-n"]
    cut = make_record("sasrec", GOOD, FLAT_HIGH)
    cut["history"] = cut["history"][:5]
    for rec in (good, lacking, cut):
        folder = tmp_path / "cpu-paper" / "fs-nyc" / rec["config"]["model"] / "seed42"
        folder.mkdir(parents=True)
        (folder / "record.json").write_text(json.dumps(rec))
    rep = reproduction.load(tmp_path, main=MAIN)
    assert [r["config"]["model"] for r in rep.records] == ["caser"]
    assert len(rep.problems) == 2
    assert any("caser+/seed42/record.json: lacks protocol 'easyrec-n'" in p for p in rep.problems)
    assert any("sasrec/seed42/record.json: history cut short: it ends at epoch 40" in p for p in rep.problems)
    gaps = reproduction.not_run(rep)
    assert {"Caser+", "SASRec"} <= set(gaps["model"])
    assert any("lacks protocol" in why for why in gaps["why"])


# ----------------------------------------------------------------------------- identification
def test_two_protocols_within_the_seed_spread_are_a_tie():
    """Two seeds of one converged run whose distances to the paper differ by 0.05 between the
    seeds: protocols whose distances differ by less than that cannot be told apart."""
    def rec(seed, full, easy):
        r = make_record("sasrec", GOOD, FLAT_HIGH, seed=seed, variant="fp32")
        r["last"]["test"]["full"] = {m: full for m in r["last"]["test"]["full"]}
        r["last"]["test"]["easyrec-n"] = {m: easy for m in r["last"]["test"]["full"]}
        return r
    main = [rec(42, 0.30, 0.31)]
    main[0]["config"]["variant"] = ""
    ident = protocol_match.identify(main, [rec(42, 0.30, 0.31), rec(43, 0.30 * 1.05, 0.31)])
    assert ident.tie and set(ident.protocols) == {"full", "easyrec-n"}
    assert ident.text.startswith("cannot tell")


# ----------------------------------------------------------------------------- committed runs
@pytest.mark.skipif(not (ROOT / "results" / "cpu-paper").is_dir(), reason="no committed runs")
def test_the_committed_findings_have_an_outcome_for_every_row():
    rep = reproduction.load(ROOT / "results")
    table = rep.findings
    assert set(table["outcome"].str.replace(", preliminary", "")) <= set(F.OUTCOMES)
    tky = table[table["paper dataset"] == "FS-TKY"]
    assert (tky["outcome"] == "not tested").sum() >= 12
    # ML-1M after 300 epochs is still moving: nothing read on it is final
    ml1m = table[(table["read on"] == "ML-1M") & (table["outcome"] != "not tested")
                 & (table["epochs"] == 300)]
    assert len(ml1m) and ml1m["preliminary"].all()
    # the protocol is decided on converged runs only
    assert rep.identification.basis and "ml-1m/sasrec" not in rep.identification.basis


# ----------------------------------------------------------------------------- variants
def write_records(root, recs):
    """The records in the committed layout: <profile>/<dataset>/<model>[~variant]/seed<N>."""
    for rec in recs:
        c = rec["config"]
        name = c["model"] + (f"~{c['variant']}" if c["variant"] else "")
        folder = root / c["profile"] / c["dataset"] / name / f"seed{c['seed']}"
        folder.mkdir(parents=True)
        (folder / "record.json").write_text(json.dumps(rec))
    return root


def test_a_variant_trained_longer_is_shown_beside_the_main_run_and_the_paper(tmp_path):
    short = [make_record(m, BAD, FLAT_LOW[:31], dataset="ml-1m") for m in ("sasrec", "caser")]
    floor = make_record("repeat", BAD, FLAT_LOW[:31], dataset="ml-1m")
    peaks_and_falls = [0.1] * 10 + [0.6] * 5 + [0.4] * 25       # highest from epoch 100 to 140
    longer = make_record("sasrec", GOOD, peaks_and_falls, dataset="ml-1m", variant="ml1m-long")
    rep = reproduction.load(write_records(tmp_path, (*short, floor, longer)), main=MAIN)
    runs = reproduction.variant_runs(rep, "ml1m-long", "ml-1m")
    assert sorted(r["config"]["model"] for r in runs) == ["repeat", "sasrec"]   # + the main floor
    assert reproduction.variant_runs(rep, "l5", "ml-1m") == []
    table = reproduction.longer_training(rep, "ml1m-long", "ml-1m")
    assert list(table.index) == ["SASRec"]                      # Caser has no longer run
    assert list(table.columns) == ["NDCG@10, 300 epochs", "NDCG@10, 390 epochs",
                                   "highest NDCG@10 in the ml1m-long run", "at epoch",
                                   "NDCG@10, the paper"]
    row = table.loc["SASRec"]
    assert row["NDCG@10, 300 epochs"] == 0.0                    # ranks past 20: NDCG@10 = 0
    assert row["NDCG@10, 390 epochs"] == round(float(np.mean(1 / np.log2(GOOD + 1))), 4)
    assert (row["highest NDCG@10 in the ml1m-long run"], row["at epoch"]) == (0.6, 100)
    assert 0 < row["NDCG@10, the paper"] < 1                    # the paper's ML-1M SASRec


def test_the_chapter_says_which_findings_check_a_variants_runs_and_why_none_can(tmp_path):
    main = [make_record(m, BAD, FLAT_LOW[:31], dataset="ml-1m") for m in ("sasrec", "caser", "caser+")]
    long_sasrec = make_record("sasrec", GOOD, FLAT_HIGH, dataset="ml-1m", variant="ml1m-long")
    rep = reproduction.load(write_records(tmp_path / "a", (*main, long_sasrec)), main=MAIN)
    ml1m = rep.findings[rep.findings["read on"] == "ML-1M"]
    sentence = reproduction.variant_reading(rep, "ml1m-long", "ml-1m")
    # every ML-1M claim compares Caser+ or CosRec+, none of which has a longer run
    assert sentence.startswith(f"None of the {len(ml1m)} findings rows read on ML-1M can use these runs")
    assert "(Caser, Caser+, CosRec, CosRec+" in sentence
    # with Caser and Caser+ trained longer too, the Caser+ rows show them as robustness, and are
    # still read at the main setting (300 epochs)
    long_cnn = [make_record(m, GOOD, FLAT_HIGH, dataset="ml-1m", variant="ml1m-long")
                for m in ("caser", "caser+")]
    rep = reproduction.load(write_records(tmp_path / "b", (*main, long_sasrec, *long_cnn)), main=MAIN)
    ml1m = rep.findings[rep.findings["read on"] == "ML-1M"]
    checked = ml1m["robustness"].str.contains("390 epochs", regex=False)
    assert 0 < checked.sum() < len(ml1m) and set(ml1m[checked]["model"]) == {"caser+"}
    assert (ml1m[ml1m["outcome"] != "not tested"]["epochs"] == 300).all()
    assert reproduction.variant_reading(rep, "ml1m-long", "ml-1m").startswith(
        f"Every findings row is read at the main setting; of the {len(ml1m)} rows read on ML-1M, "
        f"{checked.sum()} compare two models that both have runs here")


# ----------------------------------------------------------------------------- the main setting
def copy_committed(tmp_path, leave_out=()):
    """The committed cpu-paper records under `tmp_path`, without the run folders `leave_out`."""
    import shutil
    root = tmp_path / "results"
    shutil.copytree(ROOT / "results" / "cpu-paper", root / "cpu-paper",
                    ignore=shutil.ignore_patterns("checkpoint*", "chapter.ipynb"))
    for run in leave_out:
        (root / "cpu-paper" / run / "record.json").unlink()
    return root


COMMITTED = pytest.mark.skipif(not (ROOT / "results" / "cpu-paper").is_dir(), reason="no committed runs")


@COMMITTED
def test_a_removed_main_setting_record_makes_its_rows_say_so_and_never_fall_back(tmp_path):
    """Without FS-NYC CosRec seed 42 (bf16), the CosRec+ vs CosRec rows on FS-NYC are not tested
    and give the command; they do not answer from the L = 5 runs, which hold both models."""
    full = reproduction.load(ROOT / "results").findings
    rep = reproduction.load(copy_committed(tmp_path, ["fs-nyc/cosrec/seed42"]))
    rows = rep.findings[(rep.findings["model"] == "cosrec+") & (rep.findings["against"] == "cosrec")
                        & rep.findings["read on"].str.startswith("FS-NYC")]
    assert len(rows) >= 4
    for r in rows.to_dict("records"):
        assert r["outcome"] == "not tested" and r["effect (full)"] == F.NOT_RUN
        assert "CosRec is not run at the main setting" in r["reason"]
        assert "--only" in r["command"] and "cosrec" in r["command"]
        assert "L = 5" in r["robustness"]                        # shown, but not the answer
    # every row about other models reads exactly as before
    others = ~((full["model"] == "cosrec+") & (full["against"] == "cosrec")) & ~(
        full["against"].eq("sasrec") & full["model"].eq("cosrec"))
    assert list(rep.findings[others]["outcome"]) == list(full[others]["outcome"])
    assert "CosRec+ is significantly below CosRec on FS-NYC" not in " ".join(rep.summary())


@COMMITTED
def test_the_summary_sentences_agree_with_the_table():
    rep = reproduction.load(ROOT / "results")
    table, sentences = rep.findings, rep.summary()
    assert sentences[0].startswith("Every sentence below is read at one main setting per dataset")
    rows = table[(table["kind"] == "direction") & ~table["read on"].str.contains("stand-in")
                 & (table["paper dataset"] != "FS-TKY")]
    for r in rows.to_dict("records"):
        said = [s for s in sentences if s.startswith(f"{F.LABELS[r['model']]} ")
                and f" {F.LABELS[r['against']]} " in s.replace(",", " ").replace(".", " ")]
        assert said, f"no sentence on {r['model']} vs {r['against']}"
        if r["effect (full)"] == F.NOT_RUN:
            assert f"{F.NOT_RUN} on" in said[0] and r["read on"] in said[0].split(F.NOT_RUN)[1]
            continue
        words = {"better": "significantly above", "worse": "significantly below", None: "not significantly"}
        verdict = r["verdict (full)"] if isinstance(r["verdict (full)"], str) else None
        assert words[verdict] in said[0]
        assert f"on {r['read on']} ({r['delta (full)']:+.4f} NDCG@10" in said[0]
    # the sentences come from the main setting only: no other setting's window or precision
    assert not any("L = 5" in s or "fp32" in s.split("not run at the main setting,")[0]
                   for s in sentences[:-1] if not s.startswith("On "))


def test_a_superlative_sees_every_trained_model(tmp_path):
    """Repeat beats the main setting's trained models; SASRec (original), run in fp32 only and
    above every main-setting model, is named beside them with its value and setting."""
    bf16 = dict(amp=True)
    main = {d: S.MainSetting(d, "cpu-paper", 20, 390, S.BF16, (42,), S.TRAINED) for d in ("fs-nyc",)}
    recs = [make_record("caser", BAD, FLAT_LOW, **bf16), make_record("caser+", BAD + 0, FLAT_LOW, **bf16),
            make_record("repeat", np.ones(500, int), FLAT_HIGH),
            make_record("sasrec-original", np.full(500, 2), FLAT_HIGH, variant="fp32")]
    rep = reproduction.load(write_records(tmp_path, recs), main=main)
    table = reproduction.floors(rep).set_index("protocol")
    assert table.loc["full", "not run at the main setting"].startswith("SASRec (original) 0.6309 (fp32")
    sentence = " ".join(reproduction.floor_sentences(rep))
    assert "the best of them" in sentence and "SASRec (original) 0.6309 (fp32, seed 42), is below it too" in sentence
