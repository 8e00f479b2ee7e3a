"""Vanishing and exploding products (reference text, section 3.1), and a real network that shows them.

Backpropagation through ``L`` layers multiplies ``L`` per-layer factors. With every factor equal to ``f`` the product
is ``f ** L``: ``0.9 ** 100`` is about 2.66e-5 and ``1.1 ** 100`` about 13,780.6.

:func:`exact_product` computes ``f ** L`` with Python's ``decimal`` module from the factor's decimal text, so
``0.9`` means exactly nine tenths, and reports values beyond the float range through ``log10`` instead of a silent
``inf`` or ``0``.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from decimal import Decimal, localcontext

from ..measure import geometric_fit, gradient_profile
from ..models.networks import NETWORK_INITS
from ..tables import melt

_PRECISION = 60  # significant digits kept by the decimal arithmetic
# The page's measured network: width of the plain/residual tanh DeepNetwork and its branch scale.
PRODUCTS_NETWORK_WIDTH = 64
PRODUCTS_NETWORK_ALPHA = 0.1


@dataclass(frozen=True)
class Product:
    """``factor ** depth``.

    Attributes:
        value: the product as a float, or ``None`` when it lies outside the float range (then use ``log10``).
        log10: ``log10(|product|)``; ``None`` when the product is exactly 0 (factor 0, depth >= 1).
        sign: -1, 0 or 1.
        text: the product in scientific notation with 6 significant digits, valid at any magnitude.
    """

    factor: float
    depth: int
    value: float | None
    log10: float | None
    sign: int
    text: str


@functools.lru_cache(maxsize=512)  # a page shows a few per visit; Product is immutable
def exact_product(factor: float, depth: int) -> Product:
    """``factor ** depth`` for a real ``factor`` and an integer ``depth >= 0`` (``f ** 0 == 1``, also for 0)."""
    if depth < 0 or int(depth) != depth:
        raise ValueError(f"depth must be a whole number >= 0 (got {depth!r})")
    depth = int(depth)
    with localcontext() as ctx:
        ctx.prec = _PRECISION
        ctx.Emax = 10**15
        ctx.Emin = -(10**15)
        d = Decimal(repr(float(factor))) ** depth if depth else Decimal(1)
        if d == 0:
            return Product(float(factor), depth, 0.0, None, 0, "0")
        sign = -1 if d < 0 else 1
        log10 = float(abs(d).log10())
        text = f"{d:.5e}"
    value = float(d)
    if math.isinf(value) or value == 0.0:
        value = None  # beyond the float range: report through log10 and text
    return Product(float(factor), depth, value, log10, sign, text)


def product_series(factor: float, depth: int) -> list[dict]:
    """``[{"layer": l, "product": factor ** l}]`` for ``l = 0..depth``.

    A running product in decimal arithmetic (exact to 60 significant digits), converted to float per layer;
    a value beyond the float range is ``None`` (see :func:`exact_product` for its log10).
    """
    rows = []
    with localcontext() as ctx:
        ctx.prec = _PRECISION
        ctx.Emax, ctx.Emin = 10**15, -(10**15)
        f, running = Decimal(repr(float(factor))), Decimal(1)
        for layer in range(depth + 1):
            value = float(running)
            rows.append({"layer": layer, "product": value if running == 0 or 0 < abs(value) < math.inf else None})
            running *= f
    return rows


def products_experiment(factor: float = 0.9, depth: int = 100, seed: int = 0, init: str = "default") -> dict:
    """The data behind the vanishing/exploding page.

    * ``product`` and ``log10_product``: ``factor ** depth`` (see :func:`exact_product`);
    * ``series``: ``factor ** l`` for every layer ``l = 0..depth``;
    * ``measured``: a real network. A plain tanh ``DeepNetwork(depth, width=64, seed=seed, init=init)`` and its
      residual twin (same weights, ``x + 0.1 * tanh(W x + b)``), one seeded standard-normal input ``(1, 64)``, loss
      ``output.sum()``; the float64 gradient norm at the input of every layer, layer 0 being the network's input;
    * ``fit``: ``{"plain", "residual"}``, each ``{"rate", "log10_c", "fitted"}``: :func:`geometric_fit` of the
      measured norms against the number of layers between them and the output (``rate`` is the factor per layer).
    """
    p = exact_product(factor, depth)
    grads = gradient_profile(
        depth, width=PRODUCTS_NETWORK_WIDTH, alpha=PRODUCTS_NETWORK_ALPHA, activation="tanh", seed=seed, init=init
    )
    steps_back = [depth - layer for layer in grads["layer"]]
    return {
        "factor": factor,
        "depth": depth,
        "init": init,
        "seed": seed,
        "product": p.value,
        "log10_product": p.log10,
        "series": product_series(factor, depth),
        "measured": [
            {"layer": layer, "plain": plain, "residual": residual}
            for layer, plain, residual in zip(grads["layer"], grads["plain"], grads["residual"], strict=True)
        ],
        "fit": {name: geometric_fit(steps_back, grads[name]) for name in ("plain", "residual")},
    }


def init_compare(depth: int = 100, seed: int = 0, progress=None) -> dict:
    """The page's network (plain tanh and its residual twin, width 64, ``alpha = 0.1``) under every initialisation of
    :data:`~residual_core.models.networks.NETWORK_INITS`, same depth, seed and input.

    Returns:
        ``depth``, ``seed``, ``inits``; ``per_layer``: ``[{layer, init, plain, residual}]``, the float64 gradient norm
        at the input of every layer (layer 0 the network's input); ``kept``: ``{init: {plain, residual}}``, the share
        of the output's gradient that reaches the input, ``||dL/dx_0|| / ||dL/dx_L||``; ``rate``: ``{init: {plain,
        residual}}``, the fitted factor per layer (:func:`geometric_fit`).
    """
    rows, kept, rate = [], {}, {}
    for k, init in enumerate(NETWORK_INITS):
        if progress:
            progress(k, len(NETWORK_INITS), f"{init} initialisation")
        g = gradient_profile(
            depth, width=PRODUCTS_NETWORK_WIDTH, alpha=PRODUCTS_NETWORK_ALPHA, activation="tanh", seed=seed, init=init
        )
        rows += [
            {"layer": layer, "init": init, "plain": p, "residual": r}
            for layer, p, r in zip(g["layer"], g["plain"], g["residual"], strict=True)
        ]
        steps_back = [depth - layer for layer in g["layer"]]
        kept[init] = {name: g[name][0] / g[name][-1] for name in ("plain", "residual")}
        rate[init] = {name: geometric_fit(steps_back, g[name])["rate"] for name in ("plain", "residual")}
    return {"depth": depth, "seed": seed, "inits": list(NETWORK_INITS), "per_layer": rows, "kept": kept, "rate": rate}


def init_rows(network: str):
    """Rows ``{layer, series, grad_norm}`` of :func:`init_compare` for one network, one series per initialisation."""

    def rows(result: dict) -> list[dict]:
        return [{"layer": r["layer"], "series": r["init"], "grad_norm": r[network]} for r in result["per_layer"]]

    return rows


# -- rows for the charts ----------------------------------------------------------------------------------------------

FITTED = "plain, fitted C·r^(L−l)"


def running_product_rows(result: dict) -> list[dict]:
    """``{layer, series, product}`` for 0.9^l, 1.1^l and the chosen factor (last, so it is drawn on top)."""
    depth = result["depth"]
    references = [("0.9^l", product_series(0.9, depth)), ("1.1^l", product_series(1.1, depth))]
    return [
        {"layer": r["layer"], "series": name, "product": r["product"]}
        for name, rows in [*references, ("chosen factor", result["series"])]
        for r in rows
    ]


def gradient_rows(result: dict) -> list[dict]:
    """``{layer, series, grad_norm}`` for the plain and residual networks and the plain network's fitted curve."""
    rows = [{**m, FITTED: f} for m, f in zip(result["measured"], result["fit"]["plain"]["fitted"], strict=True)]
    return melt(rows, "layer", {"plain": "plain", "residual": "residual", FITTED: FITTED}, "grad_norm")


def products_table(result: dict) -> list[dict]:
    """CSV: ``factor ** l`` and both networks' gradient norms per layer."""
    from ..tables import merge_by_layer

    measured = [
        {"layer": m["layer"], "plain_grad_norm": m["plain"], "residual_grad_norm": m["residual"]}
        for m in result["measured"]
    ]
    return merge_by_layer(result["series"], measured)
