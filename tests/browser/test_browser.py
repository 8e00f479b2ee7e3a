"""Real headless-browser tests: what only a browser shows.

Each test starts a fresh ``streamlit run app.py`` and makes a deep link its very first request (as a lecturer's
link does after a Community Cloud wake-up), then checks the page that the browser renders.

Needs Debian's Chromium at /usr/bin/chromium (``apt-get install chromium``). Without it these tests are skipped,
unless RESIDUAL_LAB_REQUIRE_BROWSER=1 (set by CI), where a missing browser is a failure.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

import lab
from tests.conftest import ROOT

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]

if not CHROMIUM.exists():
    if os.environ.get("RESIDUAL_LAB_REQUIRE_BROWSER") == "1":
        raise RuntimeError("RESIDUAL_LAB_REQUIRE_BROWSER=1 but /usr/bin/chromium is missing (apt-get install chromium)")
    pytest.skip("Debian's chromium is not installed", allow_module_level=True)

sync_api = pytest.importorskip("playwright.sync_api")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """A freshly started ``streamlit run app.py`` on a free loopback port."""

    def __init__(self):
        self.port = _free_port()
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "streamlit",
                "run",
                "app.py",
                "--server.port",
                str(self.port),
                "--server.address",
                "127.0.0.1",
                "--server.headless",
                "true",
            ],
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        deadline = time.time() + 60
        while time.time() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/_stcore/health", timeout=2) as r:
                    if r.status == 200:
                        return
            except OSError:
                time.sleep(0.3)
        self.stop()
        raise RuntimeError("streamlit did not start within 60 s")

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}/{path}"

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()


@pytest.fixture
def server():
    s = Server()
    yield s
    s.stop()


def _open(browser, url: str, viewport=(1280, 900)):
    page = browser.new_page(viewport={"width": viewport[0], "height": viewport[1]})
    page.goto(url)
    page.wait_for_selector("h1", timeout=60_000)
    # wait for the navigation to be drawn, then for the script run to finish (no running indicator, no stale elements)
    page.wait_for_selector("[data-testid='stSidebar'] [data-testid='stCaptionContainer']", timeout=120_000)
    page.wait_for_function(
        "() => !document.querySelector('[data-testid=\"stStatusWidget\"] button')"
        " && !document.querySelector('[data-stale=\"true\"]')",
        timeout=120_000,
        polling=200,
    )
    page.wait_for_timeout(500)
    return page


def _assert_healthy(page, title: str):
    assert page.locator("h1").first.inner_text().strip() == title
    assert page.locator("[data-testid='stException']").count() == 0
    body = page.locator("body").inner_text()
    assert "Page not found" not in body and "Traceback" not in body


@pytest.mark.parametrize("info", [p for p in lab.available_pages() if p.key], ids=lambda p: p.key)
def test_every_page_opens_as_a_cold_deep_link(server, browser, info):
    # odd values on purpose: a lecturer's typo must still open the page, with a notice where a control is bound
    page = _open(browser, server.url(f"{info.key}?depth=abc&seed=1e9"))
    _assert_healthy(page, info.title)
    # the sidebar navigation names every page properly (no file names such as "app")
    nav = page.locator("[data-testid='stSidebar'] [data-testid='stPageLink']").all_inner_texts()
    assert [t.strip().split("\n")[-1] for t in nav] == [p.title for p in lab.available_pages()]
    page.close()


def test_deep_link_state_reaches_the_widgets_and_a_slider_move_updates_the_url(server, browser, tmp_path):
    page = _open(browser, server.url("vanishing?factor=1.1&depth=40"))
    _assert_healthy(page, "Vanishing & exploding")
    sliders = page.locator("[data-testid='stSlider'] input[type='range']")
    assert float(sliders.nth(0).get_attribute("value")) == 1.1
    assert sliders.nth(1).get_attribute("value") == "40"
    drawn = page.locator("[data-testid='stVegaLiteChart'] svg.marks")
    drawn.nth(3).wait_for(timeout=60_000)  # every chart drawn by vega-embed: the products, the network, two inits
    assert drawn.count() == 4
    page.screenshot(path=str(tmp_path / "vanishing.png"), full_page=True)
    sliders.nth(1).focus()
    page.keyboard.press("ArrowRight")
    page.wait_for_function("() => window.location.search.includes('depth=41')", timeout=30_000)
    assert "factor=1.1" in page.url
    page.close()


def test_a_bad_url_value_shows_a_notice_in_the_browser(server, browser):
    page = _open(browser, server.url("vanishing?depth=abc"))
    _assert_healthy(page, "Vanishing & exploding")
    notice = page.locator("[data-testid='stAlert']").first.inner_text()
    assert "depth=abc" in notice and "depth=100" in notice
    page.close()


def test_home_page_on_a_phone(server, browser):
    page = _open(browser, server.url(""), viewport=(390, 844))
    _assert_healthy(page, "Residual Lab")
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= 390 + 1, "the home page scrolls sideways on a phone"
    page.close()
