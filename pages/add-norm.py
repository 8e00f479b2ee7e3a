"""Add & Norm in the transformer (reference text, sections 3.4, 3.6, 3.7 and the Post-LN / Pre-LN preview).

Computed by residual_core/experiments/add_norm.py, declared (sections, figures, code) in
residual_core/catalog/add_norm.py, its text in residual_core/catalog/add_norm_text.py; the layers are
residual_core/models/transformer.py, the diagram residual_core/models/diagram.py.
"""

import streamlit as st

import lab
from lab.chrome.text import formula
from residual_core.catalog import add_norm as declared
from residual_core.catalog import add_norm_text as text
from residual_core.claims import SEEDS
from residual_core.models import diagram, transformer
from residual_core.options import ADD_NORM, ADD_NORM_DROPOUT, ADD_NORM_SHAPE


def paragraphs(*texts: str, caption: str | None = None) -> None:
    """A part of a section's row of details: its paragraphs, then a caption."""
    for t in texts:
        st.markdown(t)
    if caption:
        st.caption(caption)


lab.page("add-norm")
st.markdown(text.INTRO)

# the controls sit under each heading, so a section is entered before its result exists and handed it once computed
# -- 1. the layer, drawn from the model ----------------------------------------------------------------------------
with lab.section(declared.LAYER_SECTION) as sec:
    c1, c2 = st.columns([3, 2])
    variant = lab.choice(declared.VARIANT, container=c1)
    dropout = lab.slider(ADD_NORM_DROPOUT, container=c2, help="Dropout on each sublayer's output, before the add.")
    left, right = st.columns([2, 3])
    with left:
        dot = lab.compute(diagram.encoder_diagram, variant=variant, dropout=dropout, **text.DIAGRAM_SIZE)
        st.graphviz_chart(dot, width="content")
    adds = dot.count('label="+"')
    with right:
        st.markdown(formula(text.FORMULAS[variant]) + "\n\n" + text.layer_line(variant, adds))  # one element
        sec.more("The arrangement", lambda: paragraphs(text.layer_text(variant, adds), caption=text.DIAGRAM_CAPTION))
        lab.code_panel(
            [
                transformer.LAYERS[variant],
                transformer.EncoderLayer,
                transformer.MultiHeadSelfAttention,
                diagram.layer_graph,
            ]
        )

# -- 2. gradients at initialisation ---------------------------------------------------------------------------------
with lab.section(declared.GRADIENTS_SECTION) as sec:
    g1, g2 = st.columns([3, 2])
    layers = lab.slider(ADD_NORM["layers"], container=g1)
    init = lab.choice(ADD_NORM["init"], container=g2)
    with lab.more_settings():
        g3, g4, g5 = st.columns([2, 2, 1])
        d_model = int(lab.choice(ADD_NORM["d_model"], container=g3))
        heads = int(lab.choice(ADD_NORM["heads"], container=g4))
        seed = lab.number(ADD_NORM["seed"], container=g5)

    settings = {"layers": layers, "d_model": d_model, "heads": heads, "init": init, "seed": seed}
    data = lab.compute(declared.GRADIENTS, **settings)
    lab.ask(declared.GRADIENTS.question, settings, data)  # predict, then reveal
    band = lab.compute(declared.SEEDS, **{**settings, "seed": SEEDS[0]})  # seeds 0-4, cached: its chart is built once
    sec.bind(data, settings)
    left, right = st.columns(2)
    with left:
        sec.figures("gradients")
    with right:
        sec.figures("stream-gradient")
    sec.text()
    sec.metrics()
    sec.claims()
    sec.more("The setup", lambda: paragraphs(text.gradients_text(data, settings), text.INITIALISATION))

    left, right = st.columns(2)
    with left:
        st.markdown(text.BAND_HEADING)
        lab.figure(declared.SEEDS, "band", band)  # another experiment's figure (the same over seeds), in this section
    sec.more("Reading the band", lambda: paragraphs(*text.seeds_reading(data, band, settings)))
    with right:
        sec.figures("stream")
    sec.more("The stream's size", lambda: st.markdown(text.stream_reading(data, settings)))

# -- 3. dropout before the add --------------------------------------------------------------------------------------
with lab.section(declared.DROPOUT_SECTION) as sec:
    demo_args = {"dropout": dropout, "seed": seed}
    sec.bind(lab.compute(declared.DROPOUT, **demo_args), demo_args)
    sec.text(before=formula(text.DROPOUT_FORMULA))  # the formula and the prose: one element
    sec.figures()
    sec.metrics()
    sec.claims()
    sec.more("Training mode and eval mode", lambda: st.markdown(text.DROPOUT_AFTER))

# -- 4. shapes -------------------------------------------------------------------------------------------------------
with lab.section(declared.SHAPES_SECTION) as sec:
    s1, s2 = st.columns(2)
    d_in = lab.number(ADD_NORM_SHAPE["d_in"], container=s1)
    d_out = lab.number(ADD_NORM_SHAPE["d_out"], container=s2)
    shape_args = {"d_in": d_in, "d_out": d_out, "seed": seed}
    shape = lab.compute(declared.SHAPES, **shape_args)
    sec.bind(shape, shape_args)
    sec.text()
    if shape["error"]:
        st.error(text.REFUSED, icon=":material/block:")
        st.code(text.refused_error(shape), language="text", wrap_lines=True)
        st.markdown(text.projection_fix(shape, shape_args))
    elif shape["broadcast"]:
        st.warning(text.broadcast_warning(shape), icon=":material/warning:")
    else:
        st.success(text.identity_works(shape), icon=":material/check_circle:")
    sec.metrics()
    sec.more("The output shape", lambda: st.caption(text.shapes_caption(shape)))
    lab.code_panel([declared.SHAPES.func, *declared.SHAPES.code])
