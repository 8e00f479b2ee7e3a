"""What one element costs a warm visit: server CPU per visit of small pages, as a ratio to a bare page served by the
same process. Prints figures; no timed test.

One ``streamlit run`` on a loopback port (this repository's ``.streamlit/config.toml``) serves a bare page
(``st.write("hello")``) and one page per variant below, each the bare page plus some elements. Each variant is
measured ``--repeats`` times, alternated with the bare page: ``--sessions`` websocket sessions open it at once (the
hall's protocol, :mod:`benchmarks.hall`) and the server's CPU during that hall is divided by the sessions. Reported
per variant: the median CPU per visit, its ratio to the bare page's in the same repeat (median over repeats) and what
the added elements cost (variant minus bare) per element. The ratio is the figure that holds on a shared machine;
the load average is printed before and after.

Charts are prebuilt: their spec (or Altair chart) is made once per process in a helper module the pages import, as
the app's figures are (``lab.figures.charts.DRAWINGS``), so the figure is what sending one costs.

Run: ``python benchmarks/elements.py`` (about a minute and a half); ``--sessions 50 --repeats 7`` for finer figures.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

import hall  # noqa: E402

N = 20  # elements in the variants that repeat one

PREBUILT = '''"""Specs made once per process, as the app's figures are."""
import altair as alt
import pandas as pd

ROWS = [{"layer": i, "grad_norm": 1.0 / (1 + i), "model": m} for i in range(50) for m in ("plain", "residual")]
SPEC = {
    "$schema": "https://vega.github.io/schema/vega-lite/v5.json",
    "data": {"values": ROWS},
    "mark": {"type": "line", "point": True},
    "encoding": {
        "x": {"field": "layer", "type": "quantitative"},
        "y": {"field": "grad_norm", "type": "quantitative", "scale": {"type": "log"}},
        "color": {"field": "model", "type": "nominal"},
    },
}
CHART = alt.Chart(pd.DataFrame(ROWS)).mark_line(point=True).encode(x="layer:Q", y="grad_norm:Q", color="model:N")
TABLE = pd.DataFrame(ROWS[:8])
'''

BASE = 'import streamlit as st\n\nst.write("hello")\n'

# name -> (elements added to the bare page, what it adds)
VARIANTS: dict[str, tuple[int, str]] = {
    "markdown_n": (
        N,
        f'for i in range({N}):\n    st.markdown(f"Paragraph {{i}} of some text, with **bold** words.")\n',
    ),
    "one_markdown_n_paragraphs": (
        1,
        f'st.markdown("\\n\\n".join(f"Paragraph {{i}} of some text, with **bold** words." for i in range({N})))\n',
    ),
    "caption_n": (N, f'for i in range({N}):\n    st.caption(f"A caption {{i}}")\n'),
    "claim_boxes_n": (
        N,
        f"for i in range({N}):\n"
        "    with st.container(border=True):\n"
        '        st.markdown(f"**Claim {i}** holds for these settings.")\n'
        '        st.caption("Condition: depth at least 10.")\n',
    ),
    "claim_markdowns_n": (
        N,
        f"for i in range({N}):\n"
        '    st.markdown(f"**Claim {i}** holds for these settings.  \\nCondition: depth at least 10.")\n',
    ),
    "columns_3_filled": (
        1,
        'for col, t in zip(st.columns(3), "abc"):\n    with col:\n        st.markdown(f"Column {t}")\n',
    ),
    "expanders_n": (
        N,
        f'for i in range({N}):\n    with st.expander(f"Details {{i}}"):\n        st.markdown("Inside.")\n',
    ),
    "slider_key": (1, 'st.slider("Depth", 1, 100, 50, key="depth")\n'),
    "slider_bound": (1, 'st.slider("Depth", 1, 100, 50, key="depth", bind="query-params")\n'),
    "metric_n": (N, f'for i in range({N}):\n    st.metric(f"Metric {{i}}", f"{{i * 1.5:.2f}}")\n'),
    "table": (1, "import prebuilt\n\nst.table(prebuilt.TABLE)\n"),
    "vega_lite_prebuilt": (1, 'import prebuilt\n\nst.vega_lite_chart(prebuilt.SPEC, width="stretch")\n'),
    "altair_prebuilt": (1, 'import prebuilt\n\nst.altair_chart(prebuilt.CHART, width="stretch")\n'),
    "fragment_n": (
        N,
        f"@st.fragment\ndef part(i):\n    st.markdown(f'Fragment {{i}}')\n\nfor i in range({N}):\n    part(i)\n",
    ),
    "query_param_misses_n": (
        N * 5,
        f'for i in range({N * 5}):\n    st.query_params.get(f"missing{{i}}")\n',
    ),
}


def app_folder() -> Path:
    """A temporary app: the bare page as app.py, one page per variant, the prebuilt specs, the repo's config."""
    folder = Path(tempfile.mkdtemp(prefix="elements-app-"))
    (folder / "app.py").write_text(BASE)
    (folder / "prebuilt.py").write_text(PREBUILT)
    (folder / "pages").mkdir()
    (folder / "pages" / "bare.py").write_text(BASE)
    for name, (_, body) in VARIANTS.items():
        (folder / "pages" / f"{name}.py").write_text(BASE + body)
    (folder / ".streamlit").mkdir()
    shutil.copy(ROOT / ".streamlit" / "config.toml", folder / ".streamlit" / "config.toml")
    return folder


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sessions", type=int, default=30, help="sessions at once per measurement (default 30)")
    parser.add_argument("--repeats", type=int, default=3, help="alternations with the bare page (default 3)")
    parser.add_argument("--only", action="append", choices=sorted(VARIANTS), help="measure only these variants")
    parser.add_argument("--timeout", type=float, default=120.0)
    args = parser.parse_args(argv)
    if not 1 <= args.sessions <= hall.MAX_SESSIONS:
        parser.error(f"--sessions must be between 1 and {hall.MAX_SESSIONS}")
    names = args.only or list(VARIANTS)
    folder = app_folder()
    hall.APP = folder
    started = time.perf_counter()
    server = hall.Server(post_script_gc=None)
    try:
        asyncio.run(hall._visit_all(server, ["bare", *names], args.timeout))  # compile every page once
        load0 = os.getloadavg()[0]
        found = hall.ratios(server, names, args.sessions, args.repeats, args.timeout, bare="bare")
    finally:
        server.stop()
        shutil.rmtree(folder, ignore_errors=True)
    bare = sorted(b for _, _, b in found.values())[len(found) // 2]
    print(f"{args.sessions} sessions at once, {args.repeats} repeats alternated with the bare page (medians)")
    print(f"load average {load0:.1f} before, {os.getloadavg()[0]:.1f} after; {os.cpu_count()} cores")
    print(f"bare page: {bare:.2f} ms per visit (median over all repeats)")
    print(f"{'variant':<28}{'elements':>9}{'ms/visit':>10}{'ratio':>8}{'added ms':>10}{'ms/element':>12}")
    for name in names:
        ms, ratio, base = found[name]
        count = VARIANTS[name][0]
        added = ms - base
        print(f"{name:<28}{count:>9}{ms:>10.2f}{ratio:>7.2f}x{added:>10.2f}{added / count:>12.3f}")
    print(f"({time.perf_counter() - started:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
