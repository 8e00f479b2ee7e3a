"""Predict, then reveal: one prediction question per concept page, answered by the page's live experiment.

Each :class:`~residual_core.declare.Question` names the experiment whose result holds its answer; the true answer is
computed from that result for the page's current settings, never typed. Here also: reading a typed number
(:func:`parse_number`) and the rows of the class's answers as a histogram beside the true value
(:func:`histogram_rows`; drawn by :func:`residual_core.charts.histogram.answers_chart`).
"""

from __future__ import annotations

import math
import re

from .declare import Question
from .experiments.lesion import kept
from .experiments.training_lab import ALPHAS, GATED_BLOCKS
from .models.transformer import VARIANT_LABELS

_SUPERSCRIPT = str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻")


def power_text(base: float, exponent: int) -> str:
    """``0.9¹⁰⁰``."""
    return f"{base:g}{str(exponent).translate(_SUPERSCRIPT)}"


def _ratio(kw: dict) -> str:
    return power_text(kw["factor"], kw["depth"])


# -- /vanishing: section 3.1 ------------------------------------------------------------------------------------------

POWER = Question(
    id="power",
    page="vanishing",
    experiment="products",
    text=lambda kw: f"What is {_ratio(kw)}, the product of {kw['depth']} factors of {kw['factor']:g}?",
    answer=lambda r: r["product"],
    scale="log",
    explain=lambda r: f"{_ratio(r)} = {r['product']:.4g}, that is 10^{r['log10_product']:.2f} (computed exactly).",
)

# -- /residual-math: sections 3.2 and 3.3 -----------------------------------------------------------------------------


def _branch(kw: dict) -> str:
    return f"R(x) = {kw['a']:g}·{kw['g']}({kw['w']:g}·x)"


BELOW_ONE = Question(
    id="below-one",
    page="residual-math",
    experiment="residual-1d",
    text=lambda kw: (
        f"y = x + R(x) with {_branch(kw)}, for x from −3 to 3. On what share of that range (in %) is "
        "dy/dx = 1 + R′(x) below 1?"
    ),
    answer=lambda r: 100 * r["share_below_one"],
    explain=lambda r: (
        f"dy/dx < 1 on {r['share_below_one']:.0%} of the plot: exactly where R′(x) < 0 (the smallest "
        f"dy/dx is {r['min_dy']:.3f})."
    ),
)

# -- /gradient-flow: section 3.8 ---------------------------------------------------------------------------------------


def _flow_ratio(r: dict) -> float:
    return r["ratio"]


GRADIENT_RATIO = Question(
    id="gradient-ratio",
    page="gradient-flow",
    experiment="gradient-flow",
    text=lambda kw: (
        f"Two {kw['depth']}-layer {kw['activation']} networks with the same weights ({kw['init']} init, "
        f"seed {kw['seed']}), one with the skip path x + {kw['alpha']:g}·{kw['activation']}(Wx + b). How many times "
        "larger is the gradient norm at the input with the skip path than without?"
    ),
    answer=_flow_ratio,
    scale="log",
    explain=lambda r: (
        f"Gradient norm at the input: {r['input_grad_norm']['residual']:.4g} with the skip path, "
        f"{r['input_grad_norm']['plain']:.4g} without; ratio {r['ratio']:.4g}."
    ),
)

# -- /highway: section 3.3, highway networks ---------------------------------------------------------------------------

STACKS = ("plain", "highway", "residual")


def _largest_input_gradient(r: dict) -> str:
    first = r["per_layer"][0]
    return max(STACKS, key=lambda k: first[k])


LARGEST_GRADIENT = Question(
    id="largest-input-gradient",
    page="highway",
    experiment="highway",
    text=lambda kw: (
        f"Three {kw['depth']}-layer stacks with the same transforms: plain, highway (gate bias "
        f"{kw['gate_bias']:g}) and residual. Which one has the largest gradient norm at its input?"
    ),
    answer=_largest_input_gradient,
    kind="choice",
    options=STACKS,
    explain=lambda r: (
        "Gradient norm at the input: "
        + ", ".join(f"{k} {r['per_layer'][0][k]:.3g}" for k in STACKS)
        + " (the same output gradient in all three)."
    ),
)

# -- /add-norm: section 3.4 --------------------------------------------------------------------------------------------

GROWTH = ("larger at the last layer", "about the same (within 0.8–1.25×)", "smaller at the last layer")


def _post_ln_growth(r: dict) -> str:
    ratio = r["per_layer"][-1]["post_ln"] / r["per_layer"][0]["post_ln"]
    return GROWTH[0] if ratio > 1.25 else GROWTH[2] if ratio < 0.8 else GROWTH[1]


POST_LN_GROWTH = Question(
    id="post-ln-growth",
    page="add-norm",
    experiment="add-norm",
    text=lambda kw: (
        f"A {kw['layers']}-layer Post-LN encoder at initialisation ({kw['init']} init, seed {kw['seed']}): "
        "how does the last layer's weight-gradient norm compare with the first layer's?"
    ),
    answer=_post_ln_growth,
    kind="choice",
    options=GROWTH,
    explain=lambda r: (
        f"Post-LN's last layer gets {r['per_layer'][-1]['post_ln'] / r['per_layer'][0]['post_ln']:.2f}× "
        "the weight-gradient norm of its first."
    ),
)

# -- /why: delete a block (Veit et al. 2016) -------------------------------------------------------------------------

KEEPS = ("the plain network", "the residual network", "about the same (shares within 5 points)")


def _keeps_more(r: dict) -> str:
    plain, residual = (kept(r, "deleted", kind) for kind in ("plain", "residual"))
    return KEEPS[2] if abs(residual - plain) <= 0.05 else KEEPS[1] if residual > plain else KEEPS[0]


KEEPS_MORE = Question(
    id="keeps-more",
    page="why",
    experiment="lesion",
    text=lambda kw: (
        f"A plain and a residual network of {kw['depth']} blocks, trained on MNIST-1D (seed {kw['seed']}). Delete one "
        "block at a time: which keeps the larger share of its test accuracy, on average over the blocks?"
    ),
    answer=_keeps_more,
    kind="choice",
    options=KEEPS,
    explain=lambda r: (
        f"With one block deleted the plain network keeps {kept(r, 'deleted', 'plain'):.0%} of its intact accuracy "
        f"on average, the residual one {kept(r, 'deleted', 'residual'):.0%}."
    ),
)

# -- /training: exercises 1, 4, 6 and 7 --------------------------------------------------------------------------------


def _lowest(r: dict) -> str:
    finite = [run for run in r["runs"] if run["final_loss"] is not None and math.isfinite(run["final_loss"])]
    return min(finite, key=lambda run: run["final_loss"])["label"] if finite else "none"


def _losses(r: dict) -> str:
    return "Loss at the last step: " + ", ".join(
        f"{run['label']} {run['final_loss']:.3g}" if run["final_loss"] is not None else f"{run['label']} —"
        for run in r["runs"]
    )


def _deepest_lower(r: dict) -> str:
    last = r["final"][-1]
    loss = {k: last[k] if last[k] is not None and math.isfinite(last[k]) else math.inf for k in ("plain", "residual")}
    return "plain" if loss["plain"] < loss["residual"] else "residual"


def _training_question(experiment: str, text, options, answer=_lowest, explain=_losses) -> Question:
    return Question(
        id=f"lowest-loss-{experiment}",
        page="training",
        experiment=experiment,
        text=text,
        answer=answer,
        kind="choice",
        options=tuple(options),
        explain=explain,
    )


TRAINING = {
    "transformer": _training_question(
        "transformer",
        lambda kw: (
            f"A {kw['layers']}-layer transformer trained for {kw['steps']} steps on the {kw['task']} task as "
            "Post-LN, Pre-LN and without residuals (same weights, same batches). Which ends with the lowest loss?"
        ),
        VARIANT_LABELS.values(),
    ),
    "depth-sweep": _training_question(
        "depth-sweep",
        lambda kw: (
            f"Plain and residual tanh MLPs {kw['max_depth']} layers deep ({kw['init']} init), "
            f"{kw['steps']} Adam steps each. Which ends with the lower loss?"
        ),
        ("plain", "residual"),
        answer=_deepest_lower,
        explain=lambda r: (
            f"At depth {r['final'][-1]['depth']}: plain {r['final'][-1]['plain']:.3g}, residual "
            f"{r['final'][-1]['residual']:.3g}."
        ),
    ),
    "scaling": _training_question(
        "scaling",
        lambda kw: (
            f"Residual MLPs x + α·tanh(Wx + b), {kw['depth']} layers, {kw['steps']} Adam steps. Which α ends "
            "with the lowest loss?"
        ),
        [*(f"α = {a:g}" for a in ALPHAS), "learned α (ReZero)"],
    ),
    "gated": _training_question(
        "gated",
        lambda kw: (
            f"{kw['depth']}-layer MLPs, {kw['steps']} Adam steps: a gated residual x + g(x)·F(x), a residual "
            "and a plain network. Which ends with the lowest loss?"
        ),
        GATED_BLOCKS.values(),
    ),
}

QUESTIONS: tuple[Question, ...] = (
    POWER,
    BELOW_ONE,
    GRADIENT_RATIO,
    LARGEST_GRADIENT,
    POST_LN_GROWTH,
    KEEPS_MORE,
    *TRAINING.values(),
)


def of_page(page: str) -> list[Question]:
    """The questions a page asks (one per view: the training lab has one per experiment)."""
    return [q for q in QUESTIONS if q.page == page]


def question(qid: str) -> Question:
    return next(q for q in QUESTIONS if q.id == qid)


# -- answers ----------------------------------------------------------------------------------------------------------

MAX_ANSWER_CHARS = 40
_TIMES_TEN = re.compile(r"^([-+]?[0-9.]*)\s*(?:[x×*·]\s*)?10\s*(?:\^|\*\*)\s*\(?([-+−]?[0-9]+)\)?$")


def parse_number(text: str) -> float:
    """A number as a student types it: ``0.00003``, ``3e-5``, ``3×10^-5``, ``10^-5``, ``13,781``, ``0,5``, ``45%``.

    Raises ``ValueError`` with a message for anything else (or a value that is not finite)."""
    if not isinstance(text, str) or not text.strip() or len(text) > MAX_ANSWER_CHARS:
        raise ValueError(f"type a number (at most {MAX_ANSWER_CHARS} characters)")
    s = text.strip().replace(" ", "").replace("\u202f", "").replace("_", "").replace("−", "-").rstrip("%")
    if "," in s:
        if "." in s or re.fullmatch(r"[-+]?\d{1,3}(,\d{3})+", s):
            s = s.replace(",", "")  # thousands separators: 13,781 or 1,234.5
        elif s.count(",") == 1:
            s = s.replace(",", ".")  # a decimal comma: 0,5
    match = _TIMES_TEN.match(s)
    try:
        if match:
            mantissa = match.group(1) if match.group(1) not in ("", "+", "-") else match.group(1) + "1"
            value = float(f"{mantissa}e{int(match.group(2))}")
        else:
            value = float(s)
    except (ValueError, OverflowError):
        raise ValueError(f"{text.strip()!r} is not a number: type e.g. 0.00003, 3e-5 or 3×10^-5") from None
    if not math.isfinite(value):
        raise ValueError("type a finite number")
    return value


def short(x: float) -> str:
    """A number for a label: 3 significant digits, scientific when tiny or huge."""
    if x == 0:
        return "0"
    return f"{x:.3g}" if 1e-3 <= abs(x) < 1e5 else f"{x:.2e}"


def histogram_rows(question: Question, answers: list[str], truth=None, *, bins: int = 10) -> list[dict]:
    """The class's answers as histogram rows ``{bin, order, count, truth}`` (``truth``: whether the true answer
    falls in that bin). A choice question has one bin per option; a number question on a log scale one bin per
    decade (answers at or below 0 in their own bin); on a linear scale ``bins`` equal bins from the smallest to the
    largest of the answers and the true value. Answers that cannot be read are left out."""
    if question.kind == "choice":
        counts = dict.fromkeys(question.options, 0)
        for a in answers:
            if a in counts:
                counts[a] += 1
        return [{"bin": o, "order": i, "count": n, "truth": o == truth} for i, (o, n) in enumerate(counts.items())]
    values = []
    for a in answers:
        try:
            values.append(float(a))
        except (TypeError, ValueError):
            continue
    values = [v for v in values if math.isfinite(v)]
    has_truth = isinstance(truth, (int, float)) and math.isfinite(truth)
    if question.scale == "log":
        return _decade_rows(values, truth if has_truth else None)
    span = [*values, *([truth] if has_truth else [])]
    if not span:
        return []
    lo, hi = min(span), max(span)
    if hi == lo:
        return [{"bin": short(lo), "order": 0, "count": len(values), "truth": has_truth}]
    width = (hi - lo) / bins
    counts = [0] * bins
    for v in values:
        counts[min(int((v - lo) / width), bins - 1)] += 1
    where = min(int((truth - lo) / width), bins - 1) if has_truth else -1
    return [
        {"bin": f"{short(lo + i * width)} – {short(lo + (i + 1) * width)}", "order": i, "count": n, "truth": i == where}
        for i, n in enumerate(counts)
    ]


MAX_DECADES = 24  # decade bins shown; answers further out are counted in the outermost bins


def _decade_rows(values: list[float], truth: float | None) -> list[dict]:
    positive = [v for v in values if v > 0]
    decades = [math.floor(math.log10(v)) for v in positive]
    true_decade = math.floor(math.log10(truth)) if truth is not None and truth > 0 else None
    span = [*decades, *([true_decade] if true_decade is not None else [])]
    rows = []
    nonpositive = len(values) - len(positive)
    if nonpositive or (truth is not None and truth <= 0):
        rows.append({"bin": "≤ 0", "order": -(10**6), "count": nonpositive, "truth": truth is not None and truth <= 0})
    if not span:
        return rows
    centre = true_decade if true_decade is not None else sorted(span)[len(span) // 2]
    lo = max(min(span), centre - MAX_DECADES // 2)
    hi = min(max(span), lo + MAX_DECADES - 1)
    counts = dict.fromkeys(range(lo, hi + 1), 0)
    for d in decades:
        counts[min(max(d, lo), hi)] += 1
    for d, n in counts.items():
        label = f"1e{d} – 1e{d + 1}"
        rows.append({"bin": label, "order": d, "count": n, "truth": d == true_decade})
    return rows
