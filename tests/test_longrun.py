"""A model's committed long runs as the model chapters show them (`seqrec.study.longrun`): seeds of one
setting pooled, convergence by the book's rule, the paper's value under the paper's protocol
only, missing runs said with their reason, figures within the book's column."""
import matplotlib
import pandas as pd

from seqrec import registry
from seqrec.study import longrun

matplotlib.use("Agg")
PROTOCOLS = ("full", "sampled")


def record(model="sasrec", seed=42, variant="", lookback=20, amp=True, level=0.3, rise=0.0,
           dataset="fs-nyc", epochs=200):
    """A run evaluated every 10 epochs: full NDCG@10 = level + rise * epoch / epochs (sampled:
    twice that); HR@10 = NDCG@10 + 0.1; the best-validation epoch is the one before the last."""
    def metrics(epoch, scale):
        ndcg = scale * (level + rise * epoch / epochs)
        return {"NDCG@10": ndcg, "R@10": ndcg + 0.1}
    history = [{"epoch": e, "test": {p: metrics(e, s) for p, s in zip(PROTOCOLS, (1, 2))}}
               for e in range(0, epochs + 1, 10)]
    return {"config": {"model": model, "dataset": dataset, "seed": seed, "lookback": lookback,
                       "amp": "auto", "variant": variant, "profile": "cpu-paper",
                       "eval_protocols": list(PROTOCOLS)},
            "resolved": {"amp": amp}, "history": history,
            "last": {"epoch": epochs, "test": history[-1]["test"]},
            "best": {"epoch": epochs - 10, "test": history[-2]["test"]}}


def runs():
    return [record(seed=42), record("sasrec", 43, "fp32", amp=False, level=0.32),
            record("sasrec", 44, "fp32", amp=False, level=0.34),
            record("sasrec", 42, "l5", lookback=5, amp=False, level=0.2, rise=0.1),
            record("caser", 42)]


def test_seeds_of_one_setting_are_pooled_and_the_main_setting_comes_first():
    got = longrun.settings(runs(), "sasrec")
    assert [(s.variant, s.lookback, s.seeds) for s in got] == [
        ("", 20, [42]), ("fp32", 20, [43, 44]), ("l5", 5, [42])]
    assert got[1].label == "L = 20, fp32, seeds 43–44 (mean)"


def test_the_table_gives_last_and_best_epoch_convergence_and_the_paper_under_its_protocol():
    table = longrun.long_run_table(runs(), "sasrec", PROTOCOLS, paper_protocols=("full",))
    assert len(table) == 3 * 2                                  # three settings x two protocols
    fp32 = table[(table["variant"] == "fp32") & (table["protocol"] == "full")].iloc[0]
    assert fp32["last-epoch NDCG@10"] == 0.33 and fp32["last-epoch HR@10"] == 0.43  # seed mean
    assert fp32["best-val epoch"] == "190 / 190" and fp32["seeds"] == "43, 44"
    assert fp32["convergence"] == "converged (2 of 2 seeds)"
    l5 = table[(table["variant"] == "l5") & (table["protocol"] == "full")].iloc[0]
    assert l5["convergence"].startswith("still rising")
    paper = table.set_index(["variant", "protocol"])["paper NDCG@10"]
    assert paper[("(main)", "full")] == 0.3379                  # Table 1, FS-NYC SASRec
    assert paper[("(main)", "sampled")].startswith("n/a")       # never on another protocol
    assert not table.isna().any().any()


def test_a_missing_run_is_a_row_that_says_why_not_a_nan():
    missing = pd.DataFrame([{"dataset": "FS-NYC", "model": "CosRec",
                             "setting": "profile cpu-paper, L = 20, 2000 epochs",
                             "why": "not run yet: 2.0 h", "command": "python -m rebuild run"}])
    table = longrun.long_run_table([record("cosrec", lookback=5, variant="l5")], "cosrec",
                                   PROTOCOLS, missing=missing)
    row = table[table["seeds"] == "none"].iloc[0]
    assert (row["L"], row["epochs"], row["last-epoch NDCG@10"]) == (20, 2000, "not run")
    assert row["convergence"] == "not run yet: 2.0 h"
    assert longrun.not_run_sentences(missing, "cosrec")[0].startswith("FS-NYC, profile cpu-paper")
    assert longrun.not_run_sentences(missing, "sasrec") == []
    html = longrun.long_run_html(table)
    assert html.count("not run yet") == 2 and "<details>" in html      # in every protocol


def test_figures_fit_the_column_and_draw_the_paper_on_its_protocol_only():
    fig = longrun.plot_protocols(runs(), "sasrec", "fs-nyc", PROTOCOLS, paper_protocols=("full",))
    assert fig.get_size_inches()[0] <= 7.0
    full, sampled = fig.axes[:2]
    assert "paper, Table 1" in full.get_legend_handles_labels()[1]
    assert "paper, Table 1" not in sampled.get_legend_handles_labels()[1]
    fig = longrun.plot_against_paper(runs(), "sasrec", "full")
    assert fig.get_size_inches()[0] <= 7.0
    assert longrun.plot_against_paper(runs(), "cosrec+") is None


def test_a_model_has_one_colour_in_every_figure():
    """The palette (`registry.COLOURS`) covers every model and floor, one colour each, and two
    different figures draw a model in it."""
    import matplotlib.colors as mc
    from seqrec.study import figures
    assert set(registry.COLOURS) == set(registry.CLASSES)
    assert len(set(registry.COLOURS.values())) == len(registry.COLOURS)
    a = longrun.plot_against_paper(runs(), "caser", "full").axes[0].get_lines()[0]
    import matplotlib.pyplot as plt
    fig = figures.plot_curves({"fs-nyc": ("cpu-paper", runs())}, ["caser", "sasrec"], "Fig. 3",
                              "full")
    b = next(line for line in fig.axes[0].get_lines() if line.get_label() == "Caser")
    assert mc.to_hex(a.get_color()) == mc.to_hex(b.get_color()) == registry.colour("caser")
    plt.close("all")


def test_the_own_run_sentence_names_the_profile_it_ran_under():
    rec = record(epochs=10)
    rec["config"].update(profile="ci", dataset="fs-nyc")
    rec["environment"] = {"cpu": "AMD EPYC"}
    text = longrun.own_run_sentence(rec)
    assert "profile `ci`" in text and "0.5%" in text and "cpu profile" not in text.lower()
