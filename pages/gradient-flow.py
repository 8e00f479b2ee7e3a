"""Gradient flow (reference text, section 3.8; exercises 5 and 8).

Computed by residual_core/experiments/gradient_flow.py, declared (sections, figures, code) in
residual_core/catalog/gradient_flow.py, its teaching text in residual_core/catalog/gradient_flow_text.py.
"""

import pandas as pd
import streamlit as st

import lab
from residual_core.catalog import gradient_flow as declared
from residual_core.catalog import gradient_flow_text as text
from residual_core.options import GRADIENT_FLOW, TRAINING_EXPERIMENT

lab.page("gradient-flow")
st.markdown(text.INTRO)

c1, c2, c3 = st.columns(3)
depth = lab.slider(GRADIENT_FLOW["depth"], container=c1)
alpha = lab.slider(GRADIENT_FLOW["alpha"], container=c2)
activation = lab.choice(GRADIENT_FLOW["activation"], container=c3)
with lab.more_settings():
    c4, c5, c6 = st.columns([4, 4, 2])
    width = lab.slider(GRADIENT_FLOW["width"], container=c4)
    init = lab.choice(GRADIENT_FLOW["init"], container=c5)
    seed = lab.number(GRADIENT_FLOW["seed"], container=c6)
args = {"depth": depth, "width": width, "alpha": alpha, "activation": activation, "init": init, "seed": seed}

flow = lab.compute(declared.FLOW, **args)
lab.ask(declared.FLOW.question, args, flow)  # predict, then reveal
spread = lab.compute_with_progress(declared.SEEDS, label="Running 5 seeds…", **args)

with lab.section(declared.GRADIENT_AT_EVERY_LAYER, spread, args) as sec:
    sec.figures()
    sec.more("How to read it", lambda: st.markdown(text.per_layer_reading(spread, flow, args)))
    sec.more("The networks", lambda: st.markdown(text.NETWORKS_TEXT))

with lab.section(declared.SECTION_3_8_LIVE, flow, args) as sec:
    sec.metrics()
    sec.claims()
    vs = lab.compute_with_progress(declared.VS_TEXT, label="Running 5 seeds…", seed=seed)

    def vs_text():
        st.caption(text.vs_text_caption(vs, args))
        st.table(pd.DataFrame(text.vs_text_table(vs, args)).set_index("quantity"))
        st.markdown(text.vs_text_reading(vs))

    sec.more(text.VS_TEXT_HEADING, vs_text)
    lab.code_panel([declared.VS_TEXT.func, *declared.VS_TEXT.code])

with lab.section(declared.ACTIVATIONS_THROUGH_THE_LAYERS) as sec:
    acts = lab.compute(declared.ACTIVATIONS, **args)
    sec.bind(acts, args)
    st.markdown(text.RMS_LABEL)
    sec.figures("rms")
    st.markdown(text.SPREAD_LABEL)
    sec.figures("spread")
    sec.more("How to read them", lambda: st.markdown(text.activations_reading(acts, args)))
    sec.claims()

with lab.section(declared.DEPTH_TIMES_ALPHA) as sec:
    grid_args = {"width": width, "activation": activation, "init": init, "seed": seed}
    grid = lab.compute_with_progress(declared.DEPTH_ALPHA, label="Depth × α grid…", **grid_args)
    sec.bind(grid, grid_args)  # computed under its heading, with a progress bar
    sec.figures()
    sec.claims(seeds=lab.ON_DEMAND, run="grid")  # a grid per seed: counted on request
    sec.more("How to read it", lambda: st.markdown(text.depth_alpha_reading(grid, grid_args)))
    sec.more("Not enough to train", lambda: st.markdown(text.DEGRADATION))
    lab.page_link(
        "training",
        label="Training lab: plain vs residual by depth, Xavier initialisation",
        icon=":material/model_training:",
        **{TRAINING_EXPERIMENT.name: "depth", "init": "xavier", "max_depth": "64"},
    )
