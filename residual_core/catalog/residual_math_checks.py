"""/residual-math: its claims' checks, each a verdict on a live result (declared in :mod:`.residual_math`)."""

from ..declare import Verdict
from ..numbers import g3, percent, plural, span
from .residual_math_text import ends as _ends
from .residual_math_text import smallest_sv

# -- claims ------------------------------------------------------------------------------------------------------


def _net(r: dict) -> str:
    return (
        f"{plural(r['layers'], 'layer')}, width {r['width']}, α = {r['alpha']:g}, {r['activation']}, seed {r['seed']}"
    )


def _below_one(r: dict) -> Verdict:
    return Verdict(
        r["share_below_one"] > 0,
        f"1 + R′(x) < 1 on {percent(r['share_below_one'])} of the grid (smallest {r['min_dy']:.4f}), R(x) = "
        f"{r['a']:g}·{r['g']}({r['w']:g}·x)",
    )


def _unrolled_exact(r: dict) -> Verdict:
    ok32 = r["max_abs_diff_float32"] <= 16 * r["float32_spacing"]
    ok64 = r["max_abs_diff_float64"] <= 1e-9 * max(1.0, r["output_norm"])
    return Verdict(
        ok32 and ok64,
        f"max |x_L − (x₀ + Σ Fᵢ)| = {r['max_abs_diff_float32']:.1e} in float32 (one rounding step there: "
        f"{r['float32_spacing']:.1e}), {r['max_abs_diff_float64']:.1e} in float64 ({_net(r)})",
    )


def _blocks_below_one(r: dict) -> Verdict:
    return Verdict(
        r["blocks_below_one"] > 0,
        f"{r['blocks_below_one']} of {r['layers']} residual blocks have σ_min(I + A) < 1 (smallest "
        f"{r['smallest_block_sigma']:.4f}; bound 1 − ‖A‖₂ ≥ {r['smallest_lower_bound']:.4f}) ({_net(r)})",
    )


def _residual_keeps_directions(r: dict) -> Verdict:
    last = r["per_layer"][-1]
    return Verdict(
        last["residual_min"] >= 0.1 and last["residual_max"] <= 10,
        f"singular values of ∂x_L/∂x₀: residual {span(last['residual_min'], last['residual_max'])}, plain "
        f"{smallest_sv(r, 'plain')} to {g3(last['plain_max'])} ({_net(r)})",
    )


def _multiplication_compounds(r: dict) -> Verdict:
    m0, m1 = _ends(r, "multiplicative_norm")
    a0, a1 = _ends(r, "additive_norm")
    mult, add = m1 / m0, a1 / a0
    return Verdict(
        (mult < 1e-3 or mult > 1e3) and 0.1 <= add <= 10,
        f"‖x_L‖ / ‖x₀‖ = {g3(mult)} for x ⊙ F(x), {g3(add)} for x + α·F(x) ({_net(r)})",
    )
