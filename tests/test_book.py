"""The book builds with the `ci` profile (real dataset copies) and renders in headless Chromium.

Runs `python -m rebuild run --profile ci` and `python -m rebuild book --profile ci` exactly as a
user would, then opens every page: it loads, math is typeset (no raw `\\(`), every image loads,
and the results page shows Table 1 with all five models for every dataset that has runs; at
1280 px no code block or table is cut off at the right edge of the content column, and code lines
of up to 100 characters fit without scrolling. Screenshots go to _build/screenshots/ as build
artefacts.

Readable pages: at 1280 px nothing in the article scrolls sideways and every figure fits the
column; at 390 px (a phone) the page itself never scrolls sideways; no table cell reads NaN or
inf; no page shows a path of the machine that built it; every internal link reaches an existing
page and anchor; every finding of the results page carries its outcome badge; with their evidence folded the
findings fit in about two screens at 1280 px.

`SEQREC_BOOK_HTML=DIR` checks an HTML folder that is already built (e.g. `_build/html`) instead
of building the book first.
"""
import json
import os
import re
import shutil
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

import pytest

from rebuild.profiles import ROOT

pytestmark = [pytest.mark.book, pytest.mark.data]
HTML = ROOT / "_build" / "html"
SHOTS = ROOT / "_build" / "screenshots"
BUILT_ENV = "SEQREC_BOOK_HTML"


@pytest.fixture(scope="module")
def built():
    given = os.environ.get(BUILT_ENV)
    if given:                                          # check a book that is already built
        html = Path(given).resolve()
        assert (html / "book").is_dir(), f"${BUILT_ENV}={given} has no book/ pages"
        return html
    shared = os.environ.get("SEQREC_DATA_DIR")
    if not shared or not Path(shared).is_dir():
        pytest.skip("real dataset copies not available: set SEQREC_DATA_DIR to the shared/data folder")
    env = {**os.environ, "SEQREC_DATA_DIR": str(Path(shared))}
    for command in (["run", "--profile", "ci", "--jobs", "2"], ["book", "--profile", "ci"]):
        proc = subprocess.run([sys.executable, "-m", "rebuild", *command], cwd=ROOT, env=env,
                              capture_output=True, text=True)
        print(proc.stdout[-5000:], proc.stderr[-5000:])
        assert proc.returncode == 0, f"rebuild {' '.join(command)} failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
    return HTML


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


def pages(html: Path = HTML):
    return sorted(p.relative_to(html).as_posix() for p in (html / "book").glob("*.html"))


def test_every_page_loads_with_math_and_images(built, browser):
    SHOTS.mkdir(parents=True, exist_ok=True)
    found = pages(built)
    assert {"book/intro.html", "book/results.html", "book/caser_plus.html", "book/cosrec_plus.html",
            "book/sasrec.html", "book/caser.html", "book/cosrec.html", "book/data.html",
            "book/evaluation.html", "book/beyond.html"} <= set(found)
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    external = []
    page.on("request", lambda r: external.append(r.url) if not r.url.startswith(("file:", "data:")) else None)
    for name in found:
        page.goto((built / name).as_uri(), wait_until="load")
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
    page.goto((built / "book" / "results.html").as_uri(), wait_until="load")
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
    for name in pages(built):
        page.goto((built / name).as_uri(), wait_until="load")
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
    page.goto((built / "book" / "results.html").as_uri(), wait_until="load")
    order = page.evaluate("""() => [...document.querySelectorAll('.long-runs, .profile-runs')]
                                   .map(e => e.className)""")
    assert order and order[0] == "long-runs" and "profile-runs" in order
    text = page.inner_text("main")
    assert "cpu-paper" in text or "paper-copies" in text or "profile paper" in text
    assert "Caser+ vs Caser" in text                             # a row of the claims table


# ---------------------------------------------------------------------------------------------
# Readable pages. Every page is opened once per viewport (hidden inputs opened) and measured; the
# tests below read the measurements.

WIDE, PHONE = 1280, 390
MEASURE_JS = """() => {
  const art = document.querySelector('article.bd-article');
  const edge = art.getBoundingClientRect().right - parseFloat(getComputedStyle(art).paddingRight) + 1;
  const label = el => `<${el.tagName.toLowerCase()} class="${el.className && el.className.baseVal !== undefined
      ? el.className.baseVal : el.className}"> "${el.textContent.trim().replace(/\\s+/g, ' ').slice(0, 60)}"`;
  const scrollers = [];
  for (const el of art.querySelectorAll('*')) {
    const ox = getComputedStyle(el).overflowX;
    if (['auto', 'scroll'].includes(ox) && el.scrollWidth > el.clientWidth + 1)
      scrollers.push(`${label(el)} scrolls sideways (${el.scrollWidth} px of content in ${el.clientWidth} px)`);
  }
  const outside = [];
  for (const el of art.querySelectorAll('img, figure')) {
    const r = el.getBoundingClientRect();
    if (r.width > 0 && r.right > edge)
      outside.push(`<${el.tagName.toLowerCase()} ${el.getAttribute('src') || el.id || ''}> ends at ` +
                   `${Math.round(r.right)} px, the column at ${Math.round(edge)} px`);
  }
  const cells = [...art.querySelectorAll('td, th')].map(c => c.innerText.trim())
      .filter(t => /^[-+]?(nan|inf|infinity)$/i.test(t));
  const findings = [...document.querySelectorAll('table.findings tr.claim')]
      .map(tr => ({badge: !!tr.querySelector('span.outcome'),
                   text: tr.innerText.trim().replace(/\\s+/g, ' ').slice(0, 80)}));
  // content past the window's right edge that no box lets the reader scroll to: its nearest
  // ancestor that does not show overflow hides it (MathJax's screen-reader copy is hidden by design)
  const cut = [];
  for (const el of art.querySelectorAll('*')) {
    if (el.closest('mjx-assistive-mml') || (el.ownerSVGElement && el.tagName !== 'svg')) continue;
    const r = el.getBoundingClientRect();
    if (r.width === 0 || r.right <= window.innerWidth + 1) continue;
    let box = el.parentElement;
    while (box && box !== document.body && getComputedStyle(box).overflowX === 'visible') box = box.parentElement;
    if (box && ['hidden', 'clip'].includes(getComputedStyle(box).overflowX))
      cut.push(`${label(el)} ends at ${Math.round(r.right)} px, cut off by ${label(box).slice(0, 60)}`);
  }
  return {scrollers, outside, cells, findings, cut: cut.slice(0, 20), text: document.body.innerText,
          pageWidth: document.documentElement.scrollWidth,
          prose: [...art.querySelectorAll('p, li')].map(e => e.innerText).join('\\n'),
          links: [...art.querySelectorAll('a[href]')].map(a => a.getAttribute('href'))};
}"""


def measure(built, browser, width: int) -> dict:
    page = browser.new_page(viewport={"width": width, "height": 900})
    out = {}
    for name in pages(built):
        page.goto((built / name).as_uri(), wait_until="load")
        page.evaluate("() => window.MathJax && MathJax.startup ? MathJax.startup.promise : null")
        page.evaluate("() => document.querySelectorAll('article details').forEach(d => { d.open = true; })")
        out[name] = page.evaluate(MEASURE_JS)
    page.close()
    return out


@pytest.fixture(scope="module")
def wide(built, browser):
    return measure(built, browser, WIDE)


@pytest.fixture(scope="module")
def phone(built, browser):
    return measure(built, browser, PHONE)


def test_nothing_in_the_article_scrolls_sideways_at_1280_px(wide):
    problems = [f"{name}: {p}" for name, m in wide.items() for p in m["scrollers"]]
    assert not problems, f"{len(problems)} boxes scroll sideways:\n" + "\n".join(problems[:25])


def test_no_page_scrolls_sideways_on_a_phone(phone):
    wider = {name: m["pageWidth"] for name, m in phone.items() if m["pageWidth"] > PHONE}
    assert not wider, f"pages wider than the {PHONE} px screen (scrollWidth): {wider}"


def test_nothing_is_cut_off_on_a_phone(phone):
    problems = [f"{name}: {p}" for name, m in phone.items() for p in m["cut"]]
    assert not problems, "content a phone reader cannot reach:\n" + "\n".join(problems[:20])


def test_no_table_cell_reads_nan_or_inf(wide):
    bad = {name: m["cells"] for name, m in wide.items() if m["cells"]}
    assert not bad, f"table cells reading NaN/inf: { {n: c[:10] for n, c in bad.items()} }"


# an absolute path of the building machine: /tmp/..., /work/..., /home/... (not a URL's path)
MACHINE_PATH = re.compile(r"(?<![\w.~}$/-])(?:/(?:tmp|work|home|check|root|Users|mnt|scratch|private|srv))/\S*")


def test_no_page_shows_a_path_of_the_machine_that_built_it(wide):
    found = {name: sorted(set(MACHINE_PATH.findall(m["text"])))[:8] for name, m in wide.items()}
    found = {name: paths for name, paths in found.items() if paths}
    assert not found, f"machine paths in the page text: {found}"


def test_figures_fit_the_column_at_1280_px(wide):
    problems = [f"{name}: {p}" for name, m in wide.items() for p in m["outside"]]
    assert not problems, "\n".join(problems[:20])


def test_every_finding_has_its_outcome_badge(wide):
    rows = wide["book/results.html"]["findings"]
    assert rows, "the results page has no findings table (table.findings)"
    missing = [r["text"] for r in rows if not r["badge"]]
    assert not missing, f"{len(missing)} of {len(rows)} findings without an outcome badge: {missing[:8]}"


CHAPTER_NAMES = {"data chapter": "data", "evaluation chapter": "evaluation",
                 "results chapter": "results", "beyond chapter": "beyond", "SASRec": "sasrec",
                 "Caser": "caser", "Caser+": "caser_plus", "CosRec": "cosrec", "CosRec+": "cosrec_plus"}


def test_foundation_chapters_link_the_chapters_they_name(wide):
    """Where the data and evaluation chapters name another chapter (or the model it is about) in
    their prose, a link to that chapter is on the page."""
    missing = []
    for stem in ("data", "evaluation"):
        m = wide[f"book/{stem}.html"]
        linked = {urlsplit(h).path.rsplit("/", 1)[-1].removesuffix(".html") for h in m["links"]}
        for name, target in CHAPTER_NAMES.items():
            if target != stem and re.search(rf"(?<![\w-]){re.escape(name)}(?![\w+])", m["prose"]) \
                    and target not in linked:
                missing.append(f"{stem}.html names {name!r} without a link to {target}.html")
    assert not missing, "\n".join(missing)


class _Anchors(HTMLParser):
    """The ids (and <a name>) of a page and the hrefs of its links."""

    def __init__(self):
        super().__init__()
        self.ids, self.hrefs = set(), []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        for key in ("id",) + (("name",) if tag == "a" else ()):
            if attrs.get(key):
                self.ids.add(attrs[key])
        if tag == "a" and attrs.get("href"):
            self.hrefs.append(attrs["href"])


def test_every_internal_link_reaches_a_page_and_its_anchor(built):
    parsed = {}

    def anchors(path: Path) -> _Anchors:
        if path not in parsed:
            parsed[path] = _Anchors()
            parsed[path].feed(path.read_text(encoding="utf-8", errors="replace"))
        return parsed[path]

    broken = []
    for name in pages(built) + ["index.html", "search.html", "genindex.html"]:
        page = built / name
        if not page.exists():
            continue
        for href in anchors(page).hrefs:
            parts = urlsplit(href)
            if parts.scheme or parts.netloc or href.startswith(("mailto:", "javascript:")):
                continue                                       # external
            target = page if not parts.path else Path(unquote(urljoin(page.as_uri(), parts.path)[len("file://"):]))
            if target.is_dir():
                target = target / "index.html"
            if not target.exists():
                broken.append(f"{name}: {href} (no file {target.relative_to(built) if target.is_relative_to(built) else target})")
            elif parts.fragment and target.suffix == ".html" and unquote(parts.fragment) not in anchors(target).ids:
                broken.append(f"{name}: {href} (no anchor #{parts.fragment} in {target.name})")
    assert not broken, f"{len(broken)} broken internal links:\n" + "\n".join(sorted(set(broken))[:25])


def test_no_page_shows_the_injected_parameters(wide):
    """papermill's cell with the profile's values (it starts `# Parameters`) is removed from the
    pages; the chapter's own `parameters` cell stays."""
    shown = [name for name, m in wide.items() if re.search(r"^# Parameters$", m["text"], re.M)]
    assert not shown, f"pages showing papermill's injected-parameters cell: {shown}"


def test_downloads_are_the_clean_chapters(built):
    """The page's download button offers the chapter as committed: its `parameters` cell, no
    injected cell, no outputs (not the profile's executed copy)."""
    offered = sorted((built / "_sources" / "book").glob("*.ipynb"))
    assert offered, "no notebook downloads under _sources/book"
    problems = []
    for path in offered:
        cells = json.loads(path.read_text())["cells"]
        tags = [t for c in cells for t in c.get("metadata", {}).get("tags", [])]
        if "injected-parameters" in tags or tags.count("parameters") != 1:
            problems.append(f"{path.name}: tags {sorted(set(tags))}")
        if any(c.get("outputs") for c in cells if c["cell_type"] == "code"):
            problems.append(f"{path.name}: has outputs (the executed copy)")
        if path.read_bytes() != (ROOT / "book" / path.name).read_bytes():
            problems.append(f"{path.name}: differs from book/{path.name}")
    assert not problems, "\n".join(problems)


def test_hide_injected_parameters_tags_only_papermills_cell(tmp_path):
    import nbformat
    from rebuild.book import hide_injected_parameters
    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell("a = 1", metadata={"tags": ["parameters"]}),
        nbformat.v4.new_code_cell("# Parameters\na = 2", metadata={"tags": ["injected-parameters"]}),
        nbformat.v4.new_code_cell("print(a)")])
    path = tmp_path / "chapter.ipynb"
    nbformat.write(nb, path)
    assert hide_injected_parameters(path) == 1
    assert hide_injected_parameters(path) == 0                     # once is enough
    tags = [c.metadata.get("tags") for c in nbformat.read(path, as_version=4).cells]
    assert tags == [["parameters"], ["injected-parameters", "remove-cell"], None]


FOLDED_SCREENS = 2.3          # the findings with every evidence folded: about two screens


def test_the_folded_findings_fit_about_two_screens_at_1280_px(built, browser):
    """The findings table as a reader first sees it (every <details> closed, as the page opens):
    one row per claim scans in about two screens of 1280 x 900 px; each row's evidence opens
    with one click."""
    page = browser.new_page(viewport={"width": WIDE, "height": 900})
    page.goto((built / "book" / "results.html").as_uri(), wait_until="load")
    folded = page.evaluate("""() => { const t = document.querySelector('table.findings');
        return t && {height: t.getBoundingClientRect().height,
                     open: t.querySelectorAll('details[open]').length,
                     rows: t.querySelectorAll('tr.claim').length,
                     folds: t.querySelectorAll('tr.evidence details').length}; }""")
    page.close()
    assert folded, "the results page has no findings table (table.findings)"
    assert folded["open"] == 0 and folded["folds"] == folded["rows"] > 0
    assert folded["height"] <= FOLDED_SCREENS * 900, (
        f"the folded findings are {folded['height']:.0f} px tall, {folded['height'] / 900:.1f} screens")
