"""Why residual networks train: delete a block (Veit et al. 2016), slice the loss landscape (Li et al. 2018), see
shattered gradients (Balduzzi et al. 2017).

Computed by residual_core/experiments/lesion.py, landscape.py and shattered.py; declared (figures, code, claims,
sections) in residual_core/catalog/why.py and why_claims.py; its teaching text in why_text.py.
"""

import streamlit as st

import lab
from residual_core.catalog import why as declared
from residual_core.catalog import why_text as text
from residual_core.options import LANDSCAPE, LESION, SEED, SHATTERED_PAGE

lab.page("why")
st.markdown(text.INTRO)
seed = lab.number(SEED, help="One seed for all three experiments: weights, batches and directions.")


def metrics(shown) -> None:
    for col, m in zip(st.columns(len(shown)), shown, strict=True):
        col.metric(m.label, m.value, help=m.help)


# -- 1. delete a block ----------------------------------------------------------------------------------------------
with lab.section(declared.DELETE_SECTION):
    st.markdown(text.DELETE_TEXT)
    st.latex(text.DELETE_FORMULA)
    st.markdown(text.DELETE_AFTER)
    c1, c2, c3 = st.columns(3)
    depth = lab.slider(LESION["depth"], container=c1)
    width = lab.slider(LESION["width"], container=c2)
    steps = lab.slider(LESION["steps"], container=c3)
    st.caption(text.bounds_caption(LESION))
    lesion_args = {"depth": depth, "width": width, "steps": steps, "seed": seed}
    asked = lab.ask(declared.LESION.question, lesion_args)  # predict, then reveal: the page waits here until the reveal
    lesion = lab.compute_with_progress(
        declared.LESION, label="Training the plain and the residual network…", **lesion_args
    )
    asked.show(lesion)
    st.markdown(text.lesion_text(lesion, lesion_args))
    metrics(text.lesion_metrics(lesion, lesion_args))
    lab.figure(declared.LESION, "deleted", lesion)
    left, right = st.columns(2)
    with left:
        st.markdown("**Swap two adjacent blocks**")
        lab.figure(declared.LESION, "swapped", lesion)
    with right:
        st.markdown("**Delete k blocks at random**")
        lab.figure(declared.LESION, "deleted-k", lesion)
    with lab.section(declared.PATH_LENGTH_SECTION, lesion, lesion_args) as path_lengths:
        path_lengths.text()
        path_lengths.figures("paths")
        with st.expander("How the two networks were trained"):
            path_lengths.figures("training")
        lesion_claims = st.container()
        st.markdown(text.lesion_paper(lesion, lesion_args))

# -- 2. the loss landscape ------------------------------------------------------------------------------------------
with lab.section(declared.LANDSCAPE_SECTION):
    st.markdown(text.LANDSCAPE_TEXT)
    grid = lab.slider(LANDSCAPE["grid"])
    land_args = {"depth": depth, "grid": grid, "seed": seed}
    st.caption(text.landscape_caption(lesion_args))
    land = lab.compute_with_progress(declared.LANDSCAPE, label="Slicing the loss landscape…", **land_args)
    metrics(text.landscape_metrics(land, land_args))
    left, right = st.columns(2)
    with left:
        st.markdown("**Plain network**")
        lab.figure(declared.LANDSCAPE, "plain-surface", land)
    with right:
        st.markdown("**Residual network**")
        lab.figure(declared.LANDSCAPE, "residual-surface", land)
    st.markdown(text.LINE_TEXT)
    lab.figure(declared.LANDSCAPE, "line", land)
    landscape_claims = st.container()
    st.markdown(text.landscape_paper(land, land_args))

# -- 3. shattered gradients -----------------------------------------------------------------------------------------
with lab.section(declared.SHATTERED_SECTION):
    st.markdown(text.SHATTERED_TEXT)
    c1, c2 = st.columns(2)
    s_depth = lab.slider(SHATTERED_PAGE["depth"], container=c1)
    s_width = lab.slider(SHATTERED_PAGE["width"], container=c2)
    st.caption(text.bounds_caption(SHATTERED_PAGE))
    shatter_args = {"depth": s_depth, "width": s_width, "seed": seed}
    shatter = lab.compute(declared.SHATTERED, **shatter_args)
    st.markdown(text.shattered_text(shatter, shatter_args))
    metrics(text.shattered_metrics(shatter, shatter_args))
    left, right = st.columns(2)
    with left:
        lab.figure(declared.SHATTERED, "plain-gradient", shatter)
    with right:
        lab.figure(declared.SHATTERED, "residual-gradient", shatter)
    lab.figure(declared.SHATTERED, "autocorrelation", shatter)
    st.markdown(text.DEPTHS_TEXT)
    sweep_args = {"width": s_width, "seed": seed}
    sweep = lab.compute_with_progress(declared.SHATTERED_DEPTHS, label="Measuring depths 1–50…", **sweep_args)
    lab.figure(declared.SHATTERED_DEPTHS, "depths", sweep)
    shattered_claims = st.container()
    st.markdown(text.shattered_paper(shatter, sweep, shatter_args))

# -- claims, with the count over seeds 0-4 ---------------------------------------------------------------------------
with lesion_claims:
    path_lengths.claims(seeds=lab.ON_DEMAND, run="training")
with landscape_claims:
    lab.claims(declared.LANDSCAPE, land, land_args, seeds=lab.ON_DEMAND, run="slice")
with shattered_claims:
    lab.claims(declared.SHATTERED, shatter, shatter_args)
    lab.claims(declared.SHATTERED_DEPTHS, sweep, sweep_args, seeds=lab.ON_DEMAND, run="depth sweep")
