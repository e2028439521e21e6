"""One training loop for every model (reference notes, section 2).

Per epoch (the toolkit's regime, `windows: random`): users are shuffled and each gets ONE random
window of length L (`sampling.training_windows`); a model that `scores_every_position` is trained
on every position of the window (`targets: every`; `targets: last` keeps the last one only), the
others (Caser, CosRec) on the last one only; each target gets one negative drawn uniformly from
the items outside the user's training sequence; the loss is binary cross-entropy with logits,
averaged over all non-padding (positive and negative) entries; Adam at lr 1e-3. The original Caser
and CosRec train on every sliding window of L + T items instead (`windows: sliding`,
`sampling.sliding_windows`), T targets and n negatives per window scored from its last position,
the loss a sum of two means (`bce_reduction: means`); each of these fields is 'auto' by default:
the model's own regime (`training_regime` of its class), the toolkit's for the paper's five. Everything stays on
the training device. Every `eval_every` epochs the model ranks the validation and test targets under
each protocol; the model is SELECTED on validation only (under `SELECTION_PROTOCOL`), and the
record keeps the test metrics both at the best-validation epoch and at the last epoch (the authors'
shipped loop tests the last-epoch weights). Checkpoints every `checkpoint_every` epochs make a
killed run resumable to the same result.

Speed: an epoch draws all its windows and negatives at once on the device, and the step itself
(`seqrec.steps`) never reads a value back, so the host only waits once per epoch; Adam is the
fused kernel; training runs under bf16 autocast on CUDA and on CPUs with native bf16 units (AMX or
AVX512-BF16: `cpu_has_native_bf16`), while evaluation always scores in fp32; on CUDA, TF32 and
cuDNN autotuning are on, and `cuda_graphs` / `compile` switch on graph replay or `torch.compile`
(execution switches, not part of the config hash; the training precision is part of it).
"""
from __future__ import annotations

import math
import statistics
import time
from dataclasses import asdict, dataclass, field, fields, replace
from pathlib import Path

import torch

from . import metrics as M
from .errors import ConfigError, SeqrecError, TrainingError, unknown
from .evaluation import PROTOCOLS, SELECTION_PROTOCOL, check_protocols, evaluate
from .results import (COMPLETE, FAILED, PAUSED, RECORD_NAME, RECORD_SCHEMA, STATUS_NAME,
                      code_version, config_hash, environment, read_record, status,
                      write_json_atomic)
from .models.base import REGIME_SWITCHES
from .sampling import sample_negatives, sliding_windows, training_windows
from .sequences import SequenceData
from .steps import GraphedTrainStep, TrainStep

CHECKPOINT_NAME = "checkpoint.pt"
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
BCE_REDUCTIONS = ("entries", "means")


# users per evaluation batch under eval_batch_size 'auto' (`TrainConfig.eval_batch`): on a GPU a
# large batch fills the device; on a CPU a moderate one amortises the per-batch work while its
# activations stay in cache. Every ML-1M user, val split, every protocol, 2 AVX2 cores, 1024 vs
# 128 users per batch: SASRec L = 100 2.13 / 1.12 s, Caser+ L = 50 10.3 / 6.3 s, Caser L = 100
# 26.8 / 31.0 s. A model can name its own (`cpu_eval_batch`: CosRec's pair grids want 32).
GPU_EVAL_BATCH = 1024
CPU_EVAL_BATCH = 128

# `stop_if_unfinishable` stops a run only when its projected time exceeds the time left by this
# factor: a hopeless run (hours over the budget) stops at once, while a close call (the first
# epochs slowed by another job on the machine) keeps running until the deadline
UNFINISHABLE_MARGIN = 1.5


class BudgetExhausted(SeqrecError):
    """The time budget ran out; a checkpoint was written and `resume=True` continues the run."""


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
    bce_reduction: str = "auto"    # "entries": mean over every entry; "means": mean(pos) + mean(neg)
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
            targets = ("every" if every else "last") if asked["targets"] == "auto" else asked["targets"]
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


# ---------------------------------------------------------------------------------------- state
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


# ---------------------------------------------------------------------------------------- loop
def use_fast_kernels(device: torch.device) -> None:
    """On CUDA: TF32 matmuls and convolutions, and cuDNN autotuning (the shapes are fixed)."""
    if device.type == "cuda":
        torch.backends.cuda.matmul.allow_tf32 = True
        torch.backends.cudnn.allow_tf32 = True
        torch.backends.cudnn.benchmark = True


def make_optimizer(model, cfg: TrainConfig, device: torch.device):
    """Adam (lr cfg.lr, PyTorch's other defaults, as the authors; a model may set its own
    `adam_betas`, as the original SASRec's 0.98, and `adam_weight_decay`, the coupled L2 of the
    original Caser and CosRec) in its fused form where PyTorch
    has one (CUDA, and CPU since torch 2.4): one kernel over all parameters instead of a few per
    parameter tensor; the same update up to float rounding. Capturable when the step is a graph."""
    params = [p for p in model.parameters() if p.requires_grad]
    if not params:
        return None
    options = {"capturable": True} if cfg.cuda_graphs else {}
    options["betas"] = getattr(model, "adam_betas", (0.9, 0.999))   # SASRec's original: 0.98
    options["weight_decay"] = getattr(model, "adam_weight_decay", 0.0)  # Caser's, CosRec's: l2
    try:
        return torch.optim.Adam(params, lr=cfg.lr, fused=True, **options)
    except (RuntimeError, TypeError, ValueError):       # no fused kernel for this device/dtype
        return torch.optim.Adam(params, lr=cfg.lr, **options)


def make_step(model, cfg: TrainConfig, device: torch.device):
    """The training step as `fit` runs it, assembled in this one place (the benchmark times the
    same): TF32/cuDNN switches (`use_fast_kernels`), Adam (`make_optimizer`), the forward eager or
    `torch.compile`d, bf16 autocast as `cfg.use_amp` says, the whole step a CUDA graph with
    `cuda_graphs`. Returns (step, optimizer); the optimizer is the checkpoint's to save."""
    if cfg.cuda_graphs and device.type != "cuda":
        raise ConfigError("cuda_graphs=True needs a CUDA device; set cuda_graphs: false on "
                          f"{device.type}")
    use_fast_kernels(device)
    optimizer = make_optimizer(model, cfg, device)
    if optimizer is None:
        raise ConfigError(f"{cfg.model} has no trainable parameters: run it with epochs=0")
    forward = model
    if cfg.compile:
        forward = torch.compile(model, mode=None if cfg.compile is True else cfg.compile)
    regime = cfg.regime(model)
    step = TrainStep(model, forward, optimizer, cfg.loss, cfg.use_amp(device),
                     regime["bce_reduction"], window_targets=regime["windows"] == "sliding")
    return (GraphedTrainStep(step) if cfg.cuda_graphs else step), optimizer


def train_epoch(model, step, data: SequenceData, cfg: TrainConfig, generator) -> float:
    """One pass over the epoch's training windows (`epoch_windows`); returns the mean loss.

    All windows and negatives of the epoch are drawn up front, on the device (two vectorised
    draws); the batch loop then only slices them, so it never waits for the device until the
    epoch's loss is read at the end (the one host synchronisation of the epoch)."""
    model.train()
    users_all, inputs_all, targets_all, negatives_all = epoch_windows(model, data, cfg, generator)
    count = users_all.shape[0]
    total = torch.zeros((), device=data.device)
    for start in range(0, count, cfg.batch_size):
        sl = slice(start, start + cfg.batch_size)
        loss = step(users_all[sl], inputs_all[sl], targets_all[sl],
                    None if negatives_all is None else negatives_all[sl])
        total += loss * users_all[sl].numel()
    return float(total) / count


def epoch_windows(model, data: SequenceData, cfg: TrainConfig, generator):
    """The epoch's training instances in the order they are trained, as `cfg.regime(model)` says:
    (users [W], inputs [W, L], targets [W, T], negatives [W, T] / [W, n] or None (ce)).

    random windows: one per user (W = U), users shuffled; the targets are the window's last T
    positions (T = L for `targets: every`, else 1), one negative per target. sliding windows:
    every window of L + T items of every user (`sliding_windows`), shuffled; T targets after the
    window, n negatives per window. Negatives avoid the user's whole training sequence."""
    regime = cfg.regime(model)
    if regime["windows"] == "random":
        users = data.all_users()[torch.randperm(data.num_users, device=data.device,
                                                generator=generator)]
        inputs, targets = training_windows(data, users, cfg.lookback, generator)
        targets = targets[:, -(cfg.lookback if regime["targets"] == "every" else 1):]  # [U, T]
        per_window = (targets.shape[1],)                                  # one per target
    else:
        users, inputs, targets = sliding_windows(data, cfg.lookback, regime["future_targets"])
        order = torch.randperm(users.shape[0], device=data.device, generator=generator)
        users, inputs, targets = users[order], inputs[order], targets[order]
        per_window = (regime["negatives"],)
    negatives = None
    if cfg.loss == "bce":
        within = data.prefix_length("train")[users - 1]
        negatives = sample_negatives(data, users, within, per_window, generator)
    return users, inputs, targets, negatives


def _evaluate_both(model, data, cfg):
    """{split: {protocol: ranks [U]}} for val and test; always scored in fp32 (`evaluate`)."""
    batch = cfg.eval_batch(data.device, model)
    return {split: evaluate(model, data, split, cfg.eval_protocols, cfg.lookback, batch,
                            cfg.eval_seed) for split in ("val", "test")}


def _summaries(ranks: dict) -> dict:
    return {p: {k: round(v, 6) for k, v in M.from_ranks(r).items()} for p, r in ranks.items()}


@dataclass
class _Run:
    """What `fit` prepares once: the config, the device and the objects living on it, and where
    the run's files go."""

    cfg: TrainConfig
    device: torch.device
    model: torch.nn.Module
    data: SequenceData
    step: object                      # `make_step`'s step; None for an evaluate-only run
    optimizer: object                 # None for an evaluate-only run
    generator: torch.Generator        # every random draw of training (windows, negatives)
    identity: str                     # `TrainConfig.identity` of the config as asked
    asked: dict                       # the config as asked (the record's `config`)
    resolved: dict                    # what this machine made of it (the record's `resolved`)
    run_dir: Path | None
    checkpoint: Path | None


def fit(model, data: SequenceData, config: TrainConfig | dict, run_dir=None, resume: bool = False,
        progress: bool = True, deadline: float | None = None, identity: str | None = None,
        asked: dict | None = None) -> dict:
    """Train `model` on `data` and return the run record (also written to run_dir/record.json).

    run_dir: where checkpoints and the record go (None: nothing is written).
    resume: return run_dir/record.json if it exists for the same config; else continue from
    run_dir/checkpoint.pt if present (same config required).
    deadline: a `time.time()` value; when an epoch ends past it, a checkpoint is written and
    `BudgetExhausted` is raised (resume later with resume=True). With `stop_if_unfinishable`
    the run stops the same way as soon as the pace measured here projects its end past it.
    identity: the run's identity if not `config.identity()` (`run` passes the one of the config as
    asked when it had to adapt it, e.g. the repeat floor's window).
    """
    cfg = config if isinstance(config, TrainConfig) else TrainConfig.from_dict(config)
    run = _prepare(model, data, cfg, run_dir, identity, asked)
    done = _finished_record(run) if resume else None
    if done is not None:
        return done                                         # finished before: nothing to redo
    state = _start_state(run, resume)
    last_ranks = _epochs(run, state, progress, deadline)
    return _finish(run, state, last_ranks)


def _prepare(model, data: SequenceData, cfg: TrainConfig, run_dir, identity: str | None,
             asked: dict | None) -> _Run:
    """Device, data and model on it, seeds, the training step (`make_step`), the run folder."""
    device = cfg.resolved_device()
    if int(data.prefix_length("train").min()) < 1:
        raise TrainingError("every user needs at least 3 items (train, val and test); apply the "
                            "paper's filter (seqrec.data.load(..., filter='paper'))")
    data = data.to(device)
    model = model.to(device)
    use_fast_kernels(device)                  # evaluation too, for an evaluate-only run
    asked = asked or asdict(cfg)              # the config as asked (`run` adapts it for Repeat)
    resolved = {**cfg.resolution(device, model),
                **{k: v for k, v in asdict(cfg).items() if asked.get(k) != v}}
    torch.manual_seed(cfg.seed)
    generator = torch.Generator(device=device)
    generator.manual_seed(cfg.seed)
    step, optimizer = make_step(model, cfg, device) if cfg.epochs > 0 else (None, None)
    run_dir = Path(run_dir) if run_dir is not None else None
    if run_dir:
        run_dir.mkdir(parents=True, exist_ok=True)
    return _Run(cfg, device, model, data, step, optimizer, generator, identity or cfg.identity(),
                asked, resolved, run_dir, run_dir / CHECKPOINT_NAME if run_dir else None)


def _finished_record(run: _Run) -> dict | None:
    """The run folder's complete record of this config, if there is one."""
    path = run.run_dir / RECORD_NAME if run.run_dir else None
    if path is None or not path.exists():
        return None
    done = read_record(path)
    return done if done.get("config_hash") == run.identity and status(done) == COMPLETE else None


def _start_state(run: _Run, resume: bool) -> _State:
    """Where training starts: the checkpoint's state (its weights, optimizer and random streams
    loaded), or epoch 0."""
    if resume and run.checkpoint is not None and run.checkpoint.exists():
        return _load_checkpoint(run.checkpoint, run.model, run.optimizer, run.generator,
                                run.identity)
    return _State()


def _epochs(run: _Run, state: _State, progress: bool, deadline: float | None):
    """Evaluate at epoch 0 (a fresh run), then train, evaluate every `eval_every` epochs and
    checkpoint every `checkpoint_every` until `epochs`; stop at a checkpoint (BudgetExhausted)
    when `_reason_to_stop` says so. Returns the test ranks of the last evaluation (None when a
    resumed run had nothing left to train)."""
    cfg, ckpt = run.cfg, run.checkpoint
    bar = None
    if progress:
        from tqdm import tqdm               # plain text bar: also readable in executed notebooks
        bar = tqdm(total=cfg.epochs, initial=state.epoch, desc=f"{cfg.model} on {cfg.dataset}",
                   unit="epoch", mininterval=10, ascii=True, ncols=100)
    last_ranks = None
    check_pace = cfg.stop_if_unfinishable      # once, as soon as this process knows its pace
    started_at = state.epoch                   # a resumed run's earlier pace is another process's
    state.last_eval_seconds = None             # (another load on the machine, another machine)
    try:
        if state.epoch == 0 and not state.history:
            last_ranks = _eval_and_select(run.model, run.data, cfg, state, epoch=0, loss=None,
                                          seconds=0.0)
        while state.epoch < cfg.epochs:
            epoch = state.epoch + 1
            t0 = time.perf_counter()
            loss = train_epoch(run.model, run.step, run.data, cfg, run.generator)
            seconds = time.perf_counter() - t0
            if not math.isfinite(loss):
                where = f"; the last good checkpoint is {ckpt}" if ckpt and ckpt.exists() else ""
                message = (f"{cfg.model} on {cfg.dataset}: loss is {loss} at epoch {epoch}{where}. "
                           "Lower the learning rate or switch AMP off (amp='off').")
                _write_status(run, FAILED, state, message)
                raise TrainingError(message)
            state.train_seconds += seconds
            if epoch % cfg.eval_every == 0 or epoch == cfg.epochs:
                last_ranks = _eval_and_select(run.model, run.data, cfg, state, epoch, loss, seconds)
            else:
                state.history.append({"epoch": epoch, "loss": round(loss, 6),
                                      "seconds": round(seconds, 4)})
            state.epoch = epoch
            if bar is not None:
                bar.update(1)
                bar.set_postfix(loss=f"{loss:.4f}", best=f"{state.best['score']:.4f}")
            if ckpt and (epoch % cfg.checkpoint_every == 0 or epoch == cfg.epochs):
                _save_checkpoint(ckpt, run.model, run.optimizer, state, run.generator, run.identity)
            reason = _reason_to_stop(cfg, state, deadline, run.device, check_pace, started_at)
            check_pace = check_pace and _recent_epoch_seconds(state.history, started_at) is None
            if reason:
                if ckpt:
                    _save_checkpoint(ckpt, run.model, run.optimizer, state, run.generator,
                                     run.identity)
                message = (f"{cfg.model} on {cfg.dataset}: {reason}; stopped after epoch "
                           f"{epoch}/{cfg.epochs}, resume=True continues from {ckpt}")
                _write_status(run, PAUSED, state, message)
                raise BudgetExhausted(message)
    finally:
        if bar is not None:
            bar.close()
    return last_ranks


def _finish(run: _Run, state: _State, last_ranks) -> dict:
    """The run record, written to the run folder in place of its checkpoint and status file."""
    if last_ranks is None:     # resumed after the final epoch's evaluation: evaluate again
        last_ranks = _evaluate_both(run.model, run.data, run.cfg)["test"]
    record = _make_record(run, state, last_ranks)
    if run.run_dir:
        write_json_atomic(run.run_dir / RECORD_NAME, record)
        run.checkpoint.unlink(missing_ok=True)    # the record is the product; checkpoints are large
        (run.run_dir / STATUS_NAME).unlink(missing_ok=True)
    return record


def projected_seconds_left(cfg: TrainConfig, history: list[dict], epoch: int,
                           eval_seconds: float | None, measured_after: int = 0) -> float | None:
    """Seconds the epochs after `epoch` should take at the pace measured so far (on the epochs
    after `measured_after`: those this process trained): the median of the last (up to) five
    training epochs per epoch, and the latest evaluation per evaluation still due. None before
    three epochs are measured (the first one includes warm-up)."""
    epoch_seconds = _recent_epoch_seconds(history, measured_after)
    if epoch_seconds is None:
        return None
    evals_left = evaluations_after(epoch, cfg.epochs, cfg.eval_every)
    return (cfg.epochs - epoch) * epoch_seconds + evals_left * (eval_seconds or 0.0)


def evaluations_after(epoch: int, epochs: int, eval_every: int) -> int:
    """Evaluations a run of `epochs` epochs makes after `epoch`: at every multiple of eval_every,
    and at the last epoch if it is not one. Closed form: a run may be asked for a billion epochs."""
    last_extra = epochs % eval_every != 0 and epoch < epochs
    return epochs // eval_every - epoch // eval_every + last_extra


def _recent_epoch_seconds(history: list[dict], after: int = 0) -> float | None:
    """Median of the last (up to) five training epochs after epoch `after`; None before three
    were measured (the median of three ignores the first epoch's warm-up)."""
    trained = [h["seconds"] for h in history if h["epoch"] > after][-5:]
    return statistics.median(trained) if len(trained) >= 3 else None


def _reason_to_stop(cfg: TrainConfig, state: _State, deadline: float | None,
                    device: torch.device, check_pace: bool, started_at: int = 0) -> str | None:
    """Why the run must stop after this epoch, or None: the deadline has passed, or (`check_pace`:
    `stop_if_unfinishable`, checked once, when the pace of the first epochs is known) the pace
    measured here (on the epochs after `started_at`, those this process trained: a resumed run
    is judged by its pace now) says the rest needs more than UNFINISHABLE_MARGIN times the time
    left.
    Stopping early leaves the time budget to runs that can finish (a checkpoint on a machine that
    does not last is lost; a record is not). Checked once only, so that a later, passing slowdown
    (another job on the machine) never stops a run that has started."""
    if deadline is None or state.epoch >= cfg.epochs:
        return None
    now = time.time()
    if now > deadline:
        return "time budget reached"
    if not check_pace:
        return None
    left = projected_seconds_left(cfg, state.history, state.epoch, state.last_eval_seconds,
                                  started_at)
    if left is None or left <= UNFINISHABLE_MARGIN * (deadline - now):
        return None
    autocast = cfg.use_amp(device)
    precision = "bf16 autocast" if autocast else "fp32"
    eval_pace = (f"{state.last_eval_seconds:.2f} s per evaluation" if state.last_eval_seconds
                 else "evaluations not timed yet")
    if device.type == "cpu" and not autocast and cfg.amp == "auto":
        precision += ": this CPU has no native bf16 units"
    return (f"cannot finish within the time budget on this machine: {cfg.epochs - state.epoch} "
            f"epochs left at {_recent_epoch_seconds(state.history, started_at):.2f} s per epoch "
            f"and {eval_pace} (training in {precision}) need "
            f"about {_duration(left)}, the budget leaves {_duration(deadline - now)}. Run it on a "
            "faster device (a GPU, or a CPU with bf16 units) or with a longer budget on a machine "
            "that keeps its checkpoints")


def _duration(seconds: float) -> str:
    return f"{seconds / 3600:.1f} h" if seconds >= 5400 else f"{seconds / 60:.0f} min"


def _write_status(run: _Run, what: str, state: _State, message: str) -> None:
    """The status file of an unfinished run ('paused' or 'failed'): its config, how far it got
    and why, so that the grid runner reads the outcome from the run folder, not from logs. The
    record replaces it when the run completes."""
    if run.run_dir:
        write_json_atomic(run.run_dir / STATUS_NAME,
                          {"schema": RECORD_SCHEMA, "status": what, "config": run.asked,
                           "resolved": run.resolved, "config_hash": run.identity,
                           "epoch": state.epoch, "message": message, "history": state.history})


def _eval_and_select(model, data, cfg, state: _State, epoch, loss, seconds):
    """Evaluate val and test, append to history, update the best-validation state; returns the
    test ranks of this epoch."""
    t0 = time.perf_counter()
    ranks = _evaluate_both(model, data, cfg)
    state.last_eval_seconds = time.perf_counter() - t0
    state.eval_seconds += state.last_eval_seconds
    val, test = _summaries(ranks["val"]), _summaries(ranks["test"])
    state.history.append({"epoch": epoch, "loss": None if loss is None else round(loss, 6),
                          "seconds": round(seconds, 4), "val": val, "test": test})
    score = val[SELECTION_PROTOCOL][cfg.select_metric]
    if score > state.best["score"]:
        state.best = {"epoch": epoch, "score": score, "val": val, "test": test}
        state.best_ranks = {p: r.tolist() for p, r in ranks["test"].items()}
    return ranks["test"]


def _make_record(run: _Run, state: _State, last_ranks) -> dict:
    model, data, resolved = run.model, run.data, run.resolved
    last = next(h for h in reversed(state.history) if "test" in h)
    epoch_seconds = [h["seconds"] for h in state.history if h["epoch"] > 0]
    return {
        "schema": RECORD_SCHEMA,
        "status": COMPLETE,                       # every epoch trained and evaluated
        "config": run.asked,                      # as asked: its identity is config_hash
        "resolved": resolved,                     # what this machine made of it (device, amp...)
        "config_hash": run.identity,
        "data": {"name": data.name, "users": data.num_users, "items": data.num_items,
                 "interactions": data.num_interactions, **{k: v for k, v in data.info.items()
                                                           if isinstance(v, (int, float, str))}},
        "code_version": code_version(),
        "environment": environment(resolved["device"]),
        "num_parameters": sum(p.numel() for p in model.parameters()),
        "regime": run.cfg.regime(model) if run.cfg.epochs > 0 else None,   # 'auto' resolved
        "timings": {"train_seconds": round(state.train_seconds, 3),
                    "eval_seconds": round(state.eval_seconds, 3),
                    "epoch_seconds_median": (sorted(epoch_seconds)[len(epoch_seconds) // 2]
                                             if epoch_seconds else None)},
        "history": state.history,
        "best": {"epoch": state.best["epoch"], "val": state.best["val"], "test": state.best["test"]},
        "last": {"epoch": state.epoch, "val": last["val"], "test": last["test"]},
        "test_ranks": {"best": state.best_ranks,
                       "last": {p: r.tolist() for p, r in last_ranks.items()}},
    }


def run(config: TrainConfig | dict, data: SequenceData, run_dir=None, resume: bool = False,
        progress: bool = True, deadline: float | None = None) -> dict:
    """Build the configured model for `data` and `fit` it (the one call a chapter makes)."""
    from . import baselines, models
    cfg = config if isinstance(config, TrainConfig) else TrainConfig.from_dict(config)
    identity, asked = cfg.identity(), asdict(cfg)   # of the config as asked, before any adaptation
    torch.manual_seed(cfg.seed)               # identical initial weights for a given seed
    if cfg.model in baselines.NAMES:
        if cfg.epochs != 0:
            raise ConfigError(f"baseline {cfg.model!r} is not trained: set epochs=0")
        if cfg.model == "repeat":             # the rule needs each user's whole history
            cfg = replace(cfg, lookback=max(cfg.lookback, int(data.lengths.max())))
        model = baselines.create(cfg.model, data)
    else:
        model = models.create(cfg.model, data.num_users, data.num_items, cfg.lookback,
                              **cfg.model_options)
    return fit(model, data, cfg, run_dir=run_dir, resume=resume, progress=progress,
               deadline=deadline, identity=identity, asked=asked)
