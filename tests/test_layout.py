"""The two wings, read from the source: the library (`seqrec`'s top level) never imports the study
of the paper (`seqrec.study`), no module imports itself back through others, and no module
outgrows one job. Imports are parsed (every `import` and `from ... import`, at the top or inside a
function), never executed."""
import ast
from pathlib import Path

import pytest

LIB = Path(__file__).resolve().parents[1] / "lib"
STUDY = "seqrec.study"
MAX_LINES = 400          # a module over this does several jobs: split it by job


def module_name(path: Path) -> str:
    parts = path.relative_to(LIB).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(p): p for p in sorted((LIB / "seqrec").rglob("*.py"))}


def resolve(name: str) -> str:
    """The deepest module of the package that `name` (a module or a name inside one) lies in."""
    while name not in MODULES:
        name = name.rpartition(".")[0]
    return name


def parsed(module: str) -> ast.Module:
    path = MODULES[module]
    return ast.parse(path.read_text(), str(path))


def from_base(module: str, node: ast.ImportFrom) -> str:
    """The module X of `from X import y` in `module`, a relative X resolved."""
    package = module if MODULES[module].name == "__init__.py" else module.rpartition(".")[0]
    base = node.module or ""
    if node.level:
        anchor = package.split(".")
        anchor = anchor[:len(anchor) - (node.level - 1)]
        base = ".".join(anchor + ([base] if base else []))
    return base


def imported_modules(module: str) -> set[str]:
    """The seqrec modules `module` imports (relative imports resolved; `from pkg import name`
    counts as importing `pkg.name` when that is a module, else `pkg`)."""
    found = set()
    for node in ast.walk(parsed(module)):
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = from_base(module, node)
            names = [f"{base}.{a.name}" for a in node.names]
        else:
            continue
        found |= {resolve(n) for n in names if n.split(".")[0] == "seqrec"}
    return found - {module}


GRAPH = {m: imported_modules(m) for m in MODULES}


def in_study(module: str) -> bool:
    return module == STUDY or module.startswith(STUDY + ".")


def test_the_layout_is_read_from_the_files():
    assert {"seqrec", "seqrec.training", "seqrec.results", "seqrec.registry",
            "seqrec.study", "seqrec.study.findings"} <= set(MODULES)
    assert "seqrec.results" in GRAPH["seqrec.training.loop"]        # `from ..results import`
    assert "seqrec.study.convergence" in GRAPH["seqrec.study.findings"]    # `from . import`
    assert "seqrec.models" in GRAPH["seqrec.study.untrained"]      # inside a function


def test_the_library_never_imports_the_study():
    crossing = {m: sorted(filter(in_study, imports)) for m, imports in GRAPH.items()
                if not in_study(m) and any(map(in_study, imports))}
    assert crossing == {}, f"library modules that import the study: {crossing}"


def test_no_import_circle():
    """Depth-first search for a module reached again on its own path."""
    done, circles = set(), []

    def visit(m, path):
        if m in path:
            circles.append(path[path.index(m):] + [m])
            return
        if m in done:
            return
        for n in sorted(GRAPH[m]):
            visit(n, path + [m])
        done.add(m)

    for m in MODULES:
        visit(m, [])
    assert circles == [], "import circles: " + "; ".join(" -> ".join(c) for c in circles)


@pytest.mark.parametrize("module", sorted(MODULES))
def test_no_module_does_several_jobs(module):
    lines = len(MODULES[module].read_text().splitlines())
    assert lines <= MAX_LINES, f"{module} has {lines} lines: split it by job"


def from_import_bases(module: str) -> set[str]:
    """The seqrec modules `from X import y` statements of `module` name as X."""
    bases = {from_base(module, n) for n in ast.walk(parsed(module)) if isinstance(n, ast.ImportFrom)}
    return {b for b in bases if b.split(".")[0] == "seqrec"}


def test_every_import_names_a_module_that_exists():
    """An import inside a function runs only when it is called: a module renamed or moved must
    not leave one behind (data.survey imported seqrec.labels after it became study.provenance)."""
    missing = {m: sorted(b for b in from_import_bases(m) if b not in MODULES) for m in MODULES}
    assert {m: b for m, b in missing.items() if b} == {}
