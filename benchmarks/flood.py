"""The rerun flood: one websocket sends rerun requests as fast as it can; how long does another visitor's page take?

For each setting of ``runner.fastReruns`` (``--fast-reruns``, default both ``true`` and ``false``) and each flood size
N (``--messages``, default 500, 5,000 and 20,000) the script starts a fresh ``streamlit run app.py`` on a free
loopback port (:class:`benchmarks.hall.Server`), opens the page once (the warm-up: imports and caches), then:

1. the attacker opens a session on the page over ``/_stcore/stream`` (the way the browser does,
   :class:`benchmarks.hall.Session`), waits for its first ``script_finished`` and then sends N ``BackMsg`` s with
   ``rerun_script`` (the same page, the same query) as fast as the socket takes them;
2. right after the last one is sent a second visitor opens the same page: the figure is the time from its websocket
   opening to its ``script_finished``;
3. then how long until the server is quiet again (the attacker's own last ``script_finished``, at most
   ``--timeout`` seconds), and the server's CPU seconds and peak RSS over the measurement.

The flag is passed on the command line for both settings, so ``.streamlit/config.toml`` does not decide. With
``--bare`` the server runs a one-element script (with this project's config.toml) instead of the app: what Streamlit
itself spends per rerun request, below which no guard inside a script can go. With ``--vary seed`` (and ``--page``)
every message carries a different value of that query parameter, so no two requested runs are the same computation.
CPU seconds include the warm-up visit.

Bounded: N at most 50,000, ``--timeout`` seconds per wait; loopback only; the server is stopped at the end, also on
Ctrl-C. Run: ``python benchmarks/flood.py`` (a few minutes), ``python benchmarks/flood.py --messages 500
--fast-reruns false``.
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import hall  # noqa: E402
from hall import Sampler, Server, Session  # noqa: E402
from streamlit.proto.BackMsg_pb2 import BackMsg  # noqa: E402

MAX_MESSAGES = 50_000


@dataclass
class Row:
    fast_reruns: bool
    messages: int
    send_s: float = 0.0  # time to send the N messages
    visitor_s: float | None = None  # the other visitor's page: websocket open to script_finished (None: timed out)
    quiet_s: float | None = None  # from the first message sent until the attacker's last script_finished
    attacker_runs: int = 0  # full runs the attacker's session finished after its first
    cpu_s: float = 0.0
    peak_mb: float = 0.0
    errors: tuple = ()

    def line(self) -> str:
        def sec(v):
            return f"{v:8.2f}" if v is not None else "  >limit"

        flag = "true " if self.fast_reruns else "false"
        return (
            f"{flag:>11} {self.messages:>8,} {self.send_s:7.2f} {sec(self.visitor_s)} {sec(self.quiet_s)} "
            f"{self.attacker_runs:>6} {self.cpu_s:7.1f} {self.peak_mb:7.0f}  {'; '.join(self.errors)[:60]}"
        )


async def _flood(server: Server, page: str, query: str, n: int, timeout: float, row: Row, vary: str) -> None:
    warm = Session(page, query)
    await warm.open(server.url, timeout)
    await warm.close()

    attacker = Session(page, query, poll=False)
    await attacker.open(server.url, timeout)
    if attacker._ws is None or not attacker.times:
        row.errors = tuple(attacker.errors) or ("attacker: no first run",)
        return
    first_runs = attacker.full_runs
    msg = BackMsg()
    msg.rerun_script.query_string = query
    msg.rerun_script.page_name = page
    data = msg.SerializeToString()
    start = time.perf_counter()
    for i in range(n):
        if vary:  # a different query per message: "vary=i" (seeds 0-9,999), so no two runs are the same computation
            msg.rerun_script.query_string = "&".join(filter(None, [query, f"{vary}={i % 10_000}"]))
            data = msg.SerializeToString()
        await attacker._ws.send(data)
    row.send_s = time.perf_counter() - start

    visitor = Session(page, query, poll=False)
    await visitor.open(server.url, timeout)
    row.visitor_s = visitor.times[0] if visitor.times else None
    await visitor.close()

    # Quiet: the attacker's session has finished a run after the last request was handled and nothing is running.
    deadline = start + timeout
    while time.perf_counter() < deadline:
        attacker._finished.clear()
        try:
            await asyncio.wait_for(attacker._finished.wait(), 2.0)
        except TimeoutError:
            if attacker.full_runs > first_runs:  # 2 s without another finished run: the flood is over
                row.quiet_s = time.perf_counter() - start - 2.0
                break
    row.attacker_runs = attacker.full_runs - first_runs
    row.errors = tuple(dict.fromkeys(attacker.errors + visitor.errors))
    await attacker.close()


BARE_APP = 'import streamlit as st\n\nst.title("Bare")\nst.write("One element.")\n'


def bare_app() -> Path:
    """A one-element script with this project's ``.streamlit/config.toml``: Streamlit's own cost per request."""
    folder = Path(tempfile.mkdtemp(prefix="flood-bare-"))
    (folder / "app.py").write_text(BARE_APP)
    (folder / ".streamlit").mkdir()
    shutil.copy(ROOT / ".streamlit" / "config.toml", folder / ".streamlit" / "config.toml")
    return folder


def measure(fast_reruns: bool, n: int, page: str, query: str, timeout: float, vary: str = "") -> Row:
    row = Row(fast_reruns, n)
    server = Server(post_script_gc=None, extra=["--runner.fastReruns", "true" if fast_reruns else "false"])
    try:
        cpu0 = server.cpu_seconds()
        sampler = Sampler(server)
        asyncio.run(_flood(server, page, query, n, timeout, row, vary))
        row.peak_mb = sampler.stop()
        row.cpu_s = server.cpu_seconds() - cpu0
    finally:
        server.stop()
    return row


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--messages", type=int, nargs="+", default=[500, 5_000, 20_000])
    p.add_argument("--fast-reruns", choices=["true", "false"], nargs="+", default=["true", "false"])
    p.add_argument("--page", default="", help='URL path of the page ("" = the home page)')
    p.add_argument("--query", default="", help="query string (no leading ?)")
    p.add_argument("--timeout", type=float, default=120.0)
    p.add_argument("--vary", default="", help="a query parameter given a different value per message (e.g. seed)")
    p.add_argument("--bare", action="store_true", help="serve a one-element script instead of the app")
    args = p.parse_args(argv)
    if any(not 0 < n <= MAX_MESSAGES for n in args.messages):
        p.error(f"--messages: 1 to {MAX_MESSAGES:,}")
    if args.bare:
        hall.APP = bare_app()
        args.page, args.query = "", ""
    what = "a bare one-element script" if args.bare else "the app"
    where = (
        f"/{args.page}"
        + (f"?{args.query}" if args.query else "")
        + (f", {args.vary}=i per message" if args.vary else "")
    )
    print(f"{what}, page {where}; one attacker socket, then one visitor")
    print("fastReruns messages  send s visitor s  quiet s   runs   cpu s  peak MB  errors")
    rows = []
    for flag in args.fast_reruns:
        for n in args.messages:
            row = measure(flag == "true", n, args.page, args.query, args.timeout, args.vary)
            rows.append(row)
            print(row.line(), flush=True)
    if args.bare:
        shutil.rmtree(hall.APP, ignore_errors=True)
    print("visitor = another visitor's page load (websocket open to script_finished) right after the flood was sent;")
    print("quiet = from the first flood message until the attacker's last script_finished; runs = its finished runs")
    return 0


if __name__ == "__main__":
    sys.exit(main())
