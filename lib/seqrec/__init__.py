"""seqrec: a small library of sequential recommenders, trained by one loop and evaluated under the
same protocols, with a run record for every run.

    from seqrec import data, evaluation, metrics, models, registry, results, training

    ds = data.load("ml-1m")                             # a canonical dataset: downloaded, verified,
                                                        # the paper's filter, time-ordered sequences
    ds = data.load("fs-nyc", file="nyc.tsv")            # ... or a local copy of it
    ds = data.preprocess(data.read_interactions("clicks.csv", columns="user,item,time"), "clicks")
                                                        # any interactions file of one's own
    record = training.run(dict(model="caser+", dataset="ml-1m", lookback=50, epochs=200),
                          ds, run_dir="runs/caser+", resume=True)   # any name in registry.CLASSES
    record["last"]["test"]["full"]["NDCG@10"]           # every protocol: evaluation.PROTOCOLS
    record = results.read_record("runs/caser+/record.json")         # later, or on another machine

    model = models.create("sasrec", ds.num_users, ds.num_items, lookback=50)   # or build one
    ranks = evaluation.evaluate(model, ds, "test", evaluation.PROTOCOLS, lookback=50)
    metrics.from_ranks(ranks["full"])                   # {'P@5': ..., 'R@10': ..., 'NDCG@20': ...}

A model of one's own: a `models.SequentialRecommender` with the registry's attributes, registered
once; from then on `models.create`, `training.run` and every table of names know it.

    @registry.register
    class Mine(models.SequentialRecommender):
        name, label, in_paper = "mine", "Mine", False    # also: chapter, cost, original
        def __init__(self, num_users, num_items, lookback, emb_size=64): ...
        def hidden_states(self, users, items, last): ...      # [B, L] -> [B, last, D]
        def output_table(self): ...                           # (weight [N+1, D], bias or None)

The library: `data` (datasets, readers, the paper's preprocessing), `sequences` (the compact
dataset container), `sampling` (training windows and negatives), `models` (the recommenders) and
`registry` (every table of their names, from the classes), `baselines` (the non-learned floors),
`steps` (one training step), `training` (the loop: `TrainConfig`, `fit`, `run`), `evaluation`
(candidate protocols and ranks), `metrics`, `stats` (Wilcoxon tests), `results` (run records, the
run-folder layout) and `tensor_memory`. The study of the paper this library was built for (its
Table 1, its claims, the book's tables and figures) is `seqrec.study`; the library never imports it.
"""
from .errors import ConfigError, DataError, SeqrecError, TrainingError
from .sequences import SequenceData

__version__ = "0.1.0"
__all__ = ["SequenceData", "SeqrecError", "DataError", "ConfigError", "TrainingError", "__version__"]
