"""AppTest: Why residual networks train (/why): three live experiments, their claims and the seed counts. Each
section shows its chart and takeaway; its prose, numbers, claims and the training curves sit in its row of details,
which the tests open (:func:`tests.conftest.open_details`) where they read them."""

from __future__ import annotations

import pytest

import lab
from residual_core.catalog import why as declared
from residual_core.experiments.landscape import landscape_experiment
from residual_core.experiments.lesion import lesion_experiment, mean_of
from residual_core.experiments.shattered import shattered_experiment
from tests.conftest import chart, chart_frame, charts, glance, open_details, run_page, warnings_text

PAGE = "pages/why.py"
SMALL = {
    "depth": "4",
    "width": "32",
    "steps": "100",
    "grid": "11",
    "shattered_depth": "5",
    "shattered_width": "16",
    "seed": "1",
}
IN_ROW = {"the-path-length-view": ("training",)}  # figures drawn inside their section's row of details


@pytest.fixture(autouse=True)
def _cold_cache():
    lab.clear_cache()  # every test starts like a fresh server (results are cached across sessions)
    yield
    lab.clear_cache()


def _claims(at) -> list[str]:
    marks = (":material/check_circle:", ":material/cancel:", ":material/do_not_disturb_on:")  # holds, fails, not here
    return [m.value for m in at.markdown if any(mark in m.value for mark in marks)]


@pytest.fixture(scope="module")
def small():
    lab.clear_cache()
    return run_page(PAGE, SMALL, timeout=300)


@pytest.mark.slow
def test_a_deep_link_draws_every_experiment_from_residual_core(small):
    at = small
    assert not at.exception and not warnings_text(at)
    assert [s.value for s in at.slider] == [4, 32, 100, 11, 5, 16] and at.number_input[0].value == 1
    assert len(charts(at)) == 11 and not at.metric  # the training curves and the numbers are in the rows
    at = open_details(at)
    assert not at.exception
    assert len(charts(at)) == 12
    lesion = lesion_experiment(4, 32, 100, 1)
    deleted = chart_frame(at, "deleted", column="accuracy")
    plain = deleted[deleted["network"] == "plain"].sort_values("block")["accuracy"].tolist()
    assert plain == [row["plain"] for row in lesion["deleted"]]
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Plain, intact"] == f"{lesion['baseline']['plain']:.3f}"
    assert metrics["Residual, one block deleted"] == f"{mean_of(lesion['deleted'], 'residual'):.3f}"
    land = landscape_experiment(4, 11, 1)
    assert metrics["Roughness, residual"] == f"{land['roughness']['residual']:.3g}"
    surface = chart_frame(at, "plain-surface", column="log10_loss")
    assert len(surface) == 121 and set(surface["network"]) == {"plain"}
    shatter = shattered_experiment(5, 16, 1)
    assert metrics["Lag-1 autocorrelation, plain"] == f"{shatter['lag1']['plain']:+.3f}"
    gradient = chart_frame(at, "plain-gradient", column="gradient")
    assert gradient["gradient"].tolist() == shatter["plain"]


def test_the_declared_sections_are_drawn_in_order_with_every_declared_figure_once(small):
    at = small
    for level, drawn_headings in (("header", at.header), ("subheader", at.subheader)):
        declared_here = [s for s in declared.PAGE.sections if s.level == level]
        assert [h.proto.anchor for h in drawn_headings] == [s.name for s in declared_here]
        assert [h.value for h in drawn_headings] == [s.heading for s in declared_here]
    drawn = [c["spec"]["usermeta"]["lab"]["figure"] for c in charts(at)]
    assert len(set(drawn)) == len(drawn)
    for section in declared.PAGE.sections:
        for figure in section.shown_figures:
            if figure.key not in IN_ROW.get(section.name, ()):
                chart(at, figure.key, section=section.name)  # exactly one chart of it, in this section
        inside = [  # the section's own experiment's charts (the depth sweep's chart sits in shattered-gradients)
            c["spec"]["usermeta"]["lab"]["figure"]
            for c in charts(at)
            if c["spec"]["usermeta"]["lab"]["section"] == section.name
            and c["spec"]["usermeta"]["lab"]["experiment"] == section.experiment.name
            and c["spec"]["usermeta"]["lab"]["figure"] not in IN_ROW.get(section.name, ())
        ]
        assert inside == [f.key for f in section.shown_figures if f.key not in IN_ROW.get(section.name, ())]
    # the three parts are chapters above the sections
    assert [h.value for h in at.header] == ["1. Delete a block", "2. The loss landscape", "3. Shattered gradients"]
    # the figures in a row are drawn there once it is opened, from the same experiment, tagged with their section
    opened = open_details(at)
    for name, keys in IN_ROW.items():
        for key in keys:
            assert [
                (c["spec"]["usermeta"]["lab"]["experiment"], c["spec"]["usermeta"]["lab"]["section"])
                for c in charts(opened)
                if c["spec"]["usermeta"]["lab"]["figure"] == key
            ] == [("lesion", name)]


def test_claims_are_shown_with_their_status_and_seed_counts_are_offered(small):
    at = open_details(small)
    texts = _claims(at)
    assert len(texts) == 11
    assert all("holds here" in t or "does not hold here" in t or "Not claimed here" in t for t in texts)
    # at 4 blocks and width 32 the claims made for 8, 12 or 16 blocks or more, or width 200 or more, are not made
    assert sum("Not claimed here" in t for t in texts) == 7
    # shattered gradients are cheap: counted at once; trained experiments: counted on request
    assert sum("of seeds 0–4" in t for t in texts) == 2
    labels = [b.label for b in at.button]
    assert sum(label.startswith("Count seeds 0–4") for label in labels) == 3
    # section 1's width and steps differ from the landscape's, and the page says so
    assert any("not its current width 32 and 100 steps" in c.value for c in at.caption)


@pytest.mark.slow
def test_counting_seeds_trains_them_once_and_shows_the_count():
    at = run_page(PAGE, SMALL, timeout=300)
    assert "count-lesion" not in [b.key for b in at.button]  # the offer is in the closed row
    at = open_details(at)
    button = next(b for b in at.button if b.key == "count-lesion")
    button.click().run(timeout=600)
    assert not at.exception
    assert sum("of seeds 0–4" in t for t in _claims(at)) == 5 + 2  # the lesion's five claims, now counted
    assert "count-lesion" not in [b.key for b in at.button]
    # the next visitor sees the count at once (every seed is cached now)
    again = open_details(run_page(PAGE, SMALL, timeout=300))
    assert "count-lesion" not in [b.key for b in again.button]
    assert sum("seeds 0–4" in t for t in _claims(again)) == 5 + 2


@pytest.mark.slow
def test_bad_url_values_get_a_notice():
    at = run_page(PAGE, {**SMALL, "grid": "12", "shattered_depth": "abc", "steps": "1e9"}, timeout=600)
    assert not at.exception
    notices = warnings_text(at)
    assert "grid=12" in notices and "grid=13" in notices
    assert "shattered_depth=abc" in notices and "steps=1e9" in notices and "steps=800" in notices


@pytest.mark.slow
def test_the_defaults_show_every_phenomenon():
    at = run_page(PAGE, timeout=600)
    assert not at.exception and not warnings_text(at)
    assert not _claims(at)  # the claims are in the rows
    at = open_details(at)
    texts = _claims(at)
    assert len(texts) == 11 and all("does not hold here" not in t for t in texts), texts
    assert any("(as above)" in c.value for c in at.caption)  # the landscape slices section 1's networks


@pytest.mark.slow
@pytest.mark.parametrize(
    ("params", "shown"),
    [({"depth": "abc"}, "depth=16"), ({"depth": "1e9"}, "depth=24"), ({"seed": "-1"}, "seed=0")],
)
def test_bad_depth_and_seed_get_a_notice(params, shown):
    at = run_page(PAGE, {**SMALL, **params}, timeout=600)
    assert not at.exception
    notices = warnings_text(at).replace("*", "")
    key, value = next(iter(params.items()))
    assert f"{key}={value}" in notices and shown in notices


def test_at_most_900_words_are_visible_and_each_chapter_leads_with_its_chart():
    at = run_page(PAGE, SMALL, timeout=300)  # its own run: the module's page has its rows opened by other tests
    assert not at.exception
    words, before = glance(at)
    assert 0 < words <= 900, words
    assert sum(len(t.split()) for t in before) <= 120, before  # the intro, the bounds and the question
    assert charts(at)[0]["spec"]["usermeta"]["lab"]["section"] == declared.DELETE_SECTION.name
    folded = [key for keys in IN_ROW.values() for key in keys]
    assert not [c for c in charts(at) if c["spec"]["usermeta"]["lab"]["figure"] in folded]  # closed rows send nothing
    assert not at.metric  # the numbers are in the rows too
    # every chapter leads with its chart: between its heading and its first chart only labels (a few words)
    assert [h.value for h in at.header] == [s.heading for s in declared.PAGE.sections if s.level == "header"]
    for chapter, texts in _above_first_chart(at).items():
        assert sum(len(t.split()) for t in texts) <= 12, (chapter, texts)


def _above_first_chart(at) -> dict[str, list[str]]:
    """For each chapter heading: the visible texts (not in an expander) between it and its first chart."""
    found: dict[str, list[str]] = {}
    charted: set[str] = set()
    state = {"chapter": None}

    def walk(node, folded: bool) -> None:
        folded = folded or getattr(node, "type", None) in ("expandable", "expander")  # AppTest names it "expander"
        kids = getattr(node, "children", None)
        if kids is not None and not isinstance(node, list):
            for child in kids.values():
                walk(child, folded)
            return
        kind = getattr(node, "type", "")
        if kind == "header" and getattr(node, "tag", "") == "h2":
            state["chapter"] = node.value
            found[node.value] = []
        elif folded or state["chapter"] is None or state["chapter"] in charted:
            return
        elif kind in ("vega_lite_chart", "arrow_vega_lite_chart"):
            charted.add(state["chapter"])
        elif kind in ("markdown", "caption", "latex", "text"):
            found[state["chapter"]].append(node.value)

    walk(at.main, False)
    assert len(found) == 3 and charted == set(found), found  # every chapter has a visible chart
    return found
