"""Numbers in sentences: one way to print a measured value (a gradient norm, a share, a ratio) at any size, used by
the takeaways and claims of :mod:`residual_core.catalog`."""

from __future__ import annotations


def g3(x: float) -> str:
    """``x`` with 3 significant digits as ``%g`` prints them (``0.0123``, ``4.57``, ``1.23e+03``); below 1e-3 and
    from 1e4 on in scientific notation with one decimal (``2.7e-05``, ``1.4e+04``); ``0`` for zero."""
    return f"{x:.3g}" if x == 0 or 1e-3 <= abs(x) < 1e4 else f"{x:.1e}"


def fmt(x: float | None, digits: int = 4) -> str:
    """A number for a metric: plain for ordinary magnitudes, scientific for tiny or huge ones; ``—`` for none."""
    if x is None:
        return "—"
    if x != 0 and (abs(x) < 1e-3 or abs(x) >= 1e6):
        return f"{x:.{digits - 1}e}"
    return f"{x:,.{digits}g}" if abs(x) >= 1e4 else f"{x:.{digits}g}"
