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
    "Before residual networks, **highway networks** (Srivastava, Greff & Schmidhuber, 2015) trained very deep "
    "stacks with a learned *gate* that decides, per feature, how much of a layer's transform to use and how much of "
    "the input to carry through unchanged:"
)
st.latex(
    r"y = T(x)\odot H(x) + \bigl(1 - T(x)\bigr)\odot x,\qquad "
    r"H(x) = \tanh(W_H x + b_H),\quad T(x) = \operatorname{sigmoid}(W_T x + b_T)"
)
st.markdown(
    "The more **negative the gate bias** b_T, the closer the gate starts to 0 and the closer each layer starts to the "
    "identity, carrying the signal (and the gradient) through. The paper suggests −1 to −3, more negative for deeper "
    "nets."
)

# -- 1. the gate at initialisation ---------------------------------------------------------------------------------
# the controls sit under the heading, so each section is entered before its result exists and handed it once computed
with lab.section(declared.AT_INIT_SECTION) as sec:
    c1, c2, c3, c4 = st.columns([3, 3, 2, 2])
    depth = lab.slider(HIGHWAY["depth"], container=c1)
    gate_bias = lab.slider(HIGHWAY["gate_bias"], container=c2)
    width = lab.slider(HIGHWAY["width"], container=c3)
    seed = lab.number(HIGHWAY["seed"], container=c4)
    at_init_args = {"depth": depth, "width": width, "gate_bias": gate_bias, "seed": seed}
    data = lab.compute(declared.AT_INIT, **at_init_args)
    lab.ask(declared.AT_INIT.question, at_init_args, data)
    sec.bind(data, at_init_args)
    sec.text()
    sec.metrics()
    sec.figures()
    st.markdown(text.at_init_reading(data, at_init_args))
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
    st.caption(text.gate_check_caption(check, check_args))
    sec.claims()
    lab.csv_download(check_df, f"highway-gates-check-width{width}-seed{seed}")
    lab.code_panel([declared.GATE_CHECK.func, *declared.GATE_CHECK.code])

# -- 3. training side by side ---------------------------------------------------------------------------------------
with lab.section(declared.TRAINED_SECTION) as sec:
    sec.text()
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
