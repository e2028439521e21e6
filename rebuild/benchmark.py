"""Training-step time and peak memory of the five models: ours vs the authors' own classes.

    python -m rebuild.benchmark [--device cuda] [--quick] [--variants] [--out bench.json]

One training step = forward + BCE on 1 positive and 1 negative per scored position + backward +
Adam, on ONE random batch shared by every implementation of a model (same sizes, same inputs).
Ours is the library's own step, assembled by `training.make_step` as `training.fit` assembles
it; the authors' classes get the step their loop takes (BCE with logits, plain Adam).
Reported: the median step time over `--reps` steps after warm-up, and the peak memory: on CUDA
`torch.cuda.max_memory_allocated`; on CPU each measurement runs in its own process and reports
the process's peak resident set (ru_maxrss) and that peak minus the resident set just before the
first step (model, optimizer and batch already built), i.e. what the steps added.

Settings: `paper` (ML-1M sizes U = 6040, N = 3416, and the `paper` profile's L = 100, batch 128)
and `cpu` (L = 50, batch 32); `--quick`: L = 20, batch 8. On CPU the CosRec models (theirs and ours) run at batch 8 in
the `paper` setting (theirs takes ~110 s per step at batch 128 on 2 cores); the output says so.

The authors' classes come from `rebuild.authors` (PyPI easy-lightning==1.0.4, downloaded once);
without it only our rows are measured. `--variants` adds our alternative code paths: Caser's
horizontal bank computed per height / dense / FFT, CosRec's materialised pair tensor (the naive
construction) and CosRec+ without channels-last. `--bf16` adds our models under bf16 autocast.

`--loop` times our whole training epoch (`training.train_epoch`) and one evaluation, per model,
execution mode and training precision (`--loop-amp off on`: fp32 and bf16 autocast in ONE run,
so their ratio is measured under the same conditions), on ML-1M or `--loop-dataset fs-nyc`.
"""
from __future__ import annotations

import argparse
import json
import platform
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

import torch

from seqrec import data as D
from seqrec import models
from seqrec import registry
from seqrec import training as T

from . import profiles
from .authors import CLASSES as AUTHORS_CLASSES

PAPER = T.TrainConfig.from_dict({k: v for k, v in profiles.load("paper").raw["train"].items()
                                 if k in T.TrainConfig.__dataclass_fields__})
ML1M = D.DATASETS["ml-1m"].expected_filtered          # users and items after the paper's filter
ML1M_SIZES = dict(num_users=ML1M["users"], num_items=ML1M["items"])
SETTINGS = {
    "paper": dict(**ML1M_SIZES, lookback=PAPER.lookback, batch=PAPER.batch_size),
    "cpu": dict(**ML1M_SIZES, lookback=50, batch=32),
    "quick": dict(**ML1M_SIZES, lookback=20, batch=8),
}
CPU_COSREC_BATCH = 8           # CosRec/CosRec+ batch on CPU in the `paper` setting
VARIANTS = {name: list(cls.alternatives) for name, cls in models.CLASSES.items()}


# ------------------------------------------------------------------------------------ pieces
def load_oracle():
    """`rebuild.authors`, or None when it cannot get the authors' wheel."""
    from . import authors
    return authors if authors.skip_reason() is None else None


def batch_size(name: str, setting: str, device: str) -> int:
    if device == "cpu" and setting == "paper" and issubclass(models.CLASSES[name], models.CosRec):
        return CPU_COSREC_BATCH
    return SETTINGS[setting]["batch"]


def make_batch(name: str, setting: str, device: str, seed: int = 0):
    """users [B], items [B, L], candidates [B, T, 2] (positive, negative), relevance [B, T, 2]."""
    s = SETTINGS[setting]
    B, L, N = batch_size(name, setting, device), s["lookback"], s["num_items"]
    T = L if models.CLASSES[name].scores_every_position else 1
    g = torch.Generator().manual_seed(seed)
    users = torch.randint(1, s["num_users"] + 1, (B,), generator=g)
    items = torch.randint(1, N + 1, (B, L), generator=g)
    items[: B // 4, : L // 2] = 0                                  # some short, left-padded windows
    candidates = torch.randint(1, N + 1, (B, T, 2), generator=g)
    relevance = torch.tensor([1.0, 0.0]).expand(B, T, 2).clone()
    return [t.to(device) for t in (users, items, candidates, relevance)]


def build(name: str, impl: str, setting: str, device: str, variant: dict):
    s = SETTINGS[setting]
    torch.manual_seed(0)
    if impl == "authors":
        model = load_oracle().authors_model(name, s["num_users"], s["num_items"], s["lookback"])
    else:
        model = models.create(name, s["num_users"], s["num_items"], s["lookback"], **variant)
    return model.to(device).train()




def sync(device: str) -> None:
    if device.startswith("cuda"):
        torch.cuda.synchronize()


def rss_mb() -> float:
    """Current resident set of this process in MiB (Linux /proc)."""
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * resource.getpagesize() / 2**20


def measure(spec: dict) -> dict:
    """One (model, implementation, variant, setting): warm-up, then `reps` timed steps."""
    name, impl, setting, device = spec["name"], spec["impl"], spec["setting"], spec["device"]
    variant, reps, warmup, bf16 = spec.get("variant", {}), spec["reps"], spec["warmup"], spec.get("bf16")
    model = build(name, impl, setting, device, variant)
    users, items, candidates, relevance = make_batch(name, setting, device)
    if impl == "ours":                          # the library's step, as `training.fit` builds it
        cfg = T.TrainConfig(model=name, device=device, amp="on" if bf16 else "off")
        train_step, _ = T.make_step(model, cfg, torch.device(device))

        def step():
            return train_step(users, items, candidates[..., 0], candidates[..., 1])
    else:                                       # the authors' loop: BCE with logits, plain Adam
        from .authors import authors_scores
        optimizer = torch.optim.Adam(model.parameters())
        loss_fn = torch.nn.BCEWithLogitsLoss()

        def step():
            optimizer.zero_grad(set_to_none=True)
            loss = loss_fn(authors_scores(model, name, users, items, candidates), relevance)
            loss.backward()
            optimizer.step()
            return loss

    before = rss_mb()
    if device.startswith("cuda"):
        torch.backends.cudnn.benchmark = True            # as our training loop; same for both
        torch.cuda.empty_cache()
        torch.cuda.reset_peak_memory_stats()
    for _ in range(warmup):
        step()
    sync(device)
    times = []
    for _ in range(reps):
        start = time.perf_counter()
        step()
        sync(device)
        times.append(time.perf_counter() - start)
    result = dict(spec, batch=int(users.shape[0]), step_s=statistics.median(times),
                  times_s=times, parameters=models.count_parameters(model))
    if device.startswith("cuda"):
        result["peak_mem_mb"] = torch.cuda.max_memory_allocated() / 2**20
    else:
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024     # KiB -> MiB (Linux)
        result.update(peak_mem_mb=peak, rss_before_mb=before, peak_added_mb=peak - before)
    return result


def measure_isolated(spec: dict, timeout: float | None = None) -> dict:
    """`measure` in a fresh process (so ru_maxrss is this measurement's own peak)."""
    done = subprocess.run([sys.executable, "-m", "rebuild.benchmark", "--one", json.dumps(spec)],
                          capture_output=True, text=True, timeout=timeout,
                          cwd=Path(__file__).resolve().parents[1])
    if done.returncode != 0:
        return dict(spec, error=(done.stderr.strip().splitlines() or ["failed"])[-1])
    return json.loads(done.stdout.strip().splitlines()[-1])


# ------------------------------------------------------------------------------------ grid
def plan(args, have_authors: bool) -> list[dict]:
    settings = ["quick"] if args.quick else args.settings
    cuda = args.device.startswith("cuda")
    reps = args.reps or (2 if args.quick else 5 if cuda else 3)
    warmup = 2 if cuda else 1
    specs = []
    for setting in settings:
        for name in args.models:
            rows = [("ours", {}, False)]
            if have_authors and name in AUTHORS_CLASSES:
                rows.insert(0, ("authors", {}, False))
            if args.variants:
                rows += [("ours", v, False) for v in VARIANTS.get(name, [])]
            if args.bf16:
                rows.append(("ours", {}, True))
            for impl, variant, bf16 in rows:
                specs.append(dict(name=name, impl=impl, variant=variant, bf16=bf16,
                                  setting=setting, device=args.device, reps=reps, warmup=warmup))
    return specs


def label(r: dict) -> str:
    extra = ",".join(f"{k}={v}" for k, v in r.get("variant", {}).items())
    return r["impl"] + (f"[{extra}]" if extra else "") + ("+bf16" if r.get("bf16") else "")


def table(results: list[dict]) -> str:
    lines = [f"{'setting':8} {'model':8} {'implementation':32} {'batch':>5} {'step s':>9} "
             f"{'peak MiB':>9} {'added MiB':>9} {'speed-up':>8}"]
    authors = {(r["setting"], r["name"]): r.get("step_s") for r in results
               if r["impl"] == "authors" and "step_s" in r}
    for r in results:
        if "error" in r:
            lines.append(f"{r['setting']:8} {r['name']:8} {label(r):32} error: {r['error']}")
            continue
        ref = authors.get((r["setting"], r["name"]))
        speed = f"{ref / r['step_s']:.1f}x" if ref else ""
        added = f"{r['peak_added_mb']:.0f}" if "peak_added_mb" in r else ""
        lines.append(f"{r['setting']:8} {r['name']:8} {label(r):32} {r['batch']:5d} "
                     f"{r['step_s']:9.3f} {r['peak_mem_mb']:9.0f} {added:>9} {speed:>8}")
    return "\n".join(lines)


def environment(device: str) -> dict:
    """`seqrec.results.environment` plus the switches a benchmark reader needs."""
    from seqrec.results import environment as run_environment
    env = dict(run_environment(device), device=device, threads=torch.get_num_threads(),
               machine=platform.machine(), cpu_native_bf16=T.cpu_has_native_bf16())
    if device.startswith("cuda"):
        env.update(cudnn_allow_tf32=torch.backends.cudnn.allow_tf32,
                   matmul_allow_tf32=torch.backends.cuda.matmul.allow_tf32,
                   cudnn_benchmark=torch.backends.cudnn.benchmark)
    return env


# ------------------------------------------------------------------------------------ our loop
# the `paper` profile's grid: its datasets (users after the paper's filter) and settings
PAPER_GRID_USERS = {d: D.DATASETS[d].expected_raw["users"] for d in profiles.load("paper").raw["datasets"]}
PAPER_EPOCHS, PAPER_EVAL_EVERY, PAPER_LOOKBACK = PAPER.epochs, PAPER.eval_every, PAPER.lookback
PAPER_PROTOCOLS = PAPER.eval_protocols


LOOP_MODES = {                       # how the training step executes (TrainConfig switches)
    "eager": {},
    "graphs": {"cuda_graphs": True},                 # whole step recorded as a CUDA graph
    "compile": {"compile": True},                    # torch.compile'd forward, default mode
    "reduce-overhead": {"compile": "reduce-overhead"},   # compiled forward + its CUDA graphs
}


def grid_hours(epoch_s: float, eval_s: float, users: int) -> float:
    """Projected `paper` grid time of one model from its ML-1M epoch and evaluation times: epoch
    time scales with the number of users (batches) of each dataset; val + test are evaluated every
    PAPER_EVAL_EVERY epochs."""
    total = 0.0
    for u in PAPER_GRID_USERS.values():
        share = u / users
        total += epoch_s * share * PAPER_EPOCHS + eval_s * 2 * share * PAPER_EPOCHS / PAPER_EVAL_EVERY
    return total / 3600


def loop_timings(data_file: str | None, device: str, names, lookback: int = 100,
                 epochs: int = 2, modes=("eager",), rows: list | None = None,
                 on_row=None, amps=("auto",), dataset: str = "ml-1m") -> list[dict]:
    """End-to-end epoch time of our training loop (window and negative sampling included) in each
    execution mode and training precision (`amps`: TrainConfig.amp values), the time of one
    evaluation of every user under the `paper` profile's protocols (median of two after a
    warm-up, at the evaluation batch a run uses: `TrainConfig.eval_batch`), on `dataset`
    (`data_file`: a local copy; else the canonical download), and on ML-1M the projected `paper`
    grid on this device."""
    from seqrec.evaluation import evaluate
    ds = D.load(dataset, file=data_file).to(device)
    out = [] if rows is None else rows
    for name, mode, amp_setting in [(n, m, a) for n in names for m in modes for a in amps]:
        cfg = T.TrainConfig(model=name, dataset=dataset, lookback=lookback, epochs=epochs,
                            device=device, amp=amp_setting, **LOOP_MODES[mode])
        torch.manual_seed(0)
        model = models.create(name, ds.num_users, ds.num_items, lookback).to(device)
        dev = torch.device(device)
        amp = cfg.use_amp(dev)
        try:
            step, _ = T.make_step(model, cfg, dev)                # as `training.fit`
            gen = torch.Generator(device=device).manual_seed(0)
            times = []
            for _ in range(epochs + 1):                           # the first is a warm-up
                sync(device)
                t0 = time.perf_counter()
                T.train_epoch(model, step, ds, cfg, gen)
                sync(device)
                times.append(time.perf_counter() - t0)
        except Exception as e:                                    # record, go on with the rest
            out.append({"model": name, "mode": mode, "device": device, "amp_bf16": amp,
                        "lookback": lookback, "error": repr(e)[:300]})
            if on_row:
                on_row()
            print(f"loop {name} [{mode}]: error {e!r}", flush=True)
            continue
        eval_times = []
        for _ in range(3):                                        # the first is a warm-up
            sync(device)
            t0 = time.perf_counter()
            evaluate(model, ds, "test", PAPER_PROTOCOLS, lookback, cfg.eval_batch(dev, model))
            sync(device)
            eval_times.append(time.perf_counter() - t0)
        eval_s = statistics.median(eval_times[1:])
        epoch_s = statistics.median(times[1:])
        # the projection only means the paper grid at the paper's window length
        grid = (grid_hours(epoch_s, eval_s, ds.num_users)
                if lookback == PAPER_LOOKBACK and dataset == "ml-1m" else None)
        out.append({"model": name, "mode": mode, "device": device, "amp_bf16": amp,
                    "dataset": dataset,
                    "first_epoch_s": round(times[0], 2), "lookback": lookback,
                    "steps_per_epoch": -(-ds.num_users // cfg.batch_size),
                    "epoch_s": round(epoch_s, 4), "eval_all_users_s": round(eval_s, 4),
                    "projected_paper_grid_hours": None if grid is None else round(grid, 3)})
        if on_row:
            on_row()
        projection = (f"paper grid (3 datasets x {PAPER_EPOCHS} epochs, eval every "
                      f"{PAPER_EVAL_EVERY}) ~ {grid:.2f} h" if grid is not None
                      else f"no paper-grid projection at L = {lookback}")
        print(f"loop {name} [{mode}, {'bf16' if amp else 'fp32'}, L={lookback}]: epoch {epoch_s:.3f} s, evaluation of {ds.num_users} users "
              f"({', '.join(PAPER_PROTOCOLS)}) {eval_s:.3f} s, {projection}", flush=True)
    return out


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--device", default="cpu")
    p.add_argument("--quick", action="store_true", help="one small setting (L=20, batch 8), 2 reps")
    p.add_argument("--settings", nargs="+", default=["paper", "cpu"], choices=list(SETTINGS))
    p.add_argument("--models", nargs="+", default=list(registry.MODELS), choices=list(models.CLASSES),
                   help="default: the paper's five (the authors have a class for each)")
    p.add_argument("--variants", action="store_true", help="also our alternative code paths")
    p.add_argument("--bf16", action="store_true", help="also ours under bf16 autocast")
    p.add_argument("--no-authors", action="store_true", help="only our implementation")
    p.add_argument("--reps", type=int, default=0, help="timed steps (default 5 CUDA, 3 CPU)")
    p.add_argument("--out", type=Path, default=None, help="write all results as JSON here")
    p.add_argument("--loop", action="store_true",
                   help="also time our whole training epoch and evaluation on ML-1M")
    p.add_argument("--loop-only", action="store_true", help="only the --loop measurements")
    p.add_argument("--ml1m-file", help="local ML-1M interactions file for --loop (default: download)")
    p.add_argument("--loop-dataset", default="ml-1m", help="dataset of the --loop measurements")
    p.add_argument("--loop-file", help="local interactions file of --loop-dataset")
    p.add_argument("--loop-lookback", type=int, nargs="+", default=[PAPER_LOOKBACK])
    p.add_argument("--loop-amp", nargs="+", default=["auto"], choices=["auto", "on", "off"],
                   help="training precisions of the --loop measurements (off = fp32, on = bf16)")
    p.add_argument("--loop-modes", nargs="+", default=["eager"], choices=list(LOOP_MODES),
                   help="execution modes of the --loop measurements (graphs and reduce-overhead "
                        "need CUDA)")
    p.add_argument("--loop-epochs", type=int, default=0,
                   help="timed epochs per --loop measurement (default 2 CUDA, 1 CPU)")
    p.add_argument("--one", help=argparse.SUPPRESS)               # internal: one isolated measurement
    args = p.parse_args(argv)
    if args.one:
        print(json.dumps(measure(json.loads(args.one))))
        return 0
    have_authors = not args.no_authors and load_oracle() is not None
    if not have_authors and not args.no_authors:
        print("authors' classes unavailable (rebuild.authors could not get easy-lightning==1.0.4): "
              "measuring ours only", flush=True)
    if args.device == "cpu" and "paper" in (["quick"] if args.quick else args.settings):
        print(f"note: on CPU, CosRec and CosRec+ (theirs and ours) use batch {CPU_COSREC_BATCH} in "
              "the paper setting", flush=True)
    results, loop = [], []

    def save():                       # after every measurement: a run cut short keeps what it has
        if args.out:
            args.out.write_text(json.dumps(dict(environment=environment(args.device),
                                                results=results, loop=loop), indent=1))
    if args.loop or args.loop_only:
        epochs = args.loop_epochs or (2 if args.device.startswith("cuda") else 1)
        for lookback in args.loop_lookback:
            loop_timings(args.loop_file or args.ml1m_file, args.device, args.models, lookback,
                         epochs=epochs, modes=args.loop_modes, rows=loop, on_row=save,
                         amps=args.loop_amp, dataset=args.loop_dataset)
    for spec in ([] if args.loop_only else plan(args, have_authors)):
        r = measure(spec) if args.device.startswith("cuda") else measure_isolated(spec)
        results.append(r)
        print(table([r]).splitlines()[-1], flush=True)
        save()
    if results:
        print(table(results))
    save()
    return 0

if __name__ == "__main__":
    sys.exit(main())
