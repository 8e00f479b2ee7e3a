"""The rooms' SQLite file: the connection, its schema and every storage fault turned into one :class:`StorageError`
(plain Python and the standard library; no Streamlit). :class:`residual_core.rooms.Store` runs its reads and
transactions through :class:`Database`.

A full disk (or a file at its size limit), a read-only database, a missing or unwritable ``$RESIDUAL_LAB_DATA``:
each ``sqlite3`` or OS error raised by the file is caught here and raised again as :class:`StorageError` with a
message for the visitor (the server log keeps the original). The pages show the message and the lecture goes on
without the room. The ``meta`` table records when this file was made, and ``gone`` the codes of rooms that closed or
expired here: a code this file never held is "not on this server" (a wrong code, or a database that was deleted),
not "expired".

Also here: :class:`RateLimit` (a sliding window, for room-code guesses) and :func:`key_matches` (the lecturer key).
"""

from __future__ import annotations

import collections
import contextlib
import hmac
import logging
import os
import sqlite3
import threading
import time
from pathlib import Path

LOG = logging.getLogger(__name__)
GONE_KEPT = 20000  # codes of closed rooms remembered (the oldest are forgotten first)
SCHEMA = """
CREATE TABLE IF NOT EXISTS rooms (
    code TEXT PRIMARY KEY, token_hash TEXT NOT NULL, position TEXT NOT NULL, version INTEGER NOT NULL,
    created REAL NOT NULL, touched REAL NOT NULL);
CREATE TABLE IF NOT EXISTS reveals (room TEXT NOT NULL, view TEXT NOT NULL, PRIMARY KEY (room, view));
CREATE TABLE IF NOT EXISTS answers (
    room TEXT NOT NULL, view TEXT NOT NULL, question TEXT NOT NULL, voter TEXT NOT NULL, value TEXT NOT NULL,
    at REAL NOT NULL, PRIMARY KEY (room, view, question, voter));
CREATE INDEX IF NOT EXISTS rooms_touched ON rooms (touched);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS gone (code TEXT PRIMARY KEY, at REAL NOT NULL);
"""
COLUMNS = {"owner": "TEXT", "joined": "INTEGER NOT NULL DEFAULT 0"}  # added to a file made before they existed


class RoomError(Exception):
    """A room action that cannot be done; the message is for the visitor."""


class StorageError(RoomError):
    """The rooms' file cannot be read or written (full, read-only, missing, unwritable); the message is for the
    visitor. Any method of :class:`residual_core.rooms.Store` may raise it."""


def explain(err: BaseException, path: Path) -> str:
    """A visitor's message for a storage fault (no path: it is the server's business)."""
    text = str(err).lower()
    if "full" in text or "no space" in text:
        why = "the server's disk (or the rooms' file) is full"
    elif "readonly" in text or "read-only" in text or "read only" in text:
        why = "the rooms' file is read-only on this server"
    elif isinstance(err, PermissionError) or "permission" in text or "unable to open" in text:
        why = "the server cannot write its rooms' folder"
    elif isinstance(err, FileNotFoundError) or "no such file" in text or "disk i/o" in text:
        why = "the rooms' folder or file is missing on this server"
    else:
        why = "the rooms' file cannot be used on this server"
    LOG.error("rooms storage fault in %s: %r", path, err)
    return f"Rooms are unavailable: {why}. The lecture goes on without the room; tell the server's administrator."


_FAULTS = (sqlite3.Error, OSError)


class Database:
    """One connection to ``path`` (WAL mode), used under a lock by every session thread; made on first use, and made
    again after a fault, so a folder that becomes writable again works without a restart."""

    def __init__(self, path: Path, clock):
        self.path = Path(path)
        self.clock = clock
        self._lock = threading.Lock()
        self._db: sqlite3.Connection | None = None

    def _connect(self) -> sqlite3.Connection:
        if self._db is None:
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                db = sqlite3.connect(self.path, timeout=10, isolation_level=None, check_same_thread=False)
                try:
                    db.execute("PRAGMA busy_timeout=10000")
                    db.execute("PRAGMA journal_mode=WAL")
                    db.execute("PRAGMA synchronous=NORMAL")
                    db.executescript(SCHEMA)
                    have = {row[1] for row in db.execute("PRAGMA table_info(rooms)")}
                    for name, kind in COLUMNS.items():
                        if name not in have:
                            db.execute(f"ALTER TABLE rooms ADD COLUMN {name} {kind}")
                    db.execute(
                        "INSERT INTO meta (key, value) VALUES ('created', ?) ON CONFLICT DO NOTHING",
                        (repr(self.clock()),),
                    )
                except BaseException:
                    db.close()
                    raise
            except _FAULTS as err:
                raise StorageError(explain(err, self.path)) from err
            self._db = db
        return self._db

    def _fault(self, err: BaseException) -> StorageError:
        if self._db is not None:
            with contextlib.suppress(sqlite3.Error):  # closing a broken connection
                self._db.close()
            self._db = None
        return StorageError(explain(err, self.path))

    def write(self, fn):
        """Run ``fn(db)`` in one ``BEGIN IMMEDIATE`` transaction (committed, or rolled back on an exception)."""
        with self._lock:
            db = self._connect()
            try:
                db.execute("BEGIN IMMEDIATE")
                try:
                    out = fn(db)
                except BaseException:
                    if db.in_transaction:  # SQLite rolls back by itself on a full disk
                        with contextlib.suppress(sqlite3.Error):
                            db.execute("ROLLBACK")
                    raise
                db.execute("COMMIT")
            except RoomError:  # the store's own refusal (NotPresenter is also a PermissionError, an OSError)
                raise
            except _FAULTS as err:
                if db.in_transaction:
                    with contextlib.suppress(sqlite3.Error):
                        db.execute("ROLLBACK")
                raise self._fault(err) from err
            return out

    def read(self, sql: str, args=()):
        with self._lock:
            try:
                return self._connect().execute(sql, args).fetchall()
            except _FAULTS as err:
                raise self._fault(err) from err

    def run(self, fn):
        """``fn(db)`` outside a transaction (reads that need more than one statement)."""
        with self._lock:
            try:
                return fn(self._connect())
            except RoomError:
                raise
            except _FAULTS as err:
                raise self._fault(err) from err

    def close(self) -> None:
        with self._lock:
            if self._db is not None:
                self._db.close()
                self._db = None


def remember_gone(db, code: str, now: float) -> None:
    db.execute(
        "INSERT INTO gone (code, at) VALUES (?, ?) ON CONFLICT (code) DO UPDATE SET at = excluded.at", (code, now)
    )
    (n,) = db.execute("SELECT COUNT(*) FROM gone").fetchone()
    if n > GONE_KEPT:
        db.execute("DELETE FROM gone WHERE code IN (SELECT code FROM gone ORDER BY at LIMIT ?)", (n - GONE_KEPT,))


def data_folder() -> Path:
    """``$RESIDUAL_LAB_DATA``, else ``data/`` in the repository."""
    return Path(os.environ.get("RESIDUAL_LAB_DATA") or Path(__file__).resolve().parents[1] / "data")


def store_url() -> str:
    """The rooms' store in force: ``$RESIDUAL_LAB_STORE`` (``sqlite:///path`` or ``postgresql://…``), else the SQLite
    file ``rooms.sqlite3`` in :func:`data_folder`."""
    return os.environ.get("RESIDUAL_LAB_STORE", "").strip() or f"sqlite://{data_folder() / 'rooms.sqlite3'}"


def open_database(url, clock):
    """The database behind a store URL: a :class:`Database` for ``sqlite://PATH`` (``sqlite:///abs/path``,
    ``sqlite://relative/path``) or a plain path, a :class:`residual_core.room_pg.PgDatabase` for ``postgresql://``
    or ``postgres://`` (psycopg is imported only then). Returns ``(database, path)``, ``path`` ``None`` for a
    server. Nothing is connected yet. An unknown scheme is a :class:`StorageError` (the URL is not repeated: it
    may hold a password)."""
    text = str(url)
    scheme = text.split("://", 1)[0].lower() if "://" in text else ""
    if scheme in ("postgresql", "postgres"):
        try:
            from . import room_pg
        except ImportError as err:
            raise StorageError(
                "Rooms are unavailable: this server's store is PostgreSQL but psycopg is not installed. "
                "Tell the server's administrator."
            ) from err
        return room_pg.PgDatabase(text, clock), None
    if scheme == "sqlite":
        text = text[len("sqlite://") :]
    elif scheme:
        raise StorageError(
            "Rooms are unavailable: the store's address (RESIDUAL_LAB_STORE) is neither sqlite:/// nor "
            "postgresql://. Tell the server's administrator."
        )
    path = Path(text)
    return Database(path, clock), path


class RateLimit:
    """At most ``limit`` events per ``window`` seconds for each key (a session, or ``"*"`` for the process)."""

    def __init__(self, limit: int, window: float = 60.0, clock=time.monotonic, keys: int = 10000):
        self.limit, self.window, self.clock, self.max_keys = limit, window, clock, keys
        self._events: dict[str, collections.deque] = {}
        self._lock = threading.Lock()

    def full(self, key: str) -> bool:
        """Whether ``key`` had ``limit`` events in the last window (nothing counted)."""
        now = self.clock()
        with self._lock:
            events = self._events.get(key, ())
            return sum(1 for t in events if t > now - self.window) >= self.limit

    def allow(self, key: str) -> bool:
        """Count one event for ``key``; ``False`` (not counted) when ``key`` had ``limit`` in the last window."""
        now = self.clock()
        with self._lock:
            events = self._events.setdefault(key, collections.deque())
            while events and events[0] <= now - self.window:
                events.popleft()
            if len(events) >= self.limit:
                return False
            events.append(now)
            if len(self._events) > self.max_keys:  # forget idle keys
                for k in [k for k, v in self._events.items() if not v or v[-1] <= now - self.window]:
                    del self._events[k]
            return True


def key_matches(given, expected: str | None) -> bool:
    """Whether ``given`` is the lecturer key ``expected`` (compared in constant time); ``False`` without a key."""
    if not expected or not isinstance(given, str) or not given:
        return False
    return hmac.compare_digest(given.encode("utf-8"), expected.encode("utf-8"))
