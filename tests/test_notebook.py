"""seqrec.study.notebook: a model chapter's parameters read into one Chapter, and its protocol table."""
from __future__ import annotations

import json
from dataclasses import asdict

import pytest

from seqrec import metrics
from seqrec.study import notebook
from seqrec.errors import ConfigError
from seqrec.training import TrainConfig

CONFIG = {"model": "caser", "dataset": "synthetic", "lookback": 5, "epochs": 1, "seed": 3,
          "profile": "chapter"}


def test_parameter_dict_reads_papermill_json_text_and_mappings():
    assert notebook.parameter_dict('{"a": 1}', "config") == {"a": 1}
    assert notebook.parameter_dict({"a": 1}, "config") == {"a": 1}
    with pytest.raises(ConfigError, match="config is not valid JSON"):
        notebook.parameter_dict("{a: 1}", "config")
    with pytest.raises(ConfigError, match="data_options must be a mapping"):
        notebook.parameter_dict("[1, 2]", "data_options")


def test_chapter_config_unpacks_the_parameters(tmp_path):
    chapter = notebook.chapter_config("caser", json.dumps(CONFIG), None, '{"num_users": 9}',
                                      tmp_path)
    assert (chapter.dataset, chapter.lookback, chapter.seed) == ("synthetic", 5, 3)
    assert chapter.data_options == {"num_users": 9}
    assert chapter.config == asdict(TrainConfig(**CONFIG))         # the rest: TrainConfig's defaults
    assert chapter.protocols == TrainConfig().eval_protocols       # the config omits them
    assert chapter.paper_protocols == chapter.rep.protocols and not chapter.rep.records


def test_chapter_config_keeps_explicit_protocols_in_order(tmp_path):
    config = dict(CONFIG, eval_protocols=["full-unseen", "full", "sampled"])
    assert notebook.chapter_config("caser", config, results_dir=tmp_path).protocols == [
        "full-unseen", "full", "sampled"]


def test_chapter_config_refuses_another_model_or_an_unknown_field(tmp_path):
    with pytest.raises(ConfigError, match="this chapter runs caser\\+, not 'caser'"):
        notebook.chapter_config("caser+", CONFIG, results_dir=tmp_path)
    with pytest.raises(ConfigError, match="unknown training parameter"):
        notebook.chapter_config("caser", dict(CONFIG, epoch=3), results_dir=tmp_path)


def test_protocol_table_puts_the_random_level_beside_each_protocol(tmp_path):
    chapter = notebook.chapter_config("caser", dict(CONFIG, eval_protocols=["full", "sampled"]),
                                      results_dir=tmp_path)
    test = {p: {m: i / 10 for i, m in enumerate(notebook.PROTOCOL_COLUMNS)} for p in ("full", "sampled")}
    table = chapter.protocol_table({"last": {"test": test}}, num_items=500)
    assert table.index.tolist() == ["full", "sampled"]
    assert table.columns.tolist() == notebook.PROTOCOL_COLUMNS + ["NDCG@10, random ranking"]
    assert table.loc["sampled", "NDCG@10, random ranking"] == metrics.chance_ndcg("sampled", 500)


def test_floor_run_dir_is_the_runners_folder_for_one_floor_else_one_per_floor(tmp_path):
    assert notebook.floor_run_dir("pop", ["pop"], "fs-nyc", 42, run_dir=tmp_path) == tmp_path
    many = notebook.floor_run_dir("pop", ["pop", "repeat"], "fs-nyc", 42, run_dir=tmp_path)
    assert many.parts[-4:] == ("chapter", "fs-nyc", "pop", "seed42")
    rooted = notebook.floor_run_dir("repeat", ["repeat"], "ml-1m", 1, tmp_path / "x", tmp_path)
    assert rooted.relative_to(tmp_path).parts == ("ml-1m", "repeat", "seed1")


def test_as_text_rounds_numbers_and_keeps_reasons():
    assert notebook.as_text(0.123456) == "0.12" and notebook.as_text(0.5, 4) == "0.5000"
    assert notebook.as_text("not tested") == "not tested"


def test_run_config_fills_every_field_a_chapter_is_not_given_from_trainconfig():
    partial = {"model": "caser+", "dataset": "ml-1m", "lookback": 100, "epochs": 2000}
    config = notebook.run_config(json.dumps(partial))                 # `papermill -p`: JSON text
    assert config == notebook.run_config(partial)                     # `papermill -y`: a mapping
    defaults = asdict(TrainConfig())
    assert set(config) == set(defaults)
    assert {k: config[k] for k in partial} == partial
    assert {k: v for k, v in config.items() if k not in partial} == {
        k: v for k, v in defaults.items() if k not in partial}
    assert config["seed"] == 42 and config["eval_protocols"] == TrainConfig().eval_protocols


def test_run_config_keeps_given_protocols_and_refuses_what_trainconfig_refuses():
    assert notebook.run_config(dict(CONFIG, eval_protocols=["sampled", "full"]))[
        "eval_protocols"] == ["sampled", "full"]
    with pytest.raises(ConfigError, match="unknown protocol"):
        notebook.run_config(dict(CONFIG, eval_protocols=["everything"]))
    with pytest.raises(ConfigError, match="unknown training parameter"):
        notebook.run_config(dict(CONFIG, epoch=3))


def test_chapter_config_fills_a_partial_config(tmp_path):
    """The introduction's example: model, dataset, L and epochs only (the KeyError: 'seed' of
    issue 37)."""
    partial = {"model": "caser+", "dataset": "synthetic", "lookback": 100, "epochs": 2000}
    chapter = notebook.chapter_config("caser+", partial, results_dir=tmp_path)
    assert (chapter.seed, chapter.lookback, chapter.config["batch_size"]) == (
        TrainConfig.seed, 100, TrainConfig.batch_size)


def test_label_pair_grid_names_padding_then_the_window_items():
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots()
    notebook.label_pair_grid(ax, 3, pad=2)
    assert [t.get_text() for t in ax.get_xticklabels()] == ["pad", "pad", "$x_0$", "$x_1$", "$x_2$"]
    assert len(ax.get_yticks(minor=True)) == 6 and ax.get_ylabel() == "row $j$ (item $E_j$)"
    plt.close(fig)
