"""Every table of model names is derived from the classes (`seqrec.registry`): a model class added
to `models.CLASSES` (or a floor to `baselines.CLASSES`) appears in each of them, with nothing
written by hand. The modules that build tables at import are reloaded with the dummies
registered, and reloaded again without them afterwards, so nothing leaks into other tests."""
from __future__ import annotations

import importlib

import pytest

from seqrec import baselines, models, registry
from seqrec.study import claims
from seqrec.models import Caser, CaserPlus


class DummyOriginal(Caser):
    name = "dummy"
    label = "Dummy"
    chapter = "dummy_chapter"
    cost = 3


class DummyPlus(CaserPlus):
    name = "dummy+"
    label = "Dummy+"
    chapter = "dummy_plus_chapter"
    cost = 5
    original = "dummy"
    authors_class = None


class DummyFloor(baselines.Popularity):
    name = "dummy-floor"
    label = "Dummy floor"


DUMMY_MODELS = (DummyOriginal, DummyPlus)


def reload_tables():
    """Recompute every module-level table derived from the registry."""
    from rebuild import authors, benchmark
    for module in (registry, claims, authors, benchmark):
        importlib.reload(module)


@pytest.fixture
def dummies(monkeypatch):
    for cls in DUMMY_MODELS:
        monkeypatch.setitem(models.CLASSES, cls.name, cls)
    monkeypatch.setitem(baselines.CLASSES, DummyFloor.name, DummyFloor)
    reload_tables()
    yield
    monkeypatch.undo()
    reload_tables()


def test_the_registry_tables_pick_up_a_new_model(dummies):
    for cls in DUMMY_MODELS:
        assert registry.CLASSES[cls.name] is cls
        assert cls.name in registry.MODELS
        assert registry.LABELS[cls.name] == cls.label
        assert registry.CHAPTERS[cls.name] == cls.chapter
        assert registry.COST[cls.name] == cls.cost
        assert registry.colour(cls.name) != "#000000"
    assert registry.ORIGINAL_OF["dummy+"] == "dummy" and registry.PLUS_OF["dummy"] == "dummy+"
    order = registry.TABLE_ORDER
    assert order.index("dummy+") == order.index("dummy") + 1
    assert registry.STATE_OF_THE_ART == "sasrec"
    assert ("dummy+", "dummy") in claims.CLAIM_PAIRS and ("dummy+", "sasrec") in claims.CLAIM_PAIRS


def test_the_registry_tables_pick_up_a_new_floor(dummies):
    assert registry.BASELINES[-1] == "dummy-floor"
    assert registry.LABELS["dummy-floor"] == "Dummy floor"
    assert registry.CHAPTERS["dummy-floor"] == "evaluation"
    assert registry.colour("dummy-floor") != "#000000"
    assert "dummy-floor" not in registry.MODELS


def test_create_builds_a_new_model(dummies):
    model = models.create("dummy+", 7, 11, 5, dropout=0.1)
    assert isinstance(model, DummyPlus)
    assert models.defaults("dummy+") == models.defaults("caser+")


def test_the_benchmark_lists_pick_up_a_new_model(dummies, monkeypatch):
    from rebuild import authors, benchmark
    timed = []
    monkeypatch.setattr(benchmark, "loop_timings", lambda file, device, names, *a, **k:
                        timed.append(list(names)))
    assert benchmark.main(["--no-authors", "--loop-only"]) == 0
    assert timed == [list(registry.MODELS)] and {"dummy", "dummy+"} <= set(timed[0])
    assert benchmark.VARIANTS["dummy"] == list(Caser.alternatives)
    assert authors.CLASSES["dummy"] == Caser.authors_class and "dummy+" not in authors.CLASSES


def test_the_book_gives_a_new_model_its_chapter(dummies):
    from rebuild import book, profiles
    ci = profiles.load("ci")
    profile = profiles.Profile(ci.name, {**ci.raw, "models": ["dummy+", "dummy-floor"]})
    assert book.display_parameters(profile, "book/dummy_plus_chapter")["config"]["model"] == "dummy+"
    assert book.display_parameters(profile, "book/evaluation")["baselines"] == list(registry.BASELINES)


def test_the_grid_profiles_take_their_models_from_the_registry(dummies, monkeypatch):
    """`models: [all, floors]`: a model added to the paper's five and a new floor join the grids
    of the profiles that run the paper's models (the SASRec study names its own two)."""
    import os
    from rebuild import profiles
    monkeypatch.setenv("SEQREC_DATA_DIR", os.environ.get("SEQREC_DATA_DIR", "/nowhere"))
    for name in ("smoke", "ci", "cpu", "paper"):
        grid = profiles.load(name).raw["models"]
        assert grid == list(registry.MODELS) + list(registry.BASELINES), name
        assert {"dummy", "dummy+", "dummy-floor"} <= set(grid)
