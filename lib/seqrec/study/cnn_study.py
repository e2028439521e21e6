"""The CNN-baselines study (issue: are the paper's Caser and CosRec fair baselines, and what makes
the "+" work?): each original CNN as its own paper trains it beside the toolkit's version and
the floors, the ablation that sets one of their differences (`models.caser.DIFFERENCES`) back to
the toolkit's side at a time; `cnn_gains` takes each "+" gain apart and reads the paper's claims
against the originals.

    runs = load(results_dir)                          # every record of the study and the grid
    originals_table(runs, "caser")                    # toolkit vs original vs "+" vs floors
    ablation_table(runs)                              # one row per switch, vs the original

Every number is test NDCG@10 under the full ranking at the last epoch, per user, averaged over
the seeds a cell has (the same users in every run), with 95 % intervals over users and
Wilcoxon tests on paired per-user values, as the rest of the book.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from .. import stats
from ..models import caser, cosrec
from ..registry import DATASET_LABELS, LABELS, PLUS_OF, REFERENCES_FOR
from ..results import checked_records
from .findings import mean_difference
from .tables import per_user_values

DIFFERENCES = {"caser": caser.DIFFERENCES, "cosrec": cosrec.DIFFERENCES}   # per family
GRID, ORIGINALS, ABLATION, MECHANISM = "cpu-paper", "cnn-original", "cnn-ablation", "cnn-mechanism"
PROFILES = (GRID, ORIGINALS, ABLATION, MECHANISM)
DATASET, PROTOCOL, METRIC, WHEN = "fs-nyc", "full", "NDCG@10", "last"
FLOORS = ("pop", "repeat")


def load(results_dir) -> list[dict]:
    """The checked records of the grid and of the study's three profiles (empty where a profile
    has no folder)."""
    out = []
    for profile in PROFILES:
        root = Path(results_dir) / profile
        if root.is_dir():
            out += checked_records(root)[0]
    return out


@dataclass(frozen=True)
class Cell:
    """One cell of the study: a model trained one way on one dataset, over the seeds it has."""

    profile: str
    variant: str
    model: str
    label: str                         # what it is, in words
    dataset: str = DATASET

    def runs(self, records: list[dict]) -> list[dict]:
        return sorted((r for r in records if _key(r) == (self.profile, self.variant, self.model,
                                                         self.dataset)),
                      key=lambda r: r["config"]["seed"])

    def command(self) -> str:
        only = f"model={self.model},dataset={self.dataset}" + (
            f",variant={self.variant}" if self.variant else ",variant=")
        return f"python -m rebuild run --profile {self.profile} --engine direct --only '{only}'"


def _key(rec: dict) -> tuple:
    c = rec["config"]
    return c.get("profile"), c.get("variant", ""), c["model"], c["dataset"]


def per_user(runs: list[dict], protocol: str = PROTOCOL, metric: str = METRIC) -> np.ndarray:
    """[users] the metric per user, averaged over the runs' seeds."""
    return np.mean([np.asarray(per_user_values(r, WHEN, protocol)[metric]) for r in runs], axis=0)


def interval(x: np.ndarray) -> str:
    half = 1.96 * x.std(ddof=1) / np.sqrt(len(x))
    return f"{x.mean():.4f} [{x.mean() - half:.4f}, {x.mean() + half:.4f}]"


def paired(a: np.ndarray, b: np.ndarray) -> str:
    """a − b over users: mean, 95 % interval, Wilcoxon p."""
    d, lo, hi = mean_difference(a, b)
    p = stats.wilcoxon(a, b)
    return f"{d:+.4f} [{lo:+.4f}, {hi:+.4f}], " + (f"p = {p:.2g}" if p > 0 else "p < 1e-300")


def seeds_of(runs: list[dict]) -> str:
    seeds = [str(r["config"]["seed"]) for r in runs]
    return f"seed{'s' if len(seeds) > 1 else ''} {', '.join(seeds)}"


# ------------------------------------------------------------------------------ the cells
def family_cells(family: str) -> dict[str, Cell]:
    """The cells of one family ("caser" or "cosrec") on FS-NYC, by role."""
    plus, original = PLUS_OF[family], REFERENCES_FOR[family][0]
    return {
        "toolkit L = 20": Cell(GRID, "", family,
                               f"{LABELS[family]}, the toolkit's (L = 20, 2000 epochs, bf16)"),
        "toolkit": Cell(GRID, "l5", family, f"{LABELS[family]}, the toolkit's (L = 5, 2000 epochs)"),
        "original": Cell(ORIGINALS, "", original,
                         f"{LABELS[original]} (L = 5, its paper's regime)"),
        "plus": Cell(GRID, "l5", plus, f"{LABELS[plus]} (L = 5, 2000 epochs)"),
        "plus L = 20": Cell(GRID, "", plus, f"{LABELS[plus]} (L = 20, 2000 epochs, bf16)"),
        **{floor: Cell(GRID, "", floor, LABELS[floor]) for floor in FLOORS},
    }


def originals_table(records: list[dict], family: str) -> pd.DataFrame:
    """The toolkit's CNN, the original as its paper trains it, the "+" and the floors, each with
    its test NDCG@10 (mean over users, seeds averaged, 95 % interval) and what it is measured on;
    a cell without runs reads 'not run' with the command that runs it."""
    rows = []
    for role, cell in family_cells(family).items():
        runs = cell.runs(records)
        rows.append({"run": cell.label,
                     "epochs": runs[0]["last"]["epoch"] if runs else "",
                     "seeds": seeds_of(runs) if runs else "",
                     f"test {METRIC} ({PROTOCOL}), 95 % CI": (interval(per_user(runs)) if runs
                                                             else f"not run: `{cell.command()}`")})
    return pd.DataFrame(rows)


def against_original(records: list[dict], family: str) -> pd.DataFrame:
    """Paired over users at L = 5 (fp32, the seeds each cell has, averaged per user): the original
    against the toolkit's CNN and the popularity floor, and the "+" against both CNNs — the
    paper's "+" gain read against its own baseline and against the CNN as its paper trains it."""
    cells = family_cells(family)
    have = {role: cell.runs(records) for role, cell in cells.items()}
    pairs = [("original", "toolkit"), ("original", "pop"), ("toolkit", "pop"),
             ("plus", "toolkit"), ("plus", "original")]
    rows = []
    for a, b in pairs:
        if not (have[a] and have[b]):
            continue
        x, y = per_user(have[a]), per_user(have[b])
        rows.append({"comparison": f"{cells[a].label} − {cells[b].label}",
                     f"Δ {METRIC}, 95 % CI, Wilcoxon": paired(x, y),
                     "relative": f"{x.mean() / y.mean() - 1:+.0%}"})
    return pd.DataFrame(rows)


# ------------------------------------------------------------------------------ the ablation
def flipped(rec: dict, base: dict, family: str = "caser") -> list[str]:
    """The components (`DIFFERENCES`) in which a run's config departs from the original's."""
    def value(config, key, where):
        return config.get("model_options", {}).get(key) if where == "model" else config.get(key)
    return [d.component for k, d in DIFFERENCES[family].items()
            if value(rec["config"], k, d.where) != value(base["config"], k, d.where)]


def what_differs(rec: dict, base: dict, family: str = "caser") -> str:
    """A run of the ablation in words: the original, the original with the differences in which
    its config departs from the original's (`flipped`) on the toolkit's side, or the toolkit's CNN
    (with the model switches it sets on the original's side, if any)."""
    config = rec["config"]
    if config["model"] == family:
        back = [DIFFERENCES[family][k].component for k in config.get("model_options", {})
                if k in DIFFERENCES[family]]
        return (f"{LABELS[family]}, the toolkit's ({rec['last']['epoch']} epochs)"
                + (f" with the original's {_and(back)}" if back else ""))
    changed = flipped(rec, base, family)
    return LABELS[config["model"]] if not changed else f"original, the toolkit's {_and(changed)}"


def _and(words: list[str]) -> str:
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


def ablation_runs(records: list[dict], family: str = "caser") -> tuple[dict | None, list[dict]]:
    """(the original's seed-42 run, the ablation's runs and the grid's toolkit CNN at the same L,
    seed 42, trained for the toolkit's 2000 epochs)."""
    cells = family_cells(family)
    seed42 = lambda runs: [r for r in runs if r["config"]["seed"] == 42]  # noqa: E731
    base = next(iter(seed42(cells["original"].runs(records))), None)
    fixed = Cell(MECHANISM, "l5-fixed", family, "").runs(records)    # the toolkit's, one switch back
    return base, [r for r in records if r["config"].get("profile") == ABLATION
                  and r["config"]["dataset"] == DATASET] + seed42(cells["toolkit"].runs(records)) \
        + seed42(fixed)


def ablation_table(records: list[dict], family: str = "caser") -> pd.DataFrame:
    """One row per run: what differs from the original, test NDCG@10 with a 95 % interval over
    users, the paired change against the original and against the popularity floor (Wilcoxon p),
    and whether the run ends below the floor."""
    base, runs = ablation_runs(records, family)
    floor = family_cells(family)["pop"].runs(records)
    if base is None:
        return pd.DataFrame()
    f = per_user(floor) if floor else None
    ref = per_user([base])
    rows = []
    for rec in [base] + sorted(runs, key=lambda r: (r["config"]["model"] == family,
                                                     what_differs(r, base, family))):
        x = per_user([rec])
        rows.append({"run": what_differs(rec, base, family), "epochs": rec["last"]["epoch"],
                     f"test {METRIC}, 95 % CI": interval(x),
                     "Δ vs original": "" if rec is base else paired(x, ref),
                     "Δ vs popularity": "" if f is None else paired(x, f),
                     "below popularity": "" if f is None else
                     ("yes" if mean_difference(x, f)[2] < 0 else "no")})
    return pd.DataFrame(rows)


def ablation_sentence(records: list[dict], family: str = "caser") -> str | None:
    """Which runs of the ablation end below the popularity floor (their interval entirely below
    it) and what each costs the original, from the ablation's runs; None without the original, the
    floor and a run with a difference set back."""
    base, runs = ablation_runs(records, family)
    floor = family_cells(family)["pop"].runs(records)
    changed = [r for r in runs if r["config"]["model"] != family]
    if base is None or not floor or not changed:
        return None
    f, ref = per_user(floor), per_user([base])
    named = lambda r: _and(flipped(r, base, family))  # noqa: E731
    below = [named(r) for r in changed if mean_difference(per_user([r]), f)[2] < 0]
    costs = sorted((per_user([r]).mean() - ref.mean(), named(r)) for r in changed)
    original = LABELS[REFERENCES_FOR[family][0]]
    joined = "; or with the toolkit's ".join(below)
    verdict = (f"With the toolkit's {joined}, {original} ends below the popularity floor"
               if below else f"No run of {original} with differences set back to the toolkit's "
               "side ends below the popularity floor")
    return (f"{verdict} ({f.mean():.4f}); the original ends at "
            f"{ref.mean():.4f} test {METRIC} ({PROTOCOL}) after {base['last']['epoch']} epochs, "
            "and each run changes it by: " + "; ".join(f"the toolkit's {name} {cost:+.4f}"
                                                    for cost, name in costs)
            + f" ({DATASET_LABELS[DATASET]}, L = 5, seed 42).")


def originals_sentence(records: list[dict], family: str) -> str | None:
    """The original against the toolkit's CNN, the floor and the "+" model, in one sentence from
    the runs (L = 5, FS-NYC); None until the original, the toolkit's CNN, the "+" model and the
    popularity floor all have runs."""
    cells = family_cells(family)
    runs = {k: cells[k].runs(records) for k in ("toolkit", "original", "plus", "pop")}
    if not all(runs.values()):
        return None
    t, o, p, f = (per_user(runs[k]).mean() for k in ("toolkit", "original", "plus", "pop"))
    original, plus = REFERENCES_FOR[family][0], PLUS_OF[family]
    epochs = runs["original"][0]["last"]["epoch"]
    return (f"On FS-NYC at L = 5, {LABELS[original]} reaches test {METRIC} ({PROTOCOL}) {o:.4f} "
            f"after {epochs} epochs of its paper's regime ({seeds_of(runs['original'])}), "
            f"{o / t:.1f} times the {t:.4f} of the toolkit's {LABELS[family]} after 2000 epochs "
            f"({seeds_of(runs['toolkit'])}), {'above' if o > f else 'below'} the popularity "
            f"floor ({f:.4f}). {LABELS[plus]} (L = 5, 2000 epochs, {seeds_of(runs['plus'])}) "
            f"reaches {p:.4f}: {p / t - 1:+.0%} against the toolkit's {LABELS[family]}, the "
            f"paper's comparison, and {p / o - 1:+.0%} against {LABELS[original]}.")


def fix_sentence(records: list[dict], family: str = "caser") -> str | None:
    """The toolkit's CNN with the original's initialisation, in the toolkit's own regime and
    budget (L = 5, 2000 epochs of one window per user), against the toolkit's CNN and the "+"
    model in that regime; None until those runs exist."""
    cells = family_cells(family)
    fixed = Cell(MECHANISM, "l5-fixed", family, "").runs(records)
    toolkit, plus = cells["toolkit"].runs(records), cells["plus"].runs(records)
    if not (fixed and toolkit and plus):
        return None
    x, t, p = per_user(fixed), per_user(toolkit), per_user(plus)
    d, lo, hi = mean_difference(x, p)
    plus_fixed = Cell(MECHANISM, "l5-fixed", PLUS_OF[family], "").runs(records)
    also = ""
    if plus_fixed:
        f = per_user(plus_fixed)
        d2, lo2, hi2 = mean_difference(f, x)
        also = (f" With the same initialisation {LABELS[PLUS_OF[family]]} reaches {f.mean():.4f} "
                f"({seeds_of(plus_fixed)}; {d2:+.4f} [{lo2:+.4f}, {hi2:+.4f}] against "
                f"{LABELS[family]}).")
    return (f"One switch set back is enough: the toolkit's {LABELS[family]} with the "
            f"{LABELS[family]} paper's initialisation, trained in the toolkit's own "
            f"regime (one window per user, 2000 epochs, L = 5, {seeds_of(fixed)}), reaches test "
            f"{METRIC} {x.mean():.4f} instead of {t.mean():.4f} ({seeds_of(toolkit)}), and ends "
            f"{'above' if lo > 0 else 'below' if hi < 0 else 'level with'} "
            f"{LABELS[PLUS_OF[family]]} in the same regime ({p.mean():.4f}, {seeds_of(plus)}; "
            f"{d:+.4f} [{lo:+.4f}, {hi:+.4f}])." + also)
