"""Shared test helpers: run a page with AppTest and read the data behind its charts."""

from __future__ import annotations

import itertools
import json
import os
import sys
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pytest
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def run_page(page_file: str, params: dict[str, str] | None = None, timeout: float = 120) -> AppTest:
    """Open ``page_file`` the way a deep link does (app.py is the entry point), with URL query parameters."""
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=timeout)
    if page_file != "app.py":
        at.switch_page(page_file)
    for key, value in (params or {}).items():
        at.query_params[key] = value
    return at.run()


def charts(at: AppTest) -> list[dict]:
    """Every vega-lite chart on the page: ``{"spec": dict, "data": [DataFrame, ...]}`` read from the element proto.

    ``data`` holds the chart's Arrow datasets in the order they appear in the proto.
    """
    out = []
    for element in at.get("vega_lite_chart"):
        proto = element.proto
        frames = [pa.ipc.open_stream(d.data.data).read_all().to_pandas() for d in proto.datasets]
        out.append({"spec": json.loads(proto.spec), "data": frames})
    return out


def chart(at: AppTest, figure: str, *, section: str | None = None) -> dict:
    """The one chart drawn from the figure called ``figure`` (in section ``section`` when given), found by the names
    ``lab.figure`` writes into its spec's ``usermeta`` — not by its position on the page."""
    found = [c for c in charts(at) if _names(c)[1] == figure and section in (None, _names(c)[0])]
    if len(found) != 1:
        drawn = ", ".join(f"{s}/{f}" for s, f in map(_names, charts(at)))
        raise AssertionError(f"{len(found)} charts of figure {figure!r} in section {section!r} (drawn: {drawn})")
    return found[0]


def _names(chart: dict) -> tuple[str | None, str | None]:
    meta = chart["spec"].get("usermeta", {}).get("lab", {})
    return meta.get("section"), meta.get("figure")


def chart_frame(at: AppTest, figure: str, *, column: str, section: str | None = None) -> pd.DataFrame:
    """The dataset of the chart of ``figure`` (see :func:`chart`) that has ``column`` (the main data, not a marker
    rule's)."""
    for frame in chart(at, figure, section=section)["data"]:
        if column in frame.columns:
            return frame
    raise AssertionError(f"chart {figure!r} has no dataset with a {column!r} column")


def warnings_text(at: AppTest) -> str:
    """All warning notices on the page as one string."""
    return "\n".join(w.value for w in at.warning)


@pytest.fixture
def page_runner():
    return run_page


def open_details(at: AppTest, prefixes: tuple[str, ...] = ("details-",)) -> AppTest:
    """Open every section's row of details (claims, derivations, each chart's files and data table, the code: sent
    only when opened) and every panel whose key starts with one of ``prefixes``, then rerun."""
    state = at.session_state._state._state.filtered_state
    for key in [k for k in state if str(k).startswith(prefixes)]:
        at.session_state[key] = True
    return at.run()


def open_code_panels(at: AppTest) -> AppTest:
    """Open every row of details and every code panel outside a section: the source of everything on the page."""
    return open_details(at, ("details-", "code-"))


def open_file_panels(at: AppTest) -> AppTest:
    """Open every row of details: each chart's files and data table."""
    return open_details(at)


# -- issue 21: the rooms' store on SQLite and on a real PostgreSQL server ----------------------------------------------


def visible_parts(at: AppTest) -> list[tuple[str, str]]:
    """``(kind, text)`` of every element a visitor sees before opening anything (not inside an expander), in page
    order: ``("text", words)`` for markdown, captions, formulas and metrics, ``("chart", "")`` for charts."""
    seen: list[tuple[str, str]] = []

    def walk(node, folded: bool) -> None:
        folded = folded or getattr(node, "type", None) in ("expander", "expandable")
        kids = getattr(node, "children", None)
        if kids is not None and not isinstance(node, list):
            for child in kids.values():
                walk(child, folded)
            return
        if folded:
            return
        kind = getattr(node, "type", "")
        if kind in ("markdown", "caption", "latex", "text"):
            seen.append(("text", node.value))
        elif kind == "metric":
            seen.append(("text", f"{node.label} {node.value}"))
        elif kind in ("vega_lite_chart", "arrow_vega_lite_chart"):
            seen.append(("chart", ""))

    walk(at.main, False)
    return seen


def glance(at: AppTest) -> tuple[int, list[str]]:
    """What a page shows before anything is opened: its visible word count and the texts above its first chart
    (the assertion fails when no chart is visible)."""
    seen = visible_parts(at)
    kinds = [kind for kind, _ in seen]
    assert "chart" in kinds, "no chart is visible before anything is opened"
    words = sum(len(text.split()) for kind, text in seen if kind == "text")
    return words, [text for _, text in seen[: kinds.index("chart")]]


def _services_required() -> bool:
    """CI (``.ci/run``) sets these: there a missing PostgreSQL or HAProxy fails the test instead of skipping it."""
    return "1" in (os.environ.get("RESIDUAL_LAB_REQUIRE_SERVICES"), os.environ.get("RESIDUAL_LAB_REQUIRE_BROWSER"))


def missing_service(what: str) -> None:
    """Skip the test for want of ``what`` locally; fail it in CI."""
    if _services_required():
        pytest.fail(f"{what} is missing but RESIDUAL_LAB_REQUIRE_SERVICES=1 (apt-get install postgresql haproxy)")
    pytest.skip(f"{what} is not installed")


@pytest.fixture(scope="session")
def pg_cluster():
    """A throw-away PostgreSQL server (tests/pg_cluster.py) for the whole session, on 127.0.0.1 and a free port."""
    from tests import pg_cluster as pg

    if pg.binaries() is None:
        missing_service("PostgreSQL (initdb, pg_ctl)")
    try:
        import psycopg  # noqa: F401
    except ImportError:
        missing_service("psycopg")
    cluster = pg.Cluster()
    cluster.start()
    yield cluster
    cluster.close()


_DATABASES = itertools.count()


@pytest.fixture
def pg_database(pg_cluster):
    """A fresh database on the session's server: its URL (with the role's password), dropped afterwards."""
    name = f"rooms_{os.getpid()}_{next(_DATABASES)}"
    url = pg_cluster.create_database(name)
    yield url
    pg_cluster.drop_database(name)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.slow)])
def store_url(request, tmp_path):
    """A store URL for an empty store: a fresh SQLite file, or a fresh database on the test PostgreSQL server."""
    if request.param == "sqlite":
        return f"sqlite://{tmp_path / 'rooms.sqlite3'}"
    return request.getfixturevalue("pg_database")
