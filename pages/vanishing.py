"""Vanishing and exploding products (reference text, sections 3.1 and 3.8).

Computed by residual_core/experiments/vanishing.py, declared (sections, figures, code) in
residual_core/catalog/vanishing.py, its teaching text in residual_core/catalog/vanishing_text.py.
"""

import streamlit as st

import lab
from residual_core.catalog import vanishing as declared
from residual_core.catalog import vanishing_text as text
from residual_core.options import PRODUCTS, TRAINING_EXPERIMENT

INIT_COUNT_DEPTH = 150


def _product_numbers(data: dict, settings: dict) -> None:
    for col, m in zip(st.columns(3), text.product_metrics(data, settings), strict=True):
        col.metric(m.label, m.value, help=m.help)
    st.latex(text.CHAIN_RULE)
    st.caption(text.CHAIN_RULE_CAPTION)
    st.latex(text.chosen_power(settings))


def _jacobians(data: dict, settings: dict) -> None:
    st.latex(text.JACOBIANS)
    st.markdown(text.real_network_reading(data, settings))


lab.page("vanishing")
st.markdown(text.INTRO)

# -- controls -----------------------------------------------------------------------------------------------------
c1, c2, c3 = st.columns([3, 3, 2])
factor = lab.slider(PRODUCTS["factor"], container=c1)
depth = lab.slider(PRODUCTS["depth"], container=c2)
axis = lab.choice(declared.AXIS, container=c3)
log_y = axis == "log"

# -- one call into residual_core (cached) -------------------------------------------------------------------------
with lab.more_settings():
    c4, c5, _ = st.columns([3, 2, 3])
    init = lab.choice(PRODUCTS["init"], container=c4)
    seed = lab.number(PRODUCTS["seed"], container=c5)
settings = {"factor": factor, "depth": depth, "init": init, "seed": seed}
data = lab.compute(declared.PRODUCTS, **settings)
lab.ask(declared.PRODUCTS.question, settings, data)  # predict, then reveal: what lies below waits for the reveal

with lab.section(declared.RUNNING_PRODUCT, data, settings) as sec:
    sec.figures(log_y=log_y)
    # the product the page is about: its numbers and the chain rule, in the row of details
    sec.more("The product in numbers", lambda: _product_numbers(data, settings))

with lab.section(declared.REAL_NETWORK, data, settings) as sec:
    sec.figures(log_y=log_y)
    sec.text()
    sec.metrics()
    sec.claims()
    sec.more("Why: the Jacobians", lambda: _jacobians(data, settings))

with lab.section(declared.DEPTH_OR_INIT, None, {"depth": depth, "seed": seed}) as sec:
    sec.text()
    compare = lab.compute_with_progress(declared.INIT_COMPARE, label="Four initialisations…", depth=depth, seed=seed)
    sec.bind(compare)  # computed under its heading and text, with a progress bar
    left, right = st.columns(2)
    with left:
        sec.figures("plain", log_y=log_y)
    with right:
        sec.figures("residual", log_y=log_y)
    # Four networks per seed: seeds 0-4 are counted at once up to INIT_COUNT_DEPTH layers, on request beyond.
    sec.claims(seeds=True if depth <= INIT_COUNT_DEPTH else lab.ON_DEMAND)
    st.markdown(text.init_verdict(compare, {**sec.settings, "init": init}))
    sec.more("He initialisation and the degradation problem", lambda: st.markdown(text.init_more(compare)))
    lab.page_link(
        "training",
        label="Training lab: plain vs residual by depth, Xavier initialisation",
        icon=":material/model_training:",
        **{TRAINING_EXPERIMENT.name: "depth", "init": "xavier", "max_depth": "64"},
    )
