"""Run one grid cell in-process, without papermill or Jupyter: the same library calls a model
chapter makes (seqrec.data.load + seqrec.training.run), for machines without a notebook stack.

    python -m rebuild.direct PROFILE CELL_KEY [--deadline EPOCH_SECONDS]
"""
from __future__ import annotations

import argparse
import sys

from seqrec import data, training
from seqrec.errors import SeqrecError

from . import profiles
from .cells import parameters


def run_cell(profile: profiles.Profile, key: str, deadline: float | None = None) -> dict:
    cell = next((c for c in profile.cells() if c.key == key), None)
    if cell is None:
        raise SeqrecError(f"no cell {key!r} in profile {profile.name!r}")
    p = parameters(profile, cell, deadline)                  # what a chapter receives
    ds = data.load(p["config"]["dataset"], file=p["data_file"], **p["data_options"])
    return training.run(p["config"], ds, run_dir=p["run_dir"], resume=True, deadline=deadline,
                        progress=sys.stderr.isatty())


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m rebuild.direct")
    ap.add_argument("profile")
    ap.add_argument("key")
    ap.add_argument("--deadline", type=float)
    a = ap.parse_args(argv)
    try:
        rec = run_cell(profiles.load(a.profile), a.key, a.deadline)
    except training.BudgetExhausted as e:
        print(f"BudgetExhausted: {e}", file=sys.stderr)
        return 3
    except SeqrecError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    print(f"done {a.key}: last-epoch test {rec['config']['eval_protocols'][0]} NDCG@10 = "
          f"{rec['last']['test'][rec['config']['eval_protocols'][0]]['NDCG@10']:.4f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
