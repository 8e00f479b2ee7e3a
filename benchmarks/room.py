"""A room the class follows, measured: what one poll of a following student costs, and what following a move costs.

1. ``Store.version`` alone (the poll's one indexed ``SELECT``), in this process: CPU microseconds per call, from one
   thread and from 100 threads at once.
2. A real server (``streamlit run app.py``, a fresh data folder) and N students (default 100) over Streamlit's
   websocket protocol (:mod:`benchmarks.hall`): a room is opened on scene 1 of the shipped lecture (/vanishing, its
   question pending) and the students join with ``?room=CODE``. Reported: the join (page run) times and the server's
   CPU per join; then ``--idle`` seconds of nothing but polls (every student's fragment reruns every
   ``lab.classroom.room.POLL_SECONDS``): server CPU per poll and how many full page runs the polls caused (must be 0);
   then the presenter moves to scene 2: the time until every student has run the new scene (p50/p95/max) and the CPU per
   follow; then the presenter reveals scene 2's answer: the time until every student's page has run again; the
   server's RSS.

Run: ``python benchmarks/room.py`` (about a minute), ``python benchmarks/room.py --students 30 --idle 10``.
Several replicas on one store (issue 21): ``--store postgresql://… --replicas 2`` starts two servers on that store
and spreads the students over them in turn; the move is measured until every student on every replica followed.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import hall  # noqa: E402

from lab.classroom import room as room_ui  # noqa: E402
from residual_core import lectures  # noqa: E402
from residual_core.rooms import Store  # noqa: E402


def _position(number: int) -> dict:
    lecture = lectures.load("residuals")
    scene = lecture.scene(number)
    return {"page": scene.page, "query": scene.query, "title": scene.title, "lecture": "residuals", "scene": number,
            "scenes": len(lecture.scenes), "ask": scene.ask, "view": f"residuals:{number}"}  # fmt: skip


def store_alone(path: Path, calls: int = 20000) -> None:
    store = Store(path)
    code, _ = store.open_room(_position(1))
    t = time.process_time()
    for _ in range(calls):
        store.version(code)
    one = (time.process_time() - t) / calls
    threads, per = 100, calls // 100

    def work():
        for _ in range(per):
            store.version(code)

    t, wall = time.process_time(), time.perf_counter()
    pool = [threading.Thread(target=work) for _ in range(threads)]
    for th in pool:
        th.start()
    for th in pool:
        th.join()
    many, wall = (time.process_time() - t) / (threads * per), time.perf_counter() - wall
    print(f"Store.version, one thread:  {one * 1e6:7.1f} µs CPU per call")
    print(f"Store.version, 100 threads: {many * 1e6:7.1f} µs CPU per call ({threads * per / wall:,.0f} calls/s)")


def _pct(values, q):
    return hall._pct(values, q) if values else float("nan")


class _Servers:
    """Several servers seen as one: their CPU and RSS summed."""

    def __init__(self, servers):
        self.servers = servers

    def cpu_seconds(self) -> float:
        return sum(s.cpu_seconds() for s in self.servers)

    def rss_mb(self) -> float:
        return sum(s.rss_mb() for s in self.servers)


async def _hall(
    servers, code: str, students: int, idle: float, store: Store, token: str, follow_timeout: float = 30
) -> None:
    server = _Servers(servers)
    cpu0 = server.cpu_seconds()
    await asyncio.sleep(3)
    print(f"server CPU with nobody connected: {(server.cpu_seconds() - cpu0) / 3:.1%} of one core")
    sessions = [hall.Session(page="", query=f"room={code}") for _ in range(students)]
    cpu0 = server.cpu_seconds()
    await asyncio.gather(*(s.open(servers[i % len(servers)].url, 120) for i, s in enumerate(sessions)))
    cpu_join = server.cpu_seconds() - cpu0
    joins = [s.times[0] for s in sessions if s.times]
    errors = [e for s in sessions for e in s.errors + s.exceptions]
    print(f"{students} students join the room: p50 {_pct(joins, 50):.2f} s, max {max(joins):.2f} s; "
          f"server CPU {cpu_join * 1000 / students:.1f} ms per join; errors {len(errors)} {errors[:2]}")  # fmt: skip

    await asyncio.sleep(2)  # the first polls settle
    runs0 = sum(s.full_runs for s in sessions)
    cpu0, t0 = server.cpu_seconds(), time.monotonic()
    await asyncio.sleep(idle)
    cpu_idle, span = server.cpu_seconds() - cpu0, time.monotonic() - t0
    polls = students * span / room_ui.POLL_SECONDS
    extra = sum(s.full_runs for s in sessions) - runs0
    print(f"idle {span:.0f} s, ~{polls:,.0f} polls (every {room_ui.POLL_SECONDS:g} s): server CPU {cpu_idle:.2f} s = "
          f"{cpu_idle * 1000 / polls:.2f} ms per poll, {cpu_idle / span:.0%} of one core; full page runs caused: "
          f"{extra}")  # fmt: skip

    done, cpu_move = await _until_all(
        server,
        sessions,
        lambda: store.move(code, token, _position(2)),
        lambda s: "factor=1.1" in s.query,
        follow_timeout,
    )
    times = sorted(done.values())
    print(f"the presenter moves to scene 2: {len(done)}/{students} students followed, p50 {_pct(times, 50):.2f} s, "
          f"p95 {_pct(times, 95):.2f} s, max {max(times, default=float('nan')):.2f} s; server CPU "
          f"{cpu_move * 1000 / students:.1f} ms per student")  # fmt: skip
    missing = [i for i in range(students) if i not in done]
    if missing:  # what the students who did not follow saw, and what the servers logged
        for i in missing[:5]:
            s = sessions[i]
            print(f"  did not follow: student {i} on replica {i % len(servers)}, at ?{s.query}, {s.full_runs} page "
                  f"runs, endings {dict(s.endings)}, errors {s.errors[-2:]}, alerts {s.alerts[-2:]}")  # fmt: skip
        for n, replica in enumerate(servers):
            lines = Path(replica.log.name).read_text(errors="replace").splitlines()
            faults = [line for line in lines if "database fault" in line or "Error" in line]
            print(f"  replica {n} log: {len(faults)} fault lines {[f[-160:] for f in faults[-3:]]}")
    await _reveal(server, sessions, store, code, token, follow_timeout)
    print(f"server RSS {server.rss_mb():.0f} MB")
    await asyncio.gather(*(s.close() for s in sessions))


async def _until_all(server, sessions, act, reached, timeout: float) -> tuple[dict[int, float], float]:
    """Do ``act()`` (a move, a reveal), then wait until every session has finished a new page run that is ``reached``:
    each one's time (when its run's end was read, not when this loop saw it) and the servers' CPU meanwhile."""
    before = [s.full_runs for s in sessions]
    cpu0, t0 = server.cpu_seconds(), time.perf_counter()
    act()
    done: dict[int, float] = {}
    while len(done) < len(sessions) and time.perf_counter() - t0 < timeout:
        for i, s in enumerate(sessions):
            if i not in done and s.full_runs > before[i] and reached(s):
                done[i] = s.finished_at - t0
        await asyncio.sleep(0.01)
    await asyncio.sleep(0.5)
    return done, server.cpu_seconds() - cpu0


async def _reveal(server, sessions, store: Store, code: str, token: str, timeout: float) -> None:
    """The presenter reveals scene 2's answer: the time until every student's page has run again (with the answer,
    the histogram and the charts the question held back) and the server's CPU per student."""
    await asyncio.sleep(2)  # the move's runs settle
    done, cpu = await _until_all(
        server, sessions, lambda: store.reveal(code, token, _position(2)["view"]), lambda s: True, timeout
    )
    times = sorted(done.values())
    print(f"the presenter reveals scene 2's answer: {len(done)}/{len(sessions)} students redrawn, p50 "
          f"{_pct(times, 50):.2f} s, p95 {_pct(times, 95):.2f} s, max {max(times, default=float('nan')):.2f} s; "
          f"server CPU {cpu * 1000 / len(sessions):.1f} ms per student")  # fmt: skip


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--students", type=int, default=100)
    parser.add_argument("--idle", type=float, default=20.0, help="seconds of polling measured")
    parser.add_argument("--store", help="the store's URL (default: a fresh SQLite file), e.g. postgresql://…")
    parser.add_argument("--follow-timeout", type=float, default=30.0, help="seconds to wait for every student")
    parser.add_argument("--replicas", type=int, default=1, help="servers on that store (students spread over them)")
    args = parser.parse_args(argv)
    students = max(1, min(args.students, 400))
    with tempfile.TemporaryDirectory(prefix="room-bench-") as tmp:
        url = args.store or f"sqlite://{Path(tmp) / 'rooms.sqlite3'}"
        store_alone(Path(tmp) / "alone.sqlite3" if args.store is None else url)
        os.environ["RESIDUAL_LAB_DATA"] = tmp
        os.environ["RESIDUAL_LAB_STORE"] = url  # the servers' store (they inherit the environment)
        os.environ["RESIDUAL_LAB_WARMUP"] = "0"  # no background warm-up burning CPU while we measure
        store = Store(url)
        code, token = store.open_room(_position(1))
        servers = []
        try:
            for _ in range(max(1, args.replicas)):
                servers.append(hall.Server(post_script_gc=None))
                asyncio.run(hall._visit_all(servers[-1], ["vanishing", "residual-math"], 120))  # warm: one visit each
            print(f"store {url.split('://')[0]}, {len(servers)} replica(s), {students} students")
            asyncio.run(_hall(servers, code, students, args.idle, store, token, args.follow_timeout))
        finally:
            for server in servers:
                server.stop()
            store.close_connection()
    return 0


if __name__ == "__main__":
    sys.exit(main())
