"""Tables, marks, claims and curves from run records (`seqrec.report`, `seqrec.claims`): a mark means
"significantly better than", never just "different"."""
import numpy as np

from seqrec import metrics, report, stats


def fake_record(model: str, ranks: list[int], dataset: str = "fs-nyc") -> dict:
    """The parts of a run record that Table 1 reads: config and the per-user test ranks."""
    return {"config": {"model": model, "dataset": dataset, "seed": 42, "amp": False},
            "test_ranks": {"last": {"full": ranks}}}


def test_compare_gives_the_direction_of_a_significant_difference():
    rng = np.random.default_rng(0)
    base = rng.random(300)
    assert stats.compare(base + 0.1, base) == stats.BETTER
    assert stats.compare(base - 0.1, base) == stats.WORSE
    assert stats.compare(base, base) is None                               # tied: no evidence
    noise = base + rng.normal(0, 0.001, 300)                               # differs, not shifted
    assert stats.compare(noise, base) is None


def _marks(recs) -> dict:
    t = report.table1(recs, protocol="full").set_index(["model", "metric"])
    return {m: tuple(bool(t.loc[(m, "NDCG@10"), c]) for c in
                     ("dagger", "star", "dagger_worse", "star_worse"))
            for m in ("caser+", "cosrec+")}


def test_marks_on_better_worse_and_tied_constructed_runs():
    rng = np.random.default_rng(1)
    users = 400
    strong = rng.integers(1, 4, users).tolist()          # ranks 1-3: NDCG@10 around 0.6
    weak = rng.integers(30, 60, users).tolist()          # outside the top 20: NDCG@10 = 0
    # Caser+ and CosRec+ far BELOW SASRec and their originals: significant, but worse
    worse = [fake_record("sasrec", strong), fake_record("caser", strong),
             fake_record("caser+", weak), fake_record("cosrec", strong),
             fake_record("cosrec+", weak)]
    assert _marks(worse) == {"caser+": (False, False, True, True),
                             "cosrec+": (False, False, True, True)}
    # far ABOVE: † and *
    better = [fake_record("sasrec", weak), fake_record("caser", weak),
              fake_record("caser+", strong), fake_record("cosrec", weak),
              fake_record("cosrec+", strong)]
    assert _marks(better) == {"caser+": (True, True, False, False),
                              "cosrec+": (True, True, False, False)}
    # the same ranks everywhere: no mark at all
    tied = [fake_record(m, strong) for m in ("sasrec", "caser", "caser+", "cosrec", "cosrec+")]
    assert _marks(tied) == {"caser+": (False,) * 4, "cosrec+": (False,) * 4}


def test_rendered_cells_keep_better_and_worse_marks_apart():
    assert report._cell(0.5, 1, True, True) == "<b>0.5000</b><sup>†*</sup>"
    assert report._cell(0.1, 5, False, False, True, True) == "0.1000<sup>↓†↓*</sup>"
    assert report._cell(0.3, 3, False, False) == "0.3000"


def test_every_label_names_the_training_precision():
    rec = {"config": {"profile": "cpu-paper", "dataset": "fs-nyc", "lookback": 20, "amp": True},
           "data": {"source": "/x/nyc_stan_checkins.tsv"}, "environment": {},
           "last": {"epoch": 2000}}
    assert report.record_label(rec).endswith("2000 epochs, CPU, bf16 autocast")
    rec["config"]["amp"] = False
    assert report.record_label(rec).endswith("CPU, fp32")
    rec["environment"] = {"cpu": "AMD EPYC"}
    assert report.record_label(rec).endswith("CPU (AMD EPYC), fp32")


def test_a_budget_label_names_the_seeds_it_pools():
    def rec(model, seed):
        return {"config": {"profile": "cpu-paper", "dataset": "fs-nyc", "model": model,
                           "lookback": 5, "amp": False, "seed": seed},
                "data": {"source": "/x/nyc_stan_checkins.tsv"}, "environment": {},
                "last": {"epoch": 2000}}
    one = report.budget_label([rec("sasrec", 42), rec("caser+", 42), rec("pop", 0)])
    assert one.endswith("L=5, 2000 epochs, CPU, fp32, seed 42")       # a floor's seed is no seed
    three = report.budget_label([rec("sasrec", s) for s in (44, 42, 43)] + [rec("caser+", 42)])
    assert three.endswith("fp32, seeds 42, 43, 44 (per-user values averaged over the seeds)")
    assert report.budget_label([rec("pop", 42)]) == "no trained runs"


def test_the_runs_overview_names_the_cpu_and_says_a_floor_is_not_trained():
    def rec(model):
        return {"config": {"profile": "cpu-paper", "dataset": "fs-nyc", "model": model, "seed": 42,
                           "lookback": 20, "amp": True, "loss": "bce"},
                "data": {"source": "/x/nyc_stan_checkins.tsv"}, "environment": {"cpu": "AMD EPYC"},
                "last": {"epoch": 2000 if model == "sasrec" else 0}, "best": {"epoch": 0},
                "timings": {"train_seconds": 600.0}}
    rows = report.runs_overview([rec("sasrec"), rec("pop")]).set_index("model")
    assert rows.loc["SASRec", ["loss", "precision"]].tolist() == ["bce", "bf16 autocast"]
    assert rows.loc["Pop", ["loss", "precision"]].tolist() == ["not trained", "not trained"]
    assert set(rows["device"]) == {"CPU (AMD EPYC)"}


# ------------------------------------------------------------------------------ long runs, claims
def full_record(model, dataset, ranks, curve, profile="cpu-paper", epochs=None):
    """A record as `training.fit` writes it, with a test NDCG@10 curve (protocol full)."""
    history = [{"epoch": e, "test": {"full": {"NDCG@10": v}}} for e, v in curve]
    return {"config": {"model": model, "dataset": dataset, "seed": 42, "profile": profile,
                       "lookback": 20, "amp": True, "variant": "", "eval_protocols": ["full"]},
            "data": {"source": "/x/copy.tsv", "users": len(ranks), "items": 100,
                     "interactions": 10 * len(ranks)},
            "environment": {}, "history": history, "timings": {"train_seconds": 60.0},
            "best": {"epoch": epochs or curve[-1][0]},
            "last": {"epoch": epochs or curve[-1][0]}, "test_ranks": {"last": {"full": ranks}}}


def test_the_longest_committed_runs_win_per_dataset(tmp_path):
    from seqrec.results import write_json_atomic
    strong = [1] * 50
    for profile, dataset, model in (("paper", "ml-1m", "sasrec"), ("cpu-paper", "ml-1m", "caser"),
                                    ("cpu-paper", "fs-nyc", "caser"), ("ci", "fs-nyc", "sasrec")):
        write_json_atomic(tmp_path / profile / dataset / model / "seed42" / "record.json",
                          full_record(model, dataset, strong, [(10, 0.1)], profile))
    long = report.long_runs(tmp_path)
    assert {ds: prof for ds, (prof, _) in long.items()} == {"ml-1m": "paper", "fs-nyc": "cpu-paper"}
    assert [r["config"]["model"] for r in long["ml-1m"][1]] == ["sasrec"]
    assert report.long_run_of(tmp_path, "caser", "fs-nyc")["config"]["profile"] == "cpu-paper"
    assert report.long_run_of(tmp_path, "cosrec") is None


def test_a_profile_with_fewer_trained_models_does_not_hide_a_more_complete_one(tmp_path):
    """paper-copies is preferred to cpu-paper only once it has as many trained models on a dataset
    (floors do not count): one GPU run and a floor must not replace five CPU runs."""
    from seqrec.results import write_json_atomic
    cells = [("paper-copies", "sasrec"), ("paper-copies", "pop"),
             ("cpu-paper", "sasrec"), ("cpu-paper", "caser"), ("cpu-paper", "caser+")]
    for profile, model in cells:
        write_json_atomic(tmp_path / profile / "fs-nyc" / model / "seed42" / "record.json",
                          full_record(model, "fs-nyc", [1] * 20, [(10, 0.1)], profile))
    assert report.long_runs(tmp_path)["fs-nyc"][0] == "cpu-paper"
    for model in ("caser", "caser+"):                         # as many trained models: preferred
        write_json_atomic(tmp_path / "paper-copies" / "fs-nyc" / model / "seed42" / "record.json",
                          full_record(model, "fs-nyc", [1] * 20, [(10, 0.1)], "paper-copies"))
    profile, recs = report.long_runs(tmp_path)["fs-nyc"]
    assert profile == "paper-copies" and len(recs) == 4


def test_claims_say_where_the_papers_direction_holds():
    from seqrec import claims
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


def test_a_floor_far_above_the_curves_is_named_not_drawn():
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    recs = [full_record("caser", "fs-nyc", [5] * 10, [(10, 0.01), (20, 0.02)]),
            full_record("repeat", "fs-nyc", [1] * 10, [(0, 0.4)]),
            full_record("pop", "fs-nyc", [9] * 10, [(0, 0.015)])]
    fig, ax = plt.subplots()
    report.plot_curves(recs, ["caser"], "fs-nyc", ax, protocol="full")
    labels = ax.get_legend_handles_labels()[1]
    assert "Repeat = 0.400 (off the scale)" in labels and "Pop" in labels
    assert ax.get_ylim()[1] < 0.1                    # the curves keep the scale
    plt.close(fig)


def test_training_precision_effect_pairs_the_same_run_in_bf16_and_fp32():
    """The same (dataset, model, seed) trained in bf16 and in fp32: both values per protocol, and
    the Wilcoxon verdict of fp32 against bf16 (far better ranks: 'fp32 better'; identical: none).
    A run that differs in more than its precision (here its window L) is no twin."""
    bf16 = full_record("caser+", "fs-nyc", [50] * 40, [(2000, 0.1)])
    fp32 = full_record("caser+", "fs-nyc", [1] * 40, [(2000, 0.1)])
    fp32["config"].update(amp=False, variant="fp32")
    same = full_record("sasrec", "fs-nyc", [3] * 40, [(2000, 0.1)])
    same_fp32 = full_record("sasrec", "fs-nyc", [3] * 40, [(2000, 0.1)])
    same_fp32["config"]["amp"] = False
    for rec in (bf16, fp32, same, same_fp32):
        rec["last"]["test"] = {"full": {"NDCG@10": float(metrics.from_ranks(
            np.asarray(rec["test_ranks"]["last"]["full"]))["NDCG@10"])}}
    lonely = full_record("caser", "fs-nyc", [1] * 40, [(2000, 0.1)])       # no fp32 twin
    shorter = full_record("caser", "fs-nyc", [1] * 40, [(2000, 0.1)])      # fp32, but at L = 5:
    shorter["config"].update(amp=False, variant="l5", lookback=5)          # another run, no twin
    effect = report.training_precision_effect([bf16, fp32, same, same_fp32, lonely, shorter]
                                              ).set_index("model")
    assert list(effect.index) == ["Caser+", "SASRec"]
    assert effect.loc["Caser+", "bf16 NDCG@10"] == 0.0 and effect.loc["Caser+", "fp32 NDCG@10"] == 1.0
    assert effect.loc["Caser+", "Wilcoxon"] == "fp32 better"
    assert effect.loc["SASRec", "fp32 − bf16"] == 0.0
    assert effect.loc["SASRec", "Wilcoxon"] == "no significant difference"


def test_the_cost_of_missing_runs_is_projected_from_the_benchmark_files(tmp_path):
    """Two models trained on FS-NYC (L = 20, 2000 epochs, evaluation every 10): the other three
    are missing; a benchmark file timed CosRec at that dataset and L, so only its cost shows."""
    import json
    recs = [full_record(m, "fs-nyc", [1] * 10, [(2000, 0.1)]) for m in ("sasrec", "caser+")]
    for r in recs:
        r["config"]["eval_every"] = 10
    bench = tmp_path / "bench-x.json"
    bench.write_text(json.dumps({"environment": {"threads": 2}, "results": [], "loop": [
        {"model": "cosrec", "dataset": "fs-nyc", "lookback": 20, "amp_bf16": False,
         "epoch_s": 18.0, "eval_all_users_s": 6.0}]}))
    cost = report.cost_of_missing_runs({"fs-nyc": ("cpu-paper", recs)}, [bench])
    assert list(cost.index) == [("FS-NYC", "CosRec")]
    assert cost.loc[("FS-NYC", "CosRec"), "projected h"] == 10.7     # 2000 x 18 s + 201 x 2 x 6 s
    assert report.cost_of_missing_runs({"fs-nyc": ("cpu-paper", recs)}, []).empty


def test_claims_by_precision_read_the_verdict_once_per_training_precision():
    """Caser+ and SASRec trained in bf16 and again in fp32 (Caser trained in bf16 only, so it is
    left out): one table per precision, the verdict from that precision's runs alone."""
    from seqrec import claims
    runs = []
    for amp, plus_rank in ((True, 50), (False, 1)):
        for model, rank in (("caser+", plus_rank), ("sasrec", 30)):
            rec = full_record(model, "fs-nyc", [rank] * 40, [(2000, 0.1)])
            rec["config"]["amp"] = amp
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


# ------------------------------------------------------------------------------------------ seeds
def seeded(model, seed, ranks, value=0.1, amp=True, variant=""):
    rec = full_record(model, "fs-nyc", ranks, [(2000, value)])
    rec["config"].update(seed=seed, amp=amp, variant=variant)
    rec["last"]["test"] = {"full": {"NDCG@10": value}}
    return rec


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
    spread = report.seed_spread(recs)
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
    columns = list(report.seed_spread(mixed).columns)
    assert columns[7:11] == ["seed 42", "seed 43", "seed 44", "mean"]


def test_claims_by_seed_give_each_seeds_verdict_and_the_pooled_one():
    """Seed 42: Caser+ ranks every target first, SASRec 30th (Caser+ far better); seed 43 the
    reverse. The two seeds give opposite verdicts; pooled over the seeds both have (per-user
    values averaged, as Table 1 does) the pair ties, so no significant difference, and the seeds
    do not agree. SASRec's seed 44 has no Caser+ twin: its column has no claim, and it stays out
    of the pooled values (with it SASRec would pool 1, 0, 1 against Caser+'s 1, 0)."""
    from seqrec import claims
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


def test_seed_curves_draw_one_line_per_seed_in_one_colour_per_model():
    import matplotlib
    matplotlib.use("Agg")
    recs = [seeded(m, s, [1] * 10) for m in ("caser+", "sasrec") for s in (42, 43)]
    for rec, (a, b) in zip(recs, ((0.1, 0.2), (0.1, 0.3), (0.2, 0.2), (0.2, 0.4))):
        rec["history"] = [{"epoch": 10, "test": {"full": {"NDCG@10": a}}},
                          {"epoch": 20, "test": {"full": {"NDCG@10": b}}}]
    fig = report.plot_seed_curves(recs)
    lines = fig.axes[0].get_lines()
    assert [line.get_label() for line in lines] == [
        "Caser+, seed 42", "Caser+, seed 43", "SASRec, seed 42", "SASRec, seed 43"]
    assert list(lines[1].get_ydata()) == [0.1, 0.3]
    assert lines[0].get_color() == lines[1].get_color() != lines[2].get_color()
    assert report.plot_seed_curves(recs[:1]) is None                       # one seed: no figure
