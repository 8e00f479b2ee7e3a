"""Calibrate and check the cost budget (``residual_core/budget.py``).

For every declared experiment: time it (CPU seconds of its one thread, so other processes on the machine do not
distort the figure) at its defaults and with each numeric option moved alone to its lowest and its highest value
(points whose current estimate is above ``--max-seconds`` are skipped, so calibration stays quick), fit the three
coefficients of its :class:`~residual_core.budget.Cost` (base, seconds per op, seconds per multiply-add) by least
squares, and print, per experiment: the points measured against the old and the new estimate, the fitted
coefficients (to paste into the experiment's ``cost=`` in residual_core/catalog), and the worst case over all its
options with the new coefficients.

Run: ``python benchmarks/budget.py [--only transformer] [--max-seconds 10]``. ``--verify`` times the worst case
within the budget of each experiment instead (slow: up to a minute each).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
import torch  # noqa: E402

from residual_core import budget  # noqa: E402
from residual_core.catalog import EXPERIMENTS  # noqa: E402


def timed(exp, kwargs: dict) -> float:
    """CPU seconds of this thread for one run of ``exp`` with ``kwargs``."""
    from residual_core.experiments import lesion

    lesion._TRAINED.clear()  # the lesion and landscape experiments keep trained networks: time them cold
    kw = dict(kwargs)
    if exp.takes_progress:
        kw["progress"] = lambda *a, **k: None
    start = time.thread_time()
    exp.func(**kw)
    return time.thread_time() - start


def points(exp, max_seconds: float) -> list[dict]:
    defaults = {name: b.default for name, b in exp.bounds.items()}
    out = [defaults]
    for name, b in exp.bounds.items():
        if name == "seed":
            continue
        values = list(b.options) if b.kind == "choice" else [b.lo, b.hi]
        for v in values:
            v = int(v) if b.kind == "int" else v
            kw = {**defaults, name: v}
            if kw not in out and (budget.estimate(exp, kw) or 0.0) <= max_seconds:
                out.append(kw)
    return out


def fit(exp, rows: list[tuple[dict, float]]) -> budget.Cost:
    cost = exp.cost
    a = np.array([[1.0, *cost.units(kw)] for kw, _ in rows])
    y = np.array([s for _, s in rows])
    scale = np.maximum(np.abs(a).max(axis=0), 1e-30)  # columns of very different size
    coef, *_ = np.linalg.lstsq(a / scale, y, rcond=None)
    coef = np.maximum(coef / scale, 0.0)  # a negative coefficient would make large runs look cheap
    return budget.Cost(cost.units, float(coef[1]), float(coef[2]), float(coef[0]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", action="append", help="experiment names (repeatable)")
    parser.add_argument("--max-seconds", type=float, default=10.0, help="skip points estimated above this")
    parser.add_argument("--verify", action="store_true", help="time each experiment's worst case within the budget")
    args = parser.parse_args()
    torch.set_num_threads(1)
    print(f"budget {budget.BUDGET_SECONDS:.0f} s; CPU seconds of one thread")
    for name, exp in EXPERIMENTS.items():
        if args.only and name not in args.only:
            continue
        if args.verify:
            allowed = [kw for kw in budget.corners(exp) if (budget.estimate(exp, kw) or 0) <= budget.BUDGET_SECONDS]
            kw = max(allowed, key=lambda k: budget.estimate(exp, k))
            print(f"{name:22s} worst allowed {kw}: estimate {budget.estimate(exp, kw):6.1f} s, measured "
                  f"{timed(exp, kw):6.1f} s", flush=True)  # fmt: skip
            continue
        rows = [(kw, timed(exp, kw)) for kw in points(exp, args.max_seconds)]
        new = fit(exp, rows) if len(rows) >= 3 else exp.cost
        print(f"\n{name}: {len(rows)} points")
        for kw, s in rows:
            old = budget.estimate(exp, kw)
            print(f"   measured {s:7.3f} s  old estimate {old:7.3f}  new {new.seconds(kw):7.3f}  {kw}")
        worst, _ = budget.worst_case(exp)
        print(f"   fitted: per_op={new.per_op:.3g}, per_work={new.per_work:.3g}, base={new.base:.3g}")
        print(f"   worst case (new coefficients): {new.seconds(worst):.1f} s at {worst}", flush=True)


if __name__ == "__main__":
    main()
