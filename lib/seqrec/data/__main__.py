"""Command line: `python -m seqrec.data stats DATASET [...]` and `... download DATASET`.

`stats` prints ONE JSON object: counts after preprocessing (`users`, `items`, `interactions`), the
raw counts, per-user length statistics and where the data came from. `download` fetches and
verifies the canonical archive and prints its path. Errors: one message on stderr, exit code 2.
"""
from __future__ import annotations

import argparse
import json
import sys

from ..errors import ConfigError, SeqrecError
from . import DATASETS, FILTERS, fetch, get_spec, length_stats, load, verify_member


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m seqrec.data",
                                     description="Datasets of the Caser+/CosRec+ reproduction.")
    sub = parser.add_subparsers(dest="command", required=True)
    stats = sub.add_parser("stats", help="print counts after preprocessing as JSON")
    stats.add_argument("dataset", help=f"one of: {', '.join(DATASETS)}")
    stats.add_argument("--file", help="read this local file instead of downloading")
    stats.add_argument("--columns", help="USER,ITEM,TIME columns of a generic table "
                                         "(header names or 0-based positions)")
    stats.add_argument("--filter", default="paper", choices=FILTERS)
    stats.add_argument("--min-item-rows", type=int, default=5)
    stats.add_argument("--min-user-rows", type=int, default=5)
    stats.add_argument("--cache-dir", help="download cache (default $SEQREC_CACHE or ~/.cache/seqrec)")
    stats.add_argument("--seed", type=int, default=None, help="seed of the synthetic dataset")
    down = sub.add_parser("download", help="download and verify a canonical archive")
    down.add_argument("dataset", help=f"one of: {', '.join(d for d in DATASETS if d != 'synthetic')}")
    down.add_argument("--cache-dir")
    return parser


def stats(args) -> dict:
    extra = {"seed": args.seed} if args.dataset == "synthetic" and args.seed is not None else {}
    data = load(args.dataset, file=args.file, columns=args.columns, cache_dir=args.cache_dir,
                filter=args.filter, min_item_rows=args.min_item_rows,
                min_user_rows=args.min_user_rows, **extra)
    info = data.info
    out = {"dataset": args.dataset, "users": data.num_users, "items": data.num_items,
           "interactions": data.num_interactions,
           **{k: info[k] for k in ("raw_users", "raw_items", "raw_interactions") if k in info},
           **length_stats(data),
           "density": round(data.num_interactions / (data.num_users * data.num_items), 6),
           **{k: info[k] for k in ("filter", "min_item_rows", "min_user_rows",
                                   "dropped_short_users", "format", "source", "url") if k in info}}
    return out


def download(args) -> dict:
    spec = get_spec(args.dataset)
    if spec.url is None:
        raise ConfigError(f"{spec.name} is generated, there is nothing to download")
    path = fetch(spec, args.cache_dir)
    verify_member(spec, path)
    return {"dataset": spec.name, "archive": str(path)}


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    try:
        result = stats(args) if args.command == "stats" else download(args)
    except SeqrecError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
