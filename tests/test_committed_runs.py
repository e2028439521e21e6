"""The committed long runs (`seqrec.study.committed_runs`): which profile stands for each dataset, and what
the models not run yet would cost."""
import json

from fake_records import full_record

from seqrec.study import committed_runs


def test_the_longest_committed_runs_win_per_dataset():
    strong = [1] * 50
    recs = [full_record(model, dataset, strong, [(10, 0.1)], profile)
            for profile, dataset, model in (("paper", "ml-1m", "sasrec"),
                                             ("cpu-paper", "ml-1m", "caser"),
                                             ("cpu-paper", "fs-nyc", "caser"),
                                             ("ci", "fs-nyc", "sasrec"))]      # not a long run
    recs.append(full_record("sasrec", "fs-nyc", strong, [(10, 0.1)], "cpu-paper"))
    recs[-1]["config"]["variant"] = "l5"                                       # not a main run
    long = committed_runs.long_runs(recs)
    assert {ds: prof for ds, (prof, _) in long.items()} == {"ml-1m": "paper", "fs-nyc": "cpu-paper"}
    assert [r["config"]["model"] for r in long["ml-1m"][1]] == ["sasrec"]
    assert [r["config"]["model"] for r in long["fs-nyc"][1]] == ["caser"]


def test_a_profile_with_fewer_trained_models_does_not_hide_a_more_complete_one():
    """paper-copies is preferred to cpu-paper only once it has as many trained models on a dataset
    (floors do not count): one GPU run and a floor must not replace three CPU runs."""
    cells = [("paper-copies", "sasrec"), ("paper-copies", "pop"),
             ("cpu-paper", "sasrec"), ("cpu-paper", "caser"), ("cpu-paper", "caser+")]
    recs = [full_record(model, "fs-nyc", [1] * 20, [(10, 0.1)], profile) for profile, model in cells]
    assert committed_runs.long_runs(recs)["fs-nyc"][0] == "cpu-paper"
    recs += [full_record(model, "fs-nyc", [1] * 20, [(10, 0.1)], "paper-copies")
             for model in ("caser", "caser+")]                  # as many trained models: preferred
    profile, runs = committed_runs.long_runs(recs)["fs-nyc"]
    assert profile == "paper-copies" and len(runs) == 4


def test_the_cost_of_missing_runs_is_projected_from_the_benchmark_files(tmp_path):
    """Two models trained on FS-NYC (L = 20, 2000 epochs, evaluation every 10): the other three
    are missing; a benchmark file timed CosRec at that dataset and L, so only its cost shows."""
    recs = [full_record(m, "fs-nyc", [1] * 10, [(2000, 0.1)]) for m in ("sasrec", "caser+")]
    for r in recs:
        r["config"]["eval_every"] = 10
    bench = tmp_path / "bench-x.json"
    bench.write_text(json.dumps({"environment": {"threads": 2}, "results": [], "loop": [
        {"model": "cosrec", "dataset": "fs-nyc", "lookback": 20, "amp_bf16": False,
         "epoch_s": 18.0, "eval_all_users_s": 6.0}]}))
    cost = committed_runs.cost_of_missing_runs({"fs-nyc": ("cpu-paper", recs)}, [bench])
    assert list(cost.index) == [("FS-NYC", "CosRec")]
    assert cost.loc[("FS-NYC", "CosRec"), "projected h"] == 10.7     # 2000 x 18 s + 201 x 2 x 6 s
    assert committed_runs.cost_of_missing_runs({"fs-nyc": ("cpu-paper", recs)}, []).empty
