"""lab.figures.charts and lab.computing: a declared figure with its CSV and code panel; computations by Experiment or
function."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

import lab
from residual_core.catalog import gradient_flow, vanishing
from residual_core.experiments.vanishing import products_experiment
from tests.conftest import chart_frame, open_code_panels, open_file_panels


def test_csv_file_names_are_experiment_figure_and_parameters():
    result = products_experiment(0.9, 20, 3)
    assert (
        lab.file_name(vanishing.PRODUCTS, "gradients", result)
        == "products-gradients-factor0.9-depth20-initdefault-seed3"
    )
    flow = {"depth": 50, "width": 64, "alpha": 0.1, "activation": "tanh", "seed": 0}
    name = lab.file_name(gradient_flow.SEEDS, "per-layer", flow)
    assert name == "gradient-seeds-per-layer-depth50-width64-alpha0.1-activationtanh-seed0"


SCRIPT = """
import streamlit as st
import lab
from residual_core.catalog import vanishing as declared
from residual_core.experiments.vanishing import products_experiment
by_experiment = lab.compute(declared.PRODUCTS, factor=0.9, depth=12, seed=1)
by_function = lab.compute(products_experiment, factor=0.9, depth=12, seed=1)
st.write(f"same={by_experiment == by_function}")
lab.figure(declared.PRODUCTS, "gradients", by_experiment, log_y=False)
lab.figure(declared.PRODUCTS, "running-product", by_experiment, final=False)
"""


def test_a_declared_figure_draws_its_chart_csv_and_code():
    at = AppTest.from_string(SCRIPT, default_timeout=60).run()
    assert not at.exception
    assert "same=True" in [m.value for m in at.markdown]
    frame = chart_frame(at, "gradients", column="grad_norm")
    result = products_experiment(0.9, 12, 1)
    plain = frame[frame["series"] == "plain"].sort_values("layer")["grad_norm"].tolist()
    assert plain == [m["plain"] for m in result["measured"]]
    assert len(at.get("vega_lite_chart")) == 2
    # final=False: the live chart alone, no files, no data table, no code panel
    assert [e.label for e in at.expander] == ["Details: data and files · the code"]
    assert at.get("download_button") == [] and at.dataframe == []  # sent only when opened
    at = open_file_panels(at)
    assert [b.label for b in at.get("download_button")] == ["CSV", "SVG", "PNG"] and len(at.dataframe) == 1
    code = "\n".join(c.value for c in open_code_panels(at).code)
    assert code.count("def products_experiment") == 1 and "def geometric_fit" in code
