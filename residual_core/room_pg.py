"""The rooms on a PostgreSQL server (``RESIDUAL_LAB_STORE=postgresql://…``), for several replicas that share one
room: the same methods as :class:`residual_core.room_store.Database`, which :class:`residual_core.rooms.Store` runs
its SQL through, so both engines run the very same statements (written with ``?`` placeholders, turned into
psycopg's ``%s`` here; every value is a bound parameter).

Imported only when the store's URL is ``postgresql://`` (psycopg and its pool are not loaded otherwise).

* **A bounded pool per replica:** at most ``$RESIDUAL_LAB_STORE_POOL`` connections (default :data:`POOL_SIZE`),
  opened on first use; connecting, waiting for a free connection and every statement time out after
  :data:`TIMEOUT_SECONDS`.
* **Writes one at a time**, as SQLite's ``BEGIN IMMEDIATE`` does: each write transaction first takes a
  transaction-level advisory lock (:data:`WRITE_LOCK`), so the bounds (rooms, answers per question) hold across
  replicas. Reads run outside transactions (autocommit) and never wait for the lock.
* **A versioned schema**, created on first use: the ``schema_version`` table holds the version, and
  :data:`MIGRATIONS` brings an older database up to date (under another advisory lock, in one transaction, so two
  replicas starting at once migrate it once).
* **Faults:** every psycopg or pool error is a :class:`StorageError` whose message says what is wrong in words
  (server unreachable, timed out, refused) and never the server's address, user or password; the log keeps the
  error's text with the password removed. A read that meets a broken connection (a server restart) checks the
  pool, dropping dead connections, and is tried once more.
"""

from __future__ import annotations

import logging
import os
import re
import threading
import time

import psycopg
import psycopg_pool

from .room_store import RoomError, StorageError

LOG = logging.getLogger(__name__)
POOL_SIZE = 4  # connections per replica (per Store), unless $RESIDUAL_LAB_STORE_POOL says otherwise
TIMEOUT_SECONDS = 5.0
WRITE_LOCK = 0x52_4C_61_62  # pg_advisory_xact_lock key: one write transaction at a time, as BEGIN IMMEDIATE
SCHEMA_LOCK = WRITE_LOCK + 1
DOWN_SECONDS = 2.0  # after the server failed, calls fail at once for this long (then the pool is tried again)
APPLICATION = "residual-lab"  # pg_stat_activity.application_name of this app's connections

_V1 = """
CREATE TABLE IF NOT EXISTS rooms (
    code TEXT PRIMARY KEY, token_hash TEXT NOT NULL, position TEXT NOT NULL, version BIGINT NOT NULL,
    created DOUBLE PRECISION NOT NULL, touched DOUBLE PRECISION NOT NULL, owner TEXT,
    joined INTEGER NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS reveals (room TEXT NOT NULL, view TEXT NOT NULL, PRIMARY KEY (room, view));
CREATE TABLE IF NOT EXISTS answers (
    room TEXT NOT NULL, view TEXT NOT NULL, question TEXT NOT NULL, voter TEXT NOT NULL, value TEXT NOT NULL,
    at DOUBLE PRECISION NOT NULL, PRIMARY KEY (room, view, question, voter));
CREATE INDEX IF NOT EXISTS rooms_touched ON rooms (touched);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS gone (code TEXT PRIMARY KEY, at DOUBLE PRECISION NOT NULL);
"""
# v2: the per-session room count (open_room) and the forgetting of old codes read these columns by index.
_V2 = """
CREATE INDEX IF NOT EXISTS rooms_owner ON rooms (owner);
CREATE INDEX IF NOT EXISTS gone_at ON gone (at);
"""
MIGRATIONS = {1: _V1, 2: _V2}  # version -> the statements that bring version - 1 to it
VERSION = max(MIGRATIONS)
_READ_RETRIES = 1


def pool_size() -> int:
    """``$RESIDUAL_LAB_STORE_POOL`` (1 to 100), else :data:`POOL_SIZE`."""
    raw = os.environ.get("RESIDUAL_LAB_STORE_POOL", "").strip()
    try:
        return min(max(int(raw), 1), 100) if raw else POOL_SIZE
    except ValueError:
        LOG.warning("RESIDUAL_LAB_STORE_POOL=%r is not a whole number: %d connections", raw, POOL_SIZE)
        return POOL_SIZE


_PLACEHOLDER = re.compile(r"\?")


def to_pg(sql: str) -> str:
    """``sql`` with its ``?`` placeholders as psycopg's ``%s`` (the store's SQL holds no other ``?`` or ``%``)."""
    if "%" in sql:
        raise ValueError("the store's SQL must not contain '%'")
    return _PLACEHOLDER.sub("%s", sql)


class _Connection:
    """What :class:`residual_core.rooms.Store` calls ``db``: ``execute(sql, args)`` with ``?`` placeholders."""

    def __init__(self, conn: psycopg.Connection):
        self._conn = conn

    def execute(self, sql: str, args=()):
        return self._conn.execute(to_pg(sql), tuple(args))


def explain(err: BaseException) -> str:
    """A visitor's message for a fault of the server (no address, user or password: they are the server's
    business)."""
    text = str(err).lower()
    if isinstance(err, psycopg_pool.PoolTimeout) or "timeout" in text or "timed out" in text:
        why = f"the rooms' database server cannot be reached or did not answer within {TIMEOUT_SECONDS:g} s"
    elif "password" in text or "authentication" in text or "permission denied" in text or "role" in text:
        why = "the rooms' database server refused this server's login"
    elif "does not exist" in text and "database" in text:
        why = "the rooms' database does not exist on its server"
    elif "read-only" in text or "read only" in text:
        why = "the rooms' database is read-only"
    elif isinstance(err, psycopg.OperationalError):
        why = "the rooms' database server cannot be reached"
    else:
        why = "the rooms' database cannot be used"
    return f"Rooms are unavailable: {why}. The lecture goes on without the room; tell the server's administrator."


def _broken(err: BaseException) -> bool:
    """A fault of the connection itself (a server restart, a dropped link), not of the statement."""
    return isinstance(err, psycopg.OperationalError) and not isinstance(err, psycopg_pool.PoolTimeout)


class PgDatabase:
    """The rooms' tables on the server at ``url`` (a libpq URL); the pool is opened on first use."""

    def __init__(self, url: str, clock, *, size: int | None = None):
        self.clock = clock
        self.size = size or pool_size()
        self._url = url
        self._secret = psycopg.conninfo.conninfo_to_dict(url).get("password") or None
        self._pool: psycopg_pool.ConnectionPool | None = None
        self._lock = threading.Lock()
        self._ready = False  # the schema is at VERSION
        self._down: tuple[float, str] | None = None  # (until when, why): the server just failed, fail fast

    def _log(self, err: BaseException) -> None:
        text = f"{type(err).__name__}: {err}"
        for secret in (self._url, self._secret):
            if secret:
                text = text.replace(secret, "***")
        LOG.error("rooms database fault: %s", text)

    def _fault(self, err: BaseException) -> StorageError:
        self._log(err)
        if isinstance(err, psycopg_pool.PoolTimeout):  # the pool hides why it could not connect: ask the server once
            try:
                psycopg.connect(self._url, connect_timeout=2, application_name=APPLICATION).close()
            except psycopg.Error as why:
                self._log(why)
                err = why
        return StorageError(explain(err))

    def _configure(self, conn: psycopg.Connection) -> None:
        conn.execute(f"SET statement_timeout = {int(TIMEOUT_SECONDS * 1000)}")
        conn.execute(f"SET lock_timeout = {int(TIMEOUT_SECONDS * 1000)}")

    def _open(self) -> psycopg_pool.ConnectionPool:
        with self._lock:
            if self._pool is None:
                self._pool = psycopg_pool.ConnectionPool(
                    self._url,
                    min_size=1,
                    max_size=self.size,
                    open=False,
                    timeout=TIMEOUT_SECONDS,
                    reconnect_timeout=TIMEOUT_SECONDS * 6,
                    num_workers=1,
                    name="residual-lab-rooms",
                    configure=self._configure,
                    kwargs={
                        "autocommit": True,
                        "connect_timeout": int(TIMEOUT_SECONDS),
                        "application_name": APPLICATION,
                    },
                )
                self._pool.open(wait=False)
            return self._pool

    def _migrate(self, conn: psycopg.Connection) -> None:
        """Bring the schema to :data:`VERSION` (once per :class:`PgDatabase`; every replica checks)."""
        if self._ready:
            return
        with conn.transaction():
            conn.execute("SELECT pg_advisory_xact_lock(%s)", (SCHEMA_LOCK,))
            conn.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
            row = conn.execute("SELECT MAX(version) FROM schema_version").fetchone()
            have = row[0] or 0
            if have > VERSION:
                raise StorageError(
                    "Rooms are unavailable: the rooms' database was made by a newer version of this app. "
                    "Tell the server's administrator."
                )
            for version in range(have + 1, VERSION + 1):
                for statement in filter(str.strip, MIGRATIONS[version].split(";")):
                    conn.execute(statement)
                conn.execute("INSERT INTO schema_version (version) VALUES (%s)", (version,))
                LOG.info("rooms database schema upgraded to version %d", version)
            conn.execute(
                "INSERT INTO meta (key, value) VALUES ('created', %s) ON CONFLICT DO NOTHING", (repr(self.clock()),)
            )
        self._ready = True

    def _use(self, fn, *, write: bool, retries: int = 0):
        down = self._down
        if down is not None and time.monotonic() < down[0]:
            raise StorageError(down[1])  # the server failed a moment ago: no new 5 s wait for every visitor
        try:
            with self._open().connection() as conn:
                self._migrate(conn)
                if not write:
                    return fn(_Connection(conn))
                with conn.transaction():
                    conn.execute("SELECT pg_advisory_xact_lock(%s)", (WRITE_LOCK,))
                    return fn(_Connection(conn))
        except RoomError:  # the store's own refusal, or a StorageError from _migrate
            raise
        except (psycopg.Error, OSError) as err:
            if _broken(err) and self._pool is not None:
                self._pool.check()  # drop the pool's other dead connections: the next use connects afresh
                if retries > 0:
                    self._log(err)
                    return self._use(fn, write=write, retries=retries - 1)
            fault = self._fault(err)
            if _broken(err) or isinstance(err, psycopg_pool.PoolTimeout):
                self._down = (time.monotonic() + DOWN_SECONDS, str(fault))
            raise fault from err

    def write(self, fn):
        """Run ``fn(db)`` in one transaction that holds :data:`WRITE_LOCK` (committed, or rolled back on an
        exception)."""
        return self._use(fn, write=True)

    def read(self, sql: str, args=()):
        return self._use(lambda db: db.execute(sql, args).fetchall(), write=False, retries=_READ_RETRIES)

    def run(self, fn):
        """``fn(db)`` outside a transaction (reads that need more than one statement)."""
        return self._use(fn, write=False, retries=_READ_RETRIES)

    def close(self) -> None:
        with self._lock:
            if self._pool is not None:
                self._pool.close()
                self._pool = None
