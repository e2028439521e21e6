"""Every model and floor the book knows, and every table of their names, derived from one place:
the classes themselves (`name`, `label`, `chapter`, `cost`, `original` attributes of
`seqrec.models` and `seqrec.baselines`). Add a model there and it appears everywhere.
"""
from __future__ import annotations

from . import baselines, models
from .data.registry import DATASETS

CLASSES = {**models.CLASSES, **baselines.CLASSES}          # name -> class, models first
MODELS = tuple(n for n, c in models.CLASSES.items() if c.in_paper)   # the paper's five models
REFERENCE_MODELS = tuple(n for n in models.CLASSES if n not in MODELS)  # ours: "sasrec-original"...
# each of ours -> the paper's model it is the faithful original of: "caser-original" -> "caser"
REFERENCE_OF = {name: models.CLASSES[name].reference_for for name in REFERENCE_MODELS}
# the paper's model -> ours built as its own paper builds it: "caser" -> ("caser-original",)
REFERENCES_FOR = {m: tuple(r for r, of in REFERENCE_OF.items() if of == m)
                  for m in MODELS if m in REFERENCE_OF.values()}
BASELINES = tuple(baselines.CLASSES)                        # the non-learned floors
LABELS = {name: cls.label for name, cls in CLASSES.items()}           # "caser+" -> "Caser+"
CHAPTERS = {name: cls.chapter for name, cls in CLASSES.items()}       # "caser+" -> "caser_plus"
COST = {name: cls.cost for name, cls in CLASSES.items()}              # relative cell cost
ORIGINAL_OF = {name: cls.original for name, cls in CLASSES.items() if cls.original}
PLUS_OF = {original: plus for plus, original in ORIGINAL_OF.items()}  # "caser" -> "caser+"
# the paper's model that is neither an original nor a "+": SASRec, the state of the art every "+"
# model is compared with (Table 1's star)
STATE_OF_THE_ART = next(m for m in MODELS if m not in ORIGINAL_OF and m not in PLUS_OF)
# the rows of the paper's Table 1 within a dataset: each original followed by its "+", then SASRec
TABLE_ORDER = tuple(m for o in PLUS_OF for m in (o, PLUS_OF[o])) + tuple(
    m for m in MODELS if m not in ORIGINAL_OF and m not in PLUS_OF)
DATASET_LABELS = {name: spec.label for name, spec in DATASETS.items()}


def label(name: str) -> str:
    """The display name of a model, floor or dataset (the name itself when unknown)."""
    return LABELS.get(name) or DATASET_LABELS.get(name) or name


# one colour per model and floor in every figure of the book: the trained models take the
# categorical palette in the registry's order, the floors (not learned) take greys
_MODEL_PALETTE = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2",
                  "#17becf", "#bcbd22")
_FLOOR_PALETTE = ("#7f7f7f", "#404040", "#b0b0b0")
COLOURS = {**dict(zip(MODELS + REFERENCE_MODELS, _MODEL_PALETTE)),
           **dict(zip(BASELINES, _FLOOR_PALETTE))}


def colour(name: str) -> str:
    """The colour of a model or floor in every figure (black for a name the registry lacks)."""
    return COLOURS.get(name, "#000000")
