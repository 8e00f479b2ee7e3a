"""Predict, then reveal: a page's prediction question (:mod:`residual_core.questions`) above the answer it hides.

Where the question is asked with the answer hidden:

* **in a room**, on the view the presenter showed the class: students answer (anonymously, one answer per session,
  stored in :mod:`residual_core.rooms`) and the page stops at the question until the presenter reveals it; then
  everyone sees the result and the presenter's screen shows the class's answers as a histogram beside the true value;
* **in a lecture's scene** (``ask = true``, the default), without a room: the same, with nothing stored: the visitor
  answers and reveals for themselves;
* **anywhere else**, on request: "Predict first" hides the answer of this view until the visitor reveals it.

The true answer is computed from the experiment's live result for the page's settings (never typed).
"""

from __future__ import annotations

import hashlib
import json

import streamlit as st

from residual_core.catalog import page_of
from residual_core.charts.histogram import answers_chart
from residual_core.declare import Question
from residual_core.questions import PLACEHOLDER, histogram_rows, parse_number, short
from residual_core.rooms import RoomError, number_text

from ..chrome.present import projector_spec
from ..chrome.text import plain
from . import lecture, room

ANSWERS, REVEALED, PREDICTING = "lab-answers", "lab-revealed", "lab-predict-first"  # session state (no room)
COUNT_SECONDS = 2.0  # the presenter's count of predictions refreshes this often


def _instance(question: Question, settings: dict) -> tuple[str, str, room.Member | None, bool]:
    """``(mode, view, member, ask)``: ``mode`` is ``"room"``, ``"solo"`` or ``"off"``; ``view`` names this view (a
    room's view, a lecture's scene, or these settings)."""
    member, cur = room.member(), lecture.current()
    if member is not None and room.at_view(member, page_of(question).key) and member.position.get("ask", True):
        return "room", str(member.position.get("view")), member, True
    if cur is not None and cur.on_scene and cur.scene.ask:
        return "solo", cur.view, None, True
    key = hashlib.sha256(json.dumps(settings, sort_keys=True, default=str).encode()).hexdigest()[:12]
    view = f"k-{key}"
    return "solo", view, None, f"{question.id}@{view}" in st.session_state.get(PREDICTING, set())


class Box:
    """The question's box on the page; :meth:`show` fills in the answer once the result is there (a training run)."""

    def __init__(self, question: Question, slot, mine: str | None, histogram: list[str] | None):
        self.question, self.slot, self.mine, self.histogram = question, slot, mine, histogram

    def show(self, result: dict | None) -> None:
        if self.slot is None:
            return
        q = self.question
        with self.slot.container():
            if result is None:
                st.caption("The true answer appears here when the run has finished.")
                truth = None
            else:
                truth = q.answer(result)
                shown = short(truth) if isinstance(truth, (int, float)) else truth
                st.markdown(f":material/check_circle: **Answer: {shown}** (computed live for these settings)")
                if q.explain is not None:
                    st.caption(q.explain(result))
            if self.mine is not None:
                st.markdown(f"Your prediction: **{plain(self.mine)}**")
            if self.histogram is not None:
                rows = histogram_rows(q, self.histogram, truth)
                label = "true value" if truth is None else f"true: {short(truth) if q.kind == 'number' else 'this'}"
                spec = answers_chart(rows, truth_label=label, title=f"The class's {len(self.histogram)} predictions")
                st.vega_lite_chart(projector_spec(spec), width="stretch")


def ask(question: Question, settings: dict, result: dict | None = None) -> Box:
    """Ask ``question`` (about the page's settings) here. While its answer is hidden the page stops at the question
    (nothing below is drawn or computed); once revealed, the box shows the true answer computed from ``result`` (or
    later from :meth:`Box.show`) and the page goes on."""
    mode, view, member, asking = _instance(question, settings)
    instance = f"{question.id}@{view}"
    text = question.text(settings)
    if not asking:
        _offer(question, text, instance, mode)
        return Box(question, None, None, None)
    if mode == "room":
        try:
            revealed = room.store().revealed(member.code, view)
            mine = None if member.presenter else room.store().my_answer(member.code, view, question.id, room.voter())
        except RoomError as err:  # the rooms' file cannot be read: the page goes on, predicting alone
            st.warning(plain(err), icon=":material/cloud_off:")
            mode, member = "alone", None
    if mode != "room":
        revealed = instance in st.session_state.get(REVEALED, set())
        mine = st.session_state.get(ANSWERS, {}).get(instance)
    with st.container(border=True, key="lab-ask"):
        st.markdown(f":material/quiz: **Predict, then reveal.** {text}")
        if not revealed:
            _pending(question, instance, mode, member, view, mine)
            st.stop()
        histogram = None
        if mode == "room" and member.presenter:
            try:
                histogram = room.store().answers(member.code, view, question.id)
            except RoomError as err:
                st.warning(plain(err), icon=":material/cloud_off:")
        box = Box(question, st.empty(), _display(question, mine), histogram)
    if result is not None:
        box.show(result)
    else:
        box.show(None)
    return box


def _display(question: Question, value: str | None) -> str | None:
    if value is None or question.kind == "choice":
        return value
    try:
        return short(float(value))
    except ValueError:
        return value


def _pending(question: Question, instance: str, mode: str, member, view: str, mine: str | None) -> None:
    if member is not None and member.presenter:
        _presenter_controls(question, member, view)
        return
    with st.form(key=f"lab-ask-form-{instance}", border=False, enter_to_submit=True):
        if question.kind == "number":
            typed = st.text_input(
                "Your prediction",
                max_chars=40,
                placeholder=PLACEHOLDER,
                key=f"lab-ask-input-{instance}",
            )
        else:
            typed = st.radio("Your prediction", question.options, index=None, key=f"lab-ask-input-{instance}")
        # keyed: the label changes after the first answer, and without a key the button would be a new widget then
        # (the first "Change" click, on the button still drawn as "Lock in", was lost)
        sent = st.form_submit_button(
            "Change my prediction" if mine else "Lock in my prediction", type="primary", key=f"lab-ask-send-{instance}"
        )
    if sent and _record(question, instance, mode, member, view, typed) is not None:
        st.rerun()  # drawn again with the prediction kept: the button then says "Change my prediction"
    if mine is not None:
        st.markdown(f":material/how_to_vote: Your prediction: **{plain(_display(question, mine))}**")
    if mode == "room":
        st.caption("The answer appears when the lecturer reveals it. Predictions are anonymous: no names are stored.")
    elif st.button("Reveal the answer", key=f"lab-ask-reveal-{instance}", icon=":material/visibility:"):
        st.session_state.setdefault(REVEALED, set()).add(instance)
        st.rerun()


def _record(question: Question, instance: str, mode: str, member, view: str, typed) -> str | None:
    """Check and keep the visitor's prediction (in the room's store, or only in this session). Returns it as kept."""
    if typed is None or (isinstance(typed, str) and not typed.strip()):
        st.warning("Type or pick a prediction first.", icon=":material/edit:")
        return None
    if question.kind == "number":
        try:
            value = number_text(parse_number(typed))
        except (ValueError, RoomError) as err:
            st.warning(plain(err), icon=":material/edit:")
            return None
    elif typed in question.options:
        value = typed
    else:
        return None
    if mode == "room":
        try:
            room.store().answer(member.code, view, question.id, room.voter(), value)
        except RoomError as err:
            st.warning(f"Not taken: {plain(err)}", icon=":material/block:")
            return None
    else:
        st.session_state.setdefault(ANSWERS, {})[instance] = value
    return value


def _presenter_controls(question: Question, member, view: str) -> None:
    @st.fragment(run_every=COUNT_SECONDS)
    def count():
        try:
            n = room.store().count(member.code, view, question.id)
        except RoomError as err:
            st.warning(plain(err), icon=":material/cloud_off:")
            return
        st.markdown(f":material/how_to_vote: **{n}** voter{'s' if n != 1 else ''} so far (one answer per browser)")

    count()
    if st.button("Clear the answers", key="lab-ask-clear", icon=":material/delete_sweep:"):
        try:
            room.store().clear_answers(member.code, member.token, view)
        except RoomError as err:
            st.error(plain(err))
        else:
            st.rerun()
    if st.button("Reveal the answer", key="lab-ask-reveal", icon=":material/visibility:", type="primary"):
        try:
            st.session_state[room.SEEN] = room.store().reveal(member.code, member.token, view)
        except RoomError as err:
            st.error(str(err))
            return
        st.rerun()


def _offer(question: Question, text: str, instance: str, mode: str) -> None:
    """Not asked here: a small offer to hide the answer and predict first (not on a lecture scene that skips it)."""
    if lecture.current() is not None and lecture.current().on_scene:
        return
    with st.expander(f"Predict, then reveal: {text}", icon=":material/quiz:"):
        st.caption("Hide this view's answer below, predict it, then reveal it. Nothing is stored.")
        if st.button("Predict first", key=f"lab-ask-first-{instance}", icon=":material/visibility_off:"):
            st.session_state.setdefault(PREDICTING, set()).add(instance)
            st.session_state.get(REVEALED, set()).discard(instance)
            st.rerun()
