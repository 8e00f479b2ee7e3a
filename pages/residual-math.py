"""Residual math (reference text, sections 3.2, 3.3 and 3.5; exercises 2 and 3).

Computed by residual_core/experiments/{residual_math,preservation,jacobian}.py, declared (sections, figures, code) in
residual_core/catalog/residual_math.py, its teaching text in residual_core/catalog/residual_math_text.py.
"""

import pandas as pd
import streamlit as st

import lab
from residual_core.catalog import residual_math as declared
from residual_core.catalog import residual_math_text as text
from residual_core.options import MATH_NETWORK, PRESERVATION, RESIDUAL_1D


def _vs_text(vs: dict, pres_args: dict) -> None:
    st.caption(text.vs_text_caption(vs, pres_args))
    st.table(pd.DataFrame(text.vs_text_table(vs)).set_index("quantity"))
    st.markdown(text.vs_text_reading(vs))


def _unrolled_more(unrolled: dict, net_args: dict) -> None:
    st.caption(text.SHARED_NETWORK)
    st.latex(text.unrolled_formula(net_args))
    st.markdown(text.unrolled_reading(unrolled, net_args))


def _jacobian_more(jac: dict, net_args: dict) -> None:
    st.caption(text.BAND_CAPTION)
    st.latex(text.JACOBIAN_PRODUCT)
    st.caption(text.jacobian_caption(net_args))
    st.markdown(text.jacobian_reading(jac, net_args))


def _multiplicative_more(mult: dict, net_args: dict) -> None:
    st.caption(text.multiplicative_caption(net_args))
    st.markdown(text.multiplicative_reading(mult, net_args))


lab.page("residual-math")
st.markdown(text.INTRO)

with lab.section(declared.IN_ONE_DIMENSION) as sec:
    c1, c2, c3 = st.columns([2, 3, 3])
    g = lab.choice(RESIDUAL_1D["g"], container=c1)
    a = lab.slider(RESIDUAL_1D["a"], container=c2)
    w = lab.slider(RESIDUAL_1D["w"], container=c3)
    settings = {"g": g, "a": a, "w": w}
    one = lab.compute(declared.ONE_D, **settings)
    sec.bind(one, settings)  # the controls sit under the heading
    lab.ask(declared.ONE_D.question, settings, one)  # predict, then reveal
    sec.figures()
    st.latex(text.one_d_formula(settings))
    sec.metrics()
    sec.claims()
    sec.more("Reading", lambda: st.markdown(text.one_d_reading(one, settings)))

with lab.section(declared.THE_UNROLLED_SUM) as sec:
    n1, n2, n3 = st.columns(3)
    layers = lab.slider(MATH_NETWORK["layers"], container=n1)
    width = lab.slider(MATH_NETWORK["width"], container=n2)
    alpha = lab.slider(MATH_NETWORK["alpha"], container=n3)
    with lab.more_settings():
        n4, n5, _ = st.columns([4, 2, 3])
        activation = lab.choice(MATH_NETWORK["activation"], container=n4)
        seed = lab.number(MATH_NETWORK["seed"], container=n5)
    net_args = {"layers": layers, "width": width, "alpha": alpha, "activation": activation, "seed": seed}
    unrolled = lab.compute(declared.UNROLLED, **net_args)
    sec.bind(unrolled, net_args)
    sec.figures()
    sec.metrics()
    sec.claims()
    sec.more("Reading", lambda: _unrolled_more(unrolled, net_args))

with lab.section(declared.INFORMATION_PRESERVATION) as sec:
    p1, p2, p3 = st.columns(3)
    depth = lab.slider(PRESERVATION["depth"], container=p1)
    shrink = lab.slider(PRESERVATION["shrink"], container=p2)
    update = lab.slider(PRESERVATION["update"], container=p3)
    pres_args = {"depth": depth, "shrink": shrink, "update": update, "seed": seed}
    pres = lab.compute(declared.PRESERVATION, **pres_args)
    sec.bind(pres, pres_args)
    sec.figures()
    sec.metrics()
    sec.more("The loop", sec.text)

    vs = lab.compute(declared.PRESERVATION_VS_TEXT, seed=seed)
    sec.more(text.VS_TEXT_HEADING, lambda: _vs_text(vs, pres_args))
    lab.code_panel([declared.PRESERVATION_VS_TEXT.func, *declared.PRESERVATION_VS_TEXT.code])
    sec.more("What this loop does not show", lambda: st.markdown(text.preservation_limit(pres, pres_args)))

with lab.section(declared.THE_JACOBIAN_VIEW) as sec:
    jac = lab.compute(declared.JACOBIAN, **net_args)
    sec.bind(jac, net_args)
    sec.figures()
    sec.metrics()
    sec.claims()
    sec.more("Derivation", lambda: _jacobian_more(jac, net_args))

with lab.section(declared.MULTIPLICATION_INSTEAD_OF_ADDITION) as sec:
    mult = lab.compute(declared.MULTIPLICATIVE, **net_args)
    sec.bind(mult, net_args)
    sec.figures()
    st.latex(text.multiplicative_formula(net_args))
    sec.claims()
    sec.more("Reading", lambda: _multiplicative_more(mult, net_args))
