"""The book builds with the `ci` profile (real dataset copies) and renders in headless Chromium.

Runs `python -m rebuild run --profile ci` and `python -m rebuild book --profile ci` exactly as a
user would, then opens every page: it loads, math is typeset (no raw `\\(`), every image loads,
and the results page shows Table 1 with all five models for every dataset that has runs; at
1280 px no code block or table is cut off at the right edge of the content column, and code lines
of up to 100 characters fit without scrolling. Screenshots go to _build/screenshots/ as build
artefacts.
"""
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from rebuild.profiles import ROOT

pytestmark = [pytest.mark.book, pytest.mark.data]
HTML = ROOT / "_build" / "html"
SHOTS = ROOT / "_build" / "screenshots"


@pytest.fixture(scope="module")
def built(shared_data_module):
    env = {**os.environ, "SEQREC_DATA_DIR": str(shared_data_module)}
    for command in (["run", "--profile", "ci", "--jobs", "2"], ["book", "--profile", "ci"]):
        proc = subprocess.run([sys.executable, "-m", "rebuild", *command], cwd=ROOT, env=env,
                              capture_output=True, text=True)
        print(proc.stdout[-5000:], proc.stderr[-5000:])
        assert proc.returncode == 0, f"rebuild {' '.join(command)} failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
    return HTML


@pytest.fixture(scope="module")
def shared_data_module():
    d = os.environ.get("SEQREC_DATA_DIR")
    if not d or not Path(d).is_dir():
        pytest.skip("real dataset copies not available: set SEQREC_DATA_DIR to the shared/data folder")
    return Path(d)


@pytest.fixture(scope="module")
def browser():
    exe = shutil.which("chromium") or shutil.which("chromium-browser")
    if exe is None:
        pytest.skip("Debian's chromium is not installed (make browser)")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=exe, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--no-first-run"])
        yield b
        b.close()


def pages():
    return sorted(p.relative_to(HTML).as_posix() for p in (HTML / "book").glob("*.html"))


def test_every_page_loads_with_math_and_images(built, browser):
    SHOTS.mkdir(parents=True, exist_ok=True)
    found = pages()
    assert {"book/intro.html", "book/results.html", "book/caser_plus.html", "book/cosrec_plus.html",
            "book/sasrec.html", "book/caser.html", "book/cosrec.html", "book/data.html",
            "book/evaluation.html", "book/beyond.html"} <= set(found)
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    external = []
    page.on("request", lambda r: external.append(r.url) if not r.url.startswith(("file:", "data:")) else None)
    for name in found:
        page.goto((HTML / name).as_uri(), wait_until="load")
        page.wait_for_function("() => !window.MathJax || (MathJax.startup && MathJax.startup.promise)", timeout=20000)
        page.evaluate("() => window.MathJax && MathJax.startup ? MathJax.startup.promise : null")
        text = page.inner_text("main")
        assert "\\(" not in text and "$$" not in text, f"{name}: untypeset math"
        has_math = page.evaluate("() => document.querySelectorAll('.math, mjx-container').length")
        if has_math:
            assert page.evaluate("() => document.querySelectorAll('mjx-container').length") > 0, \
                f"{name}: math present but MathJax did not typeset it"
        broken = page.evaluate("() => [...document.images].filter(i => !(i.complete && i.naturalWidth > 0)).map(i => i.src)")
        assert not broken, f"{name}: images that do not load: {broken}"
        assert "Traceback" not in text, f"{name}: an executed cell raised"
        page.screenshot(path=str(SHOTS / (Path(name).stem + ".png")), full_page=name.endswith("results.html"))
    assert not external, f"the book fetched from the network: {external[:5]}"


def test_results_page_shows_table1_for_each_dataset_with_runs(built, browser):
    page = browser.new_page()
    page.goto((HTML / "book" / "results.html").as_uri(), wait_until="load")
    tables = page.evaluate("""() => [...document.querySelectorAll('table.table1')].map(t => t.innerText)""")
    assert len(tables) >= 2                                        # ours and the paper's
    # the profile's own runs (the long committed runs, if any, come first in their own section)
    ours = page.evaluate("""() => document.querySelector('.profile-runs table.table1').innerText""")
    for dataset in ("FS-NYC", "ML-1M"):                             # the ci profile's datasets
        assert dataset in ours
    for model in ("SASRec", "Caser", "Caser+", "CosRec", "CosRec+", "Pop", "Repeat"):
        assert ours.count(model) >= 2, f"{model} missing for a dataset in Table 1"


# Every <pre> and <table> of the article, with collapsed cells opened: one that is wider than the
# content column must scroll inside its own box (or a wrapping box inside the article that scrolls
# horizontally), and a <pre> whose longest line has at most MAX_FITTING_LINE characters must fit
# with no scrolling at all. Returns one line per offender.
MAX_FITTING_LINE = 100
CLIPPED_JS = """(maxLine) => {
  const art = document.querySelector('article.bd-article');
  const edge = art.getBoundingClientRect().right - parseFloat(getComputedStyle(art).paddingRight) + 1;
  const scrolls = e => ['auto', 'scroll'].includes(getComputedStyle(e).overflowX);
  const scrollBox = el => { for (let e = el; e && e !== art; e = e.parentElement) if (scrolls(e)) return e; return null; };
  const label = el => `<${el.tagName.toLowerCase()} class="${el.className}"> "${el.textContent.trim().replace(/\\s+/g, ' ').slice(0, 60)}"`;
  const out = [];
  for (const el of art.querySelectorAll('pre, table')) {
    const r = el.getBoundingClientRect();
    if (r.width === 0) continue;                                   // not rendered
    const fits = el.scrollWidth <= el.clientWidth + 1 && r.right <= edge;
    const box = fits ? null : scrollBox(el);
    if (!fits && !(box && box.getBoundingClientRect().right <= edge))
      out.push(`cut off at the column's edge: ${label(el)} (${el.scrollWidth} px wide, ` +
               `${Math.round(edge - r.left)} px to the edge)`);
    if (el.tagName === 'PRE') {
      const longest = Math.max(...el.textContent.split('\\n').map(l => l.length));
      if (longest <= maxLine && !fits)
        out.push(`a ${longest}-character line needs horizontal scrolling: ${label(el)} ` +
                 `(${el.scrollWidth} px of content in ${el.clientWidth} px)`);
    }
  }
  return out;
}"""


def test_code_and_tables_are_not_cut_off_at_1280_px(built, browser):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    problems = []
    for name in pages():
        page.goto((HTML / name).as_uri(), wait_until="load")
        page.evaluate("() => document.querySelectorAll('article details').forEach(d => { d.open = true; })")
        problems += [f"{name}: {p}" for p in page.evaluate(CLIPPED_JS, MAX_FITTING_LINE)]
    page.close()
    assert not problems, "\n".join(problems[:20])


def test_results_page_shows_the_committed_long_runs_first(built, browser):
    """`make book` shows the records committed under results/ without retraining them: their
    Table 1 (in its own section, before the profile's) and the claims checked on them."""
    committed = sorted((ROOT / "results").glob("*/*/*/seed*/record.json"))
    if not committed:
        pytest.skip("no long runs committed under results/")
    page = browser.new_page()
    page.goto((HTML / "book" / "results.html").as_uri(), wait_until="load")
    order = page.evaluate("""() => [...document.querySelectorAll('.long-runs, .profile-runs')]
                                   .map(e => e.className)""")
    assert order and order[0] == "long-runs" and "profile-runs" in order
    text = page.inner_text("main")
    assert "cpu-paper" in text or "paper-copies" in text or "profile paper" in text
    assert "Caser+ vs Caser" in text                             # a row of the claims table
