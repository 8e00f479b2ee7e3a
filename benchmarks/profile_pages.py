"""Where a warm page run's time goes: py-spy samples the server while one session after another opens a page.

For every page (``lab.available_pages()``, or ``--page KEY``): a fresh ``streamlit run app.py`` on loopback (see
``benchmarks/hall.py``), one warm-up visit, then ``--visits`` visits one after the other (each a new session on the
default link, as a student's) while ``py-spy record`` samples every thread of the server. Printed per page: the mean
wall time and server CPU per visit, and the functions with the largest share of the script thread's samples
(inclusive: the function and everything it calls), so the cost of Streamlit, of the page's own drawing and of
``residual_core`` can be told apart.

Needs ``py-spy`` (requirements-dev.txt) and permission to trace the server (root, or ptrace allowed).
Run: ``python benchmarks/profile_pages.py [--visits 20] [--page vanishing] [--top 25] [--postscriptgc false]``.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import hall


def _frames(line: str) -> tuple[list[str], int]:
    """A py-spy ``raw`` (collapsed) line -> (frames root first, samples)."""
    stack, _, count = line.rpartition(" ")
    return stack.split(";"), int(count)


def _label(frame: str) -> str:
    """``function (path/file.py:line)`` -> ``function (file.py)`` with the path shortened to its package."""
    name, _, where = frame.partition(" (")
    where = where.rstrip(")").rsplit(":", 1)[0]
    for marker in ("site-packages/", "wt10/", "/work/"):
        if marker in where:
            where = where.split(marker, 1)[1]
    return f"{name} ({where})"


def profile(path: str, *, visits: int, gc: bool, top: int) -> None:
    os.environ["RESIDUAL_LAB_WARMUP"] = "0"  # the warm-up thread would compute other pages during the samples
    server = hall.Server(post_script_gc=gc)
    out = Path(tempfile.mkstemp(suffix=".txt", prefix="hall-profile-")[1])
    try:
        asyncio.run(hall._visit_all(server, [path], 120))
        spy = subprocess.Popen(
            ["py-spy", "record", "--pid", str(server.proc.pid), "--format", "raw", "--rate", "200", "-o", str(out)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        time.sleep(1.0)
        cpu0, t0 = server.cpu_seconds(), time.perf_counter()
        asyncio.run(hall._visit_all(server, [path] * visits, 120))
        wall, cpu = time.perf_counter() - t0, server.cpu_seconds() - cpu0
        spy.send_signal(2)  # SIGINT: py-spy writes its file and exits
        spy.wait(30)
    finally:
        server.stop()
    script, other = collections.Counter(), collections.Counter()
    totals = {"script": 0, "other": 0}
    for line in out.read_text().splitlines():
        if not line.strip():
            continue
        frames, n = _frames(line)
        in_script = any("_run_script" in f for f in frames)  # a script thread (a page run), else the event loop etc.
        counter = script if in_script else other
        totals["script" if in_script else "other"] += n
        for label in dict.fromkeys(_label(f) for f in frames):
            counter[label] += n
    out.unlink(missing_ok=True)
    print(f"\n/{path}: {visits} visits, {wall / visits * 1000:.0f} ms wall and {cpu / visits * 1000:.0f} ms server CPU")
    for name, counter in (("script threads", script), ("other threads (event loop, sessions, messages)", other)):
        total = totals["script" if counter is script else "other"]
        print(f"  {name}: {total / 200 / visits * 1000:.0f} ms per visit (active samples); top inclusive:")
        shown = 0
        for label, n in counter.most_common():
            if n > 0.97 * total:  # the frames every sample passes through (thread start, the script runner)
                continue
            print(f"    {100 * n / max(total, 1):5.1f}%  {label}")
            shown += 1
            if shown >= top:
                break


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--page", action="append", help="page keys ('' for home); default every page")
    parser.add_argument("--visits", type=int, default=20)
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--postscriptgc", choices=("true", "false"), default="true")
    args = parser.parse_args()
    if not shutil.which("py-spy"):
        sys.exit("py-spy is not installed (pip install -r requirements-dev.txt)")
    for path in args.page if args.page is not None else hall.pages():
        profile(path, visits=min(max(args.visits, 1), 200), gc=args.postscriptgc == "true", top=args.top)


if __name__ == "__main__":
    main()
