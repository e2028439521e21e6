"""The main setting of each dataset, and the other settings the committed runs were made in.

Every finding, summary sentence and figure of the results chapter and the introduction is read
at ONE setting per dataset, `MAIN_SETTINGS`, unless it says otherwise. A record stands in the
main setting when its profile, window, epoch budget and training precision are the setting's
and its seed is one of the setting's seeds, whatever variant of the profile produced it (a
variant is how a cell is named in a profile, not a setting). Every other group of runs that
differ only in model and seed is a `Setting` too; the findings read them as robustness checks,
never as the answer.

Where the main setting lacks a model, a finding says so and gives the command that runs it,
found among the cells of the setting's profile (`run_command`), never typed in here.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from ..registry import BASELINES, DATASET_LABELS, LABELS, REFERENCES_FOR, TABLE_ORDER
from ..results import precision, variant

BF16, FP32 = "bf16 autocast", "fp32"          # `results.precision` of a record


@dataclass(frozen=True)
class MainSetting:
    """The setting a dataset's findings are read at: one profile, window length L, epoch
    budget and training precision, the seeds it should have and the models it should hold."""
    dataset: str
    profile: str
    lookback: int
    epochs: int
    precision: str
    seeds: tuple[int, ...]
    models: tuple[str, ...]
    note: str = ""

    def holds(self, rec: dict) -> bool:
        """Whether the record `rec` is a run of this setting (a floor is not trained: neither
        L, the epochs nor the precision change it, so the main grid's floor counts)."""
        c = rec["config"]
        if c["dataset"] != self.dataset or c.get("profile") != self.profile:
            return False
        if c["model"] in BASELINES:
            return variant(rec) == ""
        return (c["lookback"] == self.lookback and c["epochs"] == self.epochs
                and precision(rec) == self.precision and c["seed"] in self.seeds
                and c["model"] in self.models)

    def text(self) -> str:
        """'L = 20, 2000 epochs, bf16 autocast, seeds 42-44 (profile cpu-paper)'."""
        return (f"L = {self.lookback}, {self.epochs} epochs, {self.precision}, "
                f"{seeds_text(list(self.seeds))} (profile {self.profile})")


# the six trained models the book shows at its main setting: the paper's five and SASRec as its
# own paper builds it (the original Caser and CosRec are read at their own papers' settings:
# `cnn_study`)
TRAINED = tuple(TABLE_ORDER) + REFERENCES_FOR["sasrec"]

MAIN_SETTINGS: dict[str, MainSetting] = {
    # the paper's training protocol on the FS-NYC copy: its 2000 epochs and its precision on a
    # GPU (bf16 autocast), at L = 20 (the paper: 100), on three seeds, for every trained model
    # of the book and the two floors
    "fs-nyc": MainSetting("fs-nyc", "cpu-paper", 20, 2000, BF16, (42, 43, 44),
                          TRAINED + tuple(BASELINES)),
    # what the committed ML-1M runs allow: the profile's main cells stop at 300 epochs (where
    # every curve still moves: the findings say 'preliminary'), one seed; three of the models
    # also have 2000-epoch runs (variant ml1m-long), read as a robustness check
    "ml-1m": MainSetting("ml-1m", "cpu-paper", 20, 300, BF16, (42,), TRAINED + tuple(BASELINES),
                         note="300 of the paper's 2000 epochs, one seed: SASRec, Caser and "
                              "Caser+ also have 2000-epoch runs (seed 42), read as a robustness "
                              "check"),
}


def seeds_text(seeds: list[int]) -> str:
    """'seed 42', 'seeds 42-44' or 'seeds 42, 44'."""
    seeds = sorted(seeds)
    if len(seeds) == 1:
        return f"seed {seeds[0]}"
    if seeds == list(range(seeds[0], seeds[-1] + 1)):
        return f"seeds {seeds[0]}-{seeds[-1]}"
    return "seeds " + ", ".join(map(str, seeds))


@dataclass
class Setting:
    """Runs that differ in model and seed only: one profile, variant, training precision,
    window length and dataset. `main` is the `MainSetting` it stands for, if any."""
    profile: str
    variant: str
    precision: str
    lookback: int
    dataset: str
    runs: dict[str, dict[int, dict]] = field(default_factory=dict)     # model -> seed -> record
    main: MainSetting | None = None

    def label(self, models, protocol: str) -> str:
        seeds = self.common_seeds(models)
        epochs = sorted({self.runs[m][s]["last"]["epoch"] for m in models for s in seeds})
        k = len(self.main.seeds) if self.main else 0
        of = f" ({len(seeds)} of {k} seed{'s' * (k > 1)})" if self.main else ""
        where = ("the main setting, " if self.main else "") + f"profile {self.profile}" + (
            f" ~{self.variant}" if self.variant and not self.main else "")
        return (f"L = {self.lookback}, {'/'.join(map(str, epochs))} epochs, "
                f"{seeds_text(seeds)}{of}, {self.precision}, {protocol} ({where})")

    def short(self, models, main: MainSetting | None) -> str:
        """How this setting differs from `main`, with its seeds: 'fp32, seeds 42-44'."""
        seeds = self.common_seeds(models)
        epochs = min(self.runs[m][s]["last"]["epoch"] for m in models for s in seeds)
        parts = []
        if main is None or self.lookback != main.lookback:
            parts.append(f"L = {self.lookback}")
        if main is None or epochs != main.epochs:
            parts.append(f"{epochs} epochs")
        if main is None or self.precision != main.precision:
            parts.append(self.precision)
        if main is not None and self.profile != main.profile:
            parts.append(f"profile {self.profile}")
        return ", ".join(parts + [seeds_text(seeds)])

    def common_seeds(self, models) -> list[int]:
        return sorted(set.intersection(*(set(self.runs.get(m, {})) for m in models)))


def settings(recs: list[dict], main: dict[str, MainSetting] | None = None) -> list[Setting]:
    """The records grouped into `Setting`s (floors left out): the runs of each dataset's main
    setting (`main`, by default `MAIN_SETTINGS`) in one, first, whatever variant named their
    cells; every other group by profile, variant, precision, window and dataset."""
    main = MAIN_SETTINGS if main is None else main
    out: dict[tuple, Setting] = {}
    for dataset, m in main.items():
        out[("main", dataset)] = Setting(m.profile, "", m.precision, m.lookback, dataset, main=m)
    for rec in recs:
        c = rec["config"]
        if c["model"] in BASELINES:
            continue
        setting = main.get(c["dataset"])
        if setting and setting.holds(rec):
            key = ("main", c["dataset"])
        else:
            key = (c.get("profile"), variant(rec), precision(rec), c["lookback"], c["dataset"])
        s = out[key] if key in out else out.setdefault(key, Setting(*key))
        s.runs.setdefault(c["model"], {})[c["seed"]] = rec
    return [s for s in out.values() if s.runs]


def main_setting(found: list[Setting], dataset: str) -> Setting | None:
    return next((s for s in found if s.main and s.dataset == dataset), None)


def missing_runs(setting: MainSetting, runs: dict[str, dict[int, dict]], models) -> dict[str, list[int]]:
    """{model: seeds} of `models` the main setting should have and has not (`runs`: model ->
    seed -> record, as `Setting.runs`)."""
    return {m: [s for s in setting.seeds if s not in runs.get(m, {})] for m in models
            if any(s not in runs.get(m, {}) for s in setting.seeds)}


def run_command(setting: MainSetting, missing: dict[str, list[int]]) -> str:
    """The `python -m rebuild run` command(s) that train the `missing` runs ({model: seeds}) of
    `setting`: the cells of the setting's profile whose configuration is the setting's (its L,
    epochs and a precision that is not switched off), selected with the shortest `--only` that
    selects exactly them. Where the profile has no such cell, says so."""
    profile = _profile(setting.profile)
    wanted = [c for c in profile.cells() if c.dataset == setting.dataset and c.model in missing
              and c.seed in missing[c.model] and c.config.lookback == setting.lookback
              and c.config.epochs == setting.epochs
              and (c.config.amp != "off") == (setting.precision == BF16)]
    absent = {(m, s) for m, seeds in missing.items() for s in seeds} - {(c.model, c.seed) for c in wanted}
    together = _command(profile, wanted) if wanted else None
    commands = [together] if together else [
        _command(profile, [c for c in wanted if c.variant == name]) or ""
        for name in dict.fromkeys(c.variant for c in wanted)]
    if absent:
        commands.append(f"(the profile {setting.profile} has no cell for "
                        + ", ".join(f"{LABELS[m]} seed {s}" for m, s in sorted(absent))
                        + f" at {setting.text()}: add one to rebuild/profiles/{setting.profile}.yaml)")
    return "; ".join(commands)


def _profile(name: str):
    """The runner's profile `name` (the study reads its cells). Its data paths may name
    `${SEQREC_DATA_DIR}`, which a command does not need: unset, it stays a placeholder."""
    import os
    from rebuild.profiles import load
    if "SEQREC_DATA_DIR" in os.environ:
        return load(name)
    os.environ["SEQREC_DATA_DIR"] = "${SEQREC_DATA_DIR}"
    try:
        return load(name)
    finally:
        del os.environ["SEQREC_DATA_DIR"]


def _command(profile, cells) -> str | None:
    """`python -m rebuild run --profile P --engine direct --only ...` selecting exactly `cells`
    of `profile`: model and dataset, then the variant, the seed or both as far as needed; None
    where no such selection is exact."""
    keys = {c.key for c in cells}
    values = lambda attr: "|".join(dict.fromkeys(str(getattr(c, attr)) for c in cells))
    for extra in ((), ("variant",), ("seed",), ("seed", "variant")):
        only = ",".join(f"{k}={values(k)}" for k in ("model", "dataset", *extra))
        if {c.key for c in profile.select(only)} == keys:
            return (f"python -m rebuild run --profile {profile.name} --engine direct --only "
                    + (f"'{only}'" if "|" in only else only))
    return None


def describe(dataset: str, main: dict[str, MainSetting] | None = None) -> str:
    """The main setting of `dataset` in words, for a page."""
    m = (MAIN_SETTINGS if main is None else main)[dataset]
    return f"{DATASET_LABELS[dataset]}: {m.text()}" + (f"; {m.note}" if m.note else "")
