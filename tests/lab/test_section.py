"""lab.section lays a declared Section out: the heading anchored by its name, then its figures (each chart tagged
with the section and figure names), text and metrics, and one folded row of details (claims, derivations, files,
code) that sends nothing until opened."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from tests.conftest import chart, charts, open_details


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
    texts = [m.value for m in at.markdown]
    depth_text = next(i for i, t in enumerate(texts) if t.startswith("Depth 5 at width 8"))
    assert any(t.startswith(":material/lightbulb:") for t in texts[:depth_text])  # the chart and takeaway first
    assert [m.label for m in at.metric] == ["Depth", "Width"]
    from residual_core.catalog import highway

    key = highway.AT_INIT.figures[0].key
    inside = chart(at, key, section="at-init")
    assert inside["spec"]["usermeta"]["lab"] == {"section": "at-init", "experiment": "highway", "figure": key}
    assert [c["spec"]["usermeta"]["lab"]["section"] for c in charts(at)] == ["at-init", None]
    labels = [e.label for e in at.expander]
    assert labels == [
        "Details: 1 claim · how it is computed · a formula · data and files · the code",
        "Details: data and files · the code",  # the chart outside any section has its own row
    ]
    folded = " ".join(m.value for m in at.markdown)
    assert not at.latex and not at.code and not at.dataframe and "holds here" not in folded  # sent only when open
    at = open_details(at)
    opened = " ".join(m.value for m in at.markdown)
    assert "depth **5**" in opened and "Not claimed here" in opened  # the derivation and the claim with its status
    assert [x.value.strip("$\n") for x in at.latex] == ["x+1"]
    assert len(at.dataframe) == 2 and [b.label for b in at.get("download_button")] == ["CSV", "SVG", "PNG"] * 2
    code = "\n".join(c.value for c in at.code)
    assert code.count(f"def {highway.AT_INIT.func.__name__}(") == 2  # once per row, not once per figure
