"""Parameter profiles: YAML files naming the grid (models x datasets x seeds) and every parameter.

A profile is validated strictly: an unknown key anywhere is an error that lists the valid keys.
`${VAR}` in strings is replaced from the environment (e.g. `${SEQREC_DATA_DIR}`); an unset
variable is an error naming it. `extends: NAME` starts from another profile: its sections are
kept unless this file names them (`train`, `per_model`, `per_dataset`, `book` and `cluster` are
merged key by key; `datasets`, `models`, `seeds`, `variants` are replaced whole).
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from seqrec import registry
from seqrec.errors import ConfigError
from seqrec.results import run_dir, run_key
from seqrec.training import TrainConfig

ROOT = Path(__file__).resolve().parent.parent
PROFILE_DIR = Path(__file__).resolve().parent / "profiles"
TOP_KEYS = {"extends", "description", "output", "datasets", "models", "seeds", "train", "per_model",
            "per_dataset", "variants", "book", "cluster"}
DATASET_KEYS = {"file", "columns", "filter", "options"}
VARIANT_KEYS = {"models", "datasets", "seeds", "train"}
BOOK_KEYS = {"dataset", "timeout_seconds"}
CLUSTER_KEYS = {"partition", "gpus_per_run", "cpus_per_run", "mem_gb", "time_limit_hours",
                "array_parallelism", "account", "qos", "constraint", "setup"}
TRAIN_KEYS = {f for f in TrainConfig.__dataclass_fields__} - {"model", "dataset", "variant"}
MERGED_SECTIONS = ("train", "per_model", "per_dataset", "book", "cluster")   # for `extends`


def _check_keys(where: str, got: dict, valid: set):
    if not isinstance(got, dict):
        raise ConfigError(f"{where} must be a mapping, got {type(got).__name__}")
    bad = sorted(set(got) - valid)
    if bad:
        raise ConfigError(f"unknown key(s) {', '.join(map(repr, bad))} in {where}; "
                          f"valid keys: {', '.join(sorted(valid))}")


def _expand_env(value):
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
    """One run of the grid: one chapter, one parameter set, one run record."""

    model: str
    dataset: str
    seed: int
    variant: str = ""
    train: dict = field(default_factory=dict, hash=False, compare=False)
    data: dict = field(default_factory=dict, hash=False, compare=False)

    @property
    def key(self) -> str:
        return run_key(self.dataset, self.model, self.seed, self.variant)

    @property
    def chapter(self) -> str:
        return registry.CHAPTERS[self.model]


@dataclass
class Profile:
    name: str
    raw: dict
    path: Path | None = None

    @property
    def output(self) -> Path:
        return ROOT / self.raw.get("output", f"runs/{self.name}")

    @property
    def book_dataset(self) -> str:
        return self.raw.get("book", {}).get("dataset", next(iter(self.raw["datasets"])))

    def run_dir(self, cell: Cell) -> Path:
        return run_dir(self.output, cell.dataset, cell.model, cell.seed, cell.variant)

    def cells(self) -> list[Cell]:
        r = self.raw
        out = []
        groups = [("", r["models"], list(r["datasets"]), r["seeds"], {})]
        for vname, v in (r.get("variants") or {}).items():
            groups.append((vname, v.get("models", r["models"]), v.get("datasets", list(r["datasets"])),
                           v.get("seeds", r["seeds"]), v.get("train", {})))
        for variant, models, datasets, seeds, vtrain in groups:
            for dataset in datasets:
                for model in models:
                    for seed in seeds:
                        train = {**r.get("train", {}), **(r.get("per_dataset") or {}).get(dataset, {}),
                                 **(r.get("per_model") or {}).get(model, {}), **vtrain,
                                 "seed": seed, "profile": self.name}
                        if variant:
                            train["variant"] = variant
                        if model in registry.BASELINES:     # not trained
                            train["epochs"] = 0
                        out.append(Cell(model, dataset, seed, variant, train, r["datasets"][dataset] or {}))
        return out

    def select(self, only: str | None) -> list[Cell]:
        """Cells matching `--only model=a|b,dataset=c` (comma = and, | = or)."""
        cells = self.cells()
        if not only:
            return cells
        for clause in only.split(","):
            if "=" not in clause:
                raise ConfigError(f"--only expects key=value[,key=value], got {clause!r}")
            k, v = clause.split("=", 1)
            if k not in ("model", "dataset", "seed", "variant"):
                raise ConfigError(f"--only: unknown key {k!r}; valid: model, dataset, seed, variant")
            wanted = set(v.split("|"))
            cells = [c for c in cells if str(getattr(c, k)) in wanted]
        if not cells:
            raise ConfigError(f"--only {only!r} matches no cell of profile {self.name!r}")
        return cells


def available() -> list[str]:
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
        raise ConfigError(f"profile {path.name} extends unknown profile {base_name!r}; valid "
                          f"profiles: {', '.join(available())}")
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
    """Load and validate a profile by name (rebuild/profiles/NAME.yaml) or path."""
    path = Path(name_or_path)
    if not path.suffix:
        path = PROFILE_DIR / f"{name_or_path}.yaml"
    if not path.exists():
        raise ConfigError(f"unknown profile {name_or_path!r}; valid profiles: {', '.join(available())} "
                          "(or a path to a YAML file)")
    raw = _read_raw(path)
    for required in ("datasets", "models", "seeds"):
        if required not in raw:
            raise ConfigError(f"profile {path.name} needs a {required!r} entry")
    raw = _expand_env(raw)
    from seqrec import data
    valid_models = list(registry.CLASSES)
    for m in raw["models"]:
        if m not in valid_models:
            raise ConfigError(f"unknown model {m!r} in profile {path.name}; valid models: "
                              f"{', '.join(valid_models)}")
    for d, spec in raw["datasets"].items():
        if d not in data.DATASETS:
            raise ConfigError(f"unknown dataset {d!r} in profile {path.name}; valid datasets: "
                              f"{', '.join(data.DATASETS)}")
        _check_keys(f"datasets.{d}", spec or {}, DATASET_KEYS)
        if spec and spec.get("file"):        # relative to where `rebuild` is called, not the chapter
            spec["file"] = str(Path(spec["file"]).expanduser().resolve())
    _check_keys("train", raw.get("train", {}), TRAIN_KEYS)
    for section in ("per_model", "per_dataset"):
        for k, v in (raw.get(section) or {}).items():
            _check_keys(f"{section}.{k}", v, TRAIN_KEYS)
    for k, v in (raw.get("variants") or {}).items():
        _check_keys(f"variants.{k}", v, VARIANT_KEYS)
        _check_keys(f"variants.{k}.train", v.get("train", {}), TRAIN_KEYS)
    _check_keys("book", raw.get("book", {}), BOOK_KEYS)
    _check_keys("cluster", raw.get("cluster", {}), CLUSTER_KEYS)
    profile = Profile(path.stem, raw, path.resolve())
    for cell in profile.cells():                     # every resolved parameter set must be valid
        TrainConfig.from_dict({**cell.train, "model": cell.model, "dataset": cell.dataset})
    return profile
