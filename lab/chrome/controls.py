"""URL-bound controls. Each takes a residual_core ``Bound``: its name is the widget key and the URL query parameter,
its range and default are the control's, and a bad URL value gets a notice naming the parameter and the value used."""

from __future__ import annotations

import contextlib
import threading
from urllib.parse import parse_qsl

import streamlit as st

from residual_core.bounds import Bound, BoundError

from . import share
from .notices import notice
from .text import code, plain

_run = threading.local()  # this script run's scene values (each session's script runs in its own thread)


def use_scene(values: dict | None) -> None:
    """This run's scene values (URL key -> text), or ``None`` when the page is not opened as a lecture's scene (set by
    :func:`lab.page` from :func:`lab.classroom.lecture.scene_values`: the classroom sits above the chrome)."""
    _run.scene = values


def start() -> None:
    """Begin this run (called first by :func:`lab.page`): on a Back or Forward to another page, remember the query the
    browser asked for, before anything changes it (:func:`_restore_dropped_value`)."""
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    ctx = get_script_run_ctx()
    history = ctx is not None and bool(getattr(ctx, "is_history_navigation", False))
    _run.asked = dict(parse_qsl(ctx.query_string, keep_blank_values=True)) if history else None
    _run.query = None  # read again at this run's first control (after the lecture and the room changed the query)


def _query() -> dict[str, list[str]]:
    """This run's query parameters (key -> every value), read from ``st.query_params`` once, at the first control
    drawn, then kept in a plain dict for the run. Every ``st.query_params`` read takes the session's lock and is a
    yield point, and a missing key raises (and catches) ``KeyError`` twice inside Streamlit: a page's controls asked
    it 2-3 times each. Only the controls read it, each its own key before its widget is drawn, and nothing between
    them changes another control's key (:func:`_restore_dropped_value` writes its key here too). A new run, also
    without :func:`start` (a fragment, a test script), is told by the script-run context's per-run ``cursors``."""
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    ctx = get_script_run_ctx()
    run = getattr(ctx, "cursors", None)
    found = getattr(_run, "query", None)
    if found is None or run is None or getattr(_run, "query_run", None) is not run:
        found = {key: st.query_params.get_all(key) for key in st.query_params}
        _run.query, _run.query_run = found, run
    return found


def _restore_dropped_value(bound: Bound) -> None:
    """Back or Forward to ``/gradient-flow?depth=100`` from a page that has its own ``depth`` control: Streamlit 1.67
    drops ``depth=100`` from the restored address because the key is still bound to the page being left (it filters
    the keys of other pages' controls on a page change), and the control would show its default, a state the visitor
    never saw. Here the value the browser asked for goes back into the query and seeds the control, as Streamlit does
    on a first visit (the same private record as :func:`_forget_initial_url_value`; bad values are then refused by
    :func:`_url_value` as usual). Only on history navigation: on a link's page change the query Streamlit drops holds
    the previous page's controls, which mean other things here."""
    asked = getattr(_run, "asked", None)
    if not asked or bound.name not in asked or bound.name in _query():
        return
    from streamlit.errors import StreamlitAPIException
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    raw = asked[bound.name]
    try:
        st.query_params[bound.name] = raw  # no control of this page is bound to it yet
    except StreamlitAPIException:
        return
    _query()[bound.name] = [raw]
    ctx = get_script_run_ctx()
    with contextlib.suppress(AttributeError):  # another Streamlit version: the address still holds the value
        ctx.session_state._state.query_params._initial_query_params[bound.name] = [raw]


def _url_value(bound: Bound, labels: dict | None = None):
    """Read the raw query parameter before the widget is drawn; on a bad value, pick a usable one and say so.

    Streamlit silently drops a bound URL value it cannot use, so the check has to happen here, first.
    A number outside the range is clamped to the nearest bound; anything else falls back to the default.
    For a choice shown with ``labels``, Streamlit writes the label into the URL; the option itself is accepted too.
    """
    _scene_value(bound, labels)
    _restore_dropped_value(bound)
    repeated = _query().get(bound.name)
    if repeated is None:
        return
    raw = repeated[-1] if repeated else ""  # the last one, as st.query_params reads it
    if len(repeated) > 1:  # Streamlit does not bind a repeated key (the control would silently show its default)
        try:
            used = bound.parse(raw)  # the last one, as st.query_params reads it
        except BoundError:
            pass  # refused below, with its own notice
        else:
            st.session_state[bound.name] = used
            _forget_initial_url_value(bound.name)
            notice(
                f"URL parameter `{bound.name}=` appears {len(repeated)} times: using the last, **{bound.name}={used}**."
            )
            return
    if labels:
        if raw in {str(labels.get(o, o)) for o in bound.options}:
            return  # Streamlit's own form of the value
        if raw in {str(o) for o in bound.options}:  # the option itself, which Streamlit would drop: set it here
            st.session_state[bound.name] = bound.parse(raw)
            _forget_initial_url_value(bound.name)
            return
    try:
        bound.parse(raw)
        return
    except BoundError as err:
        used = _fallback(bound, raw)
        st.session_state[bound.name] = used
        _forget_initial_url_value(bound.name)
        notice(
            f"URL parameter {code(f'{bound.name}={raw}')} cannot be used: {plain(err)}. "
            f"Using **{bound.name}={used}** instead."
        )


def _fallback(bound: Bound, raw: str):
    """The value used instead of a refused ``raw``: a number clamped into the range, anything else the default."""
    if bound.kind == "choice":
        return bound.default
    try:
        used = bound.clamp(float(raw))
    except (TypeError, ValueError, OverflowError):
        return bound.default
    return bound.default if used != used else used  # NaN


def _scene_value(bound: Bound, labels: dict | None) -> None:
    """A page opened as a lecture's scene: the control takes the scene's value, or its default where the scene leaves
    it out, not the value this session last gave it on this page; a value the bound refuses gets a notice."""
    values = getattr(_run, "scene", None)
    if values is None:
        return
    raw = values.get(bound.name)
    if raw is None:
        st.session_state[bound.name] = bound.default
        return
    if labels:
        by_label = {str(labels.get(o, o)): o for o in bound.options}
        if raw in by_label:
            st.session_state[bound.name] = by_label[raw]
            return
    try:
        st.session_state[bound.name] = bound.parse(raw)
    except BoundError as err:
        used = _fallback(bound, raw)
        st.session_state[bound.name] = used
        notice(
            f"This scene's {code(f'{bound.name}={raw}')} cannot be used: {plain(err)}. "
            f"Using **{bound.name}={used}** instead."
        )


def _forget_initial_url_value(key: str) -> None:
    """Make Streamlit forget a refused value from the first request's URL, so the widget starts from session state.

    Streamlit 1.67 seeds a bound widget from the URL it first saw, even after ``st.query_params`` changes, and its
    ``number_input`` then crashes on a value beyond the float range (``?seed=999…9`` gives ``int(inf)``). There is
    no public API for this, so the private record is edited here, defensively; the AppTest fuzz test
    (tests/test_url_fuzz.py) fails if a Streamlit upgrade changes it.
    """
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    ctx = get_script_run_ctx()
    # On another Streamlit version the attribute may be gone: the notice and the session-state value still apply.
    with contextlib.suppress(AttributeError):
        ctx.session_state._state.query_params._initial_query_params.pop(key, None)


def _help(bound: Bound, extra: str | None) -> str:
    text = extra or bound.help
    return f"{text} Range: {bound.describe()}. URL key: `{bound.name}`.".strip()


def slider(bound: Bound, *, label: str | None = None, help: str | None = None, container=st):
    """A slider for a numeric bound, bound to the URL query parameter ``bound.name``."""
    _url_value(bound)
    if bound.kind == "int":
        lo, hi, default, step = int(bound.lo), int(bound.hi), int(bound.default), int(bound.step or 1)
    else:
        lo, hi, default, step = float(bound.lo), float(bound.hi), float(bound.default), float(bound.step or 0.01)
    value = container.slider(
        label or bound.label,
        min_value=lo,
        max_value=hi,
        value=default,
        step=step,
        key=bound.name,
        bind="query-params",
        help=_help(bound, help),
    )
    share.settle(bound, value)  # the share link carries the value used
    return value


def number(bound: Bound, *, label: str | None = None, help: str | None = None, container=st):
    """A number input for a numeric bound (seeds), bound to the URL."""
    _url_value(bound)
    cast = int if bound.kind == "int" else float
    value = container.number_input(
        label or bound.label,
        min_value=cast(bound.lo),
        max_value=cast(bound.hi),
        value=cast(bound.default),
        step=cast(bound.step or 1),
        key=bound.name,
        bind="query-params",
        help=_help(bound, help),
    )
    share.settle(bound, value)
    return value


def choice(bound: Bound, *, label: str | None = None, help: str | None = None, container=st, labels=None):
    """A segmented control for a choice bound, bound to the URL (always has a value).

    ``labels`` maps options to the text shown (the URL then carries the label; the option is accepted as well).
    """
    _url_value(bound, labels)
    value = container.segmented_control(
        label or bound.label,
        options=list(bound.options),
        default=bound.default,
        key=bound.name,
        bind="query-params",
        format_func=(lambda o: labels.get(o, o)) if labels else str,
        help=_help(bound, help),
    )
    value = bound.default if value is None else value  # a click on the selected option deselects it
    share.settle(bound, value, labels)
    return value


def more_settings():
    """The folded "More settings" row under a page's primary controls (the 2-3 a lecturer moves while talking sit
    beside the chart): use as ``with lab.more_settings(): ...``. Its widgets are always drawn, so their values and
    URL keys work while it is closed."""
    return st.expander("More settings", icon=":material/tune:")
