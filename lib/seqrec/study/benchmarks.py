"""Readers of the benchmark files that `python -m rebuild bench --out results/bench-*.json` writes:
per-step times of ours vs the authors' classes, and whole-epoch times per execution mode."""
from __future__ import annotations

import json

import pandas as pd

from ..registry import LABELS
from ..training import evaluations_after


def _bench(path) -> dict:
    with open(path) as f:
        return json.load(f)


def bench_device(bench: dict) -> str:
    """The device a benchmark file (loaded as a dict) was measured on, in words, e.g. 'CPU (AMD
    EPYC, no native bf16), 2 threads' (what a file recorded: older ones lack the CPU's name)."""
    env = bench.get("environment", {})
    if env.get("gpu"):
        return env["gpu"]
    about = [env["cpu"]] if env.get("cpu") else []
    if "cpu_native_bf16" in env:
        about.append("native bf16" if env["cpu_native_bf16"] else "no native bf16")
    named = f" ({', '.join(about)})" if about else ""
    return f"CPU{named}, {env.get('threads', '?')} threads"


def _bench_rows(bench: dict, setting: str) -> list[dict]:
    return [r for r in bench["results"] if r["setting"] == setting]


def bench_steps(path, model: str, setting: str = "paper") -> pd.DataFrame:
    """One model's training-step rows of a benchmark file (`python -m rebuild bench --out ...`):
    implementation, step time and peak memory, as measured on the device the file names."""
    bench = _bench(path)
    rows = []
    for r in _bench_rows(bench, setting):
        if r["name"] != model:
            continue
        impl = "authors' class" if r["impl"] == "authors" else "library"
        variant = ", ".join(f"{k}={v!r}" for k, v in r["variant"].items()) or "default"
        if r["impl"] == "authors":
            variant = ""
        rows.append({"implementation": impl + (f" ({variant})" if variant else "")
                     + (", bf16 autocast" if r.get("bf16") else ""),
                     "batch": r["batch"], "step ms": round(r["step_s"] * 1000, 1),
                     "peak MiB": round(r["peak_mem_mb"])})
    df = pd.DataFrame(rows)
    df.attrs["device"] = bench_device(bench)
    return df


def bench_summary(path, setting: str = "paper") -> pd.DataFrame:
    """Per model: the authors' and our default step time and peak memory (and ours under bf16
    autocast where measured), with the ratios authors / ours; from one benchmark file."""
    rows = {}
    for r in _bench_rows(_bench(path), setting):
        if r["variant"]:
            continue
        key = "authors" if r["impl"] == "authors" else ("ours bf16" if r.get("bf16") else "ours")
        row = rows.setdefault(r["name"], {"model": LABELS.get(r["name"], r["name"]),
                                          "batch": r["batch"]})
        row[f"{key} ms"] = round(r["step_s"] * 1000, 1)
        row[f"{key} MiB"] = round(r["peak_mem_mb"])
    df = pd.DataFrame(list(rows.values()))
    if "authors ms" in df and "ours ms" in df:
        df["speed-up"] = (df["authors ms"] / df["ours ms"]).round(2)
        df["memory ratio"] = (df["ours MiB"] / df["authors MiB"]).round(2)
    if "authors ms" in df and "ours bf16 ms" in df:
        df["speed-up bf16"] = (df["authors ms"] / df["ours bf16 ms"]).round(2)
    return df


def bench_loop(path) -> pd.DataFrame:
    """Our whole training epoch from a benchmark file's `loop` rows: one row per model, dataset
    and L; epoch seconds per execution mode and training precision ('eager, fp32', 'eager, bf16',
    'graphs, bf16', ...), the bf16 speed-up per mode where the file measured both precisions
    (`--loop-amp off on`: one run, same conditions), and the projected `paper` grid where the file
    has it (L = 100 on ML-1M). Rows written before a field existed count as ML-1M, and as eager
    (`loop`) or compiled (`loop_compile`)."""
    bench = _bench(path)
    rows = [{**r, "mode": r.get("mode", "eager")} for r in bench.get("loop", [])]
    rows += [{**r, "mode": r.get("mode", "compile")} for r in bench.get("loop_compile", [])]
    rows = [{"dataset": "ml-1m", "amp_bf16": False, "projected_paper_grid_hours": None, **r}
            for r in rows if "epoch_s" in r]
    if not rows:
        return pd.DataFrame()
    df = pd.DataFrame(rows)
    df["model"] = df["model"].map(lambda m: LABELS.get(m, m))
    df["run"] = df["mode"] + ", " + df["amp_bf16"].map({True: "bf16", False: "fp32"})
    df = df.rename(columns={"lookback": "L"})
    wide = df.set_index(["model", "dataset", "L", "run"])[["epoch_s", "projected_paper_grid_hours"]]
    wide = wide[~wide.index.duplicated(keep="last")].unstack("run")
    runs = list(dict.fromkeys(df["run"]))                      # the order the file measured them
    epoch = wide["epoch_s"][runs]
    parts = {"epoch s": epoch}
    speedup = {mode: epoch[f"{mode}, fp32"] / epoch[f"{mode}, bf16"]
               for mode in dict.fromkeys(df["mode"])
               if f"{mode}, fp32" in epoch and f"{mode}, bf16" in epoch}
    if speedup:
        parts["bf16 speed-up"] = pd.DataFrame(speedup)
    grid = wide["projected_paper_grid_hours"][runs].astype(float)
    if grid.notna().any().any():
        parts["paper grid h"] = grid
    out = pd.concat(parts, axis=1).round(3)
    out = out.loc[[m for m in dict.fromkeys(df["model"])]]    # models in the file's order
    out.attrs["device"] = bench_device(bench)
    return out


def projected_cell_hours(paths, dataset: str, lookback: int, epochs: int, eval_every: int,
                         models, start_epoch: int = 0) -> pd.DataFrame:
    """What one run of each of `models` would take: `epochs` training epochs plus an evaluation
    of the validation and the test split at epoch 0, every `eval_every` epochs and the last, from
    every benchmark file in `paths` that timed that model's epoch on `dataset` at `lookback`
    (`--loop-dataset/--loop-lookback`; `eval_all_users_s` is one split). One row per model, file
    and training precision, labelled with the device the file names. `start_epoch`: a run
    resumed from a checkpoint there (only the epochs and evaluations after it count)."""
    evaluations = (start_epoch == 0) + evaluations_after(start_epoch, epochs, eval_every)
    rows = []
    for path in paths:
        bench = _bench(path)
        for r in bench.get("loop", []):
            if (r.get("model") in models and r.get("dataset", "ml-1m") == dataset
                    and r.get("lookback") == lookback and "epoch_s" in r and "eval_all_users_s" in r):
                seconds = ((epochs - start_epoch) * r["epoch_s"]
                           + evaluations * 2 * r["eval_all_users_s"])
                rows.append({"model": LABELS.get(r["model"], r["model"]),
                             "device": bench_device(bench), "file": str(path),
                             "threads": bench.get("environment", {}).get("threads"),
                             "training": "bf16 autocast" if r.get("amp_bf16") else "fp32",
                             "epoch s": r["epoch_s"], "evaluation s": r["eval_all_users_s"],
                             "projected s": seconds, "projected h": round(seconds / 3600, 1)})
    return pd.DataFrame(rows)


def same_machine(bench: dict, cpu: str, native_bf16: bool) -> bool:
    """Was a benchmark file (loaded as a dict) measured on a CPU like this one: a CPU run, the
    same native-bf16 capability (what decides the training precision and roughly halves or
    doubles an epoch), and the same model name where the file recorded one (older files did
    not)?"""
    env = bench.get("environment", {})
    if env.get("gpu") or env.get("device", "cpu") != "cpu":
        return False
    if env.get("cpu_native_bf16") is None or bool(env["cpu_native_bf16"]) != native_bf16:
        return False
    return env.get("cpu") in (None, cpu)


def files_for_this_cpu(paths) -> list[str]:
    """The benchmark files among `paths` measured on a CPU like the one running this process
    (`same_machine`): those that name this CPU first, then those that only share its bf16
    capability."""
    from ..results import cpu_name
    from ..training import cpu_has_native_bf16
    cpu, bf16 = cpu_name(), cpu_has_native_bf16()
    matched = [(p, _bench(p)) for p in paths]
    matched = [(p, b) for p, b in matched if same_machine(b, cpu, bf16)]
    return [p for p, b in sorted(matched, key=lambda pb: pb[1].get("environment", {})
                                 .get("cpu") != cpu)]
