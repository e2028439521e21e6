"""Parameter profiles: every shipped profile loads; `extends` merges and fails clearly."""
import pytest

from rebuild import profiles
from seqrec.errors import ConfigError


@pytest.mark.parametrize("name", profiles.available())
def test_every_shipped_profile_is_valid(name, monkeypatch, tmp_path):
    monkeypatch.setenv("SEQREC_DATA_DIR", str(tmp_path))      # paths are only expanded, not read
    profile = profiles.load(name)
    assert profile.cells()


def test_paper_copies_is_the_paper_grid_on_the_copies(monkeypatch):
    monkeypatch.setenv("SEQREC_DATA_DIR", "/copies")
    paper, copies = profiles.load("paper"), profiles.load("paper-copies")
    assert copies.raw["train"] == paper.raw["train"]               # inherited settings
    assert copies.raw["variants"] == paper.raw["variants"]
    assert copies.output.name == "paper-copies" and copies.output != paper.output
    assert set(copies.raw["datasets"]) == {"ml-1m", "fs-nyc"}      # no Tokyo copy
    assert copies.raw["datasets"]["ml-1m"]["file"] == "/copies/ml-1m/ml-1m_sequences.tsv"
    assert {c.config.profile for c in copies.cells()} == {"paper-copies"}


def test_extends_merges_sections_key_by_key(tmp_path):
    path = tmp_path / "mine.yaml"
    path.write_text("extends: smoke\ntrain: {epochs: 1}\nmodels: [sasrec]\n")
    base, mine = profiles.load("smoke"), profiles.load(str(path))
    assert mine.raw["train"] == {**base.raw["train"], "epochs": 1}
    assert mine.raw["models"] == ["sasrec"] and mine.raw["datasets"] == base.raw["datasets"]


@pytest.mark.parametrize("text, message", [
    ("extends: papr\n", "extends: unknown profile 'papr'; valid profiles: .*paper"),
    ("extends: smoke\nmodel: [sasrec]\n", "unknown key.*'model'"),
])
def test_bad_extends_is_named(tmp_path, text, message):
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    with pytest.raises(ConfigError, match=message):
        profiles.load(str(path))


def test_relative_data_paths_are_resolved_where_rebuild_is_called(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SEQREC_DATA_DIR", "data")
    profile = profiles.load("ci")
    assert profile.raw["datasets"]["ml-1m"]["file"] == str(tmp_path / "data/ml-1m/ml-1m_sequences.tsv")


def test_the_published_chapters_show_paths_relative_to_the_book(monkeypatch, tmp_path):
    from rebuild import book
    monkeypatch.setenv("SEQREC_DATA_DIR", str(tmp_path))
    profile = profiles.load("ci")
    assert book.display_parameters(profile, "book/results")["run_root"] == "../runs/ci"
    shown = book.display_parameters(profile, "book/sasrec")
    assert shown["run_dir"] == "../runs/ci/fs-nyc/sasrec/seed42"
    assert not shown["data_file"].startswith("/")


def test_models_all_is_the_papers_five(tmp_path):
    from seqrec import registry
    path = tmp_path / "all.yaml"
    path.write_text("extends: smoke\nmodels: all\nvariants: {v: {models: all, seeds: [1]}}\n")
    profile = profiles.load(str(path))
    assert profile.raw["models"] == list(registry.MODELS)
    assert {c.model for c in profile.cells() if c.variant == "v"} == set(registry.MODELS)


def test_models_floors_is_the_registrys_floors_and_a_name_counts_once(tmp_path):
    from seqrec import registry
    path = tmp_path / "floors.yaml"
    path.write_text("extends: smoke\nmodels: [caser, all, floors, pop]\n")
    assert profiles.load(str(path)).raw["models"] == \
        ["caser", *(m for m in registry.MODELS if m != "caser"), *registry.BASELINES]
    path.write_text("extends: smoke\nmodels: [everything]\n")
    with pytest.raises(ConfigError, match="`floors` for the floors"):
        profiles.load(str(path))


def test_a_cells_config_is_merged_in_the_documented_order(tmp_path):
    path = tmp_path / "order.yaml"
    path.write_text("extends: smoke\nmodels: [sasrec, pop]\n"
                    "train: {lookback: 4, epochs: 3, batch_size: 16, lr: 0.01}\n"
                    "per_dataset: {synthetic: {lookback: 5, epochs: 4, batch_size: 32}}\n"
                    "per_model: {sasrec: {lookback: 6, epochs: 5}}\n"
                    "variants: {v: {train: {lookback: 7}}}\n")
    cells = {c.key: c.config for c in profiles.load(str(path)).cells()}
    main, variant = cells["synthetic/sasrec/seed42"], cells["synthetic/sasrec~v/seed42"]
    assert (main.lr, main.batch_size, main.epochs, main.lookback) == (0.01, 32, 5, 6)
    assert (variant.lookback, variant.variant, variant.profile) == (7, "v", "order")
    assert cells["synthetic/pop/seed42"].epochs == 0                 # a baseline is not trained


def test_a_train_section_cannot_set_what_the_grid_sets(tmp_path):
    path = tmp_path / "seed.yaml"
    path.write_text("extends: smoke\ntrain: {seed: 3}\n")
    with pytest.raises(ConfigError, match="train: unknown key 'seed'"):
        profiles.load(str(path))


def test_a_cell_is_changed_by_a_copy_never_in_place():
    profile = profiles.load("smoke")
    cell = profile.cells()[0]
    on_gpu = cell.with_config(device="cuda")
    assert on_gpu.config.device == "cuda" and cell.config.device == "cpu"
    assert on_gpu.config.identity() == cell.config.identity()        # execution-only
    assert profile.cells()[0].config.device == "cpu"
