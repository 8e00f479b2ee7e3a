"""Predict, then reveal: the machinery of the prediction questions (:class:`~residual_core.declare.Question`).

Each question is declared with the experiment whose result answers it (``Experiment.question``, in
:mod:`residual_core.catalog`); the true answer is computed from that result for the page's current settings, never
typed. Here: reading a typed number (:func:`parse_number`), a number for a label (:func:`short`) and the rows of the
class's answers as a histogram beside the true value (:func:`histogram_rows`; drawn by
:func:`residual_core.charts.histogram.answers_chart`).
"""

from __future__ import annotations

import math
import re

from .declare import Question

# -- answers ----------------------------------------------------------------------------------------------------------

MAX_ANSWER_CHARS = 40
# What the input shows before anything is typed and what a refused answer is told: the notations a student may use,
# with numbers far (more than a factor of 10) from every question's answer, so that the hint gives nothing away
# (tests/test_questions.py checks it against every number question where it is asked, over seeds 0-4).
PLACEHOLDER = "a number, e.g. 0.5, 4e6 or 4×10^6"
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
        raise ValueError(f"{text.strip()!r} is not a number: type {PLACEHOLDER}") from None
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
