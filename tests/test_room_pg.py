"""Issue 21: the rooms' store on a real PostgreSQL server (tests/pg_cluster.py; never a mock) — a server that stops
in mid-use is a StorageError that names neither the address nor the password, and the store recovers when it is
back; an older schema is upgraded; the pool never holds more connections than its bound; the URL picks the engine
and psycopg is imported only for a server."""

from __future__ import annotations

import logging
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from residual_core import room_store, rooms
from residual_core.rooms import StorageError, Store
from tests.conftest import ROOT
from tests.test_rooms import POSITION, Clock

pytestmark = pytest.mark.slow


def _secrets(cluster) -> list[str]:
    return [cluster.password, cluster.url(), f":{cluster.port}", str(cluster.port)]


def _clean(text: str, cluster) -> None:
    for secret in _secrets(cluster):
        assert secret not in text, f"{secret!r} in {text!r}"


@pytest.fixture
def own_cluster():
    """A server of this test's own, to stop and start (the session's stays up for the other tests)."""
    from tests.pg_cluster import Cluster, binaries

    if binaries() is None:
        from tests.conftest import missing_service

        missing_service("PostgreSQL (initdb, pg_ctl)")
    cluster = Cluster()
    cluster.start()
    yield cluster
    cluster.close()


def test_a_server_stopped_in_mid_use_is_a_storage_error_and_the_store_recovers(own_cluster, caplog):
    caplog.set_level(logging.INFO)
    url = own_cluster.create_database("rooms")
    store = Store(url)
    code, token = store.open_room(POSITION)
    store.answer(code, "v", "q", "before", "1")
    own_cluster.stop()
    started = time.monotonic()
    for action in (
        lambda: store.version(code),
        lambda: store.answer(code, "v", "q", "during", "1"),
        lambda: store.move(code, token, POSITION),
        lambda: store.room(code),
    ):
        with pytest.raises(StorageError, match="Rooms are unavailable: the rooms' database server") as err:
            action()
        _clean(str(err.value), own_cluster)
        assert isinstance(err.value, rooms.RoomError)  # every page's "except RoomError" shows it
    assert time.monotonic() - started < 15  # one wait for the pool, then the next calls fail at once
    for record in caplog.records:
        assert own_cluster.password not in record.getMessage()
    own_cluster.start()
    deadline = time.monotonic() + 15
    while True:  # back within the fail-fast window (2 s) and one connection
        try:
            assert store.version(code) == 1
            break
        except StorageError:
            assert time.monotonic() < deadline, "the store did not recover after the server came back"
            time.sleep(0.2)
    assert store.answer(code, "v", "q", "after", "2") == "stored"
    assert sorted(store.answers(code, "v", "q")) == ["1", "2"]  # the answer before the stop is kept
    store.close_connection()


def test_a_wrong_password_or_an_unknown_host_says_so_without_the_url(pg_cluster):
    bad = pg_cluster.url().replace(pg_cluster.password, "not-the-password-42")
    with pytest.raises(StorageError, match="refused this server's login") as err:
        Store(bad).version("ABCDEF")
    assert "not-the-password-42" not in str(err.value) and '"lab"' not in str(err.value)
    _clean(str(err.value), pg_cluster)
    missing = pg_cluster.url("no_such_database")
    with pytest.raises(StorageError, match="does not exist") as err:
        Store(missing).version("ABCDEF")
    _clean(str(err.value), pg_cluster)


def test_a_schema_at_version_1_is_upgraded_and_its_rooms_kept(pg_cluster, pg_database):
    from residual_core import room_pg

    with pg_cluster.admin(pg_database.rsplit("/", 1)[1]) as conn:  # a database made by the first version
        for statement in filter(str.strip, room_pg.MIGRATIONS[1].split(";")):
            conn.execute(statement)
        conn.execute("CREATE TABLE schema_version (version INTEGER NOT NULL)")
        conn.execute("INSERT INTO schema_version VALUES (1)")
        conn.execute("INSERT INTO rooms (code, token_hash, position, version, created, touched) "
                     "VALUES ('ABCDEF', 'x', '{}', 7, 1e12, 1e12)")  # fmt: skip
    store = Store(pg_database, clock=Clock(1e12))
    assert store.version("ABCDEF") == 7
    code, _ = store.open_room(POSITION, owner="s")
    assert store.room(code).position == POSITION
    with pg_cluster.admin(pg_database.rsplit("/", 1)[1]) as conn:
        assert conn.execute("SELECT MAX(version) FROM schema_version").fetchone()[0] == room_pg.VERSION == 2
        indexes = {r[0] for r in conn.execute("SELECT indexname FROM pg_indexes WHERE tablename IN ('rooms', 'gone')")}
    assert {"rooms_owner", "gone_at"} <= indexes
    store.close_connection()
    again = Store(pg_database, clock=Clock(1e12))  # a second replica: nothing to migrate, the rooms are there
    assert again.version("ABCDEF") == 7 and again.room(code) is not None
    again.close_connection()


def test_a_schema_newer_than_this_app_is_refused(pg_cluster, pg_database):
    with pg_cluster.admin(pg_database.rsplit("/", 1)[1]) as conn:
        conn.execute("CREATE TABLE schema_version (version INTEGER NOT NULL)")
        conn.execute("INSERT INTO schema_version VALUES (99)")
    with pytest.raises(StorageError, match="newer version"):
        Store(pg_database).version("ABCDEF")


def test_the_pool_never_holds_more_connections_than_its_bound(pg_cluster, pg_database, monkeypatch):
    from residual_core import room_pg

    monkeypatch.setenv("RESIDUAL_LAB_STORE_POOL", "3")
    store = Store(pg_database)
    code, _ = store.open_room(POSITION)
    name = pg_database.rsplit("/", 1)[1]
    seen: list[int] = []
    done = threading.Event()

    def watch():
        with pg_cluster.admin() as conn:
            while not done.is_set():
                (n,) = conn.execute(
                    "SELECT COUNT(*) FROM pg_stat_activity WHERE datname = %s AND application_name = %s",
                    (name, room_pg.APPLICATION),
                ).fetchone()
                seen.append(n)
                time.sleep(0.005)

    watcher = threading.Thread(target=watch)
    watcher.start()
    start = threading.Barrier(60)

    def student(i: int) -> str:
        start.wait()
        for _ in range(5):
            store.version(code)
            store.room(code)
        return store.answer(code, "v", "q", f"voter-{i}", "1")

    with ThreadPoolExecutor(max_workers=60) as pool:
        results = list(pool.map(student, range(60)))
    done.set()
    watcher.join()
    assert results == ["stored"] * 60 and store.count(code, "v", "q") == 60
    assert max(seen) <= 3, f"the pool held {max(seen)} connections (bound 3)"
    assert max(seen) >= 2, "the threads never used two connections at once: the test measured nothing"
    store.close_connection()


def test_every_value_is_a_parameter(store_url):
    store = Store(store_url)
    code, _ = store.open_room(POSITION)
    nasty = "x'); DROP TABLE answers; --"
    assert store.answer(code, nasty, "q?", "%s%%", "?") == "stored"
    assert store.answers(code, nasty, "q?") == ["?"] and store.my_answer(code, nasty, "q?", "%s%%") == "?"
    assert store.stats() == {"rooms": 1, "answers": 1}
    store.close_connection()


def test_the_url_picks_the_engine(tmp_path, monkeypatch):
    monkeypatch.delenv("RESIDUAL_LAB_STORE", raising=False)
    monkeypatch.setenv("RESIDUAL_LAB_DATA", str(tmp_path))
    assert rooms.store_url() == f"sqlite://{tmp_path / 'rooms.sqlite3'}"
    assert Store(rooms.store_url()).path == tmp_path / "rooms.sqlite3"
    assert Store(f"sqlite://{tmp_path}/a.sqlite3").path == tmp_path / "a.sqlite3"
    assert Store(tmp_path / "b.sqlite3").path == tmp_path / "b.sqlite3"  # a plain path, as before
    monkeypatch.setenv("RESIDUAL_LAB_STORE", "postgresql://u:pw@127.0.0.1:1/db")
    assert rooms.store_url() == "postgresql://u:pw@127.0.0.1:1/db" and Store(rooms.store_url()).path is None
    with pytest.raises(StorageError, match="neither sqlite") as err:
        Store("mysql://u:hunter2@host/db")
    assert "hunter2" not in str(err.value) and "host" not in str(err.value)


def test_psycopg_is_imported_only_for_a_server(tmp_path):
    script = (
        "import sys; from residual_core.rooms import Store; "
        f"s = Store('sqlite://{tmp_path}/r.sqlite3'); s.open_room({{}}); "
        "assert 'psycopg' not in sys.modules, 'psycopg loaded for SQLite'; "
        "Store('postgresql://u@127.0.0.1:1/db'); assert 'psycopg' in sys.modules"
    )
    subprocess.run([sys.executable, "-c", script], cwd=ROOT, check=True, timeout=60)


def test_the_app_keeps_one_store_per_url(tmp_path, monkeypatch):
    from lab.classroom import room

    monkeypatch.setenv("RESIDUAL_LAB_STORE", f"sqlite://{tmp_path}/one.sqlite3")
    first = room.store()
    assert room.store() is first and first.path == tmp_path / "one.sqlite3"
    monkeypatch.setenv("RESIDUAL_LAB_STORE", f"sqlite://{tmp_path}/two.sqlite3")
    assert room.store() is not first and room.store().path == tmp_path / "two.sqlite3"


def test_the_placeholders_are_converted_and_percent_refused():
    from residual_core import room_pg

    assert room_pg.to_pg("SELECT 1 WHERE a = ? AND b = ?") == "SELECT 1 WHERE a = %s AND b = %s"
    with pytest.raises(ValueError):
        room_pg.to_pg("SELECT '%'")
    assert room_store.open_database("sqlite://rel/x.sqlite3", Clock())[1].as_posix() == "rel/x.sqlite3"
