"""Residual Lab's computations: plain PyTorch and Python, no Streamlit.

The map, by role:

* :mod:`~residual_core.models` -- every residual variant as a small module whose ``forward`` is its formula
  (plain, residual, scaled, ReZero, gated, multiplicative, highway, the transformer's Post-LN / Pre-LN / no-residual
  layers, the projection shortcut), one :class:`~residual_core.models.layers.Stack` with ``trace``, the seeded
  networks built from them, and the encoder diagram traced from ``forward``;
* :mod:`~residual_core.experiments` -- one module per concept (page): builds models, measures, returns JSON-ready
  results and the long-format rows its charts draw;
* :mod:`~residual_core.training` -- the task set, the one training loop (progress, partial results, cancel) and the
  shared live runs (``jobs``);
* :mod:`~residual_core.measure` -- per-layer gradient norms in float64, the geometric fit;
* :mod:`~residual_core.declare`, :mod:`~residual_core.catalog` -- what an experiment, figure, claim, question,
  section and page declare, and the declarations themselves, one module per page: each experiment owns its function,
  options, cost, figures, claims (with where each holds and fails), question, code panel and cheap test settings;
  the CLI, the charts, the code panels, the claims, the budget and the tests are built from them;
* :mod:`~residual_core.claims`, :mod:`~residual_core.questions`, :mod:`~residual_core.budget` -- checking claims on
  live results, reading the class's answers, the cost budget per run (:mod:`~residual_core.altered`: the altered
  results a claim may declare as where it fails; :mod:`~residual_core.numbers`: numbers in sentences);
* :mod:`~residual_core.charts` -- Vega-Lite specs (Altair) of every figure, for the pages and for ``--format svg``;
* :mod:`~residual_core.options` -- every input's range, default and URL/CLI name, in one place (each a
  :class:`~residual_core.bounds.Bound`: checking, parsing, clamping); fixed numbers live beside the code using them;
* :mod:`~residual_core.seeding` -- seeded construction without leaking global random state; one thread;
* :mod:`~residual_core.tables` -- long-format rows; :mod:`~residual_core.cli` -- ``python -m residual_core``.
"""

from .models import DeepNetwork, ProjectedResidual, ResidualBlock, ResidualWithDropout, SimpleFFN, count_parameters

__all__ = [
    "DeepNetwork",
    "ProjectedResidual",
    "ResidualBlock",
    "ResidualWithDropout",
    "SimpleFFN",
    "count_parameters",
]
