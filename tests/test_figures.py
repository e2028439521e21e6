"""Figures from run records (`seqrec.study.figures`): each returns its Figure; a floor far above the
curves is named, not drawn; every seed is a line in its model's colour."""
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from fake_records import full_record, seeded  # noqa: E402

from seqrec import registry  # noqa: E402
from seqrec.study import figures


def test_a_floor_far_above_the_curves_is_named_not_drawn():
    recs = [full_record("caser", "fs-nyc", [5] * 10, [(10, 0.01), (20, 0.02)]),
            full_record("repeat", "fs-nyc", [1] * 10, [(0, 0.4)]),
            full_record("pop", "fs-nyc", [9] * 10, [(0, 0.015)])]
    fig = figures.plot_curves({"fs-nyc": ("cpu-paper", recs)}, ["caser"], "Fig. 3", "full")
    ax, = fig.axes
    labels = ax.get_legend_handles_labels()[1]
    assert "Repeat = 0.400 (off the scale)" in labels and "Pop" in labels
    assert ax.get_ylim()[1] < 0.1                    # the curves keep the scale
    assert ax.get_title() == "FS-NYC (profile cpu-paper)"
    plt.close(fig)


def test_seed_curves_draw_one_line_per_seed_in_one_colour_per_model():
    recs = [seeded(m, s, [1] * 10) for m in ("caser+", "sasrec") for s in (42, 43)]
    for rec, (a, b) in zip(recs, ((0.1, 0.2), (0.1, 0.3), (0.2, 0.2), (0.2, 0.4))):
        rec["history"] = [{"epoch": 10, "test": {"full": {"NDCG@10": a}}},
                          {"epoch": 20, "test": {"full": {"NDCG@10": b}}}]
    fig = figures.plot_seed_curves(recs)
    lines = fig.axes[0].get_lines()
    assert [line.get_label() for line in lines] == [
        "Caser+, seed 42", "Caser+, seed 43", "SASRec, seed 42", "SASRec, seed 43"]
    assert list(lines[1].get_ydata()) == [0.1, 0.3]
    assert lines[0].get_color() == lines[1].get_color() == registry.colour("caser+")
    assert lines[2].get_color() == registry.colour("sasrec")
    assert figures.plot_seed_curves(recs[:1]) is None                      # one seed: no figure
    plt.close("all")


def test_a_runs_curves_show_the_papers_value_on_the_papers_protocol_only():
    rec = full_record("caser+", "fs-nyc", [1] * 10, [(10, 0.1), (20, 0.2)])
    for h in rec["history"]:
        h["val"] = h["test"] = {p: {"NDCG@10": 0.1} for p in ("full", "sampled")}
    fig = figures.plot_run_curves(rec, ["full", "sampled"], paper_protocols=("full",))
    full, sampled = fig.axes
    assert "paper (2000 epochs)" in full.get_legend_handles_labels()[1]
    assert "paper (2000 epochs)" not in sampled.get_legend_handles_labels()[1]
    assert fig.get_size_inches()[0] == figures.WIDTH
    plt.close(fig)


def test_curves_draw_one_titled_panel_per_dataset_under_one_suptitle():
    groups = {d: ("cpu-paper", [full_record(m, d, [5] * 10, [(5, 0.1), (10, 0.2)])
                                for m in ("caser", "caser+")]) for d in ("fs-nyc", "ml-1m")}
    fig = figures.plot_curves(groups, ("caser", "caser+"), "Fig. 3", "full")
    assert [ax.get_title() for ax in fig.axes] == ["FS-NYC (profile cpu-paper)",
                                                   "ML-1M (profile cpu-paper)"]
    assert fig._suptitle.get_text() == "Fig. 3: protocol full"
    plt.close(fig)
