"""Run one grid cell in-process, without papermill or Jupyter: the same library calls a model
chapter makes (seqrec.data.load + seqrec.training.run) on the same parameters file papermill
injects into the chapter, for machines without a notebook stack.

    python -m rebuild.direct RUN_DIR/parameters.yaml
"""
from __future__ import annotations

import argparse
import sys

import yaml

from seqrec import data, evaluation, training
from seqrec.errors import SeqrecError


def run_parameters(params: dict) -> dict:
    """A chapter's calls on its injected parameters (`rebuild.cells.parameters`)."""
    ds = data.load(params["config"]["dataset"], file=params["data_file"], **params["data_options"])
    return training.run(params["config"], ds, run_dir=params["run_dir"], resume=True,
                        deadline=params["deadline"], progress=sys.stderr.isatty())


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m rebuild.direct")
    ap.add_argument("parameters", help="the cell's parameters file, as the runner wrote it")
    a = ap.parse_args(argv)
    try:
        with open(a.parameters) as f:
            rec = run_parameters(yaml.safe_load(f))
    except training.BudgetExhausted as e:
        print(f"BudgetExhausted: {e}", file=sys.stderr)
        return 3
    except SeqrecError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    protocol = evaluation.SELECTION_PROTOCOL
    print(f"done {rec['config']['dataset']}/{rec['config']['model']}: last-epoch test {protocol} "
          f"NDCG@10 = {rec['last']['test'][protocol]['NDCG@10']:.4f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
