"""The Jacobian view (exercise 2 in matrix form).

For ``x_l = f_l(x_{l-1})`` the end-to-end Jacobian is the product ``J = J_L ... J_2 J_1`` of the layers' Jacobians.
A plain tanh layer has ``J_l = diag(tanh'(h)) W``; a residual one ``J_l = I + alpha * diag(act'(h)) W``. Its singular
values tell how much each input direction is stretched or shrunk on its way to the output (and, transposed, how
much of the output's gradient reaches the input).

For matrices "at least 1" fails: the singular values of ``I + A`` are only guaranteed to be at least
``1 - ||A||_2`` (the smallest is below 1 as soon as ``I + A`` shortens some vector), and a product of
factors slightly below 1 still shrinks -- just far more slowly than a product of plain layers.
"""

from __future__ import annotations

import torch

from ..models.networks import twins
from ..seeding import seeded_input
from ..tables import melt


def layer_jacobians(net, x0: torch.Tensor) -> list[torch.Tensor]:
    """The Jacobian ``d x_l / d x_{l-1}`` of every layer at the states reached from ``x0``, by autograd.

    For a state ``x`` of width ``d`` the layer is applied to ``d`` copies of it at once; one backward pass with the
    identity matrix as the output gradient then gives, in row ``k``, the gradient of output ``k``: row ``k`` of the
    Jacobian.

    Args:
        net: a :class:`~residual_core.models.layers.Stack` (converted to float64 in place).
        x0: one input ``(1, d)`` or ``(d,)``.

    Returns:
        ``L`` matrices ``(d, d)``, float64, layer 1 first.
    """
    net = net.to(torch.float64)
    x = x0.detach().reshape(-1).to(torch.float64)
    eye = torch.eye(x.numel(), dtype=torch.float64)
    jacobians = []
    for layer in net.layers:
        copies = x.expand_as(eye).clone().requires_grad_(True)
        out = layer(copies)
        (jac,) = torch.autograd.grad(out, copies, grad_outputs=eye)
        jacobians.append(jac)
        x = out[0].detach()
    return jacobians


def _stats(s: torch.Tensor) -> tuple[float, float, float]:
    return float(s.min()), float(torch.quantile(s, 0.5)), float(s.max())


def jacobian_spectrum(
    layers: int = 30, width: int = 64, alpha: float = 0.1, activation: str = "tanh", seed: int = 0
) -> dict:
    """Singular values of ``d x_l / d x_0`` for a plain and a residual network with the same weights.

    Networks: :func:`~residual_core.models.networks.twins` ``(layers, width, alpha, activation, seed)``, plain
    ``act(W x + b)`` and residual ``x + alpha * act(W x + b)`` layers around the same branches. Point: one seeded
    standard-normal input ``(1, width)``. No loss: the Jacobian of the whole output. float64 throughout.

    Returns:
        ``spectrum``: ``[{index, plain, residual}]``, the singular values of the end-to-end Jacobian at layer ``L``,
        largest first; ``per_layer``: ``[{layer, plain_min, plain_median, plain_max, residual_min,
        residual_median, residual_max}]`` for ``d x_l / d x_0``, ``layer = 0..L`` (layer 0 is the identity);
        ``blocks``: ``[{layer, sigma_min, sigma_max, lower_bound}]`` for each residual layer's own Jacobian
        ``I + A_l``, with ``lower_bound = 1 - ||A_l||_2``; ``blocks_below_one``: how many of them have a singular
        value below 1; ``smallest_block_sigma`` and ``smallest_lower_bound``: the smallest of each over the blocks;
        ``plain_layer_share_below_one``: the fraction of all the plain layers' own singular values
        (``L * width`` of them) that are below 1; ``resolution_plain`` /
        ``resolution_residual``: ``eps * sigma_max``, below which float64 SVD cannot resolve a singular value.
    """
    x0 = seeded_input(1, width, seed)
    eye = torch.eye(width, dtype=torch.float64)
    jacobians, svals = {}, {}
    for name, net in twins(layers, width, alpha, activation, seed).items():
        jacobians[name] = torch.stack(layer_jacobians(net, x0))
        products = [eye]
        for j in jacobians[name]:
            products.append(j @ products[-1])
        svals[name] = torch.linalg.svdvals(torch.stack(products))  # (L + 1, width), one batched call
    per_layer = []
    for layer in range(layers + 1):
        row = {"layer": layer}
        for name in ("plain", "residual"):
            lo, mid, hi = _stats(svals[name][layer])
            row.update({f"{name}_min": lo, f"{name}_median": mid, f"{name}_max": hi})
        per_layer.append(row)
    block_svals = torch.linalg.svdvals(jacobians["residual"])  # each block's own I + A_l
    branch_norms = torch.linalg.svdvals(jacobians["residual"] - eye)[:, 0]  # ||A_l||_2
    blocks = [
        {"layer": layer, "sigma_min": float(s.min()), "sigma_max": float(s.max()), "lower_bound": 1.0 - float(a)}
        for layer, (s, a) in enumerate(zip(block_svals, branch_norms, strict=True), start=1)
    ]
    plain_layer_svals = torch.linalg.svdvals(jacobians["plain"])
    eps = torch.finfo(torch.float64).eps
    return {
        **{"layers": layers, "width": width, "alpha": alpha, "activation": activation, "seed": seed},
        "spectrum": [
            {"index": k, "plain": float(p), "residual": float(r)}
            for k, (p, r) in enumerate(zip(svals["plain"][-1], svals["residual"][-1], strict=True))
        ],
        "per_layer": per_layer,
        "blocks": blocks,
        "blocks_below_one": sum(b["sigma_min"] < 1 for b in blocks),
        "smallest_block_sigma": min(b["sigma_min"] for b in blocks),
        "smallest_lower_bound": min(b["lower_bound"] for b in blocks),
        "plain_layer_share_below_one": float((plain_layer_svals < 1).double().mean()),
        "resolution_plain": eps * float(svals["plain"][-1].max()),
        "resolution_residual": eps * float(svals["residual"][-1].max()),
    }


def spectrum_rows(result: dict) -> list[dict]:
    """``{index, series, singular_value}``: the end-to-end Jacobian's singular values, largest first."""
    return melt(result["spectrum"], "index", {"plain": "plain", "residual": "residual"}, "singular_value")


def per_layer_band_rows(result: dict) -> list[dict]:
    """``{layer, series, min, median, max}``: the spread of ``d x_l / d x_0``'s singular values after ``l`` layers."""
    return [
        {"layer": row["layer"], "series": name, **{k: row[f"{name}_{k}"] for k in ("min", "median", "max")}}
        for name in ("plain", "residual")
        for row in result["per_layer"]
    ]
