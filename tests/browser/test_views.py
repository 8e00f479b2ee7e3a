"""Every concept page as the projector, the lecturer's laptop and a student's phone see it, measured in headless
Chromium: each visible plot area's height (also after scrolling it into view, where Vega lays it out again), where the
first chart starts, the words visible before anything is opened, metric labels and display formulas cut short, and
on the projector the size and darkness of chart text. The bounds are issue 17's (docs/lecture.md has the standard).

The measuring script is the one of ``../shared/tools/lecture_view.py`` (copied, so that the test stands alone).
"""

from __future__ import annotations

import re

import pytest

import lab
from tests.browser.test_browser import Server
from tests.browser.test_class import SMALL_TRAINING, Offline, _ready

VIEWS = {"present": (1920, 1080, "present=1"), "laptop": (1280, 800, ""), "phone": (390, 844, "")}
MIN_PLOT = {"present": 250, "laptop": 160, "phone": 140}  # px of plot area
FIRST_CHART = {"present": 1.0, "laptop": 1.0, "phone": 1.5}  # top of the first chart, in screen heights
MAX_WORDS = 900  # visible on the laptop before anything is opened
PROJECTOR_TEXT_PX = 18  # axis and legend labels on the projector
DARK = 110  # every colour channel of that text at most this (of 255)

TRAINING = [f"experiment={name}&{SMALL_TRAINING}" for name in ("transformer", "depth", "scaling", "gated")]
PAGES = [
    (info.key, query)
    for info in lab.available_pages()
    if info.key
    for query in (TRAINING if info.key == "training" else [""])
]

MEASURE_JS = r"""() => {
  // the plot area: the widest of Vega's group backgrounds (legends and title boxes are narrower)
  const plotHeight = (s, c) => { const fr = [...s.querySelectorAll('path.background')]
      .map(p => p.getBoundingClientRect()).filter(r => r.width > 100 && r.height > 0);
    if (!fr.length) return Math.round(c.getBoundingClientRect().height);
    const w = Math.max(...fr.map(r => r.width));
    return Math.round(Math.min(...fr.filter(r => r.width >= w - 2).map(r => r.height))); };
  const m = document.querySelector('[data-testid=stMain]');
  const mr = m.getBoundingClientRect();
  const vh = window.innerHeight;
  const charts = [...document.querySelectorAll('[data-testid=stVegaLiteChart]')].filter(c => c.offsetParent !== null);
  const plots = charts.map(c => { const s = c.querySelector('svg'); return s ? plotHeight(s, c) : null; })
      .filter(x => x !== null);
  const visuals = [...document.querySelectorAll(
      '[data-testid=stVegaLiteChart], [data-testid=stGraphVizChart], [data-testid=stImage]')]
      .filter(c => c.offsetParent !== null);
  const top = visuals.length ? (visuals[0].getBoundingClientRect().top + m.scrollTop - mr.top) / vh : null;
  const cutLabels = [...m.querySelectorAll('[data-testid=stMetricLabel]')].filter(l => {
    const p = l.querySelector('p, div'); return p && p.scrollWidth > p.clientWidth + 1; }).map(l => l.innerText);
  const cutFormulas = [...m.querySelectorAll('.katex-display')].filter(k => k.scrollWidth > k.clientWidth + 2)
      .map(k => k.innerText.slice(0, 60));
  const labels = charts.flatMap(c => [...c.querySelectorAll(
      'svg g.role-axis-label text, svg g.role-axis-title text, svg g.role-legend-label text,'
      + ' svg g.role-legend-title text')])
      .map(t => { const cs = getComputedStyle(t);
        return [parseFloat(t.getAttribute('font-size') || cs.fontSize), t.getAttribute('fill') || cs.fill,
                t.textContent]; });
  return {plots, first_chart: top, words: (m.innerText || '').split(/\s+/).filter(Boolean).length,
          cut_labels: cutLabels, cut_formulas: cutFormulas, labels,
          exceptions: document.querySelectorAll('[data-testid=stException]').length};
}"""

PLOT_IN_VIEW_JS = r"""(i) => {
  const c = [...document.querySelectorAll('[data-testid=stVegaLiteChart]')].filter(c => c.offsetParent !== null)[i];
  if (!c) return null;
  c.scrollIntoView({block: 'center'});
  return true;
}"""

PLOT_HEIGHT_JS = r"""(i) => {
  const c = [...document.querySelectorAll('[data-testid=stVegaLiteChart]')].filter(c => c.offsetParent !== null)[i];
  const s = c && c.querySelector('svg'); if (!s) return null;
  const fr = [...s.querySelectorAll('path.background')].map(p => p.getBoundingClientRect())
      .filter(r => r.width > 100 && r.height > 0);
  if (!fr.length) return Math.round(c.getBoundingClientRect().height);
  const w = Math.max(...fr.map(r => r.width));
  return Math.round(Math.min(...fr.filter(r => r.width >= w - 2).map(r => r.height)));
}"""


@pytest.fixture(scope="module")
def server():
    s = Server()
    yield s
    s.stop()


def _channels(colour: str) -> list[int]:
    """``#1f2430``, ``#123`` or ``rgb(31, 36, 48)`` as its three channels."""
    if colour.startswith("#"):
        digits = colour[1:]
        digits = "".join(d * 2 for d in digits) if len(digits) == 3 else digits[:6]
        return [int(digits[i : i + 2], 16) for i in (0, 2, 4)]
    return [int(float(x)) for x in re.findall(r"[\d.]+", colour)[:3]]


def measure(ctx, url: str, trained: bool) -> dict:
    page = ctx.new_page()
    page.goto(url)
    _ready(page, trained=trained)
    page.wait_for_timeout(1000)  # Vega settles its final layout
    seen = page.evaluate(MEASURE_JS)
    in_view = []
    for i in range(len(seen["plots"])):
        if page.evaluate(PLOT_IN_VIEW_JS, i):
            page.wait_for_timeout(400)
            in_view.append(page.evaluate(PLOT_HEIGHT_JS, i))
    seen["plots_in_view"] = [h for h in in_view if h is not None]
    page.close()
    return seen


@pytest.mark.slow
@pytest.mark.parametrize("view", list(VIEWS))
@pytest.mark.parametrize(("key", "query"), PAGES, ids=[k + (f"-{q.split('&')[0]}" if q else "") for k, q in PAGES])
def test_the_page_reads_in_this_view(server, browser, key, query, view):
    width, height, extra = VIEWS[view]
    ctx = Offline(browser, viewport=(width, height), is_mobile=width < 500, has_touch=width < 500)
    url = server.url(key + "?" + "&".join(q for q in (query, extra) if q))
    try:
        seen = measure(ctx.context, url, trained=key == "training")
    finally:
        ctx.close()
    where = f"{key}?{query} {view}"
    assert seen["exceptions"] == 0, where
    plots = seen["plots"] + seen["plots_in_view"]
    assert plots, f"{where}: no chart is drawn"
    assert min(plots) >= MIN_PLOT[view], (where, "plot heights", seen["plots"], seen["plots_in_view"])
    assert seen["first_chart"] is not None and seen["first_chart"] <= FIRST_CHART[view], (where, seen["first_chart"])
    assert seen["cut_labels"] == [], (where, seen["cut_labels"])
    assert seen["cut_formulas"] == [], (where, seen["cut_formulas"])
    if view == "laptop":
        assert seen["words"] <= MAX_WORDS, (where, seen["words"])
    if view == "present":
        small = [(size, text) for size, _, text in seen["labels"] if size < PROJECTOR_TEXT_PX]
        assert small == [], (where, "chart text under 18 px", small[:5])
        light = [(fill, text) for _, fill, text in seen["labels"] if max(_channels(fill)) > DARK]
        assert light == [], (where, "light chart text", light[:5])
