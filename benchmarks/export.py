"""Memory and time of SVG/PNG export: what vl-convert would add to the app's server, and what the worker process
that the app uses instead keeps out of it.

Three measurements, each in a fresh process that first imports what the server imports (streamlit, torch, lab), so
RSS is the server's baseline:

* in-process: vl-convert loaded into that process, then ``--renders`` SVG+PNG pairs of distinct page charts: RSS
  before, after the first render, after all of them (this is the cost the app avoids);
* worker: the same renders through :func:`residual_core.charts.export.render_in_worker` (one short-lived process per
  file, as ``lab.figures.export`` does): the caller's RSS before and after, and the largest worker's peak RSS;
* ``--server``: the real app (``streamlit run app.py``) opened in Chromium on every page, then SVG and PNG clicked
  under the first ``--clicks`` charts: the server's RSS after the pages and after the downloads.

Community Cloud gives the smallest app 690 MB; the server must stay under it with headroom for caches and sessions.
Run: ``python benchmarks/export.py [--renders 10] [--server] [--clicks 6]``. Figures in MB (RSS) and seconds.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

BUDGET_MB = 690


def rss_mb(pid: int | str = "self") -> float:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def _specs(n: int) -> list[dict]:
    """``n`` distinct page charts (vanishing page, depths 10, 20, ...), as export documents."""
    from residual_core.catalog import vanishing
    from residual_core.charts import figure_spec
    from residual_core.charts.export import export_document
    from residual_core.experiments.vanishing import products_experiment

    docs = []
    for i in range(n):
        result = products_experiment(0.9, 10 + 10 * i, 0)
        docs.append(export_document(figure_spec(vanishing.PRODUCTS.figure("gradients"), result)))
    return docs


def _worker_peak(doc: dict, fmt: str) -> float:
    """Render like :func:`~residual_core.charts.export.render_in_worker`, sampling the worker's RSS every 10 ms:
    its peak in MB. (Not ``RUSAGE_CHILDREN``: a forked child starts out counting its parent's pages.)"""
    from residual_core.charts.export import PNG_SCALE, WORKER

    proc = subprocess.Popen(
        [sys.executable, str(WORKER), fmt, repr(PNG_SCALE)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )
    reader = threading.Thread(target=lambda: chunks.append(proc.communicate(json.dumps(doc).encode())[0]))
    chunks: list[bytes] = []
    reader.start()  # feeds stdin and drains stdout (a PNG overfills a pipe) while this thread samples the RSS
    peak = 0.0
    while proc.poll() is None:
        try:
            peak = max(peak, rss_mb(proc.pid))
        except (FileNotFoundError, ProcessLookupError):
            break
        time.sleep(0.01)
    reader.join()
    assert proc.returncode == 0 and chunks and chunks[0], "the worker failed"
    return peak


def measure(mode: str, renders: int) -> dict:
    """One measurement in this process (run by :func:`main` in a fresh child)."""
    import streamlit  # noqa: F401  (the server's imports: the baseline)
    import torch  # noqa: F401

    import lab  # noqa: F401
    from residual_core.charts import export

    docs = _specs(renders)
    out = {"mode": mode, "renders": renders, "baseline_mb": rss_mb()}
    start = time.perf_counter()
    if mode == "in-process":
        first = None
        for doc in docs:
            export.render(doc, "svg")
            export.render(doc, "png")
            if first is None:
                first = rss_mb()
                out["first_render_s"] = time.perf_counter() - start
        out["after_first_mb"] = first
    else:
        peaks = []
        for i, doc in enumerate(docs):
            for fmt in ("svg", "png"):
                peaks.append(_worker_peak(doc, fmt))
            if i == 0:
                out["first_render_s"] = time.perf_counter() - start
        out["worker_peak_mb"] = max(peaks)
    out["seconds_per_file"] = (time.perf_counter() - start) / (2 * renders)
    out["after_all_mb"] = rss_mb()
    return out


def server_run(clicks: int) -> dict:
    """The real app in Chromium: server RSS after opening every page, then after SVG/PNG downloads."""
    from playwright.sync_api import sync_playwright

    import lab
    from tests.browser.test_browser import ARGS, CHROMIUM, Server

    server = Server()
    out = {"started_mb": rss_mb(server.proc.pid)}
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=ARGS)
            context = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
            for info in lab.available_pages():
                query = "?steps=10&layers=1&d_model=16&batch=8&seq_len=4" if info.key == "training" else ""
                page = context.new_page()
                page.goto(server.url(info.key + query))
                page.wait_for_selector("h1", timeout=60_000)
                page.wait_for_timeout(8000)
                page.close()
            out["pages_mb"] = rss_mb(server.proc.pid)
            page = context.new_page()
            page.goto(server.url("gradient-flow"))
            page.wait_for_selector("[class*='st-key-lab-files-']", timeout=120_000)
            page.wait_for_timeout(3000)
            rows = page.locator("[class*='st-key-lab-files-']")
            start = time.perf_counter()
            done = 0
            for i in range(min(clicks, rows.count())):
                for label in ("SVG", "PNG"):
                    with page.expect_download(timeout=120_000):
                        rows.nth(i).get_by_role("button", name=label, exact=True).click()
                    done += 1
            out["downloads"] = done
            out["seconds_per_download"] = (time.perf_counter() - start) / max(done, 1)
            out["after_downloads_mb"] = rss_mb(server.proc.pid)
            browser.close()
    finally:
        server.stop()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--renders", type=int, default=10, help="distinct charts rendered (SVG and PNG each)")
    parser.add_argument("--server", action="store_true", help="also measure the real app in Chromium")
    parser.add_argument("--clicks", type=int, default=6, help="charts whose SVG and PNG are downloaded (--server)")
    parser.add_argument("--child", choices=("in-process", "worker"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(measure(args.child, args.renders)))
        return
    rows = []
    for mode in ("in-process", "worker"):
        done = subprocess.run(
            [sys.executable, __file__, "--child", mode, "--renders", str(args.renders)],
            capture_output=True,
            text=True,
            check=True,
            cwd=ROOT,
        )
        rows.append(json.loads(done.stdout.strip().splitlines()[-1]))
    print(f"{'mode':<11} {'files':>5} {'baseline':>9} {'1st file':>9} {'after all':>9} {'added':>7} {'s/file':>7}")
    for r in rows:
        after_first = r.get("after_first_mb", r["baseline_mb"])
        print(
            f"{r['mode']:<11} {2 * r['renders']:>5} {r['baseline_mb']:>9.0f} {after_first:>9.0f} "
            f"{r['after_all_mb']:>9.0f} {r['after_all_mb'] - r['baseline_mb']:>+7.0f} {r['seconds_per_file']:>7.2f}"
        )
    worker = rows[1]
    print(f"worker: peak RSS of the largest worker process {worker['worker_peak_mb']:.0f} MB (alive while it renders)")
    if args.server:
        s = server_run(args.clicks)
        print(
            f"server: {s['started_mb']:.0f} MB started, {s['pages_mb']:.0f} MB after every page, "
            f"{s['after_downloads_mb']:.0f} MB after {s['downloads']} SVG/PNG downloads "
            f"({s['seconds_per_download']:.2f} s each); budget {BUDGET_MB} MB"
        )


if __name__ == "__main__":
    main()
