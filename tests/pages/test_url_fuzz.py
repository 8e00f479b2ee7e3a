"""Every page survives hostile URLs: any garbage in any of its query parameters gives notices, never a traceback.

The keys are discovered from the page itself (every widget bound to the URL), so a new control is fuzzed too.
"""

from __future__ import annotations

import pytest

import lab
from tests.conftest import run_page, warnings_text

GARBAGE = ["abc", "1e9", "-1e300", "nan", "", "0x10", "1,5", "%00", "🙂", "9" * 400]
PAGES = [p for p in lab.available_pages() if p.key]
# Pages that train or sweep (seconds per run) are fuzzed with fewer values to keep the suite quick.
SLOW = {"training", "highway", "add-norm", "why"}


def _bound_keys(at) -> list[str]:
    keys = []
    for kind in ("slider", "number_input", "button_group", "selectbox", "toggle", "checkbox", "radio"):
        keys += [w.key for w in getattr(at, kind) if w.key and not w.key.startswith("$$")]
    return keys


@pytest.mark.slow
@pytest.mark.parametrize("info", PAGES, ids=lambda p: p.key)
def test_garbage_in_every_parameter_at_once(info):
    file = lab.page_file(info)
    keys = _bound_keys(run_page(file))
    assert keys, f"{file} has no URL-bound control"
    values = GARBAGE[:3] if info.key in SLOW else GARBAGE
    for i in range(len(values)):
        params = {key: values[(i + j) % len(values)] for j, key in enumerate(keys)}
        at = run_page(file, params)
        assert not at.exception, f"{info.key} raised with {params}: {at.exception[0].message}"
        notices = warnings_text(at)
        for key, value in params.items():
            if value and value not in {"1e9"}:  # an in-range-looking number may be valid for some bounds
                assert f"`{key}=" in notices or not _refused(info, key, value), (key, value, notices)


def _refused(info, key, value) -> bool:
    """Whether the page's bound for ``key`` refuses ``value`` (then a notice must name it)."""
    from residual_core import bounds, options

    for obj in vars(options).values():
        candidates = obj.values() if isinstance(obj, dict) else [obj]
        for b in candidates:
            if isinstance(b, bounds.Bound) and b.name == key:
                try:
                    b.parse(value)
                except bounds.BoundError:
                    return True
                return False
    return True
