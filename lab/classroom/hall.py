"""The room in a hostile hall: who votes (one id per browser), who may open a room (the lecturer key) and how fast
unknown room codes may be tried. Used by :mod:`lab.classroom.room`; the rules themselves are in
:mod:`residual_core.rooms` and :mod:`residual_core.room_store`."""

from __future__ import annotations

import hashlib
import os
import secrets

import streamlit as st

from residual_core.room_store import RateLimit

VOTER = "lab-voter"  # session state: the voter id of a browser that sent no XSRF cookie
KEY_ENV, KEY_SECRET = "RESIDUAL_LAB_LECTURER_KEY", "lecturer_key"  # the lecturer key: environment, st.secrets
GUESSES_PER_SESSION, GUESSES_PER_PROCESS = 5, 120  # room codes not found, per minute
_GUESSES = RateLimit(GUESSES_PER_SESSION)
_ALL_GUESSES = RateLimit(GUESSES_PER_PROCESS)


def voter(code: str) -> str:
    """This browser's anonymous voter id in room ``code``: a hash of the browser's XSRF cookie (the same in every tab
    and after a reload, so one browser answers once) and the room's code (so ids differ between rooms); a random
    per-session id when the browser sent no such cookie. Nothing about the visitor is stored."""
    cookie = _browser_secret()
    if cookie:
        return hashlib.sha256(f"{code}|{cookie}".encode()).hexdigest()[:32]
    if VOTER not in st.session_state:
        st.session_state[VOTER] = secrets.token_hex(8)
    return st.session_state[VOTER]


def _cookie() -> str | None:
    try:
        return st.context.cookies.get("_streamlit_xsrf")
    except Exception:  # no browser context (bare mode)
        return None


def _browser_secret() -> str | None:
    """The browser's XSRF token (Tornado's ``_streamlit_xsrf`` cookie ``2|mask|masked|time``: the token unmasked, as
    the mask changes when the cookie is set again), or ``None``."""
    raw = _cookie()
    if not raw:
        return None
    parts = str(raw).split("|")
    if len(parts) == 4 and parts[0] == "2":
        try:
            mask, masked = bytes.fromhex(parts[1]), bytes.fromhex(parts[2])
            return bytes(a ^ b for a, b in zip(mask, masked, strict=False)).hex()
        except ValueError:
            pass
    return str(raw)[:200]


def lecturer_key() -> str | None:
    """The lecturer key (``$RESIDUAL_LAB_LECTURER_KEY``, else ``lecturer_key`` in ``.streamlit/secrets.toml``), or
    ``None``: then anyone may open a room, one per session."""
    key = os.environ.get(KEY_ENV)
    if key:
        return key
    try:
        key = st.secrets.get(KEY_SECRET)
    except Exception:  # no secrets file
        return None
    return str(key) if key else None


def session_id() -> str:
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    ctx = get_script_run_ctx()
    return ctx.session_id if ctx is not None else "bare"


def guessing() -> bool:
    """Whether this session or the process has tried too many room codes that were not found in the last minute."""
    return _GUESSES.full(session_id()) or _ALL_GUESSES.full("*")


def count_guess() -> None:
    """Count a room code that was not found."""
    _GUESSES.allow(session_id())
    _ALL_GUESSES.allow("*")
