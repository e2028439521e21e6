"""Parameter profiles: YAML files naming the grid (models x datasets x seeds) and every parameter.

A profile is validated strictly when it is loaded, and only there: an unknown key anywhere is an
error that lists the valid keys, and every cell's config is made (`TrainConfig.from_dict`, which
validates each value) before anything runs. `${VAR}` in strings is replaced from the environment
(e.g. `${SEQREC_DATA_DIR}`); an unset variable is an error naming it. `extends: NAME` starts from
another profile: its sections are kept unless this file names them (`train`, `per_model`,
`per_dataset`, `book` and `cluster` are merged key by key; `datasets`, `models`, `seeds`,
`variants` are replaced whole). A `models` entry (at the top or in a variant) names models, floors
and the registry's groups: `all`, the paper's five models (`registry.MODELS`), and `floors`, the
non-learned floors (`registry.BASELINES`); `models: [all, floors]` is the grid of the paper.

A cell's config is merged from the sections in this order, each overriding the ones before it
(`Profile.cells`): TrainConfig defaults < `train` < `per_dataset[dataset]` < `per_model[model]` <
`variants[name].train` < what the grid sets (model, dataset, seed, and the labels `profile` and
`variant`; `epochs: 0` for a baseline, which is not trained).
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass, field, fields, replace
from functools import cached_property
from pathlib import Path

import yaml

from seqrec import registry
from seqrec.errors import ConfigError, unknown
from seqrec.results import run_dir, run_key
from seqrec.training import LABEL_FIELDS, TrainConfig

ROOT = Path(__file__).resolve().parent.parent
PROFILE_DIR = Path(__file__).resolve().parent / "profiles"
ALL_MODELS = "all"                       # `models: all` = registry.MODELS, the paper's five
FLOORS = "floors"                        # `floors` = registry.BASELINES, the non-learned floors
# TrainConfig fields the grid sets per cell; a train section names any other field
GRID_FIELDS = ("model", "dataset", "seed") + LABEL_FIELDS
ONLY_KEYS = ("model", "dataset", "seed", "variant")   # what `--only key=value` selects on
TRAIN_KEYS = {f.name for f in fields(TrainConfig)} - set(GRID_FIELDS)
MERGED_SECTIONS = ("train", "per_model", "per_dataset", "book", "cluster")   # for `extends`
TOP_KEYS = {"extends", "description", "output", "datasets", "models", "seeds", "variants",
            *MERGED_SECTIONS}
DATASET_KEYS = {"file", "columns", "filter", "options"}      # a cell's data spec (`Cell.data`)
VARIANT_KEYS = {"models", "datasets", "seeds", "train"}
BOOK_KEYS = {"dataset", "timeout_seconds"}
# the `cluster:` section (rebuild/cluster.py): key -> (the `run` option that overrides it, type)
CLUSTER_OPTIONS = {"partition": ("partition", str), "account": ("account", str),
                   "qos": ("qos", str), "constraint": ("constraint", str),
                   "gpus_per_run": ("gpus_per_run", int), "cpus_per_run": (None, int),
                   "mem_gb": (None, float), "time_limit_hours": ("time_limit", float),
                   "array_parallelism": ("array_parallelism", int), "setup": (None, list)}


def _check_keys(where: str, got: dict, valid: set):
    """`got` is a mapping with keys among `valid`; else a ConfigError that lists them."""
    if not isinstance(got, dict):
        raise ConfigError(f"{where} must be a mapping, got {type(got).__name__}")
    bad = sorted(set(got) - valid)
    if bad:
        raise unknown("key", bad if len(bad) > 1 else bad[0], sorted(valid), where=where)


def _expand_env(value):
    """`value` (a YAML tree) with every `${VAR}` in its strings replaced from the environment."""
    if isinstance(value, str):
        def sub(m):
            name = m.group(1)
            if name not in os.environ:
                raise ConfigError(f"profile uses ${{{name}}} but the environment variable {name} is "
                                  "not set; export it (e.g. SEQREC_DATA_DIR=/path/to/shared/data)")
            return os.environ[name]
        return re.sub(r"\$\{(\w+)\}", sub, value)
    if isinstance(value, dict):
        return {k: _expand_env(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_expand_env(v) for v in value]
    return value


@dataclass(frozen=True)
class Cell:
    """One run of the grid: its config (the one object that goes to `training.run` and into the
    record, validated when the profile was loaded) and where its data comes from (the profile's
    `datasets` entry). Model, dataset, seed and variant are read from the config."""

    config: TrainConfig
    data: dict = field(default_factory=dict)

    model = property(lambda self: self.config.model)
    dataset = property(lambda self: self.config.dataset)
    seed = property(lambda self: self.config.seed)
    variant = property(lambda self: self.config.variant)

    def __hash__(self) -> int:
        return hash(self.key)

    @property
    def key(self) -> str:
        return run_key(self.dataset, self.model, self.seed, self.variant)

    @property
    def chapter(self) -> str:
        return registry.CHAPTERS[self.model]

    def with_config(self, **changes) -> "Cell":
        """The same cell with some config fields changed (execution switches: `--device`)."""
        return replace(self, config=replace(self.config, **changes))


@dataclass
class Profile:
    name: str
    raw: dict                 # the YAML, `extends` resolved, `${VAR}` and the `models` groups expanded

    @property
    def output(self) -> Path:
        return ROOT / self.raw.get("output", f"runs/{self.name}")

    @property
    def book_dataset(self) -> str:
        return self.raw.get("book", {}).get("dataset", next(iter(self.raw["datasets"])))

    def data_sources(self, cells: list[Cell] | None = None) -> dict[str, str | None]:
        """Dataset -> the local file its cells read (None: the canonical archive), for `cells`
        (default: the profile's every dataset), in the profile's order."""
        wanted = None if cells is None else {c.dataset for c in cells}
        return {d: (spec or {}).get("file") for d, spec in self.raw["datasets"].items()
                if wanted is None or d in wanted}

    def run_dir(self, cell: Cell) -> Path:
        return run_dir(self.output, cell.dataset, cell.model, cell.seed, cell.variant)

    def groups(self) -> list[tuple[str, list, list, list, dict]]:
        """(variant, models, datasets, seeds, variant train section): the main grid ("") and
        each variant's, a variant's unnamed axes taken from the main grid."""
        r = self.raw
        out = [("", r["models"], list(r["datasets"]), r["seeds"], {})]
        for name, v in (r.get("variants") or {}).items():
            out.append((name, v.get("models", r["models"]), v.get("datasets", list(r["datasets"])),
                        v.get("seeds", r["seeds"]), v.get("train", {})))
        return out

    def cell_config(self, model: str, dataset: str, seed: int, variant: str = "",
                    variant_train: dict | None = None) -> TrainConfig:
        """One cell's config, merged in the order of the module docstring (later wins)."""
        r = self.raw
        merged = {**r.get("train", {}), **(r.get("per_dataset") or {}).get(dataset, {}),
                  **(r.get("per_model") or {}).get(model, {}), **(variant_train or {}),
                  "model": model, "dataset": dataset, "seed": seed, "profile": self.name,
                  "variant": variant}
        if model in registry.BASELINES:                 # not trained
            merged["epochs"] = 0
        return TrainConfig.from_dict(merged)

    def cells(self) -> list[Cell]:
        """Every cell of the grid: per group, dataset by dataset, model by model, seed by seed
        (made once per profile object: `_grid`)."""
        return list(self._grid)

    @cached_property
    def _grid(self) -> tuple[Cell, ...]:
        return tuple(Cell(self.cell_config(model, dataset, seed, variant, vtrain),
                     self.raw["datasets"][dataset] or {})
                for variant, models, datasets, seeds, vtrain in self.groups()
                for dataset in datasets for model in models for seed in seeds)

    def select(self, only: str | None) -> list[Cell]:
        """Cells matching `--only model=a|b,dataset=c` (comma = and, | = or)."""
        cells = self.cells()
        if not only:
            return cells
        for clause in only.split(","):
            if "=" not in clause:
                raise ConfigError(f"--only expects key=value[,key=value], got {clause!r}")
            k, v = clause.split("=", 1)
            if k not in ONLY_KEYS:
                raise unknown("key", k, ONLY_KEYS, where="--only")
            wanted = set(v.split("|"))
            cells = [c for c in cells if str(getattr(c, k)) in wanted]
        if not cells:
            raise ConfigError(f"--only {only!r} matches no cell of profile {self.name!r}")
        return cells


def available() -> list[str]:
    """The shipped profiles' names."""
    return sorted(p.stem for p in PROFILE_DIR.glob("*.yaml"))


def _read_raw(path: Path, chain: tuple = ()) -> dict:
    """The profile's YAML with its `extends` chain resolved (not yet validated beyond top keys)."""
    with open(path) as f:
        raw = yaml.safe_load(f) or {}
    _check_keys(f"profile {path.name}", raw, TOP_KEYS)
    base_name = raw.pop("extends", None)
    if base_name is None:
        return raw
    base_path = PROFILE_DIR / f"{base_name}.yaml"
    if not base_path.exists():
        raise unknown("profile", base_name, available(), where=f"profile {path.name}, extends")
    if base_path.resolve() in chain + (path.resolve(),):
        raise ConfigError(f"profile {path.name}: `extends` loops back to {base_name!r}")
    merged = _read_raw(base_path, chain + (path.resolve(),))
    for key, value in raw.items():
        if key in MERGED_SECTIONS and isinstance(merged.get(key), dict) and isinstance(value, dict):
            merged[key] = {**merged[key], **value}
        else:
            merged[key] = value
    return merged


def load(name_or_path: str) -> Profile:
    """Load and validate a profile by name (rebuild/profiles/NAME.yaml) or path: the sections'
    keys, the model and dataset names, and every cell's config (made here, once)."""
    path = Path(name_or_path)
    if not path.suffix:
        path = PROFILE_DIR / f"{name_or_path}.yaml"
    if not path.exists():
        raise unknown("profile", name_or_path, available(), also="or a path to a YAML file")
    raw = _read_raw(path)
    for required in ("datasets", "models", "seeds"):
        if required not in raw:
            raise ConfigError(f"profile {path.name} needs a {required!r} entry")
    raw = _expand_env(raw)
    for k, v in (raw.get("variants") or {}).items():
        _check_keys(f"variants.{k}", v, VARIANT_KEYS)
        _check_keys(f"variants.{k}.train", v.get("train", {}), TRAIN_KEYS)
    for where, section in [("models", raw)] + [(f"variants.{k}.models", v)
                                                for k, v in (raw.get("variants") or {}).items()]:
        if "models" in section:
            section["models"] = _models(section["models"], f"{where} of profile {path.name}")
    _check_datasets(raw["datasets"], path.name)
    _check_keys("train", raw.get("train", {}), TRAIN_KEYS)
    for section in ("per_model", "per_dataset"):
        for k, v in (raw.get(section) or {}).items():
            _check_keys(f"{section}.{k}", v, TRAIN_KEYS)
    _check_keys("book", raw.get("book", {}), BOOK_KEYS)
    _check_keys("cluster", raw.get("cluster", {}), set(CLUSTER_OPTIONS))
    profile = Profile(path.stem, raw)
    profile.cells()                                  # every cell's config made and validated
    return profile


def _models(names, where: str) -> list[str]:
    """A `models` entry (a name or a list of names) as a list of valid names, each once; the
    groups `all` (the paper's five) and `floors` (the non-learned floors) are read from the
    registry."""
    groups = {ALL_MODELS: registry.MODELS, FLOORS: registry.BASELINES}
    out = []
    for m in [names] if isinstance(names, str) else names:
        if m not in groups and m not in registry.CLASSES:
            raise unknown("model", m, registry.CLASSES, where=where,
                          also=f"or `{ALL_MODELS}` for the paper's five, `{FLOORS}` for the floors")
        out += groups.get(m, [m])
    return list(dict.fromkeys(out))


def _check_datasets(datasets: dict, profile_file: str) -> None:
    """Valid dataset names and data specs; a relative `file` is made absolute (it is relative
    to where `rebuild` is called, not to the chapter)."""
    from seqrec import data
    for d, spec in datasets.items():
        if d not in data.DATASETS:
            raise unknown("dataset", d, data.DATASETS, where=f"profile {profile_file}")
        _check_keys(f"datasets.{d}", spec or {}, DATASET_KEYS)
        if spec and spec.get("file"):
            spec["file"] = str(Path(spec["file"]).expanduser().resolve())
