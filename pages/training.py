"""Training lab (reference text, exercises 1, 4, 6 and 7): networks trained live, with and without residuals.

Computed by residual_core/experiments/training_lab.py (one loop: residual_core/training/loop.py), declared (figures,
code) in residual_core/catalog/training.py.
"""

import streamlit as st

import lab
from residual_core.catalog import training as declared
from residual_core.catalog import training_text as text
from residual_core.options import DEPTH_SWEEP, GATED, SCALING, TRAINING_EXPERIMENT, TRANSFORMER_TRAINING

SLOT = "training"  # one live run per browser session on this page

lab.page("training")
st.markdown(text.INTRO)
experiment = lab.choice(
    TRAINING_EXPERIMENT,
    help="transformer: exercise 4 · depth: exercise 1 · scaling: exercise 6 · gated: exercise 7 of the reference text.",
)


def controls(bounds: dict, main: list[str], advanced: list[str], widths=None) -> dict:
    """URL-bound controls: the ``main`` ones in a row above the chart, the ``advanced`` ones and the bounds under
    "More settings"."""
    values = {}

    def draw(names, widths):
        for col, name in zip(st.columns(widths or len(names)), names, strict=True):
            bound = bounds[name]
            make = lab.number if name == "seed" else lab.choice if bound.kind == "choice" else lab.slider
            values[name] = make(bound, container=col)

    draw(main, widths)
    with lab.more_settings():
        draw(advanced, None)
        st.caption(text.bounds_caption(bounds))
    return values


def metrics(shown) -> None:
    for col, m in zip(st.columns(len(shown)), shown, strict=True):
        col.metric(m.label, m.value, help=m.help)


def run(section, v: dict, draw) -> None:
    """Ask the section's question, then train (or watch) its run live right under the controls, drawing it with
    ``draw(data, final)``."""
    lab.ask(section.asks, v).show(lab.live_run(section.experiment, v, draw=draw, slot=SLOT))


def shows(sec, line: str) -> None:
    """A finished run's claims, under the line that names the run, in the section's row of details."""
    sec.more("What this run shows", lambda: st.markdown(line))
    sec.claims(seeds=lab.ON_DEMAND, run="training")


# -- exercise 4 ---------------------------------------------------------------------------------------------------


def transformer_page():
    with lab.section(declared.TRANSFORMER_SECTION) as sec:
        v = sec.settings = controls(
            TRANSFORMER_TRAINING,
            ["task", "layers", "steps"],
            ["d_model", "seq_len", "batch", "lr", "seed"],
        )

        def draw(data, final):
            sec.bind(data)
            loss, accuracy = st.columns(2)  # one y axis per chart: the loss and the accuracy side by side
            with loss:
                sec.figures("loss", final=final)
            with accuracy:
                sec.figures("accuracy", final=final)
            shown = text.transformer_metrics(data, final)
            for col, (label, value, delta) in zip(st.columns(len(shown)), shown, strict=True):
                col.metric(label, value, delta, delta_color="off", delta_arrow="off")
            if final:
                shows(sec, text.transformer_shows(data))

        run(sec.section, v, draw)
        sec.text()
        sec.more("Why the residual matters here", lambda: st.markdown(text.TRANSFORMER_WHY))


# -- exercise 1 ---------------------------------------------------------------------------------------------------


def depth_page():
    with lab.section(declared.DEPTH_SECTION) as sec:
        v = sec.settings = controls(
            DEPTH_SWEEP, ["max_depth", "init", "steps"], ["width", "samples", "lr", "seed"], widths=[2, 4, 2]
        )

        def draw(data, final):
            sec.bind(data)
            left, right = st.columns(2)
            with left:
                sec.figures("final", final=final)
            with right:
                sec.figures("deepest", final=final)
            metrics(text.depth_metrics(data, final))
            if final:
                shows(sec, text.depth_shows(data))

        run(sec.section, v, draw)
        sec.text()
        sec.more("Vanishing or degradation?", lambda: st.markdown(text.DEPTH_WHY))


# -- exercise 6 ---------------------------------------------------------------------------------------------------


def scaling_page():
    with lab.section(declared.SCALING_SECTION) as sec:
        v = sec.settings = controls(SCALING, ["depth", "steps"], ["width", "samples", "lr", "seed"])

        def draw(data, final):
            sec.bind(data)
            sec.figures("curves", final=final)
            left, right = st.columns(2)
            with left:
                sec.figures("final", final=final)
            with right:
                if data["rezero_alphas"]:
                    sec.figures("rezero", final=final)
            if final:
                sec.claims(seeds=lab.ON_DEMAND, run="training")

        run(sec.section, v, draw)
        st.latex(text.SCALING_FORMULA)
        sec.text()
        sec.more("Why α matters here, and its limits", lambda: st.markdown(text.SCALING_WHY))


# -- exercise 7 ---------------------------------------------------------------------------------------------------


def gated_page():
    with lab.section(declared.GATED_SECTION) as sec:
        v = sec.settings = controls(GATED, ["depth", "steps"], ["width", "samples", "lr", "seed"])

        def draw(data, final):
            sec.bind(data)
            sec.figures("curves", final=final)
            metrics(text.gated_metrics(data, final))
            if data["gates"]:
                st.markdown(text.GATED_GATES)
                sec.figures("gates", final=final)
            if final:
                sec.claims(seeds=lab.ON_DEMAND, run="training")

        run(sec.section, v, draw)
        st.latex(text.GATED_FORMULA)
        sec.text()
        sec.more("Reading it", lambda: st.markdown(text.GATED_READING))


{"transformer": transformer_page, "depth": depth_page, "scaling": scaling_page, "gated": gated_page}[experiment]()
