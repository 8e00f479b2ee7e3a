"""Every residual variant as a small ``nn.Module`` whose ``forward`` is its formula, and the networks built from them.

* :mod:`~residual_core.models.layers` -- the branch ``F(x) = act(W x + b)`` and the layers around it: plain, residual,
  scaled by α, ReZero, gated, multiplicative, highway (coupled and uncoupled gates); :class:`Stack` with ``trace``;
* :mod:`~residual_core.models.blocks` -- the reference text's blocks: ``ResidualBlock``, ``ResidualWithDropout``,
  ``ProjectedResidual`` (the projection shortcut), ``SimpleFFN``;
* :mod:`~residual_core.models.networks` -- seeded networks: the text's ``DeepNetwork``, highway stacks, the MLPs of
  the training lab;
* :mod:`~residual_core.models.transformer` -- the encoder layer as Post-LN, Pre-LN and without residuals, the
  encoder, and the sequence model that trains it;
* :mod:`~residual_core.models.diagram` -- the encoder layer's diagram, traced from its ``forward``;
* :mod:`~residual_core.models.bn_mlp` -- batch-normalised plain and residual MLPs whose blocks can be deleted or
  swapped (/why).
"""

from .blocks import ProjectedResidual, ResidualBlock, ResidualWithDropout, SimpleFFN, count_parameters
from .bn_mlp import BlockMLP, PlainBNLayer, ResidualBNBlock
from .layers import (
    Branch,
    GatedResidual,
    HighwayLayer,
    Multiplicative,
    Plain,
    Residual,
    ReZero,
    ScaledResidual,
    Stack,
    UncoupledHighway,
)
from .networks import DeepMLP, DeepNetwork, Regressor, branches, highway_stack, stack, twins
from .transformer import (
    Encoder,
    MultiHeadSelfAttention,
    NoResidualLayer,
    PostLNLayer,
    PreLNLayer,
    SequenceModel,
    build_encoder,
)

__all__ = [
    "BlockMLP",
    "Branch",
    "DeepMLP",
    "DeepNetwork",
    "Encoder",
    "GatedResidual",
    "HighwayLayer",
    "MultiHeadSelfAttention",
    "Multiplicative",
    "NoResidualLayer",
    "Plain",
    "PlainBNLayer",
    "PostLNLayer",
    "PreLNLayer",
    "ProjectedResidual",
    "ReZero",
    "Regressor",
    "Residual",
    "ResidualBNBlock",
    "ResidualBlock",
    "ResidualWithDropout",
    "ScaledResidual",
    "SequenceModel",
    "SimpleFFN",
    "Stack",
    "UncoupledHighway",
    "branches",
    "build_encoder",
    "count_parameters",
    "highway_stack",
    "stack",
    "twins",
]
