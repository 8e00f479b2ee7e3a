"""Everything Residual Lab exposes, declared once: its pages, their experiments, figures and claims.

One module per page (:class:`~residual_core.declare.Page`). The command line (:mod:`residual_core.cli`) builds a
sub-command per :class:`~residual_core.declare.Experiment`; the app's navigation, charts, "Show the code" panels and
claims are read from the same declarations (``lab``).

To add an experiment: write its function in :mod:`residual_core.experiments`, then declare it in its page's module
here and list it in that page's ``experiments``. To add a page: a module here with a ``PAGE``, listed in
:data:`PAGES`, and a script ``pages/N_<key>.py``.
"""

from __future__ import annotations

from ..declare import Experiment, Page
from . import add_norm, gradient_flow, highway, residual_math, training, vanishing, why

HOME = Page(key="", title="Home", icon=":material/home:", teaser="What Residual Lab is and how to use it in a lecture.")

# Navigation order.
PAGES: tuple[Page, ...] = (
    HOME,
    vanishing.PAGE,
    residual_math.PAGE,
    gradient_flow.PAGE,
    highway.PAGE,
    add_norm.PAGE,
    training.PAGE,
    why.PAGE,
)

EXPERIMENTS: dict[str, Experiment] = {e.name: e for p in PAGES for e in p.experiments}


def page(key: str) -> Page:
    """The page served at ``/key``."""
    for p in PAGES:
        if p.key == key:
            return p
    raise KeyError(f"no page {key!r} (pages: {', '.join(p.key for p in PAGES if p.key)})")


def experiment(name: str) -> Experiment:
    """The experiment called ``name`` (its command-line name)."""
    return EXPERIMENTS[name]
