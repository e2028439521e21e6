"""A run's checkpoint: the model, the optimizer, the random streams and the loop's state
(`_State`: epoch, history, best-validation state, timings), saved atomically every
`checkpoint_every` epochs and loaded only for the same config (its identity).
"""
from __future__ import annotations

import math
from pathlib import Path

import torch

from ..errors import ConfigError

CHECKPOINT_NAME = "checkpoint.pt"


class _State:
    """What a checkpoint holds besides the model and optimizer."""

    def __init__(self):
        self.epoch = 0
        self.history: list[dict] = []
        self.best = {"epoch": -1, "score": -math.inf, "val": {}, "test": {}}
        self.best_ranks: dict = {}
        self.train_seconds = 0.0
        self.eval_seconds = 0.0
        self.last_eval_seconds: float | None = None   # the latest evaluation (val + test)


def _save_checkpoint(path: Path, model, optimizer, state: _State, generator, identity: str):
    payload = {"model": model.state_dict(),
               "optimizer": optimizer.state_dict() if optimizer is not None else None,
               "state": state.__dict__, "generator": generator.get_state(),
               "torch_rng": torch.get_rng_state(), "config_hash": identity,
               "cuda_rng": torch.cuda.get_rng_state_all() if torch.cuda.is_available() else None}
    tmp = path.with_suffix(".tmp")
    torch.save(payload, tmp)
    tmp.replace(path)


def _load_checkpoint(path: Path, model, optimizer, generator, identity: str) -> _State:
    payload = torch.load(path, map_location="cpu", weights_only=False)
    if payload["config_hash"] != identity:
        raise ConfigError(f"checkpoint {path} belongs to a different configuration; delete it or "
                          "run with resume=False to start over")
    model.load_state_dict(payload["model"])
    if optimizer is not None:
        optimizer.load_state_dict(payload["optimizer"])
    generator.set_state(payload["generator"])
    torch.set_rng_state(payload["torch_rng"])
    if payload.get("cuda_rng") is not None and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(payload["cuda_rng"])
    state = _State()
    state.__dict__.update(payload["state"])
    return state
