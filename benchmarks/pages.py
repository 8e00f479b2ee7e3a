"""Page speed: first render, warm rerun after one control changes, and the floor Streamlit itself sets.

For every page that exists (``lab.available_pages()``):

* first render: the page opened cold (caches cleared), as a deep link with no parameters;
* warm rerun: the first slider moved one step, the page rerun (the new value is not cached, so this includes its
  computation); ``compute`` is the time spent inside ``lab.compute`` (residual_core) during that rerun;
* same: the page rerun with nothing changed (all results cached): the cost of drawing the page's own elements;
* bare page: a generated script with the same controls (labels, ranges, defaults, URL keys) and nothing else,
  timed the same way: the cost of Streamlit and the widgets alone.

The goal: warm rerun <= 1.5 x bare rerun + compute; page 1's first render < 1 s after torch is imported.
Run: ``python benchmarks/pages.py [--repeat 3]``. Figures are medians over the repeats, in milliseconds.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import torch  # noqa: E402  (timings are "after torch is imported")
from streamlit.testing.v1 import AppTest  # noqa: E402

import lab  # noqa: E402
from lab.page import start  # noqa: E402


def _open(page_file: str) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=300)
    if page_file != "app.py":
        at.switch_page(page_file)
    return at


def _timed(run) -> tuple[float, float]:
    """(wall ms, ms spent in lab.compute) of one run."""
    compute0 = lab.COMPUTE_SECONDS[0]
    t0 = time.perf_counter()
    at = run()
    wall = time.perf_counter() - t0
    if at.exception:
        raise RuntimeError(f"page raised: {at.exception[0].message}")
    return wall * 1000, (lab.COMPUTE_SECONDS[0] - compute0) * 1000


def _next_value(slider):
    step = slider.step
    value = slider.value
    return value + step if value + step <= slider.max else value - step


def bare_script(at: AppTest) -> str:
    """A page with the same controls as ``at`` and no computation."""
    lines = ["import streamlit as st", "st.title('bare')"]
    for w in at.slider:
        cast = type(w.value)  # the proto stores int sliders' range as floats
        lines.append(
            f"st.slider({w.label!r}, min_value={cast(w.min)!r}, max_value={cast(w.max)!r}, value={w.value!r},"
            f" step={cast(w.step)!r}, key={w.key!r}, bind='query-params')"
        )
    for w in at.button_group:
        lines.append(
            f"st.segmented_control({w.proto.label!r}, options={list(w.options)!r}, default={w.value!r},"
            f" key={w.key!r}, bind='query-params')"
        )
    for w in at.number_input:
        cast = type(w.value)
        lines.append(
            f"st.number_input({w.label!r}, min_value={cast(w.min)!r}, max_value={cast(w.max)!r}, value={w.value!r},"
            f" step={cast(w.step)!r}, key={w.key!r}, bind='query-params')"
        )
    for w in at.selectbox:
        lines.append(f"st.selectbox({w.label!r}, options={list(w.options)!r}, key={w.key!r}, bind='query-params')")
    for w in at.toggle:
        lines.append(f"st.toggle({w.label!r}, value={w.value!r}, key={w.key!r}, bind='query-params')")
    return "\n".join(lines) + "\n"


def measure(page_file: str) -> dict:
    lab.clear_cache()
    lab.forget_chart_specs()  # cold: no remembered chart specs either
    at = _open(page_file)
    first, first_compute = _timed(at.run)
    row = {"first": first, "first_compute": first_compute}
    sliders = at.slider
    if sliders:
        slider = sliders[0]
        slider.set_value(_next_value(slider))
        row["warm"], row["warm_compute"] = _timed(at.run)
        row["same"], _ = _timed(at.run)  # nothing changed: every result cached, every chart spec remembered
        bare = AppTest.from_string(bare_script(at), default_timeout=60)
        row["bare_first"], _ = _timed(bare.run)
        bare.slider[0].set_value(_next_value(bare.slider[0]))
        row["bare_warm"], _ = _timed(bare.run)
        row["control"] = f"{slider.key}: {slider.value}"
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--page", action="append", help="only these page keys (repeatable)")
    args = parser.parse_args()
    pages = [p for p in lab.available_pages() if p.key and (not args.page or p.key in args.page)]
    start()  # the server's set-up, as the first page run does it (import lab starts nothing): one torch thread
    print(f"torch threads: {torch.get_num_threads()}; medians of {args.repeat} runs, milliseconds")
    header = (
        f"{'page':<15}{'first':>8}{'warm':>8}{'compute':>9}{'same':>7}{'bare':>8}{'bare warm':>10}{'ratio':>7}  goal"
    )
    print(header)
    print("-" * len(header))
    for info in pages:
        runs = [measure(lab.page_file(info)) for _ in range(args.repeat)]
        med = {k: statistics.median(r[k] for r in runs) for k in runs[0] if k != "control"}
        if "warm" in med:
            ratio = med["warm"] / (med["bare_warm"] + med["warm_compute"])
            ok = "ok" if ratio <= 1.5 else "MISSED"
            print(
                f"{info.key:<15}{med['first']:>8.0f}{med['warm']:>8.0f}{med['warm_compute']:>9.0f}{med['same']:>7.0f}"
                f"{med['bare_first']:>8.0f}{med['bare_warm']:>10.0f}{ratio:>7.2f}  {ok} (warm <= 1.5 x (bare warm +"
                f" compute)); moved {runs[0]['control']}"
            )
        else:
            print(f"{info.key:<15}{med['first']:>8.0f}  (no slider to move)")
    print("first = cold first render incl. compute; warm = rerun after the first slider moved one step;")
    print("compute = time inside lab.compute during the warm rerun; same = a rerun with nothing changed (the page's")
    print("own elements: charts, code panels, text); bare = a page with the same controls and nothing else.")


if __name__ == "__main__":
    main()
