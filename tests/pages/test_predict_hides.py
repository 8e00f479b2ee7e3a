"""AppTest (issue 18): a question that is open gives nothing away. For every prediction question, on its page after
"Predict first", no text of the page (main and sidebar, folded or not, every widget's label, help and placeholder)
holds the answer's value before the reveal; after the reveal the answer box shows it, with its explanation.

The answer is computed here from residual_core for the page's settings, independently of the page.
"""

from __future__ import annotations

import re
import time

import pytest
from google.protobuf.json_format import MessageToDict

from residual_core import catalog
from residual_core.claims import settings_for
from residual_core.declare import Question
from residual_core.questions import short
from residual_core.training import jobs
from tests.conftest import run_page

# small settings where a page would train: the answer is the same question, only quicker to compute
SMALL = {
    "transformer": {"steps": "10", "layers": "1", "d_model": "16", "batch": "8", "seq_len": "4"},
    "depth-sweep": {"steps": "10", "width": "8", "samples": "32", "max_depth": "8"},
    "scaling": {"steps": "10", "width": "8", "samples": "32", "depth": "4"},
    "gated": {"steps": "10", "width": "8", "samples": "32", "depth": "4"},
    "lesion": {"depth": "4", "width": "32", "steps": "100"},
}
TRAINING = {"transformer": "transformer", "depth-sweep": "depth", "scaling": "scaling", "gated": "gated"}


def _cases():
    for page, q in catalog.questions():
        exp = catalog.owner(q)
        params = dict(SMALL.get(exp.name, {}))
        if exp.name in TRAINING:
            params["experiment"] = TRAINING[exp.name]
        slow = exp.live or exp.name in SMALL
        yield pytest.param(page.key, q, params, id=q.id, marks=[pytest.mark.slow] if slow else [])


def page_text(at) -> str:
    """Every string the page sent: each element's and widget's protobuf fields (labels, values, help, placeholders,
    options, captions in folded expanders), main area and sidebar."""
    found: list[str] = []

    def strings(value) -> None:
        if isinstance(value, str):
            found.append(value)
        elif isinstance(value, dict):
            for v in value.values():
                strings(v)
        elif isinstance(value, list):
            for v in value:
                strings(v)

    def walk(node) -> None:
        proto = getattr(node, "proto", None)
        if proto is not None and hasattr(proto, "DESCRIPTOR"):
            strings(MessageToDict(proto))
        kids = getattr(node, "children", None)
        if isinstance(kids, dict):
            for child in kids.values():
                walk(child)

    walk(at._tree)
    return "\n".join(found)


def _number_forms(x: float) -> set[str]:
    """The ways a page writes the number ``x``: the answer box's, the explanations' and the metrics' formats."""
    forms = {short(x), f"{x:.4g}", f"{x:.3g}", f"{x:.2e}", f"{x:.3e}", f"{x:,.0f}" if abs(x) >= 1000 else short(x)}
    if 1 <= x <= 100:  # a share in %
        forms |= {f"{x:.0f} %", f"{x:.0f}%", f"{x:.1f} %"}
    return forms


def _evidence(q: Question, result: dict, settings: dict) -> set[str]:
    """The numbers of the answer's explanation (those not in the question itself or its options)."""
    asked = " ".join([q.text(settings), *q.options])
    tokens = set(re.findall(r"\d+\.\d+(?:e[-+]\d+)?|\d+e[-+]\d+|\d{3,}%?", q.explain(result) if q.explain else ""))
    return {t for t in tokens if t not in asked}


def _predict_first(at):
    offer = next(b for b in at.button if b.key and b.key.startswith("lab-ask-first-"))
    at = offer.click().run()
    assert not at.exception, at.exception
    return at


def _reveal(at, live: bool):
    at = next(b for b in at.button if b.key and b.key.startswith("lab-ask-reveal")).click().run()
    end = time.monotonic() + 120
    while live and not any("**Answer:" in m.value for m in at.markdown):  # the run trains in a thread: poll
        assert not at.exception, at.exception
        assert time.monotonic() < end, "the run did not finish in time"
        time.sleep(0.3)
        at.run()
    assert not at.exception, at.exception
    return at


@pytest.fixture(autouse=True)
def fresh_registry():
    jobs.REGISTRY.clear()
    yield
    jobs.REGISTRY.clear()


@pytest.mark.parametrize(("key", "q", "params"), list(_cases()))
def test_an_open_question_hides_its_answer_until_the_reveal(key, q, params):
    exp = catalog.owner(q)
    values = {k: b.parse(params[k]) for k, b in exp.bounds.items() if k in params}
    settings = settings_for(exp, values)
    result = exp.func(**settings)
    truth = q.answer(result)

    at = _predict_first(run_page(f"pages/{key}.py", params))
    before = page_text(at)
    assert q.text(settings) in before  # the question is asked ...
    hidden = _number_forms(truth) if q.kind == "number" else set()
    hidden |= _evidence(q, result, settings)
    leaked = sorted(f for f in hidden if f in before)
    assert not leaked, f"/{key} shows {leaked} before the reveal of {q.id} (answer {truth})"
    assert "Answer:" not in before  # ... and not answered

    at = _reveal(at, live=exp.live)
    after = page_text(at)
    shown = short(truth) if q.kind == "number" else truth
    assert f"Answer: {shown}" in after
    if q.explain is not None:
        assert q.explain(result) in after
    assert all(f in after for f in _evidence(q, result, settings))


def _send(at, typed: str):
    at.text_input(next(t.key for t in at.text_input if t.key.startswith("lab-ask-input"))).set_value(typed)
    return next(b for b in at.button if b.key and b.key.startswith("lab-ask-send")).click().run()


def test_after_locking_in_the_button_says_change_and_a_refused_answer_keeps_its_notice():
    at = _predict_first(run_page("pages/vanishing.py"))
    labels = lambda at: [b.label for b in at.button if b.key and b.key.startswith("lab-ask-send")]  # noqa: E731
    assert labels(at) == ["Lock in my prediction"]
    at = _send(at, "abc")
    assert labels(at) == ["Lock in my prediction"] and any("not a number" in w.value for w in at.warning)
    at = _send(at, "0.5")
    assert not at.exception and not at.warning
    assert labels(at) == ["Change my prediction"]
    assert any("Your prediction: **0\\.5**" in m.value for m in at.markdown)
    at = _send(at, "7")
    assert labels(at) == ["Change my prediction"] and any("Your prediction: **7**" in m.value for m in at.markdown)
