"""AppTest: the home page and the vanishing/exploding page."""

from __future__ import annotations

import json
import re

import pytest

import lab
from residual_core import catalog
from residual_core.experiments.vanishing import exact_product, product_series, products_experiment
from tests.conftest import (
    ROOT,
    chart,
    chart_frame,
    charts,
    glance,
    open_code_panels,
    open_details,
    run_page,
    warnings_text,
)

PAGE = "pages/vanishing.py"


def test_page_paths_are_pinned():
    # Lecturers paste these into slides: changing one breaks their links.
    paths = {p.key: lab.page_file(p) for p in catalog.PAGES}
    assert paths["vanishing"] == PAGE and paths[""] == "app.py"
    for info in catalog.PAGES:
        if info.key:
            file = lab.page_file(info)
            name = re.sub(r"^\d+_", "", file.removeprefix("pages/").removesuffix(".py"))
            assert name == info.key, f"{file} would be served at /{name}, not /{info.key}"
    existing = sorted(p.name for p in (ROOT / "pages").glob("*.py"))
    assert existing == sorted(lab.page_file(p).removeprefix("pages/") for p in lab.available_pages() if p.key)
    assert lab.available_pages() == list(catalog.PAGES)  # every declared page has its script


def test_home_page_has_a_card_and_link_per_concept_page():
    at = run_page("app.py")
    assert not at.exception
    text = " ".join(m.value for m in at.markdown)
    assert "Residual Lab" in text and "copy" in text.lower()
    for info in lab.available_pages():
        if info.key:
            assert info.title in text and info.teaser in " ".join(c.value for c in at.caption)


@pytest.mark.slow
def test_defaults_render_and_chart_data_matches_residual_core():
    at = run_page(PAGE)
    assert not at.exception
    assert [s.value for s in at.slider] == [0.9, 100]
    products = chart_frame(at, "running-product", column="product", section="the-running-product")
    expected = product_series(0.9, 100)
    chosen = products[products["series"] == "chosen factor"]
    assert chosen["product"].tolist() == [r["product"] for r in expected]
    assert set(products["series"]) == {"chosen factor", "0.9^l", "1.1^l"}
    grads = chart_frame(at, "gradients", column="grad_norm", section="a-real-network")
    data = products_experiment(0.9, 100, 0)
    plain = grads[grads["series"] == "plain"].sort_values("layer")["grad_norm"].tolist()
    assert plain == [m["plain"] for m in data["measured"]]
    metrics = {m.label: m.value for m in open_details(at).metric}  # the product's numbers are in the row of details
    assert metrics["0.9¹⁰⁰"] == lab.fmt(exact_product(0.9, 100).value)


def test_sections_are_drawn_in_declared_order_with_each_figure_once():
    at = run_page(PAGE)
    assert not at.exception
    sections = catalog.page("vanishing").sections
    assert [s.value for s in at.subheader] == [s.heading for s in sections]
    assert [s.proto.anchor for s in at.subheader] == [s.name for s in sections]
    drawn = [c["spec"]["usermeta"]["lab"] for c in charts(at)]
    declared = [{"section": s.name, "figure": f.key} for s in sections for f in s.shown_figures]
    assert [{k: d[k] for k in ("section", "figure")} for d in drawn] == declared


@pytest.mark.slow
def test_deep_link_sets_the_controls_and_the_data():
    at = run_page(PAGE, {"factor": "1.1", "depth": "40", "axis": "linear"})
    assert not at.exception
    assert [s.value for s in at.slider] == [1.1, 40]
    assert not warnings_text(at)
    products = chart_frame(at, "running-product", column="product", section="the-running-product")
    chosen = products[products["series"] == "chosen factor"]["product"].tolist()
    assert chosen == [r["product"] for r in product_series(1.1, 40)]
    grads = chart_frame(at, "gradients", column="grad_norm", section="a-real-network")
    assert grads["layer"].max() == 40
    # linear axis chosen through the URL; the default is log
    assert at.button_group[0].value == "linear"
    assert '"log"' not in json.dumps(chart(at, "running-product", section="the-running-product")["spec"])
    assert '"log"' in json.dumps(chart(run_page(PAGE), "running-product", section="the-running-product")["spec"])


@pytest.mark.parametrize(
    ("params", "used"),
    [
        ({"depth": "abc"}, ("depth", 100)),
        ({"depth": "1e9"}, ("depth", 500)),
        ({"factor": "-3"}, ("factor", 0.5)),
        ({"axis": "sideways"}, ("axis", "log")),
    ],
)
@pytest.mark.slow
def test_bad_url_values_give_a_notice_and_a_usable_value(params, used):
    at = run_page(PAGE, params)
    assert not at.exception
    key, value = used
    notice = warnings_text(at)
    assert f"{key}=" in notice and f"{key}={value}" in notice.replace("*", "")
    widget = {"depth": lambda: at.slider[1], "factor": lambda: at.slider[0], "axis": lambda: at.button_group[0]}[key]()
    assert widget.value == value


def test_moving_a_slider_recomputes():
    at = run_page(PAGE)
    at.slider[1].set_value(20).run()
    assert not at.exception
    grads = chart_frame(at, "gradients", column="grad_norm", section="a-real-network")
    assert grads["layer"].max() == 20


def test_code_panel_shows_the_real_source():
    at = run_page(PAGE)
    code = "\n".join(c.value for c in open_code_panels(at).code)
    assert "def products_experiment" in code and "def layer_input_grad_norms" in code
    # the networks: the text's DeepNetwork as twins built from the layer classes
    assert "def twins" in code and "class Plain" in code and "class ScaledResidual" in code


LABELLED = """
import streamlit as st
import lab
from residual_core.bounds import Bound
B = Bound.choice("variant", ("post-ln", "pre-ln"), "post-ln")
value = lab.choice(B, labels={"post-ln": "Post-LN", "pre-ln": "Pre-LN"})
st.write(f"value={value}")
"""


@pytest.mark.parametrize(
    ("raw", "value", "noticed"), [("pre-ln", "pre-ln", False), ("Pre-LN", "pre-ln", False), ("x", "post-ln", True)]
)
def test_labelled_choice_accepts_the_option_and_its_label_from_the_url(raw, value, noticed):
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_string(LABELLED, default_timeout=30)
    at.query_params["variant"] = raw
    at.run()
    assert not at.exception
    assert f"value={value}" in [m.value for m in at.markdown]
    assert bool(warnings_text(at)) is noticed


def test_the_page_leads_with_its_chart_and_shows_at_most_900_words():
    at = run_page(PAGE)
    assert not at.exception
    words, before = glance(at)
    assert 0 < words <= 900, words
    assert sum(len(t.split()) for t in before) <= 120, before  # the title and intro, no long prose
