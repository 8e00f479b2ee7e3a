"""Prediction questions: one per concept page (per view), each owned and answered by its live experiment (declared
in residual_core/catalog); reading a typed number and the class's answers as histogram rows
(residual_core/questions.py)."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as hs

from residual_core import catalog, questions
from residual_core.catalog import highway, residual_math, vanishing, why_claims
from residual_core.declare import Question


def test_every_concept_page_asks_one_question_per_view():
    concept = [p for p in catalog.PAGES if p.key]
    for page in concept:
        assert page.questions, f"/{page.key} has no prediction question"
    assert len(catalog.page("training").questions) == 4  # one per experiment of the training lab
    assert all(len(p.questions) == 1 for p in concept if p.key != "training")
    ids = [q.id for _, q in catalog.questions()]
    assert len(ids) == len(set(ids))


@pytest.mark.parametrize("q", [q for _, q in catalog.questions()], ids=lambda q: q.id)
def test_each_question_belongs_to_an_experiment_of_its_page(q: Question):
    exp = catalog.owner(q)
    assert exp.question is q and exp in catalog.page_of(q).experiments, q.id
    assert q.kind in {"number", "choice"} and (q.kind == "number") == (not q.options)


@pytest.mark.parametrize(("factor", "depth"), [(0.9, 100), (1.1, 100), (0.5, 10), (1.0, 50)])
def test_the_power_question_is_answered_by_the_live_product(factor, depth):
    result = vanishing.PRODUCTS.func(factor=factor, depth=depth)
    assert math.isclose(vanishing.POWER.answer(result), factor**depth, rel_tol=1e-9)
    assert vanishing.power_text(factor, depth) in vanishing.POWER.text({"factor": factor, "depth": depth})


def test_the_why_question_follows_the_lesion_result():
    def result(plain, residual):
        deleted = [{"block": 1, "plain": plain, "residual": residual}]
        return {"deleted": deleted, "baseline": {"plain": 1.0, "residual": 1.0}}

    q = why_claims.KEEPS_MORE
    assert q.answer(result(0.1, 0.9)) == why_claims.KEEPS[1]
    assert q.answer(result(0.9, 0.1)) == why_claims.KEEPS[0]
    assert q.answer(result(0.5, 0.53)) == why_claims.KEEPS[2]
    assert "10%" in q.explain(result(0.1, 0.9)) and "90%" in q.explain(result(0.1, 0.9))


@pytest.mark.parametrize(
    ("typed", "value"),
    [("0.00003", 3e-5), ("3e-5", 3e-5), ("3×10^-5", 3e-5), ("10^-5", 1e-5), ("13,781", 13781.0), ("0,5", 0.5),
     ("45%", 45.0), (" −2 ", -2.0), ("3 x 10^(−5)", 3e-5)],
)  # fmt: skip
def test_a_typed_number_is_read_the_way_students_write_it(typed, value):
    assert math.isclose(questions.parse_number(typed), value)


@pytest.mark.parametrize("typed", ["", "abc", "1e999", "nan", "inf", "1" * 41, "10^", "1,2,3"])
def test_what_is_not_a_number_is_refused_with_a_message(typed):
    with pytest.raises(ValueError):
        questions.parse_number(typed)


@given(hs.text(max_size=60))
@settings(max_examples=300, deadline=None)
def test_any_typed_text_gives_a_finite_number_or_a_message(text):
    try:
        value = questions.parse_number(text)
    except ValueError as err:
        assert str(err)
    else:
        assert math.isfinite(value)


def test_histogram_rows_count_every_readable_answer_once():
    choice = highway.LARGEST_GRADIENT
    rows = questions.histogram_rows(choice, ["plain", "residual", "residual", "junk"], truth="residual")
    assert [(r["bin"], r["count"], r["truth"]) for r in rows] == [
        ("plain", 1, False),
        ("highway", 0, False),
        ("residual", 2, True),
    ]
    log = questions.histogram_rows(vanishing.POWER, ["3e-5", "2.5e-5", "0.001", "-1", "x"], truth=0.9**100)
    assert sum(r["count"] for r in log) == 4
    truth_bins = [r for r in log if r["truth"]]
    assert len(truth_bins) == 1 and truth_bins[0]["count"] == 2  # 2.66e-5: the decade of 3e-5 and 2.5e-5
    linear = questions.histogram_rows(residual_math.BELOW_ONE, [str(v) for v in range(0, 101, 10)], truth=66.0)
    assert sum(r["count"] for r in linear) == 11 and sum(r["truth"] for r in linear) == 1
