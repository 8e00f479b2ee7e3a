"""The rooms' store (residual_core/rooms.py): concurrent answers, expiry, bounds, the presenter's token, the file on
disk. Every test that takes ``store`` or ``store_url`` runs on both engines: a SQLite file and a real PostgreSQL
server (tests/pg_cluster.py; the ``postgresql`` cases are marked slow)."""

from __future__ import annotations

import sqlite3
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from residual_core import rooms
from residual_core.rooms import NotPresenter, Refused, RoomNotFound, Store

POSITION = {"page": "/vanishing", "query": "depth=40", "lecture": "residuals", "scene": 1, "view": "residuals:1"}


class Clock:
    def __init__(self, now: float = 1_000_000.0):
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def store(store_url):
    s = Store(store_url, clock=Clock())
    yield s
    s.close_connection()


def test_a_room_opens_with_a_random_code_and_a_secret_token(store):
    codes = set()
    for _ in range(30):
        code, token = store.open_room(POSITION)
        assert rooms.CODE.match(code)
        assert len(token) >= 32 and token not in code
        codes.add(code)
    assert len(codes) == 30
    room = store.room(code)
    assert room.position == POSITION and room.version == 1
    # the token itself is nowhere in the store: only its hash
    stored = store._read("SELECT code, token_hash, position, owner FROM rooms")
    assert len(stored) == 30 and all(token not in str(row) for row in stored)
    assert any(rooms._digest(token) in row for row in stored)
    if store.path is not None:  # nor in the SQLite file
        raw = (store.path).read_bytes() + (store.path.with_name(store.path.name + "-wal")).read_bytes()
        assert token.encode() not in raw


def test_codes_are_read_leniently_and_checked(store):
    code, _ = store.open_room(POSITION)
    assert store.version(code.lower()) == 1
    assert store.version(f" {code[:3]}-{code[3:]} ") == 1
    for bad in ("", "abc", "0OOOOO", "A" * 100, None, 42, "'; DROP TABLE rooms; --"):
        assert store.version(bad) is None
        assert store.room(bad) is None


def test_only_the_token_moves_reveals_or_closes_the_room(store):
    code, token = store.open_room(POSITION)
    other_code, other_token = store.open_room(POSITION)
    for bad in ("", "x", other_token, token[:-1], token.upper(), None):
        with pytest.raises(NotPresenter):
            store.move(code, bad, {**POSITION, "scene": 2})
        with pytest.raises(NotPresenter):
            store.reveal(code, bad, "residuals:1")
        with pytest.raises(NotPresenter):
            store.close(code, bad)
        assert not store.is_presenter(code, bad)
    assert store.room(code).version == 1 and not store.revealed(code, "residuals:1")
    assert store.is_presenter(code, token)
    assert store.move(code, token, {**POSITION, "scene": 2}) == 2
    assert store.room(code).position["scene"] == 2
    assert store.reveal(code, token, "residuals:2") == 3
    assert store.revealed(code, "residuals:2") and not store.revealed(other_code, "residuals:2")
    store.close(code, token)
    assert store.room(code) is None
    with pytest.raises(RoomNotFound):
        store.move(code, token, POSITION)


def test_100_threads_answering_at_once_are_each_counted_exactly_once(store):
    code, _ = store.open_room(POSITION)
    start = threading.Barrier(100)

    def vote(i: int) -> str:
        start.wait()
        return store.answer(code, "residuals:1", "power", f"voter-{i}", rooms.number_text(i * 0.5))

    with ThreadPoolExecutor(max_workers=100) as pool:
        results = list(pool.map(vote, range(100)))
    assert results == ["stored"] * 100
    assert store.count(code, "residuals:1", "power") == 100
    assert sorted(float(v) for v in store.answers(code, "residuals:1", "power")) == [i * 0.5 for i in range(100)]

    # the same 100 voters again, at once: replaced, still one answer each
    start = threading.Barrier(100)
    with ThreadPoolExecutor(max_workers=100) as pool:
        assert set(pool.map(vote, range(100))) == {"replaced"}
    assert store.count(code, "residuals:1", "power") == 100


def test_two_processes_on_one_store_share_the_room(store_url):
    """Two Store objects (two connections, as two server processes would have) on the same WAL file, or two
    replicas' pools on the same PostgreSQL database."""
    a, b = Store(store_url), Store(store_url)
    code, token = a.open_room(POSITION)
    with ThreadPoolExecutor(max_workers=20) as pool:
        list(pool.map(lambda i: (a if i % 2 else b).answer(code, "v", "q", f"s{i}", "1"), range(40)))
    assert b.count(code, "v", "q") == 40
    b.move(code, token, {**POSITION, "scene": 3})
    assert a.room(code).position["scene"] == 3
    if a.path is not None:
        assert sqlite3.connect(a.path).execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    a.close_connection()
    b.close_connection()


def test_a_room_survives_a_restart(store_url):
    first = Store(store_url)
    code, token = first.open_room(POSITION)
    first.answer(code, "v", "q", "s1", "3")
    first.close_connection()
    again = Store(store_url)  # a new server process
    assert again.room(code).position == POSITION
    assert again.answers(code, "v", "q") == ["3"] and again.is_presenter(code, token)
    again.close_connection()


def test_one_answer_per_voter_and_none_after_the_reveal(store):
    code, token = store.open_room(POSITION)
    assert store.answer(code, "v1", "q", "s1", "0.5") == "stored"
    assert store.answer(code, "v1", "q", "s1", "0.7") == "replaced"
    assert store.answers(code, "v1", "q") == ["0.7"]
    assert store.my_answer(code, "v1", "q", "s1") == "0.7" and store.my_answer(code, "v1", "q", "s2") is None
    store.reveal(code, token, "v1")
    with pytest.raises(Refused):
        store.answer(code, "v1", "q", "s2", "0.1")
    assert store.answer(code, "v2", "q", "s2", "0.1") == "stored"  # another view is still open
    with pytest.raises(RoomNotFound):
        store.answer("ZZZZZZ", "v1", "q", "s1", "1")


def test_rooms_expire_after_12_hours_without_activity(store):
    code, token = store.open_room(POSITION)
    store.clock.now += rooms.EXPIRY_SECONDS - 60
    store.answer(code, "v", "q", "s", "1")  # an answer is activity
    store.clock.now += rooms.EXPIRY_SECONDS - 60
    assert store.version(code) == 1
    store.clock.now += 120
    assert store.version(code) is None and store.room(code) is None
    assert not store.is_presenter(code, token)
    with pytest.raises(RoomNotFound):
        store.answer(code, "v", "q", "s2", "1")
    assert store.purge() == 1
    assert store.stats() == {"rooms": 0, "answers": 0}


def test_the_number_of_rooms_is_bounded(store, monkeypatch):
    monkeypatch.setattr(rooms, "MAX_ROOMS", 5)
    opened = [store.open_room(POSITION) for _ in range(5)]
    with pytest.raises(rooms.Full):
        store.open_room(POSITION)
    store.clock.now += rooms.EVICT_IDLE_SECONDS + 1
    store.move(opened[1][0], opened[1][1], POSITION)  # room 1 is active, the others idle for over an hour
    code, _ = store.open_room(POSITION)  # the least recently active idle room makes space
    assert store.room(opened[0][0]) is None and store.room(opened[1][0]) is not None
    assert store.stats()["rooms"] == 5 and store.room(code) is not None


def test_the_number_of_answers_is_bounded(store, monkeypatch):
    monkeypatch.setattr(rooms, "MAX_ANSWERS_PER_QUESTION", 3)
    monkeypatch.setattr(rooms, "MAX_ANSWERS_PER_ROOM", 5)
    code, _ = store.open_room(POSITION)
    for i in range(3):
        store.answer(code, "v", "q1", f"s{i}", "1")
    with pytest.raises(Refused):
        store.answer(code, "v", "q1", "s9", "1")
    assert store.answer(code, "v", "q1", "s0", "2") == "replaced"  # changing an answer is always possible
    store.answer(code, "v", "q2", "s0", "1")
    store.answer(code, "v", "q2", "s1", "1")
    with pytest.raises(Refused):
        store.answer(code, "v", "q3", "s0", "1")
    assert store.stats()["answers"] == 5


@pytest.mark.parametrize(
    ("view", "question", "voter", "value"),
    [
        ("", "q", "s", "1"),
        ("v", "q" * 500, "s", "1"),
        ("v", "q", "s", "9" * 65),
        ("v", "q", "s", ""),
        ("v", 1, "s", "1"),
    ],
)
def test_answer_sizes_are_bounded(store, view, question, voter, value):
    code, _ = store.open_room(POSITION)
    with pytest.raises(Refused):
        store.answer(code, view, question, voter, value)
    assert store.stats()["answers"] == 0


def test_a_room_view_is_bounded(store):
    with pytest.raises(Refused):
        store.open_room({"query": "x" * (rooms.MAX_POSITION_BYTES + 1)})
    code, token = store.open_room(POSITION)
    with pytest.raises(Refused):
        store.move(code, token, {"query": "x" * (rooms.MAX_POSITION_BYTES + 1)})


def test_numbers_are_stored_finite():
    assert rooms.number_text(2.6561398887587476e-05) == "2.6561398887587476e-05"
    for bad in (float("inf"), float("nan")):
        with pytest.raises(Refused):
            rooms.number_text(bad)
