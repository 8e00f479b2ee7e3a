"""The one place that knows Streamlit: page set-up and navigation, URL-bound controls, cached and shared calls into
residual_core, and drawing the declared figures.

A page reads as::

    import lab
    from residual_core.catalog import vanishing as declared   # what the page computes and draws

    lab.page("vanishing")                                   # title, navigation, notice area
    depth = lab.slider(bounds.PRODUCTS["depth"])            # bound to ?depth=..., bad values get a notice
    data = lab.compute(declared.PRODUCTS, depth=depth, ...)  # cached, shared by all sessions
    lab.figure(declared.PRODUCTS, "gradients", data)         # the chart, its files, data table and code panel

Modules: :mod:`lab.layout` (navigation, notices), :mod:`lab.controls` (URL-bound widgets), :mod:`lab.compute`
(cached and shared computations), :mod:`lab.charts` (a declared figure with what goes under it), :mod:`lab.export`
(CSV, SVG and PNG files made on click, the data table), :mod:`lab.share` (the exact link of a view, its QR code,
links between pages), :mod:`lab.present` (the share panel and presenter mode), :mod:`lab.claims` (a page's claims
with their live status), :mod:`lab.lecture` (a lecture's scenes, Prev/Next, the lecture link), :mod:`lab.room` (the
room the class follows; its state in :mod:`lab.store`), :mod:`lab.predict` (predict, then reveal: :func:`lab.ask`),
:mod:`lab.builder` ("My lecture"). Every page gets all of it from :func:`lab.page` and :func:`lab.figure`. The
chart specs themselves are built by :mod:`residual_core.charts`, so the command line exports the same figures.
"""

import torch

from residual_core.charts import OKABE_ITO, SERIES_COLORS, forget_chart_specs

from . import warmup
from .charts import code_panel, figure, file_name, spec_of
from .claims import ON_DEMAND, claims, claims_of
from .compute import (
    CACHE_TTL_SECONDS,
    COMPUTE_SECONDS,
    MAX_CACHE_ENTRIES,
    MAX_CONCURRENT_PROGRESS_RUNS,
    budget_caption,
    cached_result,
    compute,
    compute_with_progress,
    live_run,
    watcher_id,
)
from .compute import clear as clear_cache
from .controls import choice, number, slider
from .export import chart_file, csv_download, data_table
from .layout import ROOT, available_pages, fmt, notice, page, page_file, page_link
from .predict import ask
from .present import projector_spec
from .share import presenting, qr_svg

# One process serves every visitor: parallelism comes from sessions, not from splitting each small tensor operation
# across cores (which, with several sessions at once, only adds contention). One thread also makes every result
# independent of the machine's core count; the command line does the same (residual_core.cli.main).
torch.set_num_threads(1)

# A freshly woken server: compute every page's default results in the background (once per process; not under
# AppTest, which has no server). See lab/warmup.py.
warmup.start()

__all__ = [
    "CACHE_TTL_SECONDS",
    "COMPUTE_SECONDS",
    "MAX_CACHE_ENTRIES",
    "MAX_CONCURRENT_PROGRESS_RUNS",
    "OKABE_ITO",
    "ON_DEMAND",
    "ROOT",
    "SERIES_COLORS",
    "ask",
    "available_pages",
    "budget_caption",
    "cached_result",
    "chart_file",
    "choice",
    "claims",
    "claims_of",
    "clear_cache",
    "code_panel",
    "compute",
    "compute_with_progress",
    "csv_download",
    "data_table",
    "figure",
    "file_name",
    "fmt",
    "forget_chart_specs",
    "live_run",
    "notice",
    "number",
    "page",
    "page_file",
    "page_link",
    "presenting",
    "projector_spec",
    "qr_svg",
    "slider",
    "spec_of",
    "watcher_id",
]
