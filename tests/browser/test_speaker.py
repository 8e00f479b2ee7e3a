"""Real browsers: the speaker view, the projected view and a student's phone, each in its own browser context, on a
freshly started server with an empty data folder; and scenes that open at their section.

The lecturer projects the shipped lecture at 1920×1080 (presenter mode) and opens a room; the speaker view (1280×800)
is the presenter's "Speaker view" link; a student joins on a phone (390×844). The scene's note is in the speaker view
and never anywhere in the projected page's document; the speaker view counts the student's answer and reveals it; its
clicker key moves the room, the projected page and the phone follow, and both open with the scene's section heading
at the top of the window. Without a room, presenter mode keeps the note folded until the lecturer opens it.
"""

from __future__ import annotations

import re
import time
from urllib.parse import parse_qs, urlsplit

import pytest

from residual_core import lectures
from tests.browser.test_room import _no_errors, _question, _settled

pytestmark = pytest.mark.slow

LECTURE = lectures.load("residuals")
PROJECTOR, SPEAKER = {"width": 1920, "height": 1080}, {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
TOP_PX = (0, 120)  # the heading's top, in px from the window's top: below Streamlit's header (about 60 px)


def _open(browser, url: str, viewport: dict, **options):
    context = browser.new_context(viewport=viewport, **options)
    page = context.new_page()
    page.goto(url)
    page.wait_for_selector("h1", timeout=60_000)
    _settled(page)
    return context, page


def _note(number: int) -> str:
    """Scene ``number``'s note as the page writes it (Markdown escaped), its first 40 characters."""
    return LECTURE.scene(number).note[:40]


def _top(page, name: str):
    return page.evaluate(f"() => document.getElementById({name!r})?.getBoundingClientRect().top ?? null")


def _at_top(page, name: str, timeout: float = 30_000) -> float:
    """Wait until section ``name``'s heading is at the top of the window, and that it stays there once the page has
    finished drawing; returns its top in px."""
    low, high = TOP_PX
    page.wait_for_function(
        f"() => {{ const e = document.getElementById({name!r}); if (!e) return false;"
        f" const t = e.getBoundingClientRect().top; return t >= {low} && t <= {high}; }}",
        timeout=timeout,
        polling=100,
    )
    _settled(page)
    time.sleep(1.0)  # what lies above it has been drawn: it is still there
    top = _top(page, name)
    assert top is not None and low <= top <= high, f"{name} at {top} px"
    return top


def test_the_speaker_view_runs_the_room_and_the_projector_never_shows_the_note(server, browser):
    # -- the projector: the lecture's scene 3 in presenter mode; the lecturer opens a room -----------------------------
    pctx, projector = _open(browser, server.url("?lecture=residuals&scene=3&present=1"), PROJECTOR)
    projector.wait_for_url(re.compile(r"/residual-math\?.*scene=3"), timeout=60_000)
    projector.get_by_role("button", name="Open a room for the class").click()
    projector.wait_for_url(re.compile(r"token="), timeout=60_000)
    _settled(projector)
    query = parse_qs(urlsplit(projector.url).query)
    code, token = query["room"][0], query["token"][0]
    assert _note(3) not in projector.content()  # not in the document at all, not merely hidden
    href = projector.get_by_role("link", name="Speaker view").get_attribute("href")
    assert href == server.url(f"?room={code}&token={token}&speaker=1")

    # -- the speaker view on the lecturer's laptop; a student on a phone -----------------------------------------------
    kctx, speaker = _open(browser, href, SPEAKER)
    speaker.locator(".st-key-lab-speaker").wait_for(timeout=60_000)
    box = speaker.locator(".st-key-lab-speaker").inner_text()
    assert _note(3) in box
    assert f"Next: scene 4 · {LECTURE.scene(4).title}" in box
    assert "0 answers so far" in box
    assert "speaker=1" in speaker.url and "/residual-math" not in speaker.url  # it stays the speaker view
    sctx, student = _open(browser, server.url(f"?room={code}"), PHONE, is_mobile=True, has_touch=True)
    student.wait_for_url(re.compile(r"/residual-math\?"), timeout=60_000)
    _settled(student)
    assert "token" not in student.url and _note(3) not in student.content()

    # -- the student predicts; the speaker view counts it and reveals; projector and phone show the result -------------
    assert "1 + R′(x)" in _question(student)
    student.locator(".st-key-lab-ask input[type='text']").fill("30")
    student.get_by_role("button", name="Lock in my prediction").click()
    student.get_by_text("Your prediction:").wait_for(timeout=30_000)
    speaker.get_by_text("1 answer so far").wait_for(timeout=15_000)
    speaker.get_by_role("button", name="Reveal the answer").click()
    chart = projector.locator(".st-key-lab-ask [data-testid='stVegaLiteChart']")
    chart.wait_for(timeout=60_000)
    assert "class's 1 answers" in chart.get_attribute("aria-label")
    student.get_by_text("Answer:").first.wait_for(timeout=30_000)
    speaker.get_by_text("revealed").wait_for(timeout=15_000)

    # -- the speaker view's clicker key: the room moves to scene 4, which opens at its section -------------------------
    _settled(speaker)
    speaker.locator("h1").first.click()  # focus the page, not a control
    start = time.monotonic()
    speaker.keyboard.press("PageDown")
    projector.wait_for_url(re.compile(r"/residual-math\?.*scene=4"), timeout=30_000)
    student.wait_for_function("() => !!document.getElementById('the-unrolled-sum')", timeout=30_000, polling=100)
    followed = time.monotonic() - start
    section = LECTURE.scene(4).section
    assert section == "the-unrolled-sum"
    _at_top(projector, section)
    _at_top(student, section)
    speaker.get_by_text(f"Next: scene 5 · {LECTURE.scene(5).title}").wait_for(timeout=15_000)
    assert _note(4) in speaker.locator(".st-key-lab-speaker-note").inner_text()
    assert _note(4) not in projector.content() and _note(4) not in student.content()
    assert "Scene 4 of 11" in projector.locator(".st-key-lab-lecture-bar").inner_text()
    print(f"projector and phone followed the speaker view in {followed:.2f} s")

    # -- the projected page's own Next moves the room too: the speaker view follows ------------------------------------
    projector.get_by_role("button", name="Next").click()
    projector.wait_for_url(re.compile(r"/highway\?.*scene=5"), timeout=30_000)
    speaker.get_by_text(f"Next: scene 6 · {LECTURE.scene(6).title}").wait_for(timeout=15_000)
    student.wait_for_url(re.compile(r"/highway\?"), timeout=30_000)
    for page in (projector, speaker, student):
        _settled(page)
        _no_errors(page)
    for context in (pctx, kctx, sctx):
        context.close()


@pytest.mark.parametrize("viewport", [PROJECTOR, PHONE], ids=["projector", "phone"])
def test_without_a_room_the_note_is_folded_and_a_scene_opens_at_its_section(server, browser, viewport):
    context, page = _open(browser, server.url("?lecture=residuals&scene=6&present=1"), viewport)
    page.wait_for_url(re.compile(r"/add-norm\?.*scene=6"), timeout=60_000)
    assert _note(6) not in page.content()
    _settled(page)
    prev, nxt = (page.locator(f".st-key-lab-lecture-{b}").bounding_box() for b in ("prev", "next"))
    # Prev and Next side by side in that order, also where the bar wraps on a phone (Prev floated right, Next under)
    assert abs(prev["y"] - nxt["y"]) < 2 and prev["x"] + prev["width"] <= nxt["x"], (prev, nxt)
    page.locator("h1").first.click()
    page.keyboard.press("PageDown")  # the clicker: scene 7, the same reference text's section 3.5 on /residual-math
    page.wait_for_url(re.compile(r"/residual-math\?.*scene=7"), timeout=30_000)
    _at_top(page, LECTURE.scene(7).section)
    assert _note(7) not in page.content()
    page.get_by_role("button", name="Speaker note").click()  # the lecturer opens it
    page.get_by_text(_note(7)).wait_for(timeout=30_000)
    _no_errors(page)
    context.close()
