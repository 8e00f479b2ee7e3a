"""The server's memory under the issue's four heavy links: a warmed server's RSS, then the peak and the RSS after
while four websocket sessions open ``/why?shattered_depth=D&shattered_width=W&seed=300..303`` at once.

Uses ``benchmarks/hall.py``'s server (loopback, a free port) and sessions. Run::

    python benchmarks/memory.py                       # the issue's links (refused by the memory budget)
    python benchmarks/memory.py --depth 45 --width 256  # about the heaviest links allowed (173 MB)
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import hall


async def main(depth: int, width: int, idle: float) -> None:
    server = hall.Server(post_script_gc=None)
    try:
        await hall._visit_all(server, hall.pages(), 300)
        time.sleep(idle)
        warmed = server.rss_mb()
        sampler = hall.Sampler(server)
        sessions = [
            hall.Session("why", f"shattered_depth={depth}&shattered_width={width}&seed={s}") for s in range(300, 304)
        ]
        await asyncio.gather(*(s.open(server.url, 300) for s in sessions))
        for s in sessions:
            await s.close()
        peak = sampler.stop()
        time.sleep(idle)
        print(
            f"warmed server {warmed:.0f} MB; 4 links depth={depth} width={width}: peak {peak:.0f} MB, "
            f"{server.rss_mb():.0f} MB after {idle:.0f} s idle; tracebacks {len(server.log_tracebacks())}"
        )
    finally:
        server.stop()


if __name__ == "__main__":
    p = argparse.ArgumentParser()
    p.add_argument("--depth", type=int, default=100)
    p.add_argument("--width", type=int, default=256)
    p.add_argument("--idle", type=float, default=10.0)
    a = p.parse_args()
    asyncio.run(main(a.depth, a.width, a.idle))
