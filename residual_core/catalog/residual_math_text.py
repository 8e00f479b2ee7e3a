"""The residual-math page's teaching text: its figures' takeaways, its sections' prose, metrics and derivations,
computed from the result and the page's settings (plain Python, no Streamlit). Declared as the sections of
:data:`residual_core.catalog.residual_math.PAGE`.
"""

from __future__ import annotations

from ..declare import Metric
from ..numbers import fmt, g3, percent, plural, times

INTRO = (
    "A residual block computes **y = x + F(x)**: the input is passed on unchanged and the block only adds a "
    "correction. Five views of what that buys, each computed live."
)

# -- takeaways ---------------------------------------------------------------------------------------------------


def one_d_takeaway(r: dict) -> str:
    where = f"below 1 on {percent(r['share_below_one'])} of the plot" if r["share_below_one"] else "never below 1 here"
    return f"dy/dx = 1 + R′(x) runs from {r['min_dy']:.3f} to {r['max_dy']:.3f}: {where}."


def unrolled_takeaway(r: dict) -> str:
    return (
        f"After {plural(r['layers'], 'layer')} ‖x_L‖ = {g3(r['output_norm'])} (input {g3(r['input_norm'])}); "
        f"adding the {plural(r['layers'], 'branch output')} to x₀ reproduces x_L to "
        f"{r['max_abs_diff_float32']:.1e} in float32 and {r['max_abs_diff_float64']:.1e} in float64."
    )


def preservation_takeaway(r: dict) -> str:
    return (
        f"After {plural(r['depth'], 'layer')} x ← {r['shrink']:g}·x keeps "
        f"{g3(r['output_norm_plain'] / r['input_norm'])} of the input's norm and x ← x + {r['update']:g}·x "
        f"multiplies it by {g3(r['output_norm_residual'] / r['input_norm'])}."
    )


RESOLVED = 1e3  # a singular value below RESOLVED * eps * sigma_max is shown as "below" that bound, not as a value


def smallest_sv(r: dict, name: str, f=g3) -> str:
    """The smallest singular value of the last product, or ``below …`` where it lies under what float64 resolves
    (``RESOLVED · ε · σ_max``: a product of many layers loses the small ones to rounding; ReLU's are exactly 0)."""
    value, bound = r["per_layer"][-1][f"{name}_min"], RESOLVED * r[f"resolution_{name}"]
    return f"under {g3(bound)}" if value < bound else f(value)


def spectrum_takeaway(r: dict) -> str:
    last = r["per_layer"][-1]
    return (
        f"The singular values of ∂x_{r['layers']}/∂x₀ run from {smallest_sv(r, 'plain')} to {g3(last['plain_max'])} "
        f"without the skip path and from {smallest_sv(r, 'residual')} to {g3(last['residual_max'])} with it."
    )


def jacobian_layers_takeaway(r: dict) -> str:
    last = r["per_layer"][-1]
    return (
        f"Median singular value after {plural(r['layers'], 'layer')}: {g3(last['plain_median'])} (plain) and "
        f"{g3(last['residual_median'])} (residual)."
    )


def ends(r: dict, key: str) -> tuple[float, float]:
    return r["per_layer"][0][key], r["per_layer"][-1][key]


def _dead(r: dict) -> str:
    """Where x ⊙ F(x) is exactly 0 (ReLU's zeros), the sentence that says so; else nothing."""
    if r.get("dead_at") is None:
        return ""
    return (
        f" From layer {r['dead_at']} on every entry of x ⊙ F(x) is exactly 0 (ReLU outputs exact zeros, and "
        "0 ⊙ F(0) = 0), so its line stops there on the log axis."
    )


def mult_forward_takeaway(r: dict) -> str:
    a0, a1 = ends(r, "additive_norm")
    _, m1 = ends(r, "multiplicative_norm")
    mult = "exactly 0" if m1 == 0 else g3(m1)
    return (
        f"After {plural(r['layers'], 'layer')} ‖x‖ is {mult} for x ⊙ F(x) and {g3(a1)} for x + α·F(x) (input {g3(a0)})."
        + _dead(r)
    )


def mult_gradient_takeaway(r: dict) -> str:
    a0, _ = ends(r, "additive_grad")
    m0, _ = ends(r, "multiplicative_grad")
    mult = "exactly 0" if m0 == 0 else g3(m0)
    return f"The gradient reaching the input is {mult} for x ⊙ F(x) and {g3(a0)} for x + α·F(x)."


# -- 1 · y = x + R(x) in one dimension ----------------------------------------------------------------------------

G_PRIME = {"sin": r"\cos(wx)", "tanh": r"(1 - \tanh^2(wx))", "relu": r"\mathbb{1}[wx > 0]"}


def one_d_formula(settings: dict) -> str:
    g = settings["g"]
    return (
        rf"R(x) = a\,\mathrm{{{g}}}(w x),\qquad y = x + R(x),\qquad \frac{{dy}}{{dx}} = 1 + R'(x) = 1 + a w\,"
        rf"{G_PRIME[g]}"
    )


def one_d_metrics(one: dict, settings: dict) -> list[Metric]:
    return [
        Metric("Smallest dy/dx on the plot", f"{one['min_dy']:.3f}"),
        Metric("Share of x with dy/dx < 1", percent(one["share_below_one"])),
        Metric("Share of x with |dy/dx| < 1 (squeezes)", percent(one["share_squeezes"])),
        Metric("Share of x with dy/dx < −1 (stretches and flips)", percent(one["share_stretches_flips"])),
    ]


def one_d_reading(one: dict, settings: dict) -> str:
    below = (
        "nowhere on this plot"
        if not one["below_one"]
        else f"on the shaded {percent(one['share_below_one'])} of the range (dashed line: dy/dx = 1)"
    )
    flips_only = one["share_negative"] - one["share_stretches_flips"]  # -1 <= dy/dx < 0
    parts = []
    if one["share_squeezes"] - flips_only > 0:
        parts.append(
            f"where 0 ≤ dy/dx < 1 ({percent(one['share_squeezes'] - flips_only)}) the block squeezes nearby inputs "
            "together, and a gradient passing back through it is multiplied by less than 1"
        )
    if flips_only > 0:
        parts.append(
            f"where −1 ≤ dy/dx < 0 ({percent(flips_only)}) it squeezes and flips: y runs backwards, so different "
            "inputs land on the same output, and the gradient shrinks and changes sign"
        )
    if one["share_stretches_flips"] > 0:
        parts.append(
            f"where dy/dx < −1 ({percent(one['share_stretches_flips'])}) it **stretches and flips**: nearby inputs "
            f"end up as much as {abs(one['min_dy']):.3g}× further apart in reversed order, and a gradient passing "
            f"back is multiplied by as much as {abs(one['min_dy']):.3g} in magnitude while its sign flips (below 1 "
            "is not smaller in magnitude)"
        )
    detail = (" Of that: " + "; ".join(parts) + ". ") if parts else " "
    return (
        f"The text says the derivative of x + R(x) is *at least 1*. It is **1 + R′(x)**, which is at least 1 only "
        f"where R′(x) ≥ 0. Here it drops below 1 {below}.{detail}"
        "What the skip path really guarantees is that the derivative is 1 **plus** the branch's slope: close to 1 "
        "whenever |R′| is small, and 0 only where R′ reaches −1 (here the smallest value of 1 + R′ is "
        f"{one['min_dy']:.3f}). A plain layer's derivative is R′ alone, which is small exactly when the branch's "
        "slope is. (Shares measured on 120,000 cells of the range, not on the plot's 241 points.)"
    )


# -- 2 · The unrolled sum -------------------------------------------------------------------------------------------

SHARED_NETWORK = "The network below is shared by sections 2, 4 and 5 (and its seed by section 3)."


def unrolled_formula(settings: dict) -> str:
    return (
        r"x_{l+1} = x_l + F_l(x_l)\quad\Longrightarrow\quad x_L = x_0 + \sum_{i=0}^{L-1} F_i(x_i),"
        rf"\qquad F_i(x) = {settings['alpha']:g}\cdot\mathrm{{{settings['activation']}}}(W_i x + b_i)"
    )


def unrolled_metrics(unrolled: dict, settings: dict) -> list[Metric]:
    return [
        Metric("‖x₀‖ (input)", f"{unrolled['input_norm']:.4g}"),
        Metric("‖x_L‖ (output)", f"{unrolled['output_norm']:.4g}"),
        Metric("max |x_L − (x₀ + Σ Fᵢ)|, float32", fmt(unrolled["max_abs_diff_float32"], 3)),
        Metric("… in float64", fmt(unrolled["max_abs_diff_float64"], 3)),
    ]


def unrolled_reading(unrolled: dict, settings: dict) -> str:
    sum_of_norms = unrolled["per_layer"][-1]["sum_block_norms"]
    return (
        f"The output is the input plus {settings['layers']} added terms, each computed from its branch alone. The "
        "check adds them up separately and compares with the forward pass: in float32 they differ by "
        f"{unrolled['max_abs_diff_float32'] / unrolled['float32_spacing']:.1f} rounding steps at the output's largest "
        f"entry (one step: {unrolled['float32_spacing']:.1e}). "
        + (
            "The terms partly cancel: "
            if unrolled["distance_from_input"] < 0.9 * sum_of_norms
            else "The terms point mostly the same way: "
        )
        + f"‖x_L − x₀‖ = {unrolled['distance_from_input']:.4g}, while the sum of their norms is "
        f"{sum_of_norms:.4g}. Because x₀ appears in x_L with coefficient 1, "
        "∂x_L/∂x₀ = I + Σᵢ ∂Fᵢ(xᵢ)/∂x₀: the gradient always has a direct path to the input (the sum beside it can "
        "still add to it or take from it: section 4)."
    )


# -- 3 · Information preservation (section 3.5) --------------------------------------------------------------------


def preservation_text(pres: dict, settings: dict) -> str:
    return (
        f"The text's experiment with seed {settings['seed']}: `x = torch.randn(1, 10, 512)`, then {settings['depth']} "
        f"times `x ← {settings['shrink']:g}·x` (no residual) and `x ← x + {settings['update']:g}·x` (residual)."
    )


def preservation_metrics(pres: dict, settings: dict) -> list[Metric]:
    return [
        Metric("Input norm", f"{pres['input_norm']:.4f}"),
        Metric("Output norm, no residual", fmt(pres["output_norm_plain"])),
        Metric("Output norm, residual", fmt(pres["output_norm_residual"])),
    ]


VS_TEXT_HEADING = "Printed in the reference text / computed here"


def vs_text_caption(vs: dict, settings: dict) -> str:
    return (
        f"At the text's settings (depth {vs['settings']['depth']}, shrink {vs['settings']['shrink']}, "
        f"update {vs['settings']['update']}), seed {settings['seed']}, with the text's print formats."
    )


def vs_text_table(vs: dict) -> dict[str, list[str]]:
    """The printed / computed table's columns (the page indexes it by ``quantity``)."""
    printed, computed = vs["printed"], vs["computed"]
    return {
        "quantity": ["Input norm", "Output norm, no residual", "Output norm, residual"],
        "printed in the reference text": [
            f"{printed['input_norm']:.4f}",
            f"{printed['output_norm_plain']:.10f}",
            f"{printed['output_norm_residual']:.4f}",
        ],
        "computed here": [
            f"{computed['input_norm']:.4f}",
            f"{computed['output_norm_plain']:.10f}",
            f"{computed['output_norm_residual']:.4f}",
        ],
    }


def vs_text_reading(vs: dict) -> str:
    printed, computed = vs["printed"], vs["computed"]
    return f"""
Why they differ (every number below computed):

* **Input.** The tensor has 1·10·512 = {vs["n"]:,} entries, each with mean square 1, so its norm is about
  √{vs["n"]:,} = **{vs["sqrt_n"]:.2f}**; this draw gives {computed["input_norm"]:.2f}. The printed
  {printed["input_norm"]} squared is {vs["printed_input_squared"]:,.1f} = {vs["printed_elements_per_512"]:.1f} × 512:
  the norm of about 100 rows of 512 standard normals, not 10.
* **No residual.** Each step multiplies by {vs["settings"]["shrink"]}, so the output is exactly
  {vs["settings"]["shrink"]}^{vs["settings"]["depth"]} = **{vs["factor_plain"]:.4e}** times the input (this run's
  ratio: {vs["ratio_plain"]:.4e}). From the printed input that gives {vs["plain_from_printed_input"]:.4e}, not
  {printed["output_norm_plain"]:.3g}; the printed ratio {vs["printed_ratio_plain"]:.3e} would need
  {vs["plain_layers_implied"]:.1f} layers. (To the printed digits, {printed["output_norm_plain"]:.3g} is
  2⁻²⁴ = {vs["two_to_minus_24"]:.4e}, a float32 rounding-size number.)
* **Residual.** x + {vs["settings"]["update"]}·x = {1 + vs["settings"]["update"]:g}·x, so the output is
  {1 + vs["settings"]["update"]:g}^{vs["settings"]["depth"]} = **{vs["factor_residual"]:.4f}** times the input (this
  run: {vs["ratio_residual"]:.4f}). From the printed input that gives
  {1 + vs["settings"]["update"]:g}^{vs["settings"]["depth"]} × {printed["input_norm"]} =
  **{vs["residual_from_printed_input"]:.2f}**, not the printed {printed["output_norm_residual"]:.2f}: close
  ({abs(vs["printed_ratio_residual"] / vs["factor_residual"] - 1):.2%} apart) but not equal, so none of the three
  printed numbers is what this code computes from the printed input.
"""


def preservation_limit(pres: dict, settings: dict) -> str:
    update, depth = settings["update"], settings["depth"]
    return (
        f"An honest limit of this toy: both loops only **scale** x. The residual one is not a learned F(x); it "
        f"multiplies by {1 + update:g} per layer, so after {plural(depth, 'layer')} the norm is "
        f"{pres['output_norm_residual'] / pres['input_norm']:.4g} times the input — it grows (or, with a negative "
        "update, shrinks) geometrically too. What the skip path buys is that the per-layer factor is 1 + (small), "
        "not (small)."
    )


# -- 4 · The Jacobian view -------------------------------------------------------------------------------------------

JACOBIAN_PRODUCT = (
    r"\frac{\partial x_L}{\partial x_0} = J_L \cdots J_1,\qquad "
    r"J_l^{\text{plain}} = \mathrm{diag}(\phi'(h_l))\,W_l,\qquad "
    r"J_l^{\text{residual}} = I + \alpha\,\mathrm{diag}(\phi'(h_l))\,W_l"
)
BAND_CAPTION = "Band: smallest to largest singular value of ∂x_l/∂x₀ after l layers; line: the median."


def jacobian_caption(settings: dict) -> str:
    return f"φ is the activation ({settings['activation']}), h_l = W_l x_(l−1) + b_l its input."


def jacobian_metrics(jac: dict, settings: dict) -> list[Metric]:
    return [
        Metric("Smallest singular value, plain", smallest_sv(jac, "plain", lambda v: fmt(v, 3))),
        Metric("Smallest singular value, residual", smallest_sv(jac, "residual", lambda v: fmt(v, 3))),
        Metric("Residual blocks with a singular value < 1", f"{jac['blocks_below_one']} of {settings['layers']}"),
    ]


def jacobian_reading(jac: dict, settings: dict) -> str:
    last, layers = jac["per_layer"][-1], settings["layers"]
    resolution = (
        " The plain stack's smallest values lie below what float64 resolves for this product "
        f"({RESOLVED:g}·ε·σ_max = {RESOLVED * jac['resolution_plain']:.1e}): they are 0 to working precision"
        + (
            " (with ReLU some are exactly 0: a zero slope zeroes a whole row of diag(φ′)·W)."
            if settings["activation"] == "relu"
            else "."
        )
        if last["plain_min"] < jac["resolution_plain"] * RESOLVED
        else ""
    )
    return (
        f"Each plain layer multiplies by diag(φ′)·W; {percent(jac['plain_layer_share_below_one'])} of these layers' "
        "singular values are below 1 here"
        + (", so the product's spectrum collapses" if last["plain_max"] < 1e-2 else "")
        + f": after {plural(layers, 'layer')} it runs from {smallest_sv(jac, 'plain', lambda v: fmt(v, 2))} to "
        f"{fmt(last['plain_max'], 2)}."
        f"{resolution} The residual stack keeps it "
        + (
            f"at {last['residual_min']:.3g}. "
            if f"{last['residual_min']:.3g}" == f"{last['residual_max']:.3g}"
            else f"between {last['residual_min']:.3g} and {last['residual_max']:.3g}. "
        )
        + 'In matrix form "at least 1" does **not** hold in general: a residual block\'s Jacobian I + A has a '
        "singular value below 1 as soon as it shortens some vector v, i.e. 2vᵀAv + ‖Av‖² < 0. Here "
        f"{jac['blocks_below_one']} of {layers} blocks have one (smallest: {jac['smallest_block_sigma']:.4f}). "
        f"What holds is σ_min(I + A) ≥ 1 − ‖A‖₂ (here at least {jac['smallest_lower_bound']:.4f}): with a small "
        "branch every factor stays close to 1, and a product of factors close to 1 drifts far more slowly than one "
        "of small factors collapses."
    )


# -- 5 · Multiplication instead of addition (exercise 3) -----------------------------------------------------------


def multiplicative_formula(settings: dict) -> str:
    return (
        rf"\text{{residual: }} x_{{l+1}} = x_l + {settings['alpha']:g}\,F(x_l)\qquad"
        r"\text{multiplicative: } x_{l+1} = x_l \odot F(x_l)"
    )


def multiplicative_caption(settings: dict) -> str:
    return (
        f"Same branch F(x) = {settings['activation']}(Wx + b) and the same weights in both; one seeded input, loss "
        "output.sum()."
    )


def multiplicative_reading(mult: dict, settings: dict) -> str:
    zeros = (
        f" {percent(mult['zero_share'])} of the output's entries are exactly 0, and a 0 stays 0 in every later layer."
        if mult["zero_share"] > 0
        else ""
    )
    if mult.get("dead_at") is not None:
        alive = [row["layer"] for row in mult["per_layer"] if row["multiplicative_grad"] > 0]
        below = (
            f" The gradient is exactly 0 at layers 0–{alive[0] - 1}: at the zero vector a layer passes it on only "
            "through diag(ReLU(b)), which zeroes every entry whose bias is not positive."
            if alive and alive[0] > 0
            else ""
        )
        rate = (
            f"Multiplying makes every layer a **factor** again, and with ReLU a factor can be exactly 0: from layer "
            f"{mult['dead_at']} on x ⊙ F(x) is the zero vector.{below} (Residual: ‖x‖ changes by about "
            f"{times(mult['rate_additive'])} per layer.) "
        )
    else:
        rate = (
            "Multiplying makes every layer a **factor** again: ‖x‖ changes by about "
            f"{times(mult['rate_multiplicative'])} per layer here (residual: {times(mult['rate_additive'])}), so depth "
            "compounds into vanishing (|F| < 1) or exploding (|F| > 1) — the problem the skip connection was meant to "
            "remove. "
        )
    return (
        rate + "The easy identity is gone too: "
        "x ⊙ F(x) = x needs F(x) = 1 for every x, while x + F(x) = x only needs the branch to output 0."
        f"{zeros} The gradient ∂y/∂x = diag(F(x)) + diag(x)·∂F/∂x shrinks with F and with x."
    )
