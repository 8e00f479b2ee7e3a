"""The rooms of the lecture mode and the class's answers: the one module that owns this state (plain Python and the
standard library's ``sqlite3``; no Streamlit), so that a shared database server could replace it behind the same
methods.

A *room* is what a class follows: the presenter's current view (a page, its query, the lecture scene), a version
number that changes whenever the presenter moves or reveals, and the views whose answers are revealed. Students
poll :meth:`Store.version` (one indexed ``SELECT``) and re-read the room only when it changed. Only the holder of
the room's secret token, made when the room is opened, can move it, reveal or close it; the store keeps only the
token's SHA-256. Answers are anonymous: a voter id (the caller's: :mod:`lab.classroom.room` hashes the browser's
XSRF cookie with the room's code) and the value, one per voter, view and question (a second answer before the reveal
replaces the first); the presenter can clear a view's answers.

Bounds: :data:`MAX_ROOMS` open rooms (when full, a room nobody joined for :data:`UNJOINED_SECONDS` or any room idle
for :data:`EVICT_IDLE_SECONDS` makes space), :data:`ROOMS_PER_OWNER` per session when the caller names one (no
lecturer key), :data:`MAX_ANSWERS_PER_QUESTION` and :data:`MAX_ANSWERS_PER_ROOM`, the length of every stored text, and
rooms expire after :data:`EXPIRY_SECONDS` without a presenter action or an answer.

Storage: chosen by a URL (:func:`store_url`: ``$RESIDUAL_LAB_STORE``). By default one SQLite file
(``$RESIDUAL_LAB_DATA/rooms.sqlite3``, by default ``data/`` in the repository) in WAL mode, so a room survives a page
reload and a server restart on this machine's disk; with ``postgresql://…`` a PostgreSQL database that several
replicas share (docs/deploy.md, "Several replicas"). Both run the same SQL: :mod:`residual_core.room_store` owns the
SQLite connection, :mod:`residual_core.room_pg` the server's pool; every storage fault is a :class:`StorageError`
(a :class:`RoomError`) with a message for the visitor, and writes are serialised transactions (``BEGIN IMMEDIATE``,
or an advisory lock on the server).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import math
import re
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from .room_store import RoomError, StorageError, open_database, remember_gone
from .room_store import data_folder as data_folder  # re-exported: where the default SQLite file lives
from .room_store import store_url as store_url  # re-exported: the store URL in force ($RESIDUAL_LAB_STORE)

__all__ = ["Full", "NotPresenter", "Refused", "Room", "RoomError", "RoomNotFound", "StorageError", "Store"]

EXPIRY_SECONDS = 12 * 3600  # a room without activity for this long is gone
EVICT_IDLE_SECONDS = 3600  # when the store is full, a room idle this long may be closed to make space
MAX_ROOMS = 200
MAX_ANSWERS_PER_QUESTION = 2000
MAX_ANSWERS_PER_ROOM = 20000
MAX_POSITION_BYTES = 8192  # a view: page, query, scene title, and a packed lecture (up to 6000 characters)
MAX_VALUE_CHARS = 64
MAX_KEY_CHARS = 160  # a view's or a question's name, a voter id
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I/L: read aloud and typed from a projector
CODE_LENGTH = 6
CODE = re.compile(rf"^[{CODE_ALPHABET}]{{{CODE_LENGTH}}}$")
UNJOINED_SECONDS = 300  # a room nobody joined frees its slot after this long (when the store is full)
ROOMS_PER_OWNER = 1  # rooms one session may hold open at once when no lecturer key is set


class RoomNotFound(RoomError):
    pass


class NotPresenter(RoomError, PermissionError):
    pass


class Full(RoomError):
    pass


class Refused(RoomError):
    """An answer that is not taken (revealed already, out of bounds)."""


@dataclass(frozen=True)
class Room:
    code: str
    position: dict
    version: int
    created: float
    touched: float


def normal_code(code) -> str | None:
    """``code`` as stored (upper case, spaces and dashes dropped) if it can be a room code, else ``None``."""
    if not isinstance(code, str) or len(code) > 20:
        return None
    code = code.strip().upper().replace("-", "").replace(" ", "")
    return code if CODE.match(code) else None


def _digest(token: str) -> str:
    return hashlib.sha256(str(token).encode("utf-8")).hexdigest()


def _short(value, name: str, limit: int = MAX_KEY_CHARS) -> str:
    if not isinstance(value, str) or not value or len(value) > limit:
        raise Refused(f"{name} must be 1 to {limit} characters")
    return value


class Store:
    """The rooms and answers at ``url`` (``sqlite:///path``, a plain path, or ``postgresql://…``; see
    :func:`room_store.open_database`); ``clock`` gives the time (seconds), for tests. ``path`` is the SQLite file
    (``None`` on a server)."""

    def __init__(self, url: str | Path, *, clock: Callable[[], float] = time.time):
        self.clock = clock
        self._db, self.path = open_database(url, clock)  # connects on first use: a fault is a StorageError there

    def close_connection(self) -> None:
        self._db.close()

    # -- internals ---------------------------------------------------------------------------------------------------

    def _write(self, fn):
        return self._db.write(fn)

    def _read(self, sql: str, args=()):
        return self._db.read(sql, args)

    def _live(self, db, code: str):
        """The room's row if it exists and has not expired."""
        row = db.execute("SELECT token_hash, version, touched FROM rooms WHERE code = ?", (code,)).fetchone()
        if row is None or row[2] < self.clock() - EXPIRY_SECONDS:
            return None
        return row

    def _presenter(self, db, code: str, token: str):
        code = normal_code(code)
        row = self._live(db, code) if code else None
        if row is None:
            raise RoomNotFound(f"room {code or '?'} is closed or has expired")
        if not isinstance(token, str) or not hmac.compare_digest(row[0], _digest(token)):
            raise NotPresenter(f"only the presenter of room {code} can do this")
        return code, row

    @staticmethod
    def _position(position: dict) -> str:
        text = json.dumps(position, sort_keys=True, ensure_ascii=False)
        if len(text.encode("utf-8")) > MAX_POSITION_BYTES:
            raise Refused(f"a room's view is at most {MAX_POSITION_BYTES} bytes")
        return text

    def _purge(self, db, now: float) -> int:
        gone = [r[0] for r in db.execute("SELECT code FROM rooms WHERE touched < ?", (now - EXPIRY_SECONDS,))]
        for code in gone:
            self._drop(db, code)
        return len(gone)

    def _drop(self, db, code: str) -> None:
        db.execute("DELETE FROM answers WHERE room = ?", (code,))
        db.execute("DELETE FROM reveals WHERE room = ?", (code,))
        db.execute("DELETE FROM rooms WHERE code = ?", (code,))
        remember_gone(db, code, self.clock())

    # -- the presenter -----------------------------------------------------------------------------------------------

    def open_room(self, position: dict, owner: str | None = None) -> tuple[str, str]:
        """Open a room at ``position``; returns ``(code, token)``. The token is shown to nobody but its presenter.

        ``owner`` (a session's id) holds at most :data:`ROOMS_PER_OWNER` open rooms (``None``: no limit, for a
        lecturer who gave the key). When the store is full, a room nobody joined for :data:`UNJOINED_SECONDS`, or any
        room idle for :data:`EVICT_IDLE_SECONDS`, makes space."""
        text = self._position(position)
        token = secrets.token_urlsafe(24)
        owner_hash = _digest(owner) if owner is not None else None

        def do(db):
            now = self.clock()
            self._purge(db, now)
            if owner_hash is not None:
                held = [r[0] for r in db.execute("SELECT code FROM rooms WHERE owner = ?", (owner_hash,))]
                if len(held) >= ROOMS_PER_OWNER:
                    raise Full(f"this browser session has room {held[0]} open already: close it first")
            (count,) = db.execute("SELECT COUNT(*) FROM rooms").fetchone()
            if count >= MAX_ROOMS:
                idle = db.execute(
                    "SELECT code FROM rooms WHERE (joined = 0 AND touched < ?) OR touched < ? ORDER BY touched LIMIT 1",
                    (now - UNJOINED_SECONDS, now - EVICT_IDLE_SECONDS),
                ).fetchone()
                if idle is None:
                    raise Full(
                        f"the server holds {MAX_ROOMS} active rooms; a room nobody joined frees its place after "
                        f"{UNJOINED_SECONDS // 60} minutes: try again then"
                    )
                self._drop(db, idle[0])
            for _ in range(20):
                code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
                if db.execute("SELECT 1 FROM rooms WHERE code = ?", (code,)).fetchone() is None:
                    break
            else:  # pragma: no cover - 31^6 codes, at most MAX_ROOMS in use
                raise Full("no free room code")
            db.execute(
                "INSERT INTO rooms (code, token_hash, position, version, created, touched, owner, joined) "
                "VALUES (?, ?, ?, 1, ?, ?, ?, 0)",
                (code, _digest(token), text, now, now, owner_hash),
            )
            return code

        return self._write(do), token

    def join(self, code: str) -> None:
        """A student has joined the room: it keeps its place (a room nobody joined may be closed when the store is
        full)."""
        code = normal_code(code)
        if code:
            self._write(lambda db: db.execute("UPDATE rooms SET joined = 1 WHERE code = ? AND joined = 0", (code,)))

    def missing(self, code: str) -> str:
        """Why room ``code`` cannot be found: closed or expired here, or never on this server."""
        code = normal_code(code)
        if code and self._read("SELECT 1 FROM gone WHERE code = ?", (code,)):
            return f"room {code} is closed or has expired (rooms close after 12 hours without activity)"
        return (
            f"room {code or '?'} is not on this server: check the code (a room of another server, or one from "
            "before this server's rooms were reset, is not here)"
        )

    def is_presenter(self, code: str, token: str) -> bool:
        """Whether ``token`` is room ``code``'s presenter token (a storage fault raises :class:`StorageError`)."""
        try:
            self._db.run(lambda db: self._presenter(db, code, token))
            return True
        except StorageError:
            raise
        except RoomError:
            return False

    def move(self, code: str, token: str, position: dict) -> int:
        """Show ``position`` to the room (presenter only); returns the room's new version."""
        text = self._position(position)

        def do(db):
            room, row = self._presenter(db, code, token)
            db.execute(
                "UPDATE rooms SET position = ?, version = version + 1, touched = ? WHERE code = ?",
                (text, self.clock(), room),
            )
            return row[1] + 1

        return self._write(do)

    def reveal(self, code: str, token: str, view: str) -> int:
        """Reveal the answers of ``view`` (presenter only): its answers are closed and everyone sees the result."""
        view = _short(view, "a view's name")

        def do(db):
            room, row = self._presenter(db, code, token)
            (count,) = db.execute("SELECT COUNT(*) FROM reveals WHERE room = ?", (room,)).fetchone()
            if count >= MAX_ANSWERS_PER_QUESTION:
                raise Refused("this room has revealed too many views")
            db.execute("INSERT INTO reveals (room, view) VALUES (?, ?) ON CONFLICT DO NOTHING", (room, view))
            db.execute("UPDATE rooms SET version = version + 1, touched = ? WHERE code = ?", (self.clock(), room))
            return row[1] + 1

        return self._write(do)

    def close(self, code: str, token: str) -> None:
        """Close the room (presenter only): it and its answers are deleted."""
        self._write(lambda db: self._drop(db, self._presenter(db, code, token)[0]))

    # -- everyone ----------------------------------------------------------------------------------------------------

    def version(self, code: str) -> int | None:
        """The room's version (changes whenever the presenter moves or reveals), ``None`` if it is gone. One
        indexed ``SELECT``: what every following student polls."""
        code = normal_code(code)
        if code is None:
            return None
        rows = self._read("SELECT version, touched FROM rooms WHERE code = ?", (code,))
        if not rows or rows[0][1] < self.clock() - EXPIRY_SECONDS:
            return None
        return rows[0][0]

    def room(self, code: str) -> Room | None:
        code = normal_code(code)
        if code is None:
            return None
        rows = self._read("SELECT position, version, created, touched FROM rooms WHERE code = ?", (code,))
        if not rows or rows[0][3] < self.clock() - EXPIRY_SECONDS:
            return None
        position, version, created, touched = rows[0]
        return Room(code, json.loads(position), version, created, touched)

    def revealed(self, code: str, view: str) -> bool:
        code = normal_code(code)
        return bool(code and self._read("SELECT 1 FROM reveals WHERE room = ? AND view = ?", (code, view)))

    def answer(self, code: str, view: str, question: str, voter: str, value: str) -> str:
        """Store ``voter``'s answer to ``question`` on ``view``: ``"stored"``, or ``"replaced"`` for a second answer
        of the same voter before the reveal. Raises :class:`Refused` after the reveal or beyond the bounds."""
        view, question, voter = (_short(v, n) for v, n in ((view, "view"), (question, "question"), (voter, "voter")))
        value = _short(value, "an answer", MAX_VALUE_CHARS)

        def do(db):
            room = normal_code(code)
            if room is None or self._live(db, room) is None:
                raise RoomNotFound(f"room {room or '?'} is closed or has expired")
            if db.execute("SELECT 1 FROM reveals WHERE room = ? AND view = ?", (room, view)).fetchone():
                raise Refused("the answer has been revealed: answers are closed")
            key = (room, view, question, voter)
            had = db.execute(
                "SELECT 1 FROM answers WHERE room = ? AND view = ? AND question = ? AND voter = ?", key
            ).fetchone()
            if not had:
                (n_question,) = db.execute(
                    "SELECT COUNT(*) FROM answers WHERE room = ? AND view = ? AND question = ?", key[:3]
                ).fetchone()
                if n_question >= MAX_ANSWERS_PER_QUESTION:
                    raise Refused(f"this question has {MAX_ANSWERS_PER_QUESTION} answers already")
                (n_room,) = db.execute("SELECT COUNT(*) FROM answers WHERE room = ?", (room,)).fetchone()
                if n_room >= MAX_ANSWERS_PER_ROOM:
                    raise Refused(f"this room has {MAX_ANSWERS_PER_ROOM} answers already")
            now = self.clock()
            db.execute(
                "INSERT INTO answers (room, view, question, voter, value, at) VALUES (?, ?, ?, ?, ?, ?) "
                "ON CONFLICT (room, view, question, voter) DO UPDATE SET value = excluded.value, at = excluded.at",
                (*key, value, now),
            )
            db.execute("UPDATE rooms SET touched = ?, joined = 1 WHERE code = ?", (now, room))
            return "replaced" if had else "stored"

        return self._write(do)

    def clear_answers(self, code: str, token: str, view: str) -> int:
        """Delete every answer on ``view`` (presenter only), e.g. after a flood; returns how many."""

        def do(db):
            room, _ = self._presenter(db, code, token)
            n = db.execute("DELETE FROM answers WHERE room = ? AND view = ?", (room, view)).rowcount
            db.execute("UPDATE rooms SET version = version + 1, touched = ? WHERE code = ?", (self.clock(), room))
            return n

        return self._write(do)

    def answers(self, code: str, view: str, question: str) -> list[str]:
        """Every answer to ``question`` on ``view`` (anonymous: the values only, in no particular order)."""
        code = normal_code(code)
        if code is None:
            return []
        rows = self._read(
            "SELECT value FROM answers WHERE room = ? AND view = ? AND question = ?", (code, view, question)
        )
        return [r[0] for r in rows]

    def my_answer(self, code: str, view: str, question: str, voter: str) -> str | None:
        code = normal_code(code)
        rows = self._read(
            "SELECT value FROM answers WHERE room = ? AND view = ? AND question = ? AND voter = ?",
            (code, view, question, voter),
        )
        return rows[0][0] if rows else None

    def count(self, code: str, view: str, question: str) -> int:
        code = normal_code(code)
        rows = self._read(
            "SELECT COUNT(*) FROM answers WHERE room = ? AND view = ? AND question = ?", (code, view, question)
        )
        return rows[0][0]

    def purge(self) -> int:
        """Delete the expired rooms now (opening a room does it too); returns how many."""
        return self._write(lambda db: self._purge(db, self.clock()))

    def stats(self) -> dict:
        rooms, answers = self._read("SELECT (SELECT COUNT(*) FROM rooms), (SELECT COUNT(*) FROM answers)")[0]
        return {"rooms": rooms, "answers": answers}


def number_text(x: float) -> str:
    """A numeric answer as stored: finite, at most 17 significant digits."""
    if not math.isfinite(x):
        raise Refused("an answer must be a finite number")
    return format(float(x), ".17g")
