"""Highway vs residual (reference text, section 3.3, "Highway networks perspective").

Computed by residual_core/experiments/highway.py, declared (sections, figures, code) in
residual_core/catalog/highway.py, its text in residual_core/catalog/highway_text.py.
"""

import pandas as pd
import streamlit as st

import lab
from residual_core.catalog import highway as declared
from residual_core.catalog import highway_text as text
from residual_core.options import HIGHWAY, HIGHWAY_TRAIN

lab.page("highway")
st.markdown(
    "**Highway networks** (Srivastava, Greff & Schmidhuber, 2015) gate each layer: per feature, how much of the "
    "transform to use and how much of the input to carry through unchanged:"
)
st.latex(
    r"y = T(x)\odot H(x) + \bigl(1 - T(x)\bigr)\odot x,\qquad "
    r"H(x) = \tanh(W_H x + b_H),\quad T(x) = \operatorname{sigmoid}(W_T x + b_T)"
)

# -- 1. the gate at initialisation ---------------------------------------------------------------------------------
# the controls sit under the heading, so each section is entered before its result exists and handed it once computed
with lab.section(declared.AT_INIT_SECTION) as sec:
    c1, c2 = st.columns(2)
    depth = lab.slider(HIGHWAY["depth"], container=c1)
    gate_bias = lab.slider(HIGHWAY["gate_bias"], container=c2)
    with lab.more_settings():
        c3, c4 = st.columns([3, 1])
        width = lab.slider(HIGHWAY["width"], container=c3)
        seed = lab.number(HIGHWAY["seed"], container=c4)
    at_init_args = {"depth": depth, "width": width, "gate_bias": gate_bias, "seed": seed}
    data = lab.compute(declared.AT_INIT, **at_init_args)
    lab.ask(declared.AT_INIT.question, at_init_args, data)
    sec.bind(data, at_init_args)
    sec.figures()
    sec.metrics()
    sec.more("How to read it", lambda: st.markdown(text.at_init_reading(data, at_init_args)))
    sec.more("The three stacks", lambda: st.markdown(text.at_init_text(data, at_init_args) + " " + text.GATE_BIAS))
    sec.claims()

# -- 2. T = 1 is not the residual ----------------------------------------------------------------------------------
with lab.section(declared.GATE_CHECK_SECTION) as sec:
    sec.text()
    for formula in text.UNCOUPLED_FORMULAS:
        st.latex(formula)
    check_args = {"width": width, "seed": seed}
    check = lab.compute(declared.GATE_CHECK, **check_args)
    sec.bind(check, check_args)
    check_df = pd.DataFrame(check["rows"]).rename(columns=text.GATE_CHECK_COLUMNS)
    st.dataframe(check_df, hide_index=True, width="stretch")
    sec.metrics()
    sec.claims()
    sec.more("How it is checked", lambda: st.caption(text.gate_check_caption(check, check_args)))
    sec.more("The table as CSV", lambda: lab.csv_download(check_df, f"highway-gates-check-width{width}-seed{seed}"))
    lab.code_panel([declared.GATE_CHECK.func, *declared.GATE_CHECK.code])

# -- 3. training side by side ---------------------------------------------------------------------------------------
with lab.section(declared.TRAINED_SECTION) as sec:
    sec.more("The task", lambda: st.markdown(text.TRAINING_TEXT))
    t1, t2 = st.columns(2)
    layers = lab.slider(HIGHWAY_TRAIN["layers"], container=t1)
    steps = lab.slider(HIGHWAY_TRAIN["steps"], container=t2)
    train_args = {"layers": layers, "steps": steps, "gate_bias": gate_bias, "seed": seed}
    trained = lab.cached_result(declared.TRAINED, **train_args)
    if trained is None:
        offer = st.empty()  # the offer to train disappears once the result is there
        with offer.container():
            st.info(text.TRAINING_NOT_YET, icon=":material/hourglass_empty:")
            clicked = st.button("Train the three networks", icon=":material/play_arrow:", type="primary")
        if clicked:
            trained = lab.compute_with_progress(declared.TRAINED, label="Training…", **train_args)
            offer.empty()
    if trained is not None:
        sec.bind(trained, train_args)
        sec.metrics()
        sec.figures()
        st.markdown(text.training_reading(trained, train_args))
        sec.claims(seeds=lab.ON_DEMAND, run="training")
