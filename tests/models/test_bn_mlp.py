"""residual_core.models.bn_mlp: the /why page's batch-normalised MLPs; deleting and swapping blocks via ``order``."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from residual_core.models.bn_mlp import BlockMLP, PlainBNLayer, ResidualBNBlock


def _trained_looking(net: BlockMLP) -> BlockMLP:
    """Give the batch norms non-trivial running statistics (as after training), then evaluation mode."""
    net.train()
    with torch.no_grad():
        for _ in range(3):
            net(torch.randn(64, net.inp.in_features, generator=torch.Generator().manual_seed(1)))
    return net.eval()


def test_same_seed_shares_everything_the_two_kinds_have_in_common():
    plain, residual = BlockMLP("plain", 5, 16, seed=3), BlockMLP("residual", 5, 16, seed=3)
    assert torch.equal(plain.inp.weight, residual.inp.weight) and torch.equal(plain.out.bias, residual.out.bias)
    for p, r in zip(plain.blocks, residual.blocks, strict=True):
        assert isinstance(p, PlainBNLayer) and isinstance(r, ResidualBNBlock)
        assert torch.equal(p.linear.weight, r.linear.weight) and p.linear.bias is None
    other = BlockMLP("plain", 5, 16, seed=4)
    assert not torch.equal(plain.blocks[0].linear.weight, other.blocks[0].linear.weight)


def test_he_normal_initialisation_of_w():
    net = BlockMLP("plain", 4, 256, seed=0)
    w = torch.cat([b.linear.weight.flatten() for b in net.blocks])
    assert w.var().item() == pytest.approx(2 / 256, rel=0.05)


def test_forward_is_the_formula():
    torch.manual_seed(0)
    net = _trained_looking(BlockMLP("residual", 2, 8, d_in=3, d_out=2, seed=1))
    x = torch.randn(5, 3)
    h = net.inp(x)
    for block in net.blocks:
        h = h + block.second(torch.relu(block.norm(block.linear(h))))
    assert torch.allclose(net(x), net.out(h))
    plain = _trained_looking(BlockMLP("plain", 2, 8, d_in=3, d_out=2, seed=1))
    h = plain.inp(x)
    for block in plain.blocks:
        h = torch.relu(block.norm(block.linear(h)))
    assert torch.allclose(plain(x), plain.out(h))


@pytest.mark.parametrize("kind", ["plain", "residual"])
def test_deleting_a_block_is_the_identity_in_its_place(kind):
    net = _trained_looking(BlockMLP(kind, 4, 8, seed=2))
    x = torch.randn(7, 40, generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        assert torch.equal(net(x), net(x, [0, 1, 2, 3]))
        deleted = net(x, [0, 2, 3])
        net.blocks[1] = nn.Identity()
        assert torch.allclose(deleted, net(x))


def test_a_deleted_residual_block_is_its_branch_dropped():
    net = _trained_looking(BlockMLP("residual", 3, 8, seed=2))
    x = torch.randn(7, 40, generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        deleted = net(x, [0, 2])
        nn.init.zeros_(net.blocks[1].second.weight)
        nn.init.zeros_(net.blocks[1].second.bias)
        assert torch.allclose(deleted, net(x))


def test_swapping_two_blocks():
    net = _trained_looking(BlockMLP("plain", 3, 8, seed=5))
    x = torch.randn(4, 40, generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        swapped = net(x, [1, 0, 2])
        net.blocks[0], net.blocks[1] = net.blocks[1], net.blocks[0]
        assert torch.equal(swapped, net(x))
        assert not torch.allclose(swapped, net(x, [1, 0, 2]))


def test_unknown_kind_is_refused():
    with pytest.raises(ValueError, match="kind must be one of plain, residual"):
        BlockMLP("highway", 2, 8)
