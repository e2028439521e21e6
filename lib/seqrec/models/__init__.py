"""The five recommenders of the paper, built by name with the paper's hyperparameters.

    model = seqrec.models.create("caser+", num_users, num_items, lookback, dropout=0.3)
    scores = model(users, items, candidates)     # [B], [B, L], [B, T, K] -> [B, T, K]
    every = model.score_all(users, items)        # [B, N+1] at the last position (mask column 0)

Ids: users 1..U, items 1..N, 0 = padding; embedding tables have U+1 / N+1 rows. `caser` and `cosrec`
score only the last position (T = 1); `caser+`, `cosrec+` and `sasrec` score any of the last T
positions (`model.scores_every_position`), causally (`check_causal(model, users, items)` checks it).

Parameter names (authors' config names differ only where noted in each class): `emb_size`,
`dropout`, Caser: `num_ver_filters`, `num_hor_filters`, `act_conv`, `act_fc`; CosRec: `block_dims`,
`fc_dim`, `act_fc`; SASRec: `num_blocks`, `num_heads`, and the switches that make it the original
(`input_scale`, `padding_mask`, `block`, `init`, `adam_beta2`: `SASRecOriginal`); Caser and CosRec:
`init`, `l2` and the sizes that make them the originals (`CaserOriginal`, `CosRecOriginal`, with
their papers' training regimes); variants: `padding_embedding`, `horizontal`
(Caser), `norm`, `pairs`, `channels_last` (CosRec). `defaults(name)` lists them with their values.
"""
from __future__ import annotations

import inspect

from torch import nn

from ..errors import ConfigError, unknown
from .base import SequentialRecommender
from .caser import Caser, CaserOriginal, CaserPlus, HorizontalBank
from .causality import causality_gaps, check_causal, receptive_field
from .cosrec import (CosRec, CosRecOriginal, CosRecPlus, cumulative_topleft_mean,
                     pair_grid_factorised, pair_grid_materialised, topleft_weights)
from .sasrec import SASRec, SASRecOriginal

CLASSES = {cls.name: cls for cls in (SASRec, Caser, CaserPlus, CosRec, CosRecPlus, SASRecOriginal,
                                     CaserOriginal, CosRecOriginal)}
NAMES = tuple(CLASSES)          # the paper's five, then the originals of ours (`in_paper` False)
_SIZES = ("num_users", "num_items", "lookback")


def model_class(name: str) -> type[SequentialRecommender]:
    if name not in CLASSES:
        raise unknown("model", name, CLASSES)
    return CLASSES[name]


def defaults(name: str) -> dict:
    """The paper's hyperparameters of model `name` (every valid override, with its default)."""
    params = inspect.signature(model_class(name).__init__).parameters
    return {k: p.default for k, p in params.items() if k not in ("self", *_SIZES)}


def create(name: str, num_users: int, num_items: int, lookback: int, **overrides) -> SequentialRecommender:
    """Build model `name` (one of NAMES) for U users, N items and windows of `lookback` items.

    Unknown names or overrides raise ConfigError listing the valid ones.
    """
    cls = model_class(name)
    valid = defaults(name)
    for key in overrides:
        if key not in valid:
            raise unknown(f"{name} parameter", key, valid)
    return cls(num_users, num_items, lookback, **overrides)


def load_authors_state_dict(model: SequentialRecommender, state_dict: dict) -> SequentialRecommender:
    """Copy the weights of the authors' model (same sizes) into `model`, 1:1; returns `model`.

    SASRec and CosRec/CosRec+ use the authors' parameter names unchanged; Caser/Caser+ pack the
    per-height horizontal convolutions into one bank (`CaserPlus.state_dict_from_authors`).
    """
    convert = getattr(model, "state_dict_from_authors", None)
    try:
        model.load_state_dict(convert(state_dict) if convert else state_dict)
    except RuntimeError as err:
        raise ConfigError(f"the authors' weights do not fit this {model.name} (built with other sizes "
                          f"or a non-default variant); build it with the same sizes: {err}") from err
    return model


def count_parameters(model: nn.Module) -> int:
    """Number of trainable scalars (the figure the paper's code reports)."""
    return sum(p.numel() for p in model.parameters() if p.requires_grad)


__all__ = ["NAMES", "CLASSES", "create", "defaults", "model_class",
           "load_authors_state_dict", "count_parameters", "SequentialRecommender", "SASRec", "Caser",
           "CaserPlus", "CosRec", "CosRecPlus", "SASRecOriginal", "CaserOriginal", "CosRecOriginal",
           "HorizontalBank", "cumulative_topleft_mean",
           "topleft_weights", "pair_grid_factorised", "pair_grid_materialised", "causality_gaps",
           "check_causal", "receptive_field"]
