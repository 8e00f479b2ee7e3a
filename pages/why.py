"""Why residual networks train: delete a block (Veit et al. 2016), slice the loss landscape (Li et al. 2018), see
shattered gradients (Balduzzi et al. 2017).

Computed by residual_core/experiments/lesion.py, landscape.py and shattered.py; declared (figures, code, claims,
sections) in residual_core/catalog/why.py and why_claims.py; its teaching text in why_text.py. Each chapter leads
with its controls and its chart; its prose, numbers, claims and the paper's comparison sit in its row of details.
"""

import streamlit as st

import lab
from residual_core.catalog import why as declared
from residual_core.catalog import why_text as text
from residual_core.options import LANDSCAPE, LESION, SEED, SHATTERED_PAGE


def metrics(shown) -> None:
    for col, m in zip(st.columns(len(shown)), shown, strict=True):
        col.metric(m.label, m.value, help=m.help)


def sum_of_paths() -> None:
    st.markdown(text.DELETE_TEXT)
    st.latex(text.DELETE_FORMULA)
    st.markdown(text.DELETE_AFTER)


def both(prose: str, shown) -> None:
    st.markdown(prose)
    metrics(shown)


def slice_made(land: dict, land_args: dict, lesion_args: dict) -> None:
    st.markdown(f"{text.LANDSCAPE_TEXT}\n\n{text.LINE_TEXT}: the third chart.")
    st.caption(text.landscape_caption(lesion_args))
    metrics(text.landscape_metrics(land, land_args))


def shatter_measured(shatter: dict, shatter_args: dict) -> None:
    st.markdown(f"{text.SHATTERED_TEXT}\n\n{text.DEPTHS_TEXT}: the last chart.")
    st.markdown(text.shattered_text(shatter, shatter_args))
    st.caption(text.bounds_caption(SHATTERED_PAGE))
    metrics(text.shattered_metrics(shatter, shatter_args))


lab.page("why")
st.markdown(text.INTRO)

# -- 1. delete a block ----------------------------------------------------------------------------------------------
with lab.section(declared.DELETE_SECTION) as sec:
    c1, c2 = st.columns([3, 1])
    depth = lab.slider(LESION["depth"], container=c1)
    seed = lab.number(SEED, container=c2, help="One seed for all three experiments: weights, batches and directions.")
    with lab.more_settings():
        c3, c4 = st.columns(2)
        width = lab.slider(LESION["width"], container=c3)
        steps = lab.slider(LESION["steps"], container=c4)
        st.caption(text.bounds_caption(LESION))
    lesion_args = {"depth": depth, "width": width, "steps": steps, "seed": seed}
    asked = lab.ask(declared.LESION.question, lesion_args)  # predict, then reveal: the page waits here until the reveal
    lesion = lab.compute_with_progress(
        declared.LESION, label="Training the plain and the residual network…", **lesion_args
    )
    asked.show(lesion)
    sec.bind(lesion, lesion_args)
    sec.figures("deleted")
    left, right = st.columns(2)
    with left:
        st.markdown("**Swap two adjacent blocks**")
        sec.figures("swapped")
    with right:
        st.markdown("**Delete k blocks at random**")
        sec.figures("deleted-k")
    sec.more(
        "The two networks",
        lambda: both(text.lesion_text(lesion, lesion_args), text.lesion_metrics(lesion, lesion_args)),
    )
    sec.more("A sum of paths", sum_of_paths)
    sec.more("About this page", lambda: st.markdown(text.INTRO_MORE))

with lab.section(declared.PATH_LENGTH_SECTION, lesion, lesion_args) as sec:
    sec.figures("paths")
    sec.claims(seeds=lab.ON_DEMAND, run="training")  # counted over seeds 0-4 only on request (four more trainings)
    sec.more("Paths by length", sec.text)
    sec.more("How the two networks were trained", lambda: lab.figure(declared.LESION, "training", lesion))
    sec.more("The paper and this toy", lambda: st.markdown(text.lesion_paper(lesion, lesion_args)))

# -- 2. the loss landscape ------------------------------------------------------------------------------------------
with lab.section(declared.LANDSCAPE_SECTION) as sec:
    with lab.more_settings():
        grid = lab.slider(LANDSCAPE["grid"])
    land_args = {"depth": depth, "grid": grid, "seed": seed}
    land = lab.compute_with_progress(declared.LANDSCAPE, label="Slicing the loss landscape…", **land_args)
    sec.bind(land, land_args)
    left, right = st.columns(2)
    with left:
        st.markdown("**Plain network**")
        sec.figures("plain-surface")
    with right:
        st.markdown("**Residual network**")
        sec.figures("residual-surface")
    sec.figures("line")
    sec.claims(seeds=lab.ON_DEMAND, run="slice")
    sec.more("How the slice is made", lambda: slice_made(land, land_args, lesion_args))
    sec.more("The paper and this toy", lambda: st.markdown(text.landscape_paper(land, land_args)))

# -- 3. shattered gradients -----------------------------------------------------------------------------------------
with lab.section(declared.SHATTERED_SECTION) as sec:
    c1, c2 = st.columns(2)
    s_depth = lab.slider(SHATTERED_PAGE["depth"], container=c1)
    s_width = lab.slider(SHATTERED_PAGE["width"], container=c2)
    shatter_args = {"depth": s_depth, "width": s_width, "seed": seed}
    shatter = lab.compute(declared.SHATTERED, **shatter_args)
    sec.bind(shatter, shatter_args)
    left, right = st.columns(2)
    with left:
        sec.figures("plain-gradient")
    with right:
        sec.figures("residual-gradient")
    sec.figures("autocorrelation")
    sweep_args = {"width": s_width, "seed": seed}
    sweep = lab.compute_with_progress(declared.SHATTERED_DEPTHS, label="Measuring depths 1–50…", **sweep_args)
    lab.figure(declared.SHATTERED_DEPTHS, "depths", sweep)
    sec.claims()  # cheap: counted over seeds 0-4 when the row opens
    sec.more(
        "Claims about the depth sweep",
        lambda: lab.claims(declared.SHATTERED_DEPTHS, sweep, sweep_args, seeds=lab.ON_DEMAND, run="depth sweep"),
    )
    sec.more("How it is measured", lambda: shatter_measured(shatter, shatter_args))
    sec.more("The paper and this toy", lambda: st.markdown(text.shattered_paper(shatter, sweep, shatter_args)))
