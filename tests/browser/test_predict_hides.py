"""Real browsers (issue 18): an open question gives nothing away, and its answer is easy to pick on a phone.

In a room, the student's page holds no trace of the answer's value (0.9¹⁰⁰ in the answer box's, the explanation's
and the metric's formats) until the presenter reveals it, then shows it. On a 390 × 844 phone the options of a
multiple-choice question are at least 40 px apart.
"""

from __future__ import annotations

import itertools
import re
from urllib.parse import parse_qs, urlsplit

import pytest

from residual_core.catalog import vanishing
from residual_core.questions import short
from tests.browser.test_room import _open, _question, _settled

pytestmark = pytest.mark.slow


def test_in_a_room_the_answer_is_nowhere_on_the_students_page_until_the_reveal(server, browser):
    truth = vanishing.POWER.answer(vanishing.PRODUCTS.func(factor=0.9, depth=100))
    forms = {short(truth), f"{truth:.4g}", f"{truth:.3e}"}  # the answer box's, the explanation's, the metric's
    pctx, presenter = _open(browser, server.url("?lecture=residuals&scene=1&present=1"))
    presenter.wait_for_url(re.compile(r"/vanishing\?.*scene=1"), timeout=60_000)
    presenter.get_by_role("button", name="Open a room for the class").click()
    presenter.wait_for_url(re.compile(r"token="), timeout=60_000)
    _settled(presenter)
    code = parse_qs(urlsplit(presenter.url).query)["room"][0]

    sctx, student = _open(browser, server.url(f"?room={code}"))
    student.wait_for_url(re.compile(r"/vanishing\?.*room="), timeout=60_000)
    _settled(student)
    assert "0.9¹⁰⁰" in _question(student)
    before = student.content()  # the whole document: hidden and folded parts too
    assert not [f for f in forms if f in before], f"the answer shows before the reveal: {forms}"
    assert "Answer:" not in student.locator("body").inner_text()

    presenter.get_by_role("button", name="Reveal the answer").click()
    student.get_by_text(f"Answer: {short(truth)}").wait_for(timeout=30_000)
    _settled(student)
    assert f"{truth:.4g}" in student.locator(".st-key-lab-ask").inner_text()  # the explanation, with the answer
    sctx.close()
    pctx.close()


def test_on_a_phone_the_options_of_a_choice_are_at_least_40_px_apart(server, browser):
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    page = context.new_page()
    page.goto(server.url("highway"))
    page.wait_for_selector("h1", timeout=60_000)
    _settled(page)
    page.get_by_text("Predict, then reveal:").first.click()  # the folded offer
    page.get_by_role("button", name="Predict first").click()
    page.locator(".st-key-lab-ask [role='radiogroup']").wait_for(timeout=60_000)
    _settled(page)
    boxes = [o.bounding_box() for o in page.locator(".st-key-lab-ask [data-testid='stRadioOption']").all()]
    assert len(boxes) == 3
    assert all(b["height"] >= 40 for b in boxes), boxes
    tops = [b["y"] for b in boxes]
    assert all(b - a >= 40 for a, b in itertools.pairwise(tops)), tops
    context.close()
