"""Helpers for the chapter notebooks: show the library's code where it lives, say where it runs,
and the plumbing every model chapter shares (one skeleton, DESIGN.md "Chapters").

A model chapter reads its `parameters` cell into one `Chapter`, then calls it for the tail:

    chapter = notebook.chapter_config("caser", config, data_file, data_options, results_dir)
    ds = chapter.load_data()
    record = chapter.train(ds, run_dir, deadline)       # the chapter's own run
    chapter.show_run(record); chapter.compare_with_paper(record); chapter.show_protocols(record, ds)
    chapter.show_long_runs()                            # the committed long runs beside it
"""
from __future__ import annotations

import inspect
import json
import platform
import warnings
from dataclasses import asdict, dataclass
from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd
import torch
from IPython.display import HTML, Markdown, display

from .. import __version__, data, registry, results, training
from ..errors import ConfigError
from ..evaluation import SELECTION_PROTOCOL
from ..metrics import chance_ndcg
from . import benchmarks, figures, longrun, provenance, reproduction, tables
from .reproduction import Reproduction

CHAPTER_RUNS = "../runs/chapter"     # a chapter's own run: CHAPTER_RUNS/DATASET/MODEL/seedSEED
PROTOCOL_COLUMNS = ["R@10", "NDCG@10", "R@20", "NDCG@20"]   # the protocol table of a chapter


def show_source(obj) -> None:
    """Display the library's source of a function, class or method (its one home) in a notebook."""
    src = inspect.getsource(obj)
    path = Path(inspect.getsourcefile(obj)).resolve()
    parts = path.parts
    rel = "/".join(parts[parts.index("seqrec") - 1:]) if "seqrec" in parts else path.name
    line = inspect.getsourcelines(obj)[1]
    display(Markdown(f"`{rel}`, line {line}:\n\n```python\n{src.rstrip()}\n```"))


def environment_summary() -> str:
    """One line naming Python, torch, seqrec, the device and its training precision."""

    if torch.cuda.is_available():
        dev = f"CUDA: {torch.cuda.get_device_name(0)}, bf16 training"
    else:
        dev = (f"CPU ({torch.get_num_threads()} threads, "
               f"{'bf16' if training.cpu_has_native_bf16() else 'fp32'} training)")
    return (f"Python {platform.python_version()} · torch {torch.__version__} · "
            f"seqrec {__version__} · {dev}")


def parameter_dict(value, name: str) -> dict:
    """A mapping parameter as a dict: `papermill -p` hands dictionaries over as JSON text."""
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except json.JSONDecodeError as err:
            raise ConfigError(f"parameter {name} is not valid JSON ({err}); pass a mapping, "
                              f"e.g. -p {name} '{{\"key\": 1}}'") from None
    if not isinstance(value, dict):
        raise ConfigError(f"parameter {name} must be a mapping, got {type(value).__name__}")
    return dict(value)


def run_config(config) -> dict:
    """A chapter's `config` parameter as the run config it stands for, every TrainConfig field
    present: the fields it names (a mapping, or JSON text from `papermill -p`), the rest from
    TrainConfig's defaults. The one place a chapter reads its config, so that a chapter given
    only `model`, `dataset`, `lookback` and `epochs` (papermill replaces the whole `parameters`
    value) runs as one given every field. ConfigError for a config TrainConfig refuses."""
    return asdict(training.TrainConfig.from_dict(parameter_dict(config, "config")))


def quiet_notebook() -> None:
    """Silence the one warning of headless runs: tqdm (also imported by pooch, the downloader)
    finds no notebook widgets under papermill and falls back to text bars."""
    warnings.filterwarnings("ignore", message="IProgress not found")


def floor_run_dir(floor: str, floors, dataset: str, seed: int, run_dir=None, run_root=None) -> Path:
    """Where the evaluation chapter's record of `floor` goes: `run_dir` when the batch runner
    runs that floor alone (its `floors` are one), else RUN_ROOT/DATASET/FLOOR/seedSEED with
    `run_root` (default CHAPTER_RUNS)."""
    if len(floors) == 1 and run_dir and not run_root:
        return Path(run_dir)
    return results.run_dir(run_root or CHAPTER_RUNS, dataset, floor, seed)


def as_text(value, digits: int = 2) -> str:
    """A float with `digits` decimals; anything else (the reason a number is missing) as text."""
    return f"{value:.{digits}f}" if isinstance(value, float) else str(value)


def label_pair_grid(ax, L: int, pad: int = 0) -> None:
    """Label the rows and columns of an item-pair grid drawn on `ax` with the window's items
    x_0..x_{L-1} (after `pad` padding rows and columns, labelled "pad"), and draw thin cell
    borders: the axes of the CosRec chapters' grid figures."""
    labels = ["pad"] * pad + [f"$x_{i}$" for i in range(L)]
    ax.set_xticks(range(L + pad), labels, fontsize=8)
    ax.set_yticks(range(L + pad), labels, fontsize=8)
    ax.set_xticks([i - 0.5 for i in range(L + pad + 1)], minor=True)
    ax.set_yticks([i - 0.5 for i in range(L + pad + 1)], minor=True)
    ax.grid(which="minor", color="0.6", lw=0.5)
    ax.tick_params(which="minor", length=0)
    ax.set(xlabel="column $k$ (item $E_k$)", ylabel="row $j$ (item $E_j$)")


# ------------------------------------------------------------------------- the results chapter
def show_variant_runs(rep: Reproduction, name: str, dataset: str, title: str,
                      profile: str = "cpu-paper") -> bool:
    """The results chapter's view of one variant of the long-run profile on one dataset: what
    produced its runs, its Table 1 under every protocol and its curves (with the main runs'
    floors); a line with the command that makes the runs when none is committed. Returns whether
    there were runs."""
    runs = reproduction.variant_runs(rep, name, dataset)
    if not runs:
        display(Markdown(f"*No `{name}` runs on {registry.label(dataset)} committed yet: `python -m "
                         f"rebuild run --profile {profile} --engine direct --only variant={name}` "
                         "makes them.*"))
        return False
    display(Markdown(f"**{registry.label(dataset)} — ours, test metrics at the {rep.when} epoch: "
                     f"{provenance.budget_label(runs)}**"))
    display(HTML(f'<div class="long-runs">{tables.table1_by_protocol_html(runs, rep.when, rep.protocol)}</div>'))
    figures.plot_curves({dataset: (f"{profile} ~{name}", runs)}, registry.MODELS, title, rep.protocol)
    plt.show()
    return True


# ------------------------------------------------------------------------- a model chapter
@dataclass
class Chapter:
    """One model chapter's run, as its `parameters` cell set it, and the committed long runs."""

    model: str                 # the chapter's model, e.g. "caser+"
    config: dict               # every seqrec.training.TrainConfig field (`run_config`)
    data_file: str | None      # a local interactions file instead of the canonical download
    data_options: dict         # other seqrec.data.load arguments
    results_dir: str           # the committed long runs
    protocols: list[str]       # the run's evaluation protocols (evaluation.PROTOCOLS by default)
    rep: Reproduction          # the committed long runs under results_dir, checked

    @property
    def dataset(self) -> str:
        return self.config["dataset"]

    @property
    def lookback(self) -> int:
        return self.config["lookback"]

    @property
    def seed(self) -> int:
        return self.config["seed"]

    @property
    def paper_protocols(self) -> tuple[str, ...]:
        """The protocol(s) the results chapter identifies as the paper's Table 1."""
        return self.rep.protocols

    # ------------------------------------------------------------------ the chapter's own run
    def load_data(self):
        """The chapter's SequenceData (`seqrec.data.load` on the chapter's dataset parameters)."""
        return data.load(self.dataset, file=self.data_file, **self.data_options)

    def train(self, ds, run_dir=None, deadline=None) -> dict:
        """Train (or resume) the chapter's run; its record. `run_dir` None: under CHAPTER_RUNS."""
        run_dir = run_dir or results.run_dir(CHAPTER_RUNS, self.dataset, self.model, self.seed)
        return training.run(self.config, ds, run_dir=run_dir, resume=True, deadline=deadline)

    def show_run(self, record: dict) -> None:
        """What produced the numbers: profile, data, L, epochs, device; parameters and seconds."""
        print(provenance.record_label(record))
        print(f"{record['num_parameters']:,} parameters; training "
              f"{record['timings']['train_seconds']:.0f} s, "
              f"evaluation {record['timings']['eval_seconds']:.0f} s")

    def show_own_run(self, record: dict) -> None:
        """One sentence: how much of the paper's budget the chapter's run trained."""

        display(Markdown(longrun.own_run_sentence(record)))

    def compare_with_paper(self, record: dict) -> None:
        """The last epoch's test metrics beside the paper's Table 1 row, and the best validation
        epoch's test NDCG@10: under the protocol the results chapter identifies as the paper's
        where the run evaluated it, else under the one that selects the best epoch."""
        paper_protocol = next((p for p in self.paper_protocols if p in self.protocols),
                              SELECTION_PROTOCOL)
        display(tables.compare_with_paper(record, when="last", protocol=paper_protocol).round(4))
        best = record["best"]
        print(f"best validation epoch {best['epoch']}: test NDCG@10 = "
              f"{best['test'][paper_protocol]['NDCG@10']:.4f} ({paper_protocol})")

    def protocol_table(self, record: dict, num_items: int):
        """Last-epoch test metrics per protocol, with the NDCG@10 of a random ranking under it
        (the target equally likely at each of the protocol's candidate ranks)."""

        table = pd.DataFrame({p: record["last"]["test"][p] for p in self.protocols}).T[
            PROTOCOL_COLUMNS]
        table["NDCG@10, random ranking"] = [chance_ndcg(p, num_items) for p in self.protocols]
        return table

    def show_protocols(self, record: dict, ds) -> None:
        """`protocol_table` for the chapter's data `ds`, to four decimals."""
        display(self.protocol_table(record, ds.num_items).round(4))

    def plot_run_curves(self, record: dict) -> None:
        """Validation and test NDCG@10 per evaluated epoch of the chapter's run, per protocol."""
        figures.plot_run_curves(record, self.protocols, paper_protocols=self.paper_protocols)
        plt.show()

    # ------------------------------------------------------------------ the committed long runs
    def show_long_runs(self) -> None:
        """The committed long runs of the model: one row per setting and protocol, then their
        budgets and the long-run cells not run (and why)."""

        missing = reproduction.not_run(self.rep)
        table = longrun.long_run_table(self.rep.records, self.model, self.protocols,
                                       self.paper_protocols, missing)
        display(HTML(longrun.long_run_html(table, self.paper_protocols)))
        lines = [f"- {line}" for line in longrun.budget_lines(self.rep.records, self.model)]
        lines += [f"- {line}" for line in longrun.not_run_sentences(missing, self.model)]
        display(Markdown("\n".join(lines) if lines else
                         f"*No committed long run of {self.model} under {self.results_dir}.*"))

    def plot_long_runs_against_paper(self) -> None:
        """Test NDCG@10 of every committed long run under the paper's protocol, per dataset."""
        self._show_figure(longrun.plot_against_paper(self.rep.records, self.model,
                                                     self.paper_protocols[0]))

    def plot_long_runs_by_protocol(self) -> None:
        """The committed long runs under every protocol, on the chapter's dataset when it has
        one there, else on the first dataset that has."""
        long_datasets = [s.dataset for s in longrun.settings(self.rep.records, self.model)]
        shown = self.dataset if self.dataset in long_datasets else (long_datasets or [None])[0]
        self._show_figure(longrun.plot_protocols(self.rep.records, self.model, shown,
                                                 self.protocols, self.paper_protocols)
                          if shown else None)

    def bench_steps(self, name: str):
        """The model's training-step rows of the committed benchmark file `results_dir/NAME`
        (`benchmarks.bench_steps`), after a line naming its device; None, after a line saying
        so, where there is no such file (a chapter run outside the repository)."""
        path = Path(self.results_dir) / name
        if not path.is_file():
            display(Markdown(f"*No benchmark file `{path}` here: `python -m rebuild bench "
                             f"--device cuda --variants --bf16 --out {path}` measures it.*"))
            return None
        steps = benchmarks.bench_steps(path, self.model)
        print("device:", steps.attrs["device"])
        return steps

    def _show_figure(self, fig) -> None:
        if fig is None:
            display(Markdown(f"*No committed long run of {self.model}.*"))
        else:
            plt.show()


def chapter_config(model: str, config, data_file=None, data_options=None,
                   results_dir="../results") -> Chapter:
    """A model chapter's parameters (as its `parameters` cell or papermill set them) as one
    `Chapter`: `config` read by `run_config` (every field it omits from TrainConfig's defaults;
    ConfigError on a wrong field or another model), the committed long runs under `results_dir`
    loaded and checked. Seeds torch's global generator with 0, so that the chapter's small
    instances are the same on every run, and quiets headless runs."""

    given = parameter_dict(config, "config")
    if given.get("model") != model:
        raise ConfigError(f"this chapter runs {model}, not {given.get('model')!r}: set "
                          f"config['model'] to {model!r} or open the chapter of that model")
    config = run_config(given)
    data_options = parameter_dict(data_options or {}, "data_options")
    quiet_notebook()
    torch.manual_seed(0)
    return Chapter(model, config, data_file, data_options, str(results_dir),
                   config["eval_protocols"], reproduction.load(results_dir))
