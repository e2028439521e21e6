"""Readers of the benchmark files that `python -m rebuild bench --out results/bench-*.json` writes:
per-step times of ours vs the authors' classes, and whole-epoch times per execution mode."""
from __future__ import annotations

import json

import pandas as pd

from .registry import LABELS


def _bench(path) -> dict:
    with open(path) as f:
        return json.load(f)


def bench_device(bench: dict) -> str:
    """The device a benchmark file (loaded as a dict) was measured on, in words."""
    env = bench.get("environment", {})
    return env.get("gpu") or f"CPU, {env.get('threads', '?')} threads"


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
    """Our whole ML-1M training epoch per model and execution mode (eager, CUDA graph, compiled)
    from a benchmark file's `loop` rows, with the projected `paper` grid; one row per model,
    columns per mode. Files written before modes existed count as eager (`loop`) and compiled
    (`loop_compile`)."""
    bench = _bench(path)
    rows = [{**r, "mode": r.get("mode", "eager")} for r in bench.get("loop", [])]
    rows += [{**r, "mode": r.get("mode", "compile")} for r in bench.get("loop_compile", [])]
    rows = [r for r in rows if "epoch_s" in r]
    if not rows:
        return pd.DataFrame()
    df = pd.DataFrame(rows)
    df["model"] = df["model"].map(lambda m: LABELS.get(m, m))
    epoch = df.pivot_table(index="model", columns="mode", values="epoch_s", sort=False)
    grid = df.pivot_table(index="model", columns="mode", values="projected_paper_grid_hours",
                          sort=False, dropna=False)        # kept (empty) where L != 100
    out = pd.concat({"epoch s": epoch, "paper grid h": grid}, axis=1).round(3)
    out.attrs["device"] = bench_device(bench)
    return out
