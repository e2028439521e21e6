"""environment.yml (conda-forge) installs what pyproject.toml declares: the same packages, with the
same version bounds, from every dependency group."""
from __future__ import annotations

import re
import tomllib
from pathlib import Path

import yaml
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet

ROOT = Path(__file__).resolve().parents[1]
CONDA_NAMES = {"torch": "pytorch", "playwright": "playwright-python"}   # pip name -> conda-forge's
CONDA_ONLY = {"python", "pip"}                  # the interpreter and the installer of `pip:`


def pyproject_requirements() -> dict[str, SpecifierSet]:
    """Every requirement of pyproject.toml (dependencies and all optional groups), by name."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    groups = project.get("optional-dependencies", {}).values()
    lines = project["dependencies"] + [r for group in groups for r in group]
    reqs = [Requirement(line) for line in lines]
    return {r.name.lower(): r.specifier for r in reqs}


def conda_spec(line: str) -> tuple[str, SpecifierSet]:
    """A conda match spec with pip-style bounds ('pytorch>=2.2,<3') as (name, bounds)."""
    name, bounds = re.fullmatch(r"([A-Za-z0-9_.\-]+)\s*(.*)", line.strip()).groups()
    return name.lower(), SpecifierSet(bounds)


def environment() -> dict:
    return yaml.safe_load((ROOT / "environment.yml").read_text())


def test_environment_takes_everything_from_conda_forge_alone():
    env = environment()
    assert [c for c in env["channels"] if c != "nodefaults"] == ["conda-forge"]
    assert "nodefaults" in env["channels"]                       # no anaconda defaults either


def test_environment_lists_the_packages_of_pyproject_with_the_same_bounds():
    deps = environment()["dependencies"]
    conda = dict(conda_spec(d) for d in deps if isinstance(d, str) and not d.startswith("python="))
    pip_lines = next((d["pip"] for d in deps if isinstance(d, dict)), [])
    pip_only = {r.name.lower(): r.specifier for r in
                (Requirement(line) for line in pip_lines if not line.startswith("-"))}
    declared = pyproject_requirements()
    in_env = {**{name: spec for name, spec in conda.items() if name not in CONDA_ONLY}, **pip_only}
    expected = {(name if name in pip_only else CONDA_NAMES.get(name, name)): spec
                for name, spec in declared.items()}
    assert in_env == expected
    assert not set(conda) & set(pip_only), "a package both from conda-forge and from pip"
    assert "-e ." in pip_lines                                          # seqrec itself


def test_environment_python_meets_requires_python():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    python = next(d for d in environment()["dependencies"]
                  if isinstance(d, str) and d.startswith("python="))
    assert SpecifierSet(project["requires-python"]).contains(python.split("=", 1)[1])
