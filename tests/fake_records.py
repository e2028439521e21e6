"""Run records built by hand for the tests of tables, labels, figures and claims: the parts of a
schema-2 record (`config` as asked, `resolved` beside it) that those read."""


def full_record(model, dataset, ranks, curve, profile="cpu-paper", epochs=None):
    """A record as `training.fit` writes it, with a test NDCG@10 curve (protocol full), trained
    in bf16 autocast (`resolved` amp True)."""
    history = [{"epoch": e, "test": {"full": {"NDCG@10": v}}} for e, v in curve]
    return {"config": {"model": model, "dataset": dataset, "seed": 42, "profile": profile,
                       "lookback": 20, "epochs": 2000, "batch_size": 512, "lr": 0.001,
                       "loss": "bce", "model_options": {}, "amp": "auto", "variant": "",
                       "eval_protocols": ["full"]},
            "resolved": {"amp": True},
            "data": {"source": "/x/copy.tsv", "format": "table", "users": len(ranks),
                     "items": 100, "interactions": 10 * len(ranks)},
            "environment": {}, "history": history, "timings": {"train_seconds": 60.0},
            "best": {"epoch": epochs or curve[-1][0]},
            "last": {"epoch": epochs or curve[-1][0]}, "test_ranks": {"last": {"full": ranks}}}


def seeded(model, seed, ranks, value=0.1, amp=True, variant=""):
    """A `full_record` at `seed` whose test NDCG@10 is `value`, in bf16 (`amp`) or fp32."""
    rec = full_record(model, "fs-nyc", ranks, [(2000, value)])
    rec["config"].update(seed=seed, variant=variant)
    rec["resolved"]["amp"] = amp
    rec["last"]["test"] = {"full": {"NDCG@10": value}}
    return rec
