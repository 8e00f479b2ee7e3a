"""Peak memory of each experiment, measured: the figures behind :mod:`residual_core.memory`.

Each run happens in a fresh Python process (one PyTorch thread, as the app runs): its peak resident memory
(``ru_maxrss``) after the experiment's small ``example`` (PyTorch's first-use memory, which a warmed server has paid)
is the baseline; the peak after the measured run minus that baseline is the run's own memory. Run::

    python benchmarks/memory_model.py                  # every experiment at its largest shapes, fewest steps
    python benchmarks/memory_model.py shattered depth=100 width=256
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

CHILD = r"""
import json, resource, sys
import torch
torch.set_num_threads(1)
from residual_core import catalog

def rss_mb():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * 4096 / 2**20

exp = catalog.experiment(sys.argv[1])
kwargs = json.loads(sys.argv[2])
exp.func(**exp.example)  # a warmed server has paid PyTorch's first-use memory already
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
exp.func(**kwargs)
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"base": base, "peak": peak - base, "rss": rss_mb()}))
"""

SMALL = ("steps", "grid", "seed")  # options that add time, not memory: their lowest value


def largest(exp) -> dict:
    """Every option at its largest value but those of :data:`SMALL` at their lowest (choices at their default)."""
    kwargs = {}
    for option, bound in exp.bounds.items():
        if bound.kind == "choice":
            kwargs[option] = bound.default
        elif option in SMALL:
            kwargs[option] = bound.lo if bound.kind == "float" else int(bound.lo)
        else:
            kwargs[option] = bound.hi if bound.kind == "float" else int(bound.hi)
    return kwargs


def measure(name: str, kwargs: dict, timeout: float = 120) -> float | None:
    """Peak MB of ``name`` with ``kwargs`` above its process's baseline, or ``None`` if it did not finish."""
    try:
        out = subprocess.run(
            [sys.executable, "-c", CHILD, name, json.dumps(kwargs)],
            capture_output=True,
            text=True,
            timeout=timeout,
            cwd=ROOT,
        )
    except subprocess.TimeoutExpired:
        return None
    if out.returncode:
        print(out.stderr.strip().splitlines()[-1], file=sys.stderr)
        return None
    return json.loads(out.stdout.strip().splitlines()[-1])["peak"]


def main(argv: list[str]) -> None:
    from residual_core import catalog
    from residual_core.memory import estimate_mb

    if argv:
        exp = catalog.experiment(argv[0])
        kwargs = {**largest(exp), **{k: _value(v) for k, v in (a.split("=", 1) for a in argv[1:])}}
        runs = [(exp, kwargs)]
    else:
        runs = [(exp, largest(exp)) for exp in catalog.EXPERIMENTS.values() if exp.func is not None]
    for exp, kwargs in runs:
        peak = measure(exp.name, kwargs)
        shown = "did not finish" if peak is None else f"{peak:7.1f} MB"
        print(f"{exp.name:20s} {shown}  model {estimate_mb(exp, kwargs):7.1f} MB  {kwargs}", flush=True)


def _value(text: str):
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    return text


if __name__ == "__main__":
    main(sys.argv[1:])
