"""The headless Chromium every browser test drives (one per test module); the server fixtures stay with their
modules (each starts the app its own way)."""

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


def pytest_collection_modifyitems(config, items):
    """Every test in this folder is a browser test (``-m "not browser"`` leaves them out)."""
    here = Path(__file__).parent
    for item in items:
        if Path(item.fspath).is_relative_to(here):
            item.add_marker(pytest.mark.browser)
