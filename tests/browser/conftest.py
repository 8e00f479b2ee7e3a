"""The headless Chromium every browser test drives (one per test module), and ``server``: the app on a loopback port
with a fresh data directory (its rooms' store) per test. A module that starts the app its own way defines its own
``server``, which takes precedence."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(scope="module")
def browser():
    from tests.browser.test_browser import ARGS, CHROMIUM, sync_api  # skips the module when Chromium is missing

    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=ARGS)
        yield b
        b.close()


@pytest.fixture
def server(tmp_path, monkeypatch):
    from tests.browser.test_browser import Server

    monkeypatch.setenv("RESIDUAL_LAB_DATA", str(tmp_path))  # the server's store: a fresh file in tmp_path
    s = Server()
    yield s
    s.stop()


def pytest_collection_modifyitems(config, items):
    """Every test in this folder is a browser test (``-m "not browser"`` leaves them out)."""
    here = Path(__file__).parent
    for item in items:
        if Path(item.fspath).is_relative_to(here):
            item.add_marker(pytest.mark.browser)
