"""Every chapter executes headless under papermill with the `smoke` profile (synthetic data).

The grid cells run through the batch runner (one papermill run per model chapter, one record
each); then every chapter of the table of contents is executed as the book build does it.
"""
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from rebuild import book, local, profiles
from seqrec import registry
from seqrec.results import read_record
from seqrec.training import TrainConfig

pytestmark = pytest.mark.smoke


@pytest.fixture(scope="module")
def smoke(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("smoke")
    raw = yaml.safe_load((profiles.PROFILE_DIR / "smoke.yaml").read_text())
    raw["output"] = str(tmp / "runs")
    path = tmp / "smoke.yaml"
    path.write_text(yaml.safe_dump(raw))
    profile = profiles.load(str(path))
    summary = local.run_local(profile, profile.cells(), jobs=2)
    return profile, summary, tmp


def test_every_grid_cell_writes_a_record(smoke):
    profile, summary, _ = smoke
    assert not summary["failed"], [f"{c.key}: {log}" for c, log in summary["failed"]]
    for cell in profile.cells():
        rec = read_record(profile.run_dir(cell) / "record.json")
        assert rec["config"]["model"] == cell.model and rec["config"]["profile"] == "smoke"
        assert set(rec["last"]["test"]) == {"full", "sampled", "easyrec-n"}
        assert (profile.run_dir(cell) / "chapter.ipynb").exists()      # the executed chapter


def test_a_second_run_skips_finished_cells(smoke, capsys):
    profile, _, _ = smoke
    summary = local.run_local(profile, profile.cells(), jobs=1)
    assert len(summary["skipped"]) == len(profile.cells()) and not summary["done"]


@pytest.mark.parametrize("stem", book.toc_notebooks())
def test_chapter_executes_for_the_book(smoke, stem):
    profile, _, tmp = smoke
    failed = book.execute(profile, [stem], tmp / "src")
    assert not failed, f"{stem} failed under the smoke profile"
    executed = tmp / "src" / f"{stem}.ipynb"
    assert not printed_warnings(executed), f"{stem} prints warnings a reader would see"


def printed_warnings(nb_path: Path) -> list[str]:
    """The lines of an executed notebook's outputs that report a Python warning (on stderr)."""
    import json
    cells = json.loads(nb_path.read_text())["cells"]
    streams = [o for c in cells for o in c.get("outputs", []) if o.get("name") == "stderr"]
    lines = [line for o in streams for line in "".join(o["text"]).splitlines()]
    return [line for line in lines if "Warning:" in line]


def test_chapters_in_git_have_no_outputs():
    import json
    for nb_path in Path(profiles.ROOT, "book").glob("*.ipynb"):
        nb = json.loads(nb_path.read_text())
        code = [c for c in nb["cells"] if c["cell_type"] == "code"]
        assert all(not c.get("outputs") and c.get("execution_count") is None for c in code), nb_path
        tagged = [c for c in code if "parameters" in c.get("metadata", {}).get("tags", [])]
        assert len(tagged) == 1, f"{nb_path.name} needs exactly one 'parameters' cell"


def test_every_chapter_starts_on_colab_the_same_way_in_the_books_repository():
    """Colab runs a downloaded chapter outside the repository: its first code cell clones the
    repository named in _config.yml, installs it and works in its book/ folder, so the relative
    paths of the parameters (../results, ../runs) exist there. The same lines in every chapter."""
    import json
    repo = yaml.safe_load(Path(profiles.ROOT, "_config.yml").read_text())["repository"]["url"]
    heads = {}
    for nb_path in sorted(Path(profiles.ROOT, "book").glob("*.ipynb")):
        first = next(c for c in json.loads(nb_path.read_text())["cells"] if c["cell_type"] == "code")
        source = "".join(first["source"])
        assert "google.colab" in source, f"{nb_path.name}: no Colab start in its first code cell"
        heads[nb_path.name] = source[:source.index('os.chdir("seqrec-book/book")')]
        assert f'"{repo}"' in heads[nb_path.name] and '"pip", "install"' in heads[nb_path.name]
    assert len(set(heads.values())) == 1, "chapters start on Colab differently"


# every chapter that takes a run `config`: the model chapters, and the floors' (evaluation)
CONFIG_CHAPTERS = {registry.CHAPTERS[m]: m for m in registry.MODELS + registry.BASELINES[:1]}
NYC_COPY = "${SEQREC_DATA_DIR}/foursquare-nyc/nyc_stan_checkins.tsv"   # seqrec.data.load expands it


@pytest.mark.parametrize("chapter", sorted(CONFIG_CHAPTERS))
def test_chapter_runs_with_a_partial_config_in_an_empty_folder(chapter, shared_data, tmp_path):
    """The introduction's door (issue 37): `papermill book/CHAPTER.ipynb out.ipynb -y "{config:
    {model, dataset, lookback, epochs}, data_file}"` in an empty folder, as a new user types it;
    every other field comes from TrainConfig's defaults (the chapters once stopped on `seed`)."""
    given = {"model": CONFIG_CHAPTERS[chapter], "dataset": "fs-nyc", "lookback": 5, "epochs": 1}
    work = tmp_path / "work"                        # the chapter's ../runs lands in tmp_path
    work.mkdir()
    done = subprocess.run(
        [sys.executable, "-m", "papermill", str(profiles.ROOT / "book" / f"{chapter}.ipynb"),
         "out.ipynb", "-y", yaml.safe_dump({"config": given, "data_file": NYC_COPY}),
         "--no-progress-bar"], cwd=work, capture_output=True, text=True, timeout=1200)
    assert done.returncode == 0, done.stderr[-3000:]
    records = [read_record(p) for p in tmp_path.glob("runs/**/record.json")]
    floors = chapter == registry.CHAPTERS[registry.BASELINES[0]]       # each floor: untrained
    assert sorted(r["config"]["model"] for r in records) == sorted(
        registry.BASELINES if floors else [given["model"]])
    for record in records:
        ran = {**given, "model": record["config"]["model"], "epochs": 0 if floors else 1}
        assert record["config_hash"] == TrainConfig(**ran).identity()  # the rest: the defaults
        assert record["config"]["seed"] == TrainConfig.seed
        assert record["last"]["epoch"] == ran["epochs"]
