"""Information preservation (reference text, section 3.5), live, and what the text printed for it.

The text's loop: ``x = torch.randn(1, 10, 512)``; without residual ``x <- 0.9 * x`` a hundred times, with residual
``x <- x + 0.01 * x``. Both steps only scale ``x``, so the output norms are exactly ``0.9 ** 100`` and
``1.01 ** 100`` times the input norm (up to rounding): :func:`preservation_vs_text` derives this and the other
reasons why the text's printed numbers cannot come out of its code.
"""

from __future__ import annotations

import math

import torch

from ..seeding import seeded
from ..tables import melt

TEXT_SHAPE = (1, 10, 512)
TEXT_SETTINGS = {"depth": 100, "shrink": 0.9, "update": 0.01}
# Quoted from the reference text (section 3.5, "as printed in the original"). Shown as quotations only; every
# number the app puts beside them is computed.
TEXT_PRINTED = {"input_norm": 226.4392, "output_norm_plain": 0.0000000596, "output_norm_residual": 611.9847}


def text_input(seed: int) -> torch.Tensor:
    """``torch.randn(1, 10, 512)`` as the text draws it, in a fresh script seeded with ``seed`` (float32)."""
    with seeded(seed):
        return torch.randn(*TEXT_SHAPE)


def stable_norm(x: torch.Tensor) -> float:
    """``||x||`` without underflow: the squares of entries below ~1e-154 are 0 in float64, so scale by ``max |x|``."""
    peak = x.abs().max()
    return float(peak * (x / peak).norm()) if peak > 0 else 0.0


def preservation_experiment(depth: int = 100, shrink: float = 0.9, update: float = 0.01, seed: int = 0) -> dict:
    """The text's loop for ``depth`` layers: ``x <- shrink * x`` (plain) and ``x <- x + update * x`` (residual).

    Input: :func:`text_input` (``(1, 10, 512)`` standard normal, float32, as the text), then float64 for the loop so
    that deep runs do not underflow (float32 would round ``0.9 ** 1000 * x`` to 0). No network, no loss.

    Returns:
        ``depth``, ``shrink``, ``update``, ``seed``, ``input_norm``, ``output_norm_plain``, ``output_norm_residual``
        and ``per_layer``: ``[{layer, plain, residual}]`` norms for ``layer = 0..depth`` (layer 0 is the input).
    """
    x = text_input(seed).to(torch.float64)
    plain, residual = x.clone(), x.clone()
    rows = [{"layer": 0, "plain": stable_norm(plain), "residual": stable_norm(residual)}]
    for layer in range(1, depth + 1):
        plain = shrink * plain
        residual = residual + update * residual
        rows.append({"layer": layer, "plain": stable_norm(plain), "residual": stable_norm(residual)})
    return {
        "depth": depth,
        "shrink": shrink,
        "update": update,
        "seed": seed,
        "input_norm": rows[0]["plain"],
        "output_norm_plain": rows[-1]["plain"],
        "output_norm_residual": rows[-1]["residual"],
        "per_layer": rows,
    }


def preservation_vs_text(seed: int = 0, printed: dict | None = None) -> dict:
    """The text's printed numbers beside this run at the text's settings (depth 100, 0.9, 0.01), and the arithmetic
    that explains the difference.

    Args:
        seed: seed of the input draw.
        printed: the quoted values (default :data:`TEXT_PRINTED`).

    Returns a dict of computed numbers:
        ``computed``: this run's ``input_norm``, ``output_norm_plain``, ``output_norm_residual``;
        ``n``: elements of the input (5120); ``sqrt_n``: ``sqrt(n)``, the typical norm of ``n`` standard normals;
        ``printed_input_squared`` and ``printed_elements_per_512``: ``226.4392 ** 2`` and that divided by 512, the
        number of 512-wide rows a standard-normal tensor of that norm would have;
        ``factor_plain = shrink ** depth`` and ``factor_residual = (1 + update) ** depth``; ``ratio_plain`` and
        ``ratio_residual``: this run's output/input norms (equal to those factors up to rounding);
        ``printed_ratio_plain`` and ``printed_ratio_residual``: the printed outputs over the printed input;
        ``plain_from_printed_input``: ``factor_plain * 226.4392``, what the loop gives from the printed input;
        ``plain_layers_implied``: the depth at which ``0.9 ** depth`` would equal the printed plain ratio;
        ``two_to_minus_24``: ``2 ** -24``, for comparison with the printed plain output.
    """
    printed = dict(TEXT_PRINTED if printed is None else printed)
    run = preservation_experiment(seed=seed, **TEXT_SETTINGS)
    depth, shrink, update = TEXT_SETTINGS["depth"], TEXT_SETTINGS["shrink"], TEXT_SETTINGS["update"]
    n = math.prod(TEXT_SHAPE)
    printed_ratio_plain = printed["output_norm_plain"] / printed["input_norm"]
    return {
        "seed": seed,
        "settings": dict(TEXT_SETTINGS),
        "printed": printed,
        "computed": {k: run[k] for k in ("input_norm", "output_norm_plain", "output_norm_residual")},
        "n": n,
        "sqrt_n": math.sqrt(n),
        "printed_input_squared": printed["input_norm"] ** 2,
        "printed_elements_per_512": printed["input_norm"] ** 2 / 512,
        "factor_plain": shrink**depth,
        "factor_residual": (1 + update) ** depth,
        "ratio_plain": run["output_norm_plain"] / run["input_norm"],
        "ratio_residual": run["output_norm_residual"] / run["input_norm"],
        "printed_ratio_plain": printed_ratio_plain,
        "printed_ratio_residual": printed["output_norm_residual"] / printed["input_norm"],
        "plain_from_printed_input": shrink**depth * printed["input_norm"],
        "residual_from_printed_input": (1 + update) ** depth * printed["input_norm"],
        "plain_layers_implied": math.log(printed_ratio_plain) / math.log(shrink),
        "two_to_minus_24": 2.0**-24,
    }


def preservation_rows(result: dict) -> list[dict]:
    """``{layer, series, norm}``: ``||x||`` after every layer of both loops."""
    return melt(result["per_layer"], "layer", {"plain": "plain", "residual": "residual"}, "norm")
