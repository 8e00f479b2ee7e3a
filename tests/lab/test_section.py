"""lab.section lays a declared Section out: the heading anchored by its name, then its text, metrics, figures (each
chart tagged with the section and figure names), claims and folded details, which send nothing until opened."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from tests.conftest import chart, charts


def _script():
    import lab
    from residual_core.catalog import highway
    from residual_core.declare import Detail, Metric, Section

    exp = highway.AT_INIT
    declared = Section(
        name="at-init",
        heading="A highway at initialisation",
        experiment=exp,
        figures=(exp.figures[0].key,),
        claims=(exp.claims[0],),
        details=(
            Detail("How it is computed", lambda r, s: f"depth **{s['depth']}**"),
            Detail("A formula", "x+1", "latex"),
        ),
        text=lambda r, s: f"Depth {s['depth']} at width {s['width']}.",
        metrics=lambda r, s: [Metric("Depth", str(s["depth"])), Metric("Width", str(s["width"]), help="units")],
    )
    settings = dict(exp.example)
    data = lab.compute(exp, **settings)
    with lab.section(declared, data, settings) as sec:
        sec.show()
    lab.figure(exp, exp.figures[0].key, data, name="outside")  # outside any section


def test_a_section_draws_its_parts_in_order_and_tags_its_charts():
    at = AppTest.from_function(_script, default_timeout=120).run()
    assert not at.exception
    assert [h.value for h in at.subheader] == ["A highway at initialisation"]
    assert at.subheader[0].proto.anchor == "at-init"
    assert at.markdown[0].value.startswith("Depth 5 at width 8")
    assert [m.label for m in at.metric] == ["Depth", "Width"]
    from residual_core.catalog import highway

    key = highway.AT_INIT.figures[0].key
    inside = chart(at, key, section="at-init")
    assert inside["spec"]["usermeta"]["lab"] == {"section": "at-init", "experiment": "highway", "figure": key}
    assert [c["spec"]["usermeta"]["lab"]["section"] for c in charts(at)] == ["at-init", None]
    labels = [e.label for e in at.expander]
    assert labels[-4:] == [
        "How it is computed",
        "A formula",
        "Data and files",
        "Show the code",
    ]  # then the outside chart
    assert not at.latex  # folded details send nothing
    at.session_state["detail-at-init-0"] = True
    at.session_state["detail-at-init-1"] = True
    at.run()
    assert any("depth **5**" in m.value for m in at.markdown)
    assert [x.value.strip("$\n") for x in at.latex] == ["x+1"]
