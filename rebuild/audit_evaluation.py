"""What bf16 scores and per-batch candidate draws would do to the ranks of a trained model.

    python -m rebuild.audit_evaluation --dataset fs-nyc --file $SEQREC_DATA_DIR/foursquare-nyc/nyc_stan_checkins.tsv

Trains SASRec briefly in fp32 (L = 20), then on the test split: how many users have an item tied with
their target when `score_all` runs under bf16 autocast (what evaluation did before it always scored in
fp32), how many ranks that changes and in which direction, and the sampled / full / full-unseen NDCG@10
at two evaluation batch sizes (equal since each user's candidates are the user's own stream).
"""
from __future__ import annotations

import argparse

import torch

from seqrec import data, metrics, models, training
from seqrec.evaluation import evaluate, rank_in_catalogue


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--dataset", default="fs-nyc")
    p.add_argument("--file")
    p.add_argument("--epochs", type=int, default=30)
    p.add_argument("--lookback", type=int, default=20)
    a = p.parse_args(argv)
    ds = data.load(a.dataset, file=a.file)
    torch.manual_seed(42)
    model = models.create("sasrec", ds.num_users, ds.num_items, a.lookback)
    training.fit(model, ds, dict(model="sasrec", dataset=a.dataset, lookback=a.lookback,
                                 epochs=a.epochs, eval_every=a.epochs, eval_protocols=["full"],
                                 device="cpu", amp="off"), progress=False)
    model.eval()
    users = ds.all_users()
    items, target = ds.eval_windows("test", a.lookback, users), ds.targets("test", users)
    with torch.no_grad():
        fp32 = model.score_all(users, items).float()                       # [U, N+1]
        with torch.autocast("cpu", dtype=torch.bfloat16):
            bf16 = model.score_all(users, items).float()
    ties = {k: float(((s[:, 1:] == s.gather(1, target[:, None])).sum(1) > 1).double().mean())
            for k, s in (("fp32", fp32), ("bf16", bf16))}
    r32, r16 = rank_in_catalogue(fp32, target), rank_in_catalogue(bf16, target)
    print(f"{a.dataset}, SASRec after {a.epochs} fp32 epochs, test split, {ds.num_users} users")
    print(f"users with an item tied with the target: fp32 {ties['fp32']:.1%}, bf16 {ties['bf16']:.1%}")
    print(f"ranks changed by bf16 scores: {(r32 != r16).double().mean():.1%} of users "
          f"(worse {(r16 > r32).double().mean():.1%}, better {(r16 < r32).double().mean():.1%})")
    print(f"full NDCG@10: fp32 {metrics.from_ranks(r32)['NDCG@10']:.5f}, "
          f"bf16 {metrics.from_ranks(r16)['NDCG@10']:.5f}")
    now = evaluate(model, ds, "test", ["full"], a.lookback)["full"]
    print(f"evaluate() returns the fp32 ranks: {bool(torch.equal(now, r32))}")
    for batch in (512, 1024):
        fresh = data.load(a.dataset, file=a.file)                          # no cached candidates
        ranks = evaluate(model, fresh, "test", ["sampled", "full", "full-unseen"], a.lookback,
                         batch_size=batch)
        print(f"eval batch {batch}: " + ", ".join(
            f"{p} NDCG@10 {metrics.from_ranks(r)['NDCG@10']:.5f}" for p, r in ranks.items()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
