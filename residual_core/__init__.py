"""Residual Lab's computations: plain PyTorch and Python, no Streamlit.

Modules, one idea each:

* :mod:`~residual_core.bounds` -- every input's range, default and URL/CLI name;
* :mod:`~residual_core.seeding` -- seeded construction without leaking global random state;
* :mod:`~residual_core.blocks` -- the reference text's residual blocks;
* :mod:`~residual_core.networks` -- the generalised ``DeepNetwork``;
* :mod:`~residual_core.gradients` -- per-layer gradient norms (float64);
* :mod:`~residual_core.products` -- vanishing and exploding products;
* :mod:`~residual_core.cli` -- ``python -m residual_core``.
"""

from .blocks import ProjectedResidual, ResidualBlock, ResidualWithDropout, SimpleFFN, count_parameters
from .networks import DeepNetwork

__all__ = [
    "DeepNetwork",
    "ProjectedResidual",
    "ResidualBlock",
    "ResidualWithDropout",
    "SimpleFFN",
    "count_parameters",
]
