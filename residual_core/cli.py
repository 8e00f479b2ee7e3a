"""``python -m residual_core EXPERIMENT [options]``: print the data behind the app's charts.

JSON (the default) puts exactly one object on stdout; progress, if any, goes to stderr. ``--format csv`` prints the
experiment's per-layer (or per-step) table. Options come from :mod:`residual_core.bounds`, the same bounds as the
pages' controls; a value outside them exits with status 2 and a message naming the bound.
"""

from __future__ import annotations

import argparse
import csv
import importlib
import inspect
import io
import json
import math
import sys

import torch

from .bounds import BoundError
from .registry import Experiment

# Modules that define an ``EXPERIMENTS`` list, in the order the help lists them.
EXPERIMENT_MODULES = (
    "products",
    "residual_math",
    "rm_preservation",
    "rm_jacobian",
    "gradient_flow",
    "highway",
    "add_norm",
    "training",
)


def experiments() -> dict[str, Experiment]:
    """All registered experiments by sub-command name."""
    found: dict[str, Experiment] = {}
    for module in EXPERIMENT_MODULES:
        for exp in importlib.import_module(f"residual_core.{module}").EXPERIMENTS:
            found[exp.name] = exp
    return found


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # short message, exit 2, no traceback
        self.exit(2, f"{self.prog}: error: {message}\n(see {self.prog} --help)\n")


def build_parser(exps: dict[str, Experiment]) -> argparse.ArgumentParser:
    parser = _Parser(
        prog="python -m residual_core",
        description="Print the data behind Residual Lab's charts (JSON on stdout, progress on stderr).",
    )
    sub = parser.add_subparsers(dest="experiment", metavar="EXPERIMENT", parser_class=_Parser)
    sub.required = True
    for exp in exps.values():
        p = sub.add_parser(
            exp.name,
            help=exp.summary,
            description=exp.description,
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        for name, bound in exp.bounds.items():
            p.add_argument(
                bound.flag,
                dest=name,
                default=str(bound.default),
                metavar=bound.name.upper() if bound.kind != "choice" else "{" + "|".join(bound.options) + "}",
                help=f"{bound.label}: {bound.describe()} (default {bound.default}). {bound.help}".strip(),
            )
        p.add_argument("--format", choices=("json", "csv"), default="json", help="output format (default json)")
    return parser


def _clean(value):
    """JSON-safe copy: non-finite floats become null (JSON has no inf or NaN)."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_clean(v) for v in value]
    return value


def _stderr_progress(done: int, total: int, message: str = "") -> None:
    width = 30
    filled = int(width * done / max(total, 1))
    end = "\n" if done >= total else ""
    sys.stderr.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total} {message}".rstrip() + end)
    sys.stderr.flush()


def main(argv: list[str] | None = None) -> int:
    torch.set_num_threads(1)  # as the app does (lab): the same numbers on every machine, whatever its cores
    exps = experiments()
    parser = build_parser(exps)
    args = parser.parse_args(argv)
    exp = exps[args.experiment]
    kwargs = {}
    for name, bound in exp.bounds.items():
        try:
            kwargs[name] = bound.parse(getattr(args, name))
        except BoundError as err:
            parser.exit(2, f"python -m residual_core {exp.name}: error: {bound.flag}: {err}\n")
    if "progress" in inspect.signature(exp.func).parameters:
        kwargs["progress"] = _stderr_progress
    result = _clean(exp.func(**kwargs))
    if args.format == "json":
        sys.stdout.write(json.dumps(result, allow_nan=False) + "\n")
    else:
        rows = exp.table(result)
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=list(rows[0]) if rows else [], lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
        sys.stdout.write(out.getvalue())
    return 0
