"""Issue 20: storage faults on a real SQLite file are one StorageError with a message; room slots a script cannot
exhaust; answers the presenter can count and clear; the code-guess limit; a deleted database is "not on this server".
The tests that take ``store`` run on both engines (SQLite and a real PostgreSQL server); the faults of a PostgreSQL
server are in tests/test_room_pg.py."""

from __future__ import annotations

import pytest

from residual_core import rooms
from residual_core.room_store import RateLimit, StorageError, key_matches
from residual_core.rooms import Full, RoomError, Store
from tests.test_rooms import POSITION, Clock


@pytest.fixture
def store(store_url):
    s = Store(store_url, clock=Clock())
    yield s
    s.close_connection()


@pytest.fixture
def sqlite_store(tmp_path):
    s = Store(tmp_path / "rooms.sqlite3", clock=Clock())
    yield s
    s.close_connection()


def _connection(store):
    store.version("ABCDEF")  # connects
    return store._db._db


def test_a_full_database_is_a_storage_error_and_reads_go_on(sqlite_store):
    store = sqlite_store
    code, _ = store.open_room(POSITION)
    db = _connection(store)
    (pages,) = db.execute("PRAGMA page_count").fetchone()
    db.execute(f"PRAGMA max_page_count = {pages}")
    with pytest.raises(StorageError, match="full"):
        for i in range(5000):
            store.answer(code, "v", "q", f"voter-{i}", "x" * 60)
    assert store.room(code) is not None and store.count(code, "v", "q") > 0
    assert isinstance(StorageError("x"), RoomError)  # every page's "except RoomError" shows it


def test_a_read_only_database_is_a_storage_error(sqlite_store):
    store = sqlite_store
    code, token = store.open_room(POSITION)
    for action in (
        lambda: store.answer(code, "v", "q", "voter", "1"),
        lambda: store.move(code, token, POSITION),
        lambda: store.open_room(POSITION),
    ):
        _connection(store).execute("PRAGMA query_only = ON")  # SQLite's own read-only refusal (root ignores chmod)
        with pytest.raises(StorageError, match="read-only"):
            action()
    assert store.room(code) is not None  # a fault drops the connection: the next use connects again


def test_a_read_only_file_opened_with_mode_ro(tmp_path):
    path = tmp_path / "rooms.sqlite3"
    Store(path).open_room(POSITION)
    s = Store(path)
    s._db._connect()
    s._db._db.close()
    import sqlite3

    s._db._db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, isolation_level=None, check_same_thread=False)
    with pytest.raises(StorageError, match="read-only"):
        s.open_room(POSITION)


def test_an_unwritable_data_folder_is_a_storage_error(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    s = Store(blocker / "data" / "rooms.sqlite3")  # a store is made without touching the disk
    for action in (lambda: s.open_room(POSITION), lambda: s.room("ABCDEF"), lambda: s.version("ABCDEF")):
        with pytest.raises(StorageError, match="Rooms are unavailable"):
            action()


def test_a_deleted_database_says_not_on_this_server(tmp_path, store):
    code, token = store.open_room(POSITION)
    store.close(code, token)
    assert "closed or has expired" in store.missing(code)
    fresh = Store(tmp_path / "other.sqlite3")  # the file deleted and made again at a restart
    assert "not on this server" in fresh.missing(code)


def test_200_scripted_openings_without_the_key_do_not_lock_the_lecturer_out(store, monkeypatch):
    for i in range(rooms.MAX_ROOMS):
        store.open_room(POSITION, owner=f"script-session-{i}")
    with pytest.raises(Full, match="5 minutes"):
        store.open_room(POSITION, owner="lecturer")
    store.clock.now += rooms.UNJOINED_SECONDS + 1  # nobody joined the scripted rooms
    code, _ = store.open_room(POSITION, owner="lecturer")
    store.join(code)
    assert store.stats()["rooms"] == rooms.MAX_ROOMS


def test_a_joined_room_keeps_its_place(store):
    kept, _ = store.open_room(POSITION, owner="lecturer")
    store.join(kept)
    for i in range(rooms.MAX_ROOMS - 1):
        store.open_room(POSITION, owner=f"script-{i}")
    store.clock.now += rooms.UNJOINED_SECONDS + 1
    for i in range(rooms.MAX_ROOMS - 1):  # the unjoined rooms make space, the joined one does not
        store.open_room(POSITION, owner=f"script-again-{i}")
    with pytest.raises(Full):
        store.open_room(POSITION, owner="one-more")
    assert store.room(kept) is not None


def test_one_room_per_session_without_the_key(store):
    store.open_room(POSITION, owner="s")
    with pytest.raises(Full, match="open already"):
        store.open_room(POSITION, owner="s")
    store.open_room(POSITION, owner=None)  # a lecturer who gave the key
    store.open_room(POSITION, owner=None)


def test_the_lecturer_key_is_compared_whole():
    assert key_matches("s3cret", "s3cret")
    assert not key_matches("s3cre", "s3cret") and not key_matches(None, "s3cret") and not key_matches("", "")
    assert not key_matches("anything", None)


def test_the_presenter_counts_and_clears_the_answers(store):
    code, token = store.open_room(POSITION)
    for i in range(7):
        store.answer(code, "v", "q", f"voter-{i}", "1")
    store.answer(code, "v", "q", "voter-0", "2")  # the same browser again: replaced, not counted twice
    assert store.count(code, "v", "q") == 7
    with pytest.raises(rooms.NotPresenter):
        store.clear_answers(code, "guess", "v")
    assert store.clear_answers(code, token, "v") == 7
    assert store.count(code, "v", "q") == 0


def test_code_guesses_are_limited_per_key_and_window():
    clock = Clock(0.0)
    limit = RateLimit(5, 60.0, clock=clock)
    assert [limit.allow("s") for _ in range(7)] == [True] * 5 + [False] * 2
    assert limit.allow("other")
    clock.now += 61
    assert limit.allow("s")


def test_full_peeks_without_counting():
    limit = RateLimit(2, 60.0, clock=Clock(0.0))
    assert not limit.full("s")
    limit.allow("s")
    limit.allow("s")
    assert limit.full("s") and limit.full("s") and not limit.full("t")


def test_a_file_made_before_the_new_columns_is_upgraded(tmp_path):
    import sqlite3

    path = tmp_path / "rooms.sqlite3"
    with sqlite3.connect(path) as db:  # the schema of the store before issue 20
        db.executescript(
            "CREATE TABLE rooms (code TEXT PRIMARY KEY, token_hash TEXT NOT NULL, position TEXT NOT NULL, "
            "version INTEGER NOT NULL, created REAL NOT NULL, touched REAL NOT NULL);"
            "INSERT INTO rooms VALUES ('ABCDEF', 'x', '{}', 1, 1e12, 1e12);"
        )
    s = Store(path, clock=Clock(1e12))
    assert s.room("ABCDEF") is not None
    code, _ = s.open_room(POSITION, owner="s")
    s.join(code)
    s.close_connection()
