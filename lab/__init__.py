"""What every page shares, in one place: page set-up and navigation, URL-bound controls, cached calls into
residual_core, chart builders, the "Show the code" panel, CSV downloads and notices.

A page reads as::

    import lab
    from residual_core import products

    lab.page("vanishing")                                   # title, navigation, notice area
    depth = lab.slider(PRODUCTS["depth"])                   # bound to ?depth=..., bad values get a notice
    data = lab.compute(products.products_experiment, depth=depth, ...)   # cached, shared by all sessions
    lab.show_chart(lab.line_chart(...), df, sources=[products.products_experiment], name="...")

Modules: :mod:`lab.layout` (pages, navigation, notices), :mod:`lab.controls` (URL-bound widgets),
:mod:`lab.compute` (cached and shared computations), :mod:`lab.charts` (palette, chart builders, the panel under
each chart). This package is the only place that knows Streamlit's API details; residual_core never imports Streamlit.
"""

import torch

from .charts import (
    OKABE_ITO,
    SERIES_COLORS,
    band_chart,
    chart_builder,
    code_panel,
    color_scale,
    csv_download,
    curves_chart,
    forget_chart_specs,
    heatmap,
    line_chart,
    point_chart,
    show_chart,
    source_of,
    spans_line_chart,
    vega_lite_spec,
    x_axis,
)
from .compute import (
    CACHE_TTL_SECONDS,
    COMPUTE_SECONDS,
    MAX_CACHE_ENTRIES,
    MAX_CONCURRENT_PROGRESS_RUNS,
    cached_result,
    compute,
    compute_with_progress,
    live_run,
    watcher_id,
)
from .controls import choice, number, slider
from .layout import PAGES, ROOT, PageInfo, available_pages, fmt, notice, page

# One process serves every visitor: parallelism comes from sessions, not from splitting each small tensor operation
# across cores (which, with several sessions at once, only adds contention). One thread also makes every result
# independent of the machine's core count; the command line does the same (residual_core.cli.main).
torch.set_num_threads(1)

__all__ = [
    "CACHE_TTL_SECONDS",
    "COMPUTE_SECONDS",
    "MAX_CACHE_ENTRIES",
    "MAX_CONCURRENT_PROGRESS_RUNS",
    "OKABE_ITO",
    "PAGES",
    "ROOT",
    "SERIES_COLORS",
    "PageInfo",
    "available_pages",
    "band_chart",
    "cached_result",
    "chart_builder",
    "choice",
    "code_panel",
    "color_scale",
    "compute",
    "compute_with_progress",
    "csv_download",
    "curves_chart",
    "fmt",
    "forget_chart_specs",
    "heatmap",
    "line_chart",
    "live_run",
    "notice",
    "number",
    "page",
    "point_chart",
    "show_chart",
    "slider",
    "source_of",
    "spans_line_chart",
    "vega_lite_spec",
    "watcher_id",
    "x_axis",
]
