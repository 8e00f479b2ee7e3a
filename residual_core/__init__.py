"""Residual Lab's computations: plain PyTorch and Python, no Streamlit.

Modules, one idea each:

* :mod:`~residual_core.bounds` -- every input's range, default and URL/CLI name;
* :mod:`~residual_core.seeding` -- seeded construction without leaking global random state;
* :mod:`~residual_core.blocks` -- the reference text's residual blocks;
* :mod:`~residual_core.networks` -- the generalised ``DeepNetwork``;
* :mod:`~residual_core.gradients` -- per-layer gradient norms (float64);
* :mod:`~residual_core.products` -- vanishing and exploding products (page /vanishing);
* :mod:`~residual_core.residual_math`, :mod:`~residual_core.rm_preservation`, :mod:`~residual_core.rm_jacobian` --
  y = x + R(x) in one dimension, the unrolled sum, section 3.5, the Jacobian view, x ⊙ F(x) (page /residual-math);
* :mod:`~residual_core.gradient_flow` -- section 3.8, per-layer gradients over seeds, activations, depth × α
  (page /gradient-flow);
* :mod:`~residual_core.highway` -- highway layers, uncoupled gates, the training comparison (page /highway);
* :mod:`~residual_core.transformer`, :mod:`~residual_core.add_norm` -- a transformer encoder built from the blocks
  (Post-LN, Pre-LN, no residual) and its gradients at initialisation (page /add-norm);
* :mod:`~residual_core.training`, :mod:`~residual_core.jobs` -- training loops, tasks and experiments, and the
  shared run registry (page /training);
* :mod:`~residual_core.registry`, :mod:`~residual_core.cli` -- ``python -m residual_core``.
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
