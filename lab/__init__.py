"""The one place that knows Streamlit: what a page script calls. A page reads as::

    import lab
    from residual_core.catalog import vanishing as declared   # what the page computes and draws

    lab.page("vanishing")                                   # title, navigation, notices; the shared set-up once
    depth = lab.slider(bounds.PRODUCTS["depth"])            # bound to ?depth=..., bad values get a notice
    data = lab.compute(declared.PRODUCTS, depth=depth, ...)  # cached, shared by all sessions
    lab.figure(declared.PRODUCTS, "gradients", data)         # the chart, its files, data table and code panel
    lab.claims(declared.PRODUCTS, data, {"depth": depth})   # the claims about it, with their live status

By job: :mod:`lab.chrome` (page set-up, URL-bound controls, share, presenter mode, notices, numbers),
:mod:`lab.computing` (the cache and its key, computations, live runs, the warm-up), :mod:`lab.figures` (a declared
figure with what goes under it, its files, its claims), :mod:`lab.classroom` (lecture scenes, the room, predict then
reveal, "My lecture"), and :mod:`lab.page` (:func:`page`, which composes chrome and classroom). Importing ``lab``
starts nothing: the first page run does the process's set-up (:func:`lab.page.start`). Only the names below are for
pages, ``app.py``, tests and benchmarks; the chart specs themselves are built by :mod:`residual_core.charts`, so the
command line exports the same figures.
"""

from residual_core.charts import forget_chart_specs

from .chrome.controls import choice, more_settings, number, slider
from .chrome.nav import available_pages, page_file, page_link
from .chrome.text import fmt
from .classroom.home import block as home_lecture
from .classroom.predict import ask
from .computing.cache import clear as clear_cache
from .computing.compute import COMPUTE_SECONDS, cached_result, compute, compute_with_progress
from .computing.live import live_run
from .figures.charts import code_panel, figure, file_name
from .figures.claims import ON_DEMAND, claims
from .figures.export import csv_download
from .page import page
from .section import section

__all__ = [
    "COMPUTE_SECONDS",
    "ON_DEMAND",
    "ask",
    "available_pages",
    "cached_result",
    "choice",
    "claims",
    "clear_cache",
    "code_panel",
    "compute",
    "compute_with_progress",
    "csv_download",
    "figure",
    "file_name",
    "fmt",
    "forget_chart_specs",
    "home_lecture",
    "live_run",
    "more_settings",
    "number",
    "page",
    "page_file",
    "page_link",
    "section",
    "slider",
]
