"""The headless Chromium every browser test drives (one per test module); the server fixtures stay with their
modules (each starts the app its own way)."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="module")
def browser():
    from tests.browser.test_browser import ARGS, CHROMIUM, sync_api  # skips the module when Chromium is missing

    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=ARGS)
        yield b
        b.close()
