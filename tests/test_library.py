"""The library alone, as a user meets it (`seqrec`'s docstring, the README's "Using the library"):
load data, train a registered model, evaluate it under every protocol, read the record; and a
model of one's own, registered and trained through the same calls."""
import pytest
import torch
from torch import nn

from seqrec import data, evaluation, metrics, models, registry, training
from seqrec.errors import ConfigError
from seqrec.results import RECORD_NAME, read_record


class LastItem(models.SequentialRecommender):
    """A user's model: the hidden state at a position is the embedding of the item there, scored
    against a second table (a learned 'what follows item x')."""

    name = "last-item"
    label = "Last item"
    in_paper = False                      # not one of the paper's five

    def __init__(self, num_users: int, num_items: int, lookback: int, emb_size: int = 8):
        super().__init__(num_users, num_items, lookback)
        self.inputs = nn.Embedding(num_items + 1, emb_size)
        self.outputs = nn.Embedding(num_items + 1, emb_size)

    def hidden_states(self, users, items, last):            # [B, L] -> [B, last, D]
        return self.inputs(items[:, -last:])

    def output_table(self):
        return self.outputs.weight, None


@pytest.fixture
def last_item():
    registry.register(LastItem)
    yield LastItem
    registry.unregister(LastItem.name)


def small(model: str, **more) -> dict:
    return dict(model=model, dataset="synthetic", lookback=5, epochs=2, eval_every=1,
                batch_size=64, device="cpu", amp="off", **more)


def test_a_registered_model_trains_through_run_and_leaves_a_record(last_item, tmp_path):
    ds = data.load("synthetic", num_users=60, num_items=40, seed=1)
    assert registry.LABELS["last-item"] == "Last item" and "last-item" in registry.CLASSES
    assert "last-item" in registry.REFERENCE_MODELS and "last-item" not in registry.MODELS
    assert registry.colour("last-item") != "#000000"
    assert isinstance(models.create("last-item", 60, 40, 5, emb_size=4), LastItem)
    record = training.run(small("last-item", model_options={"emb_size": 4}), ds,
                          run_dir=tmp_path, progress=False)
    assert read_record(tmp_path / RECORD_NAME)["config_hash"] == record["config_hash"]
    assert record["last"]["epoch"] == 2 and [h["epoch"] for h in record["history"]] == [0, 1, 2]
    assert set(record["last"]["test"]) == set(evaluation.PROTOCOLS)      # every protocol
    first, last = record["history"][0]["val"]["full"], record["history"][-1]["val"]["full"]
    assert last["NDCG@10"] > first["NDCG@10"]                           # it learned something
    assert record["num_parameters"] == 2 * 41 * 4


def test_unregister_leaves_the_tables_as_they_were(tmp_path):
    before = (dict(registry.LABELS), registry.MODELS, registry.REFERENCE_MODELS,
              dict(registry.COLOURS), dict(models.CLASSES))
    registry.register(LastItem)
    registry.unregister("last-item")
    assert (dict(registry.LABELS), registry.MODELS, registry.REFERENCE_MODELS,
            dict(registry.COLOURS), dict(models.CLASSES)) == before
    with pytest.raises(ConfigError, match="unknown model"):
        training.run(small("last-item"), data.load("synthetic", num_users=20, num_items=20),
                     progress=False)


def test_register_says_what_a_class_lacks(last_item):
    with pytest.raises(ConfigError, match="taken"):
        registry.register(LastItem)

    class InPaper(LastItem):
        name, in_paper = "in-paper", True
    with pytest.raises(ConfigError, match="in_paper = False"):
        registry.register(InPaper)

    class Nameless(models.SequentialRecommender):
        in_paper = False
    with pytest.raises(ConfigError, match="its own `name`"):
        registry.register(Nameless)
    with pytest.raises(ConfigError, match="SequentialRecommender"):
        registry.register(nn.Linear)
    with pytest.raises(ConfigError, match="not a registered model of your own"):
        registry.unregister("caser+")


def test_a_built_in_model_under_every_protocol_and_its_metrics(tmp_path):
    """The README's walk: a canonical dataset's stand-in (synthetic), a registered model, its
    record, and the metrics of the stored ranks."""
    ds = data.load("synthetic", num_users=60, num_items=40, seed=2)
    record = training.run(small("caser+", model_options={"emb_size": 4}), ds, run_dir=tmp_path,
                          progress=False, resume=True)
    ranks = torch.tensor(record["test_ranks"]["last"]["sampled"])
    assert metrics.from_ranks(ranks)["NDCG@10"] == pytest.approx(
        record["last"]["test"]["sampled"]["NDCG@10"], abs=1e-6)
    again = training.run(small("caser+", model_options={"emb_size": 4}), ds, run_dir=tmp_path,
                         progress=False, resume=True)
    assert again["code_version"] == record["code_version"] and again["history"] == record["history"]


def test_any_interactions_file_through_the_library(tmp_path):
    """`seqrec`'s docstring on a file of one's own: read it, preprocess it, train a model of the
    registry on it, and evaluate a model built by hand under every protocol."""
    rows = [(u, 1 + (u * 7 + t * 3) % 30, t) for u in range(1, 41) for t in range(12)]
    path = tmp_path / "clicks.csv"
    path.write_text("user,item,time\n" + "".join(f"{u},{i},{t}\n" for u, i, t in rows))
    ds = data.preprocess(data.read_interactions(path, columns="user,item,time"), "clicks")
    assert (ds.name, ds.num_users, ds.info["raw_interactions"]) == ("clicks", 40, len(rows))
    record = training.run(dict(small("sasrec"), dataset="clicks"), ds, progress=False)
    assert record["data"]["name"] == "clicks" and set(record["last"]["test"]) == set(evaluation.PROTOCOLS)
    model = models.create("sasrec", ds.num_users, ds.num_items, lookback=5)
    ranks = evaluation.evaluate(model, ds, "test", evaluation.PROTOCOLS, lookback=5)
    assert set(ranks) == set(evaluation.PROTOCOLS)
    assert set(metrics.from_ranks(ranks["full"])) == set(metrics.metric_names())
