"""Command line: python -m rebuild {run,status,plan,book,bench} ... (see rebuild/__init__.py)."""
from __future__ import annotations

import argparse
import sys
import time

from seqrec.errors import SeqrecError

from . import profiles


def _run(args) -> int:
    profile = profiles.load(args.profile)
    cells = profile.select(args.only)
    deadline = time.time() + 60 * args.budget_minutes if args.budget_minutes else None
    if args.device:                        # execution-only: the cells keep their identity
        if args.executor == "slurm":
            raise SeqrecError("--device is for local runs; on a cluster set `device` in the "
                              "profile's train section (or leave it 'auto')")
        cells = [cell.with_config(device=args.device) for cell in cells]
    if args.force:                         # train to the budget and pause there, resumable: a
        # cell longer than one session goes on in the next one where the machine keeps it
        cells = [cell.with_config(stop_if_unfinishable=False) for cell in cells]
    elif args.budget_minutes and args.executor == "local":
        from .plan import refuse_unfit
        unfit = refuse_unfit(profile, cells, args.budget_minutes, args.jobs, args.bench)
        if unfit:
            raise SeqrecError("not started: " + "; ".join(unfit) + ". Give a longer budget, "
                              "narrow --only (see `python -m rebuild plan`), or add --force "
                              "to run anyway (the cells pause at the budget, resumable here)")
    from .cells import ensure_data, state
    ensure_data(profile, profile.data_sources([c for c in cells if state(profile, c) != "done"]),
                "no cell started")
    if args.executor == "slurm":
        from .cluster import submit
        submit(profile, cells, args)
        return 0
    from .local import run_local
    summary = run_local(profile, cells, jobs=args.jobs, deadline=deadline, engine=args.engine)
    print(f"summary: {len(summary['done'])} done, {len(summary['skipped'])} skipped (record present), "
          f"{len(summary['paused'])} paused at the budget, {len(summary['interrupted'])} interrupted, "
          f"{len(summary['not started'])} not started, {len(summary['failed'])} failed")
    for cell, log in summary["failed"]:
        print(f"  failed: {cell.key} — log: {log}")
    from .cells import status_message
    for cell, _ in summary["paused"]:
        print(f"  paused: {cell.key} — {status_message(profile, cell) or 'no status file'}")
    for cell, _ in summary["interrupted"]:
        print(f"  interrupted: {cell.key}")
    for cell, _ in summary["not started"]:
        print(f"  not started: {cell.key}")
    if summary["paused"] or summary["interrupted"] or summary["not started"]:
        print("  the same command resumes them (from their checkpoints, where these remain)")
    return 1 if summary["failed"] else 130 if summary["interrupted"] else 0


def _status(args) -> int:
    from .cells import read_meta, state, status_message
    profile = profiles.load(args.profile)
    queued, log_of = {}, lambda cell: read_meta(profile, cell).get("log")
    try:                                    # cells submitted to a cluster (rebuild/cluster.py)
        from .cluster import cluster_states, failure_log
        queued = cluster_states(profile)
        log_of = lambda cell: failure_log(profile, cell)   # noqa: E731
    except ImportError:
        pass
    counts: dict[str, int] = {}
    for cell in profile.select(args.only):
        s = queued.get(cell.key) or state(profile, cell)
        counts[s] = counts.get(s, 0) + 1
        extra = ""
        if s == "failed":
            extra = f"  log: {log_of(cell)}"
        elif s == "paused":
            extra = f"  {status_message(profile, cell) or ''}"
        print(f"{s:>8}  {cell.key}{extra}")
    print("total: " + ", ".join(f"{n} {s}" for s, n in sorted(counts.items())))
    return 0


def _plan(args) -> int:
    from .plan import report
    profile = profiles.load(args.profile)
    print(report(profile, profile.select(args.only), args.minutes, args.jobs, args.bench))
    return 0


def _book(args) -> int:
    from .book import build
    from .cells import ensure_data
    profile = profiles.load(args.profile)
    ensure_data(profile, profile.data_sources(), "no chapter executed")
    build(profile)
    return 0


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m rebuild", description=__doc__)
    sub = ap.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="execute the profile's grid of chapters with papermill")
    run.add_argument("--profile", required=True, help=f"one of {', '.join(profiles.available())} or a YAML path")
    run.add_argument("--only", help="filter cells, e.g. model=caser+|cosrec+,dataset=ml-1m")
    run.add_argument("--jobs", type=int, default=1, help="cells in parallel (one per GPU where several)")
    run.add_argument("--budget-minutes", type=float, help="stop cleanly at a checkpoint after this long")
    run.add_argument("--device", help="run the cells on this device (e.g. cuda) whatever the "
                     "profile says; a device never changes a run's identity")
    run.add_argument("--force", action="store_true", help="start cells even where their projected "
                     "time on this CPU exceeds --budget-minutes (see `plan`) and train them until "
                     "the budget, pausing at a checkpoint that the same command resumes")
    run.add_argument("--executor", choices=("local", "slurm"), default="local")
    run.add_argument("--bench", help="benchmark files the projections read (a glob; default "
                     "results/bench*.json)")
    run.add_argument("--engine", choices=("papermill", "direct"), default="papermill",
                     help="direct: the chapter's library calls without Jupyter (same records)")
    for opt in ("--partition", "--account", "--qos", "--constraint"):
        run.add_argument(opt)
    run.add_argument("--gpus-per-run", type=int)
    run.add_argument("--time-limit", type=float, help="hours per SLURM task")
    run.add_argument("--array-parallelism", type=int)
    run.set_defaults(func=_run)
    st = sub.add_parser("status", help="list each cell: done, queued, running, failed, paused, missing")
    st.add_argument("--profile", required=True)
    st.add_argument("--only")
    st.set_defaults(func=_status)
    pl = sub.add_parser("plan", help="the unfinished cells, their projected time on this CPU "
                        "(from results/bench*.json) and which fit in --minutes")
    pl.add_argument("--profile", required=True)
    pl.add_argument("--only")
    pl.add_argument("--minutes", type=float, required=True, help="the time there is")
    pl.add_argument("--jobs", type=int, default=1, help="cells in parallel, as `run --jobs`")
    pl.add_argument("--bench", help="benchmark files to read (a glob; default results/bench*.json)")
    pl.set_defaults(func=_plan)
    bk = sub.add_parser("book", help="execute the chapters into _build/ and build the HTML book")
    bk.add_argument("--profile", required=True)
    bk.set_defaults(func=_book)
    sub.add_parser("bench", help="benchmark our models against the authors' "
                   "(options: python -m rebuild bench --help)")
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv[:1] == ["bench"]:                    # everything after `bench` is the benchmark's own
        from .benchmark import main as bench_main
        return bench_main(argv[1:])
    args = ap.parse_args(argv)
    if getattr(args, "jobs", 1) < 1:
        ap.error("--jobs must be >= 1")
    try:
        return args.func(args)
    except SeqrecError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
