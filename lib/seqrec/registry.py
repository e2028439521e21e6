"""Every model and floor the book knows, and every table of their names, derived from one place:
the classes themselves (`name`, `label`, `chapter`, `cost`, `original`, `in_paper` attributes of
`seqrec.models` and `seqrec.baselines`). Add a model there, or `register` a class of your own,
and it appears everywhere: `models.create`, `training.run`, a profile's `models:` list, and every
table below.

The tables are derived again at each `register` / `unregister`: the dicts are updated in place
(so `from seqrec.registry import LABELS` stays current), the tuples are replaced (read them as
`registry.MODELS`, not through a name imported before a registration).
"""
from __future__ import annotations

from . import baselines, models
from .data.registry import DATASETS
from .errors import ConfigError

CLASSES: dict = {}         # name -> class, models first
LABELS: dict = {}          # "caser+" -> "Caser+"
CHAPTERS: dict = {}        # "caser+" -> "caser_plus"
COST: dict = {}            # relative cell cost
ORIGINAL_OF: dict = {}     # "caser+" -> "caser"
PLUS_OF: dict = {}         # "caser" -> "caser+"
COLOURS: dict = {}         # name -> the colour of its line in every figure
MODELS: tuple = ()              # the paper's five models
REFERENCE_MODELS: tuple = ()    # ours and yours: "sasrec-original", "caser-original", ...
REFERENCE_OF: dict = {}    # ours -> the paper's model it is the original of: "caser-original" -> "caser"
REFERENCES_FOR: dict = {}  # the paper's model -> ours, as its own paper builds it: "caser" -> (...)
BASELINES: tuple = ()           # the non-learned floors
# the paper's model that is neither an original nor a "+": SASRec, the state of the art every "+"
# model is compared with (Table 1's star)
STATE_OF_THE_ART: str = ""
# the rows of the paper's Table 1 within a dataset: each original followed by its "+", then SASRec
TABLE_ORDER: tuple = ()
DATASET_LABELS = {name: spec.label for name, spec in DATASETS.items()}
_BUILT_IN = frozenset(models.CLASSES)          # the classes of `seqrec.models` (never unregistered)

# one colour per model and floor in every figure of the book: the trained models take the
# categorical palette in the registry's order, the floors (not learned) take greys
_MODEL_PALETTE = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2",
                  "#17becf", "#bcbd22")
_FLOOR_PALETTE = ("#7f7f7f", "#404040", "#b0b0b0")


def _derive() -> None:
    """Every table above, from the classes of `seqrec.models` and `seqrec.baselines`."""
    global MODELS, REFERENCE_MODELS, BASELINES, STATE_OF_THE_ART, TABLE_ORDER
    classes = {**models.CLASSES, **baselines.CLASSES}
    MODELS = tuple(n for n, c in models.CLASSES.items() if c.in_paper)
    REFERENCE_MODELS = tuple(n for n in models.CLASSES if n not in MODELS)
    BASELINES = tuple(baselines.CLASSES)
    original_of = {name: cls.original for name, cls in classes.items() if cls.original}
    plus_of = {original: plus for plus, original in original_of.items()}
    reference_of = {name: models.CLASSES[name].reference_for for name in REFERENCE_MODELS
                    if models.CLASSES[name].reference_for}
    STATE_OF_THE_ART = next(m for m in MODELS if m not in original_of and m not in plus_of)
    TABLE_ORDER = tuple(m for o in plus_of for m in (o, plus_of[o])) + tuple(
        m for m in MODELS if m not in original_of and m not in plus_of)
    for table, value in ((CLASSES, classes),
                         (LABELS, {name: cls.label for name, cls in classes.items()}),
                         (CHAPTERS, {name: cls.chapter for name, cls in classes.items()}),
                         (COST, {name: cls.cost for name, cls in classes.items()}),
                         (ORIGINAL_OF, original_of), (PLUS_OF, plus_of),
                         (REFERENCE_OF, reference_of),
                         (REFERENCES_FOR, {m: tuple(r for r, of in reference_of.items() if of == m)
                                           for m in MODELS if m in reference_of.values()}),
                         (COLOURS, {**dict(zip(MODELS + REFERENCE_MODELS, _MODEL_PALETTE)),
                                    **dict(zip(BASELINES, _FLOOR_PALETTE))})):
        table.clear()
        table.update(value)


def register(cls: type) -> type:
    """Make a model class of your own known by its `name` everywhere (`models.create`,
    `training.run`, profiles, every table here); returns the class, so it can decorate it.

    The class is a `models.SequentialRecommender` built as `cls(num_users, num_items, lookback,
    **hyperparameters)`, with the registry's attributes: `name` (unique), `label` (its name in
    tables and figures), `chapter` (the notebook that runs it, "" for none), `cost` (relative
    cost of a grid cell), `original` (for a "+" model, the name of its original) and `in_paper
    = False` (it is not one of the paper's five)."""
    if not (isinstance(cls, type) and issubclass(cls, models.SequentialRecommender)):
        raise ConfigError(f"register takes a subclass of seqrec.models.SequentialRecommender, "
                          f"got {cls!r}")
    name = cls.__dict__.get("name")
    if not isinstance(name, str) or not name:
        raise ConfigError(f"{cls.__name__} needs its own `name` (the name a config asks for)")
    if name in CLASSES:
        raise ConfigError(f"model name {name!r} is taken by {CLASSES[name].__name__}; choose "
                          "another, or unregister it first")
    if cls.in_paper:
        raise ConfigError(f"{cls.__name__} is not one of the paper's five models: set "
                          "`in_paper = False`")
    if not (isinstance(cls.cost, int) and cls.cost >= 1):
        raise ConfigError(f"{cls.__name__}.cost must be an integer >= 1, got {cls.cost!r}")
    if cls.original is not None and cls.original not in models.CLASSES:
        raise ConfigError(f"{cls.__name__}.original must name a registered model, got "
                          f"{cls.original!r}")
    models.CLASSES[name] = cls
    _derive()
    return cls


def unregister(name: str) -> None:
    """Forget a class that `register` added (the classes of `seqrec.models` stay)."""
    if name in _BUILT_IN or name not in models.CLASSES:
        raise ConfigError(f"{name!r} is not a registered model of your own")
    del models.CLASSES[name]
    _derive()


_derive()


def label(name: str) -> str:
    """The display name of a model, floor or dataset (the name itself when unknown)."""
    return LABELS.get(name) or DATASET_LABELS.get(name) or name


def colour(name: str) -> str:
    """The colour of a model or floor in every figure (black for a name the registry lacks)."""
    return COLOURS.get(name, "#000000")
