"""A run's configuration: every parameter of a run (`TrainConfig`, validated where it is made,
with its one identity, the config hash), which fields are execution switches or labels and so
not part of that identity, and what a machine makes of the 'auto' values (device, training
precision: `cpu_has_native_bf16`, evaluation batch).
"""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field, fields

import torch

from .. import metrics as M
from ..errors import ConfigError, unknown
from ..evaluation import PROTOCOLS, SELECTION_PROTOCOL, check_protocols
from ..models.base import REGIME_SWITCHES
from ..results import config_hash
from ..steps import BCE_REDUCTIONS

LOSSES = ("bce", "ce")
# switches that change how a run executes, not what it computes: not part of the config hash.
# (The training precision `amp` changes the numbers, so it is part of it, as written.)
EXECUTION_ONLY = ("device", "compile", "cuda_graphs", "eval_batch_size", "stop_if_unfinishable")
# label fields: where a run belongs (its profile, its variant), not what it computes: not part of
# the config hash either
LABEL_FIELDS = ("profile", "variant")
COMPILE_MODES = ("default", "reduce-overhead", "max-autotune", "max-autotune-no-cudagraphs")
# the training regime: which windows an epoch trains on and which of their items are targets.
# Each field is 'auto' by default (the model's `training_regime`, else the toolkit's) and, at
# 'auto', leaves the config hash as it was before these fields existed (`TrainConfig.identity`)
REGIME_FIELDS = ("targets", *REGIME_SWITCHES)
WINDOWS = ("random", "sliding")
TARGET_POSITIONS = ("every", "last")


# users per evaluation batch under eval_batch_size 'auto' (`TrainConfig.eval_batch`): on a GPU a
# large batch fills the device; on a CPU a moderate one amortises the per-batch work while its
# activations stay in cache. Every ML-1M user, val split, every protocol, 2 AVX2 cores, 1024 vs
# 128 users per batch: SASRec L = 100 2.13 / 1.12 s, Caser+ L = 50 10.3 / 6.3 s, Caser L = 100
# 26.8 / 31.0 s. A model can name its own (`cpu_eval_batch`: CosRec's pair grids want 32).
GPU_EVAL_BATCH = 1024
CPU_EVAL_BATCH = 128


@dataclass
class TrainConfig:
    """Every parameter of a run. Defaults are the paper's (authors' configs)."""

    model: str = "sasrec"
    dataset: str = "synthetic"
    lookback: int = 100            # L, window length (final authors' config)
    epochs: int = 2000             # max_epochs, no early stopping
    batch_size: int = 128
    lr: float = 1e-3               # Adam defaults (betas 0.9, 0.999, no weight decay)
    loss: str = "bce"              # "bce" (paper: 1 negative per target) or "ce" (full softmax)
    eval_every: int = 1
    eval_protocols: list = field(default_factory=lambda: list(PROTOCOLS))   # every protocol
    select_metric: str = "NDCG@10"  # on validation, under SELECTION_PROTOCOL
    seed: int = 42                 # the authors' seed
    eval_seed: int = 0             # seeds the candidate negatives (same for every model)
    checkpoint_every: int = 10
    device: str = "auto"           # "auto" = cuda if available, else cpu
    amp: str = "auto"              # bf16 autocast in training: "auto" = on for cuda and bf16 CPUs
    compile: bool | str = False    # torch.compile the training forward: True or a mode name
    cuda_graphs: bool = False      # replay the whole step as a CUDA graph (CUDA; experimental)
    eval_batch_size: int | str = "auto"  # users per evaluation batch ('auto': `eval_batch`)
    stop_if_unfinishable: bool = False   # with a deadline: stop as soon as the pace measured here
                                         # says the run cannot finish before it (`projected_seconds_left`)
    # the training regime ('auto': the model's own, `TrainConfig.regime`)
    windows: str = "auto"          # "random": one window of L per user and epoch (the toolkit);
                                   # "sliding": every window of L + T items (Caser's, CosRec's code)
    targets: str = "auto"          # random windows: "every" position of the window or the "last"
    future_targets: int | str = "auto"   # sliding windows: T items after the window
    negatives: int | str = "auto"  # sliding windows: negatives per window (random: one per target)
    bce_reduction: str = "auto"    # "entries": mean over every entry; "means": mean(pos)
                                   # + mean(neg)
    profile: str = "custom"        # label only: which parameter profile produced the run
    variant: str = ""              # label only: "" = the paper's setting, else the variant's name
    model_options: dict = field(default_factory=dict)

    @classmethod
    def from_dict(cls, d: dict) -> "TrainConfig":
        """The config of a dict of field names (a profile's cell, a chapter's `config`, a record's
        `config`); an unknown name is an error that lists the valid ones."""
        names = [f.name for f in fields(cls)]
        bad = sorted(set(d) - set(names))
        if bad:
            raise unknown("training parameter", bad if len(bad) > 1 else bad[0], names)
        return cls(**d)

    def __post_init__(self) -> None:
        """Validate every value once, where the config is made: a TrainConfig is valid by
        construction (also one made by `dataclasses.replace`)."""
        for name in ("lookback", "epochs", "batch_size", "eval_every", "checkpoint_every",
                     "eval_batch_size"):
            v = getattr(self, name)
            if name == "eval_batch_size" and v == "auto":
                continue
            low = 0 if name == "epochs" else 1          # epochs = 0: evaluate only (baselines)
            if not isinstance(v, int) or isinstance(v, bool) or v < low:
                also = "'auto' or " if name == "eval_batch_size" else ""
                raise ConfigError(f"{name} must be {also}an integer >= {low}, got {v!r}")
        if not (isinstance(self.lr, (int, float)) and math.isfinite(self.lr) and self.lr > 0):
            raise ConfigError(f"lr must be a positive number, got {self.lr!r}")
        if self.loss not in LOSSES:
            raise unknown("loss function", self.loss, LOSSES, where="loss")
        self.eval_protocols = check_protocols(self.eval_protocols)
        if SELECTION_PROTOCOL not in self.eval_protocols:
            raise ConfigError(f"eval_protocols must include {SELECTION_PROTOCOL!r} (its validation "
                              f"selects the best epoch), got {self.eval_protocols!r}")
        if self.select_metric not in M.metric_names():
            raise unknown("metric", self.select_metric, M.metric_names(), where="select_metric")
        if self.amp not in ("auto", True, False, "on", "off"):
            raise ConfigError(f"amp must be 'auto', 'on' or 'off', got {self.amp!r}")
        if self.compile not in (True, False) and self.compile not in COMPILE_MODES:
            raise ConfigError(f"compile must be true, false or a torch.compile mode "
                              f"({', '.join(COMPILE_MODES)}), got {self.compile!r}")
        for name in ("cuda_graphs", "stop_if_unfinishable"):
            if not isinstance(getattr(self, name), bool):
                raise ConfigError(f"{name} must be true or false, got {getattr(self, name)!r}")
        if self.cuda_graphs and self.compile:
            raise ConfigError("cuda_graphs and compile exclude each other; for compiled code with "
                              "CUDA graphs use compile='reduce-overhead'")
        for name, valid in (("windows", WINDOWS), ("targets", TARGET_POSITIONS),
                            ("bce_reduction", BCE_REDUCTIONS)):
            if getattr(self, name) not in ("auto", *valid):
                raise unknown(f"{name} value", getattr(self, name), ("auto", *valid), where=name)
        for name in ("future_targets", "negatives"):
            v = getattr(self, name)
            if v != "auto" and (not isinstance(v, int) or isinstance(v, bool) or v < 1):
                raise ConfigError(f"{name} must be 'auto' or an integer >= 1, got {v!r}")

    def regime(self, model) -> dict:
        """The training regime this config gives `model`: every 'auto' field resolved to the
        model's own (`training_regime` of its class) or else the toolkit's (one random window
        per user; every position a target where the model scores every position; one target
        and one negative; BCE averaged over entries). Raises ConfigError on a combination the
        loop cannot train."""
        own = dict(getattr(model, "training_regime", {}))
        asked = {k: getattr(self, k) for k in REGIME_FIELDS}
        windows = own.get("windows", "random") if asked["windows"] == "auto" else asked["windows"]
        every = getattr(model, "scores_every_position", False)
        name = getattr(model, "name", type(model).__name__)
        out = {"windows": windows,
               "bce_reduction": (own.get("bce_reduction", "entries")
                                 if asked["bce_reduction"] == "auto" else asked["bce_reduction"])}
        if windows == "random":
            for k in ("future_targets", "negatives"):
                if asked[k] != "auto":
                    raise ConfigError(f"{k} applies to sliding windows (windows: sliding); with "
                                      "random windows every target has one negative")
            targets = asked["targets"]
            if targets == "auto":
                targets = "every" if every else "last"
            if targets == "every" and not every:
                raise ConfigError(f"{name} scores only the last position of a window: "
                                  "targets must be 'last' or 'auto'")
            return {**out, "targets": targets, "future_targets": 1, "negatives": 1}
        if asked["targets"] not in ("auto", "last"):
            raise ConfigError("sliding windows score their T targets from the window's last "
                              "position: targets must be 'last' or 'auto'")
        if self.loss != "bce":
            raise ConfigError("sliding windows train with the reference code's loss: loss: bce")
        pick = lambda k: own.get(k, 1) if asked[k] == "auto" else asked[k]  # noqa: E731
        return {**out, "targets": "last", "future_targets": pick("future_targets"),
                "negatives": pick("negatives")}


    def resolved_device(self) -> torch.device:
        if self.device == "auto":
            return torch.device("cuda" if torch.cuda.is_available() else "cpu")
        try:
            dev = torch.device(self.device)
        except RuntimeError as e:
            raise ConfigError(f"bad device {self.device!r}: {e}; use 'auto', 'cpu' or 'cuda'") from e
        if dev.type == "cuda" and not torch.cuda.is_available():
            raise ConfigError("device 'cuda' asked for but no CUDA GPU is visible; use 'auto' or 'cpu'")
        return dev

    def resolution(self, device: torch.device | None = None, model=None) -> dict:
        """What this machine made of the config's 'auto' values: the device, the training
        precision (amp as a bool) and the evaluation batch. A record keeps it beside the config
        as asked (`resolved`), never in its place, so the identity stays recomputable."""
        device = self.resolved_device() if device is None else device
        return {"device": str(device), "amp": self.use_amp(device),
                "eval_batch_size": self.eval_batch(device, model)}

    def identity(self) -> str:
        """The run's one identity: the hash of the config as asked for, without execution-only
        switches and labels. Records carry it; the grid runner calls a cell done when it matches.
        It never depends on the machine that computes it (a login node and a GPU node agree):
        `amp` counts as written ('auto', 'on', 'off'); the record keeps what it resolved to."""
        config = {k: v for k, v in asdict(self).items() if k not in EXECUTION_ONLY + LABEL_FIELDS
                  and not (k in REGIME_FIELDS and v == "auto")}   # as before these fields
        config["amp"] = {True: "on", False: "off"}.get(self.amp, self.amp)
        return config_hash(config)

    def eval_batch(self, device: torch.device, model=None) -> int:
        """Users per evaluation batch: as set; for 'auto' GPU_EVAL_BATCH on a GPU, and on a CPU
        the model's `cpu_eval_batch`. An execution switch: the ranks do not depend on it (beyond
        the float rounding of a near-tie)."""
        if self.eval_batch_size != "auto":
            return self.eval_batch_size
        if device.type != "cpu":
            return GPU_EVAL_BATCH
        return getattr(model, "cpu_eval_batch", CPU_EVAL_BATCH)

    def use_amp(self, device: torch.device) -> bool:
        """Train under bf16 autocast? 'auto': on CUDA, and on a CPU with native bf16 units."""
        if self.amp != "auto":
            return self.amp in (True, "on")
        return device.type == "cuda" or (device.type == "cpu" and cpu_has_native_bf16())


def cpu_has_native_bf16() -> bool:
    """Does this CPU multiply bf16 natively (Intel AMX-BF16 or AVX512-BF16, which oneDNN uses
    under autocast)? Without them bf16 is emulated and slower than fp32. Read from torch's own
    CPU capability probe; False where torch cannot tell."""
    try:
        caps = torch.cpu.get_capabilities()
    except (AttributeError, RuntimeError):
        return False
    return bool(caps.get("amx_bf16") or caps.get("avx512_bf16"))
