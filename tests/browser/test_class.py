"""Real-browser checks of what a lecture hall sees: the share panel's QR code and copy button, presenter mode's large
type and corner QR code, SVG/PNG/CSV downloads, every page with every other host blocked, every page at 390 px
(normal and presenter mode), and ``?embed=true`` inside another site's frame.

One ``streamlit run app.py`` serves the whole module (the tests in test_browser.py start their own, cold).
"""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET
from urllib.parse import parse_qsl, urlsplit

import pytest

import lab
from lab.chrome import nav
from tests.browser.test_browser import Server

zxingcpp = pytest.importorskip("zxingcpp")
Image = pytest.importorskip("PIL.Image")

# The training lab trains on arrival: small settings keep its run to a second or two.
SMALL_TRAINING = "steps=10&layers=1&d_model=16&batch=8&seq_len=4"
PAGES = [p for p in lab.available_pages()]
LOCAL = {"127.0.0.1", "localhost"}
PHONE = (390, 844)
PROJECTOR = (1280, 720)


def _path(info, extra: str = "") -> str:
    query = "&".join(q for q in (SMALL_TRAINING if info.key == "training" else "", extra) if q)
    return info.key + (f"?{query}" if query else "")


@pytest.fixture(scope="module")
def server():
    s = Server()
    yield s
    s.stop()


class Offline:
    """A browser context in which every request to another host is aborted and recorded."""

    def __init__(self, browser, viewport=(1280, 800), **options):
        self.blocked: list[str] = []
        self.context = browser.new_context(viewport={"width": viewport[0], "height": viewport[1]}, **options)
        self.context.route("**/*", self._route)

    def _route(self, route):
        if urlsplit(route.request.url).hostname in LOCAL or route.request.url.startswith(("data:", "blob:")):
            route.fallback()
        else:
            self.blocked.append(route.request.url)
            route.abort()

    def close(self):
        self.context.unroute_all(behavior="ignoreErrors")
        self.context.close()


SETTLED = (
    "() => !document.querySelector('[data-testid=\"stStatusWidget\"] button')"
    " && !document.querySelector('[data-stale=\"true\"]')"
    " && [...document.querySelectorAll('[data-testid=\"stVegaLiteChart\"]')]"
    "      .every(c => c.querySelector('svg.marks, canvas'))"
)


def _ready(page, *, charts: bool = True, trained: bool = False):
    """Wait until the script run has finished and every chart is drawn by vega-embed (twice, a moment apart: a run
    that has not started yet looks finished too)."""
    page.wait_for_selector("h1", timeout=60_000)
    if trained:
        page.wait_for_function("() => document.body.innerText.includes('Trained in')", timeout=120_000, polling=300)
    if charts:
        page.wait_for_selector("[data-testid='stVegaLiteChart'] svg.marks", timeout=120_000)
    for _ in range(2):
        page.wait_for_function(SETTLED, timeout=120_000, polling=200)
        page.wait_for_timeout(500)


def _open(context, url: str, *, charts: bool = True, trained: bool = False):
    page = context.new_page()
    page.goto(url)
    _ready(page, charts=charts, trained=trained)
    return page


def _decode(png: bytes) -> list[str]:
    return [r.text for r in zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))]


def _same_url(a: str, b: str) -> bool:
    """Same scheme, host, path and query parameters (in any order)."""
    pa, pb = urlsplit(a), urlsplit(b)
    return (pa.scheme, pa.netloc, pa.path.rstrip("/")) == (pb.scheme, pb.netloc, pb.path.rstrip("/")) and sorted(
        parse_qsl(pa.query)
    ) == sorted(parse_qsl(pb.query))


def _open_share_panel(page):
    page.get_by_role("button", name="Share this view").click()
    page.locator(".lab-qr img").wait_for(timeout=30_000)
    page.wait_for_timeout(300)


# -- share ------------------------------------------------------------------------------------------------------------
def test_the_share_panels_qr_code_and_copy_button_give_the_pages_own_url(server, browser):
    ctx = Offline(browser)
    ctx.context.grant_permissions(["clipboard-read", "clipboard-write"])
    page = _open(ctx.context, server.url("vanishing?factor=1.1&depth=40"))
    _open_share_panel(page)
    assert _decode(page.locator(".lab-qr img").screenshot()) == [page.url]
    page.locator("[data-testid='stPopoverBody'] button[aria-label='Copy to clipboard']").click()
    page.wait_for_timeout(300)
    assert page.evaluate("() => navigator.clipboard.readText()") == page.url

    # a control moved: the address changes and the panel follows it
    page.keyboard.press("Escape")
    slider = page.locator("[data-testid='stSlider'] input[type='range']").nth(1)
    slider.focus()
    page.keyboard.press("ArrowRight")
    page.wait_for_function("() => window.location.search.includes('depth=41')", timeout=30_000)
    _ready(page)
    _open_share_panel(page)
    (decoded,) = _decode(page.locator(".lab-qr img").screenshot())
    assert _same_url(decoded, page.url) and "depth=41" in decoded and "factor=1.1" in decoded
    assert ctx.blocked == []
    ctx.close()


# -- presenter mode ---------------------------------------------------------------------------------------------------
def test_presenter_mode_has_large_type_collapsed_sidebar_full_width_charts_and_the_students_qr(server, browser):
    ctx = Offline(browser, viewport=PROJECTOR)
    page = _open(ctx.context, server.url("gradient-flow?depth=30&present=1"))
    sizes = page.evaluate(
        "() => [...document.querySelectorAll('.stMain [data-testid=\"stMarkdown\"] p')]"
        "  .filter(p => p.innerText.trim().length > 40).map(p => parseFloat(getComputedStyle(p).fontSize))"
    )
    assert sizes and min(sizes) >= 24, sizes
    sidebar = page.locator("[data-testid='stSidebar']")
    assert sidebar.get_attribute("aria-expanded") == "false" or sidebar.bounding_box()["width"] < 5
    left, right = page.evaluate(
        "() => { const b = document.querySelector('[data-testid=\"stMainBlockContainer\"]');"
        " const r = b.getBoundingClientRect(), s = getComputedStyle(b);"
        " return [r.left + parseFloat(s.paddingLeft), r.right - parseFloat(s.paddingRight)]; }"
    )
    charts = page.locator("[data-testid='stVegaLiteChart']").all()
    assert len(charts) >= 4
    for chart in charts:  # every chart spans the page's column (none shares a row)
        box = chart.bounding_box()
        assert box["x"] <= left + 1 and box["x"] + box["width"] >= right - 2, (box, left, right)
    corner = page.locator(".lab-present-corner")
    box = corner.bounding_box()
    assert box["x"] + box["width"] <= PROJECTOR[0] and box["y"] + box["height"] <= PROJECTOR[1]
    assert box["x"] > PROJECTOR[0] * 0.7 and box["y"] > PROJECTOR[1] * 0.3  # the bottom-right corner
    assert corner.evaluate("e => getComputedStyle(e).position") == "fixed"
    student = page.url.replace("&present=1", "")
    assert _decode(corner.locator("img").screenshot()) == [student]
    assert right <= box["x"]  # the corner covers nothing: the page's column stops short of it
    ctx.close()


# -- downloads --------------------------------------------------------------------------------------------------------
def test_svg_png_and_csv_downloads_are_valid_files_named_after_their_parameters(server, browser):
    ctx = Offline(browser, accept_downloads=True)
    page = _open(ctx.context, server.url("vanishing?depth=12&axis=linear"))
    name = "products-running-product-factor0.9-depth12-initdefault-seed0-logyfalse"
    page.get_by_text("Data and files").first.click()  # the files under the first chart, sent when opened
    row = page.locator("[class*='st-key-lab-files-']").first
    row.wait_for(timeout=30_000)
    got = {}
    for label in ("SVG", "PNG", "CSV"):
        button = row.get_by_role("button", name=label, exact=True)
        with page.expect_download(timeout=60_000) as info:
            button.click()
        download = info.value
        got[label] = (download.suggested_filename, download.path().read_bytes())
    svg_name, svg = got["SVG"]
    assert svg_name == f"{name}.svg"
    root = ET.fromstring(svg)
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    assert "product of l factors" in svg.decode() and root.find("{http://www.w3.org/2000/svg}desc").text
    png_name, png = got["PNG"]
    image = Image.open(io.BytesIO(png))
    assert png_name == f"{name}.png" and image.format == "PNG" and image.width >= 1600
    csv_name, csv = got["CSV"]
    assert csv_name == f"{name}.csv" and csv.decode().splitlines()[0] == "layer,series,product"
    assert len(csv.decode().splitlines()) == 1 + 3 * 13
    assert ctx.blocked == []
    ctx.close()


# -- every page: offline, on a phone, in presenter mode ---------------------------------------------------------------
PHONE_CHECK = """() => {
  const vw = document.documentElement.clientWidth;
  const main = document.querySelector('[data-testid="stMain"]');
  const block = document.querySelector('[data-testid="stMainBlockContainer"]');
  const wide = [];
  for (const k of document.querySelectorAll('.katex-display')) {
    // (+2: KaTeX's invisible 2-pixel strut after a subscript, .vlist-s, a Safari work-around)
    if (k.scrollWidth > k.clientWidth + 2) {
      wide.push('formula ' + k.scrollWidth + ' > ' + k.clientWidth + ': ' + k.textContent.slice(0, 30));
    }
  }
  for (const c of document.querySelectorAll('[data-testid="stVegaLiteChart"]')) {
    const svg = c.querySelector('svg.marks');
    // a chart in a closed expander keeps its last width until it is opened, and is laid out to fit then
    if (!svg || !c.checkVisibility()) continue;
    const right = svg.getBoundingClientRect().right;
    if (right > vw + 1) wide.push('chart ' + right);
    for (const l of svg.querySelectorAll('.role-legend')) {
      if (l.getBoundingClientRect().right > right + 1) wide.push('legend ' + l.getBoundingClientRect().right);
    }
  }
  for (const b of document.querySelectorAll('.stMain button, .lab-qr')) {
    if (b.getBoundingClientRect().right > vw + 1) wide.push('control ' + b.innerText.slice(0, 30));
  }
  return {page: document.documentElement.scrollWidth, vw, main: [main.scrollWidth, main.clientWidth],
          block: [block.scrollWidth, block.clientWidth], wide};
}"""


def _assert_fits_a_phone(page, what: str):
    fit = page.evaluate(PHONE_CHECK)
    assert fit["page"] <= fit["vw"] <= PHONE[0], (what, fit)
    assert fit["main"][0] <= fit["main"][1] + 1 and fit["block"][0] <= fit["block"][1] + 1, (what, fit)
    assert fit["wide"] == [], (what, fit)


def _assert_rendered(page, info):
    assert page.locator("h1").first.inner_text().strip() == nav.heading(info)
    assert page.locator("[data-testid='stException']").count() == 0
    assert page.locator(".katex-error").count() == 0
    charts = page.locator("[data-testid='stVegaLiteChart']")
    assert charts.count() == page.locator("[data-testid='stVegaLiteChart'] svg.marks").count()
    if info.key:
        assert charts.count() >= 1
    labels = page.evaluate(
        "() => [...document.querySelectorAll('[data-testid=\"stVegaLiteChart\"]')]"
        "  .map(c => c.getAttribute('aria-label') || '')"
    )
    assert all(len(label) > 40 for label in labels), labels  # the description, read out by screen readers
    # every font the page uses is loaded (bundled with the app: none from elsewhere)
    assert page.evaluate("async () => { await document.fonts.ready; return document.fonts.status; }") == "loaded"
    failed = page.evaluate("() => [...document.fonts].filter(f => f.status === 'error').map(f => f.family)")
    assert failed == []
    broken = page.evaluate("() => [...document.images].filter(i => i.complete && i.naturalWidth === 0).length")
    assert broken == 0


@pytest.mark.parametrize("info", PAGES, ids=lambda p: p.key or "home")
def test_every_page_renders_offline_on_a_laptop_and_a_phone_and_presents(server, browser, info):
    trained = info.key == "training"
    ctx = Offline(browser)
    page = _open(ctx.context, server.url(_path(info)), charts=bool(info.key), trained=trained)
    _assert_rendered(page, info)
    page.set_viewport_size({"width": PHONE[0], "height": PHONE[1]})
    page.wait_for_timeout(800)  # charts and columns reflow
    _assert_fits_a_phone(page, f"{info.key} at 390 px")
    _open_share_panel(page)
    _assert_fits_a_phone(page, f"{info.key} share panel at 390 px")
    page.close()

    page = _open(ctx.context, server.url(_path(info, "present=1")), charts=bool(info.key), trained=trained)
    page.set_viewport_size({"width": PHONE[0], "height": PHONE[1]})
    page.wait_for_timeout(800)
    _assert_rendered(page, info)
    _assert_fits_a_phone(page, f"{info.key} presenting at 390 px")
    page.set_viewport_size({"width": PROJECTOR[0], "height": PROJECTOR[1]})
    page.wait_for_timeout(800)
    sizes = page.evaluate(
        "() => [...document.querySelectorAll('.stMain [data-testid=\"stMarkdown\"] p')]"
        "  .filter(p => p.innerText.trim().length > 40).map(p => parseFloat(getComputedStyle(p).fontSize))"
    )
    assert sizes and min(sizes) >= 24, (info.key, sizes)
    assert ctx.blocked == [], ctx.blocked
    ctx.close()


# -- embedded in slides or a learning platform ------------------------------------------------------------------------
def test_embedded_in_another_sites_frame(server, browser):
    ctx = Offline(browser, viewport=(1000, 700))
    page = ctx.context.new_page()
    url = server.url("vanishing?depth=40&embed=true")
    page.set_content(
        f'<html><body style="margin:0"><iframe src="{url}" width="960" height="560"></iframe></body></html>'
    )
    frame = next(f for f in page.frames if f.url.startswith(server.url("")))
    _ready(frame)
    assert frame.locator("h1").first.inner_text().strip() == "Vanishing & exploding"
    assert frame.locator("[data-testid='stException']").count() == 0
    sidebar = frame.locator("[data-testid='stSidebar']")  # folded away: the frame's width is the page's
    assert sidebar.count() == 0 or sidebar.bounding_box() is None or sidebar.bounding_box()["width"] < 5
    title = frame.locator("h1").first.bounding_box()
    share_button = frame.get_by_role("button", name="Share this view").bounding_box()
    assert abs((title["y"] + title["height"] / 2) - (share_button["y"] + share_button["height"] / 2)) < 30
    charts = frame.locator("[data-testid='stVegaLiteChart']").count()
    assert charts >= 2 and frame.locator("[data-testid='stVegaLiteChart'] svg.marks").count() == charts
    width = frame.evaluate("() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]")
    assert width[0] <= width[1]
    frame.get_by_role("button", name="Share this view").click()
    frame.locator(".lab-qr img").wait_for(timeout=30_000)
    # the student link is the app's own page, without the embedding
    assert _decode(frame.locator(".lab-qr img").screenshot()) == [server.url("vanishing?depth=40")]
    assert ctx.blocked == []
    ctx.close()
