"""AppTest: what every page gets for the lecture hall from lab.page and lab.figure: the "Share this view" panel with
the exact link, presenter mode, links between pages, CSV/SVG/PNG buttons, a data table and a description for every
chart, and series told apart without colour."""

from __future__ import annotations

import json
import re

import pytest

import lab
from lab.chrome import nav, present, share
from residual_core.catalog import vanishing
from residual_core.charts import figure_spec, spec_json
from residual_core.experiments.vanishing import products_experiment
from tests.conftest import chart, charts, open_details, open_file_panels, run_page

VANISHING = "pages/vanishing.py"
# (the training lab trains live: its finished charts are checked in test_page_training.py)
CONCEPT_PAGES = [p for p in lab.available_pages() if p.key and p.key != "training"]


def _open_share(at):
    at.session_state["lab-share"] = True  # the popover's open state: its content is made only when it is open
    return at.run()


def _share_link(at) -> str:
    links = [c.value for c in at.code if c.value.startswith("http")]
    assert len(links) == 1, links
    return links[0]


# -- the exact link ---------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({}, "http://localhost:8501/vanishing"),
        ({"factor": "1.1", "depth": "40"}, "http://localhost:8501/vanishing?factor=1.1&depth=40"),
        ({"depth": "100"}, "http://localhost:8501/vanishing"),  # a value at its default is left out
        ({"depth": "abc", "factor": "1.1"}, "http://localhost:8501/vanishing?factor=1.1"),  # refused: default used
        ({"depth": "100000"}, "http://localhost:8501/vanishing?depth=500"),  # clamped: the value used
        ({"depth": "40", "present": "1"}, "http://localhost:8501/vanishing?depth=40"),  # never presenter mode
        ({"axis": "linear"}, "http://localhost:8501/vanishing?axis=linear"),
    ],
)
@pytest.mark.slow
def test_the_share_panel_gives_the_exact_link_of_the_view(params, expected):
    at = _open_share(run_page(VANISHING, params))
    assert not at.exception
    assert _share_link(at) == expected
    payloads = [h.proto.body for h in at.get("html") if "data-payload" in h.proto.body]
    assert any(f'data-payload="{expected.replace("&", "&amp;")}"' in body for body in payloads)


def test_the_share_panel_is_made_only_when_opened():
    at = run_page(VANISHING, {"depth": "40"})
    assert not [c for c in at.code if c.value.startswith("http")]
    assert not [h for h in at.get("html") if "data-payload" in h.proto.body]


@pytest.mark.slow
def test_every_page_has_the_share_panel_and_the_link_has_only_its_state():
    for info in lab.available_pages():
        at = _open_share(run_page(lab.page_file(info), {"seed": "3"} if info.key == "gradient-flow" else {}))
        assert not at.exception, info.key
        link = _share_link(at)
        expected = "http://localhost:8501/" + (f"{info.key}?seed=3" if info.key == "gradient-flow" else info.key)
        assert link == expected, info.key


@pytest.mark.parametrize(
    ("context_url", "headers", "key", "expected"),
    [
        ("https://lab.streamlit.app/vanishing", {}, "vanishing", "https://lab.streamlit.app/vanishing/"),
        ("http://127.0.0.1:8501", {}, "", "http://127.0.0.1:8501/"),
        (None, {"Host": "hall.example.org:8501"}, "vanishing", "http://hall.example.org:8501/vanishing/"),
        (
            None,
            {"Host": "x", "X-Forwarded-Host": "lab.example.org", "X-Forwarded-Proto": "https"},
            "",
            "https://lab.example.org/",
        ),
        (None, {}, "highway", "http://localhost:8501/highway/"),
        ("javascript:alert(1)", {}, "", "http://localhost:8501/"),
    ],
)
def test_the_page_address_comes_from_the_browser_then_the_request(context_url, headers, key, expected):
    assert share.page_address(context_url, headers, key) == expected


def test_compose_leaves_no_trailing_slash_on_a_page_and_encodes_values():
    assert share.compose("http://h/", {}) == "http://h/"
    assert share.compose("http://h/add-norm/", {"variant": "Pre-LN", "x": None}) == "http://h/add-norm?variant=Pre-LN"
    assert share.compose("http://h/a/", {"label": "a b&c"}) == "http://h/a?label=a+b%26c"


# -- presenter mode ---------------------------------------------------------------------------------------------------
def test_presenter_mode_injects_the_large_type_and_the_students_qr_code():
    at = run_page(VANISHING, {"depth": "40", "present": "1"})
    assert not at.exception
    bodies = [h.proto.body for h in at.get("html")]
    assert any(present.PRESENT_CSS.strip() in b for b in bodies)
    corner = [b for b in bodies if "lab-present-corner" in b and "<style>" not in b]
    assert len(corner) == 1
    assert 'data-payload="http://localhost:8501/vanishing?depth=40"' in corner[0]  # the student link: no present=1
    spec = chart(at, "running-product", section="the-running-product")["spec"]
    assert spec["config"]["axis"]["labelFontSize"] >= 18  # chart text readable from the back


def test_without_presenter_mode_there_is_no_presenter_style():
    at = run_page(VANISHING, {"depth": "40"})
    bodies = [h.proto.body for h in at.get("html")]
    assert not any(present.PRESENT_CSS.strip() in b for b in bodies)
    assert any(present.BASE_CSS.strip() in b for b in bodies)
    assert "labelFontSize" not in str(
        chart(at, "running-product", section="the-running-product")["spec"].get("config", {}).get("axis", {})
    )


def test_the_injected_style_is_fixed_text():
    # a visitor's URL never reaches a style sheet: both are module constants, whatever the query says
    at = run_page(VANISHING, {"present": "1", "depth": "</style><script>alert(1)</script>"})
    styles = [h.proto.body for h in at.get("html") if "<style>" in h.proto.body]
    assert styles == [(present.BASE_CSS + present.PRESENT_CSS + nav.HISTORY_JS).strip()]  # with the history script


@pytest.mark.slow
def test_navigation_keeps_presenter_mode():
    at = run_page("pages/gradient-flow.py", {"present": "1", "seed": "7", "depth": "30"})
    links = {p.proto.label: p.proto.query_string for p in at.get("page_link")}
    assert links["Highway vs residual"] == links["Home"] == "present=1"  # a name can mean another thing elsewhere
    cross = "Training lab: plain vs residual by depth, Xavier initialisation"  # a link that means one view
    assert links[cross] == "present=1&experiment=depth&init=xavier&max_depth=64"
    at = run_page("pages/gradient-flow.py", {"seed": "7"})
    links = {p.proto.label: p.proto.query_string for p in at.get("page_link")}
    assert links.pop(cross) == "experiment=depth&init=xavier&max_depth=64"
    assert set(links.values()) == {""}


def test_a_link_to_another_page_keeps_only_values_that_page_accepts():
    script = """
import json
import streamlit as st
from lab.chrome import share
st.text(json.dumps(share.carried("highway", {"depth": 40, "width": 9999, "nonsense": 1})))
st.text(json.dumps(share.carried("vanishing", {"depth": 100, "factor": "1.1"})))
st.text(json.dumps(share.carried("no-such-page", {"depth": 40})))
"""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_string(script, default_timeout=60)
    at.query_params["present"] = "1"
    at.run()
    assert not at.exception
    texts = [json.loads(t.value) for t in at.text]
    # width 9999 is out of the highway page's range, nonsense is no control there, depth=100 is vanishing's default
    assert texts == [{"present": "1", "depth": "40"}, {"present": "1", "factor": "1.1"}, {"present": "1"}]


# -- under every chart ------------------------------------------------------------------------------------------------
@pytest.mark.slow
@pytest.mark.parametrize("info", CONCEPT_PAGES, ids=lambda p: p.key)
def test_every_chart_has_files_a_table_and_a_description_and_dashes(info):
    at = run_page(lab.page_file(info))
    assert not at.exception
    assert at.get("download_button") == [] or info.key == "highway"  # sent only when opened (highway: a table's CSV)
    at = open_file_panels(at)
    assert not at.exception
    drawn = charts(at)
    assert drawn, info.key
    buttons = [b.label for b in at.get("download_button")]
    tables = [m for m in at.markdown if m.value.startswith("**Data and files")]  # one per chart, in the rows of details
    assert len(at.dataframe) >= len(tables)  # (a page may show tables of its own)
    for drawn_chart in drawn:
        spec = drawn_chart["spec"]
        assert len(spec.get("description", "")) > 40, spec.get("description")
        _assert_series_told_apart_without_colour(spec)
    # the page's own extra downloads (e.g. a table's CSV) come on top of three per chart
    assert buttons.count("SVG") == buttons.count("PNG") == len(drawn) == len(tables)
    assert buttons.count("CSV") >= len(drawn)


def _assert_series_told_apart_without_colour(spec: dict) -> None:
    """Every layer coloured by a series field also encodes it by dash or shape (or is an area/rect/text)."""

    def layers(node):
        yield node
        for child in node.get("layer", []):
            yield from layers(child)

    for layer in layers(spec):
        enc = layer.get("encoding", {})
        color = enc.get("color", {})
        mark = layer.get("mark", {})
        mark = mark.get("type") if isinstance(mark, dict) else mark
        if "field" not in color or mark in ("area", "rect", "text", None):
            continue
        assert "strokeDash" in enc or "shape" in enc or (mark == "line" and _sibling_markers(spec)), layer


def _sibling_markers(spec: dict) -> bool:
    return "'shape'" in str(spec)


def test_the_data_table_lists_the_charts_rows_when_opened():
    at = run_page(VANISHING, {"depth": "12"})
    at = open_details(at, ("details-a-real-network",))
    tables = at.dataframe
    assert len(tables) == 1
    rows = tables[0].value
    result = products_experiment(0.9, 12, 0)
    plain = rows[rows["series"] == "plain"].sort_values("layer")["grad_norm"].tolist()
    assert plain == [m["plain"] for m in result["measured"]]


def test_the_page_draws_the_spec_the_files_are_made_from():
    at = run_page(VANISHING, {"depth": "12", "factor": "1.2"})
    drawn = chart(at, "gradients", section="a-real-network")
    result = products_experiment(1.2, 12, 0)
    ours = spec_json(figure_spec(vanishing.PRODUCTS.figure("gradients"), result, log_y=True))
    spec = json.loads(json.dumps(drawn["spec"]))
    names = spec["usermeta"].pop("lab")  # what the page adds to the file's spec: where the chart is drawn
    assert names == {"experiment": "products", "figure": "gradients", "section": "a-real-network"}
    assert _streamlit_neutral(spec) == _streamlit_neutral(ours)
    main = next(f for f in drawn["data"] if "grad_norm" in f.columns)
    assert main["grad_norm"].tolist() == [r["grad_norm"] for r in vanishing.PRODUCTS.figure("gradients").rows(result)]


def _streamlit_neutral(spec: dict) -> str:
    """The spec without what Streamlit sets when it draws one: the data (sent apart), its sizing, its names for
    selection parameters and a blank legend title."""
    spec = {k: v for k, v in spec.items() if k not in ("datasets", "autosize", "width", "height", "padding")}
    text = json.dumps(spec, sort_keys=True)
    for i, param in enumerate(spec.get("params", [])):
        text = text.replace(f'"{param["name"]}"', f'"param-{i}"')
    text = re.sub(r'"view_[0-9a-f_]+"', '"view"', text)  # the layer a selection lives in (Altair's or Streamlit's name)
    return text.replace('"title": " "', '"title": null')


def test_file_names_carry_the_parameters_and_the_view():
    at = open_file_panels(run_page(VANISHING, {"depth": "12", "axis": "linear"}))
    keys = {b.key for b in at.get("download_button")}
    assert "svg-products-gradients-factor0.9-depth12-initdefault-seed0-logyfalse" in keys
    assert "png-products-running-product-factor0.9-depth12-initdefault-seed0-logyfalse" in keys
    # (the file names themselves are checked on real downloads: tests/browser/test_class.py)
