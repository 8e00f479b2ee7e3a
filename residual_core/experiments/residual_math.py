"""Residual math (reference text, sections 3.2 and 3.3; exercises 2 and 3).

* :func:`residual_1d` -- ``y = x + R(x)`` in one dimension, with ``R(x) = a * g(w * x)``: the derivative ``1 + R'(x)``
  is at least 1 only where ``R'(x) >= 0``.
* :func:`unrolled_sum` -- a residual network's output is its input plus every block's contribution,
  ``x_L = x_0 + sum_i F_i(x_i)``, checked numerically.
* :func:`multiplicative_experiment` -- ``y = x * F(x)`` stacked against ``y = x + alpha * F(x)`` (exercise 3).

The section 3.5 loop lives in :mod:`~residual_core.experiments.preservation`, the Jacobian view in
:mod:`~residual_core.experiments.jacobian`.
"""

from __future__ import annotations

import torch

from ..measure import geometric_fit, layer_input_grad_norms
from ..models.networks import twins
from ..seeding import seeded_input
from ..tables import melt

RESIDUAL_1D_GRID = (-3.0, 3.0, 241)  # x from, x to, number of points (the plot)
RESIDUAL_1D_SHARE_CELLS = 120_000  # the shares are measured at the midpoints of this many equal cells of [-3, 3]

# -- 1. y = x + R(x) in one dimension -------------------------------------------------------------------------------

_BRANCHES = {"sin": torch.sin, "tanh": torch.tanh, "relu": torch.relu}


def residual_1d(g: str = "sin", a: float = 0.5, w: float = 1.5) -> dict:
    """``R(x) = a * g(w * x)`` for ``g`` in sin, tanh, relu, on the grid of :data:`RESIDUAL_1D_GRID`.

    The derivative ``dy/dx = 1 + R'(x)`` is computed by autograd (float64), not from a formula.

    Returns:
        ``points``: ``[{x, r, y, dy}]`` with ``r = R(x)``, ``y = x + R(x)``, ``dy = 1 + R'(x)``;
        ``below_one``: the x-intervals ``[{start, end}]`` where ``dy < 1`` (there ``R' < 0``: the block shrinks
        differences instead of passing them on); ``min_dy``, ``max_dy``; ``share_below_one`` and
        ``share_negative``: the fraction of [-3, 3] with ``dy < 1`` and ``dy < 0`` (where ``y`` runs backwards:
        two inputs map to the same output); ``share_squeezes``: with ``|dy| < 1`` (nearby inputs are pulled together,
        a gradient's magnitude shrinks); ``share_stretches_flips``: with ``dy < -1`` (nearby inputs are pushed
        apart in reversed order: a gradient's magnitude grows and its sign flips). The shares are measured on
        :data:`RESIDUAL_1D_SHARE_CELLS` cells, not on the plot's 241 points, so they are the continuous range's to
        about 1e-5.
    """
    if g not in _BRANCHES:
        raise ValueError(f"g must be one of {', '.join(_BRANCHES)} (got {g!r})")
    lo, hi, n = RESIDUAL_1D_GRID
    x = torch.linspace(lo, hi, n, dtype=torch.float64, requires_grad=True)
    r = a * _BRANCHES[g](w * x)
    y = x + r
    (dy,) = torch.autograd.grad(y.sum(), x)  # each y_k depends on x_k only, so this is dy_k/dx_k
    xs, rs, ys, dys = (t.detach().tolist() for t in (x, r, y, dy))
    points = [{"x": a_, "r": b_, "y": c_, "dy": d_} for a_, b_, c_, d_ in zip(xs, rs, ys, dys, strict=True)]
    below = [d < 1 - 1e-12 for d in dys]
    spans, start = [], None
    step = (hi - lo) / (n - 1)
    for i, flag in enumerate([*below, False]):
        if flag and start is None:
            start = i
        elif not flag and start is not None:
            spans.append({"start": max(lo, xs[start] - step / 2), "end": min(hi, xs[i - 1] + step / 2)})
            start = None
    fine = _fine_dy(g, a, w)
    return {
        "g": g,
        "a": a,
        "w": w,
        "points": points,
        "below_one": spans,
        "min_dy": min(dys),
        "max_dy": max(dys),
        "share_below_one": float((fine < 1 - 1e-12).double().mean()),
        "share_negative": float((fine < 0).double().mean()),
        "share_squeezes": float((fine.abs() < 1 - 1e-12).double().mean()),
        "share_stretches_flips": float((fine < -1 - 1e-12).double().mean()),
    }


def _fine_dy(g: str, a: float, w: float) -> torch.Tensor:
    """``dy/dx`` at the midpoints of :data:`RESIDUAL_1D_SHARE_CELLS` equal cells of the plotted range."""
    lo, hi, _ = RESIDUAL_1D_GRID
    cells = RESIDUAL_1D_SHARE_CELLS
    x = (lo + (torch.arange(cells, dtype=torch.float64) + 0.5) * ((hi - lo) / cells)).requires_grad_(True)
    (dy,) = torch.autograd.grad((x + a * _BRANCHES[g](w * x)).sum(), x)
    return dy


# -- 2. The unrolled sum --------------------------------------------------------------------------------------------


def unrolled_sum(
    layers: int = 30, width: int = 64, alpha: float = 0.1, activation: str = "tanh", seed: int = 0
) -> dict:
    """``x_L = x_0 + sum_i F_i(x_i)`` for a seeded residual ``DeepNetwork``, checked numerically.

    Network: the residual ``DeepNetwork(layers, width, alpha, activation, seed)``, block ``i`` being
    ``x_{i+1} = x_i + F_i(x_i)`` with ``F_i(x) = alpha * act(W_i x + b_i)``. Batch: one seeded standard-normal input
    ``(1, width)``. No loss (forward only).

    ``F_i(x_i)`` is computed from the branch alone (``alpha`` times block ``i``'s branch ``act(W_i x + b_i)``), not as
    ``x_{i+1} - x_i``, so the check is not true by construction. The sum is taken at once (``torch.sum`` over the
    stacked terms), in the network's float32 and again in float64: the difference to the forward pass is rounding.

    Returns:
        ``per_layer``: ``[{layer, state_norm, block_norm, sum_block_norms}]`` for ``layer = 0..L`` where
        ``state_norm = ||x_l||`` (the running sum ``x_0 + F_0 + ... + F_{l-1}``), ``block_norm = ||F_{l-1}(x_{l-1})||``
        (``None`` at layer 0) and ``sum_block_norms = sum_{i<l} ||F_i(x_i)||`` (the triangle-inequality bound on
        ``||x_l - x_0||``); ``input_norm``, ``output_norm``; ``max_abs_diff_float32`` and ``max_abs_diff_float64``:
        ``max |x_L - (x_0 + sum_i F_i(x_i))|``; ``float32_spacing``: float32's machine epsilon times the largest
        ``|x_L|`` entry, the size of one rounding step there; ``distance_from_input = ||x_L - x_0||``.
    """
    out = {"layers": layers, "width": width, "alpha": alpha, "activation": activation, "seed": seed}
    x0 = seeded_input(1, width, seed)
    for dtype, key in ((torch.float32, "max_abs_diff_float32"), (torch.float64, "max_abs_diff_float64")):
        res = twins(layers, width, alpha, activation, seed, kinds=("residual",))["residual"].to(dtype)
        with torch.no_grad():
            states = res.trace(x0.to(dtype))
            blocks = [alpha * layer.branch(states[i]) for i, layer in enumerate(res.layers)]  # the branch alone
            unrolled = states[0] + torch.stack(blocks).sum(dim=0)
            out[key] = float((states[-1] - unrolled).abs().max())
            if dtype == torch.float32:  # the spacing of float32 numbers around the output's largest entry
                out["float32_spacing"] = float(torch.finfo(dtype).eps * states[-1].abs().max())
    # norms from the float64 run (the last one)
    state_norms = [float(s.norm()) for s in states]
    block_norms = [float(b.norm()) for b in blocks]
    running = 0.0
    rows = []
    for layer in range(layers + 1):
        if layer:
            running += block_norms[layer - 1]
        rows.append(
            {
                "layer": layer,
                "state_norm": state_norms[layer],
                "block_norm": block_norms[layer - 1] if layer else None,
                "sum_block_norms": running,
            }
        )
    out.update(
        input_norm=state_norms[0],
        output_norm=state_norms[-1],
        distance_from_input=float((states[-1] - states[0]).norm()),
        per_layer=rows,
    )
    return out


# -- 5. Multiplication instead of addition (exercise 3) -------------------------------------------------------------


def multiplicative_experiment(
    layers: int = 30, width: int = 64, alpha: float = 0.1, activation: str = "tanh", seed: int = 0
) -> dict:
    """``y = x * F(x)`` against ``y = x + alpha * F(x)``, same ``F(x) = act(W x + b)`` (same seed, same weights).

    Networks: :class:`~residual_core.models.layers.Multiplicative` layers ``x * act(W x + b)`` and
    :class:`~residual_core.models.layers.ScaledResidual` layers ``x + alpha * act(W x + b)`` around the same branches.
    Batch: one seeded standard-normal input ``(1, width)``. Loss: ``output.sum()``. All norms float64.

    Returns:
        ``per_layer``: ``[{layer, additive_norm, multiplicative_norm, additive_grad, multiplicative_grad}]`` for
        ``layer = 0..L``: ``||x_l||`` and ``||d loss / d x_l||``; ``rate_multiplicative`` and ``rate_additive``: the
        fitted per-layer factor of the forward norm (least squares on log10); ``zero_share``: the fraction of the
        multiplicative output's entries that are exactly 0 (a 0 entry stays 0 in every later layer); ``dead_at``:
        the first layer whose multiplicative ``x_l`` is exactly 0 in every entry (ReLU's exact zeros: from there on
        ``x_l = 0`` and so is every gradient below it), ``None`` if none is. ``rate_multiplicative`` is fitted on the
        layers before ``dead_at`` only.
    """
    x = seeded_input(1, width, seed)
    built = twins(layers, width, alpha, activation, seed, kinds=("residual", "multiplicative"))
    nets = {"additive": built["residual"], "multiplicative": built["multiplicative"]}
    norms, grads = {}, {}
    for name, net in nets.items():
        grads[name] = layer_input_grad_norms(net, x)  # converts the network to float64
        with torch.no_grad():
            states = net.trace(x)
        norms[name] = [float(s.norm()) for s in states]
        if name == "multiplicative":
            zero_share = float((states[-1] == 0).double().mean())
    rows = [
        {
            "layer": layer,
            "additive_norm": norms["additive"][layer],
            "multiplicative_norm": norms["multiplicative"][layer],
            "additive_grad": grads["additive"][layer],
            "multiplicative_grad": grads["multiplicative"][layer],
        }
        for layer in range(layers + 1)
    ]
    steps = list(range(layers + 1))
    return {
        "layers": layers,
        "width": width,
        "alpha": alpha,
        "activation": activation,
        "seed": seed,
        "rate_additive": geometric_fit(steps, norms["additive"])["rate"],
        "rate_multiplicative": geometric_fit(steps, norms["multiplicative"])["rate"],
        "zero_share": zero_share,
        "dead_at": next((layer for layer, n in enumerate(norms["multiplicative"]) if n == 0), None),
        "per_layer": rows,
    }


# -- rows for the charts ----------------------------------------------------------------------------------------------


def one_d_rows(result: dict) -> list[dict]:
    """``{x, series, value}`` for R(x), x + R(x) and 1 + R'(x)."""
    return melt(result["points"], "x", {"r": "R(x)", "y": "x + R(x)", "dy": "1 + R′(x)"}, "value")


def unrolled_rows(result: dict) -> list[dict]:
    """``{layer, series, norm}``: the running sum, each block's term and the sum of the terms' norms (layer 0 has no
    term)."""
    columns = {
        "state_norm": "‖x_l‖ (running sum)",
        "block_norm": "‖F‖ added by block l",
        "sum_block_norms": "Σ ‖F‖ so far",
    }
    return [row for row in melt(result["per_layer"], "layer", columns, "norm") if row["norm"] is not None]


def multiplicative_forward_rows(result: dict) -> list[dict]:
    """``{layer, series, norm}``: ``||x_l||`` of the residual and the multiplicative stack."""
    columns = {"additive_norm": "residual", "multiplicative_norm": "multiplicative"}
    return melt(result["per_layer"], "layer", columns, "norm")


def multiplicative_gradient_rows(result: dict) -> list[dict]:
    """``{layer, series, grad_norm}``: ``||d loss / d x_l||`` of the residual and the multiplicative stack."""
    columns = {"additive_grad": "residual", "multiplicative_grad": "multiplicative"}
    return melt(result["per_layer"], "layer", columns, "grad_norm")
