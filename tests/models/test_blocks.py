"""residual_core.models.blocks: the reference text's blocks keep shapes, fail on mismatched widths, drop only the
branch."""

from __future__ import annotations

import pytest
import torch

from residual_core import ProjectedResidual, ResidualBlock, ResidualWithDropout, SimpleFFN, count_parameters


def test_blocks_keep_shapes():
    x = torch.randn(2, 10, 32)
    assert ResidualBlock(SimpleFFN(32))(x).shape == x.shape
    assert ResidualWithDropout(SimpleFFN(32), 0.1)(x).shape == x.shape


def test_mismatched_residual_raises_and_projection_fixes_it():
    x = torch.randn(2, 10, 32)
    with pytest.raises(RuntimeError, match="size of tensor"):
        ResidualBlock(SimpleFFN(32, d_out=16))(x)
    fixed = ProjectedResidual(SimpleFFN(32, d_out=16), 32, 16)
    assert fixed(x).shape == (2, 10, 16)
    assert count_parameters(fixed.projection) == 32 * 16 + 16
    same = ProjectedResidual(SimpleFFN(32), 32, 32)
    assert isinstance(same.projection, torch.nn.Identity)
    assert count_parameters(same.projection) == 0


def test_dropout_block_is_identity_on_skip_in_eval_mode():
    block = ResidualWithDropout(SimpleFFN(8), dropout=0.5).eval()
    x = torch.randn(4, 8)
    assert torch.equal(block(x), x + block.sublayer(x))
