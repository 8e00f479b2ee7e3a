"""Numbers in sentences: one way to print a measured value (a gradient norm, a share, a ratio) at any size, used by
the takeaways and claims of :mod:`residual_core.catalog`.

Every formatter here is honest at the edges: ``∞`` / ``−∞`` for an infinite value, ``—`` for none or nan, and
scientific notation (``1.3e-170``, ``6.7e+44``) for a tiny or huge one, so no page prints 0 for 1e-170 or a
45-digit string for 6.7e44. :func:`from_log10` prints a number known only by its log10 (beyond float64's range).
"""

from __future__ import annotations

import math


def _edge(x: float | None) -> str | None:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "—"
    if math.isinf(x):
        return "∞" if x > 0 else "−∞"
    return None


def g3(x: float | None) -> str:
    """``x`` with 3 significant digits as ``%g`` prints them (``0.0123``, ``4.57``, ``1.23e+03``); below 1e-3 and
    from 1e4 on in scientific notation with one decimal (``2.7e-05``, ``1.4e+04``); ``0`` for zero, ``∞``/``—`` for
    inf/nan."""
    edge = _edge(x)
    if edge is not None:
        return edge
    return f"{x:.3g}" if x == 0 or 1e-3 <= abs(x) < 1e4 else f"{x:.1e}"


def plural(n: int, word: str) -> str:
    """``1 layer``, ``5 layers``: a count and its noun, singular for exactly 1."""
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def span(lo: float | None, hi: float | None, f=g3, sep: str = "–") -> str:
    """A range of measured values as ``f`` prints them: ``0.41–0.47``, or one value where both ends print the same
    (``8``, never ``8–8``)."""
    a, b = f(lo), f(hi)
    return a if a == b else f"{a}{sep}{b}"


def fmt(x: float | None, digits: int = 4) -> str:
    """A number for a metric: plain for ordinary magnitudes, scientific for tiny or huge ones; ``—`` for none."""
    edge = _edge(x)
    if edge is not None:
        return edge
    if x != 0 and (abs(x) < 1e-3 or abs(x) >= 1e6):
        return f"{x:.{digits - 1}e}"
    return f"{x:,.{digits}g}" if abs(x) >= 1e4 else f"{x:.{digits}g}"


def times(x: float | None) -> str:
    """A factor: ``1.5×``, ``0.25×``, ``1.5e+12×`` (never ``1510000000000x``)."""
    return f"{g3(x)}×"


def from_log10(log10: float, digits: int = 2) -> str:
    """The number ``10 ** log10`` in scientific notation, computed from the log so it works beyond float64's range:
    ``from_log10(-169.88) == "1.3e-170"``; ``0`` for ``-inf``, ``∞`` for ``inf``, ``—`` for nan."""
    if math.isnan(log10):
        return "—"
    if math.isinf(log10):
        return "0" if log10 < 0 else "∞"
    exponent = math.floor(log10)
    mantissa = round(10 ** (log10 - exponent), digits - 1)
    if mantissa >= 10:
        mantissa, exponent = mantissa / 10, exponent + 1
    if -3 <= exponent < 4:
        return g3(10.0**log10)
    return f"{mantissa:.{digits - 1}f}e{'+' if exponent >= 0 else '-'}{abs(exponent):02d}"


def percent(share: float | None) -> str:
    """A share as a percentage that never rounds a small part to 0 % or most of it to 100 %: ``65.1%``,
    ``0.042%``, ``99.96%``; exactly ``0%`` and ``100%`` only for 0 and 1."""
    edge = _edge(share)
    if edge is not None:
        return edge
    p = 100 * share
    if share in (0, 1):
        return f"{p:.0f}%"
    if p < 1:
        return f"{p:.2g}%"
    if 99 < p < 100:
        decimals = max(1, -math.floor(math.log10(100 - p)))
        return f"{p:.{decimals}f}%"
    return f"{p:.1f}%"
