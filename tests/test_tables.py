"""Our Table 1 from run records (`seqrec.study.tables`): a mark means "significantly better than",
never just "different"; the table is rendered in the paper's order with its marks."""
import numpy as np

from seqrec import stats
from seqrec.study import paper, tables


def fake_record(model: str, ranks: list[int], dataset: str = "fs-nyc") -> dict:
    """The parts of a run record that Table 1 reads: config and the per-user test ranks."""
    return {"config": {"model": model, "dataset": dataset, "seed": 42},
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
    t = tables.table1(recs, protocol="full").set_index(["model", "metric"])
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
    assert tables._cell(0.5, 1, True, True, False, False) == "<b>0.5000</b><sup>†*</sup>"
    assert tables._cell(0.1, 5, False, False, True, True) == "0.1000<sup>↓†↓*</sup>"
    assert tables._cell(0.3, 3, False, False, False, False) == "0.3000"


def test_the_rendered_table_keeps_the_papers_order_of_datasets_and_models():
    """FS-TKY, FS-NYC, ML-1M as the paper prints them, whatever order the records come in; within
    a dataset each original before its "+" version, SASRec, then the floors."""
    ranks = [1, 2, 3, 40]
    recs = [fake_record(m, ranks, d) for d in ("ml-1m", "fs-nyc", "fs-tky")
            for m in ("pop", "sasrec", "cosrec+", "caser+", "caser")]
    html = tables.table1_html(tables.table1(recs))
    at = {name: html.index(f">{name}<") for name in ("FS-TKY", "FS-NYC", "ML-1M")}
    assert at["FS-TKY"] < at["FS-NYC"] < at["ML-1M"]
    tky = html[at["FS-TKY"]:at["FS-NYC"]]
    order = [tky.index(f">{m}<") for m in ("Caser", "Caser+", "CosRec+", "SASRec", "Pop")]
    assert order == sorted(order)
    published = tables.table1_html(paper.paper_table_long())           # the paper's own marks
    assert "<sup>†*</sup>" in published and "↓" not in published
