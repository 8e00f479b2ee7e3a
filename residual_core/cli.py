"""``python -m residual_core EXPERIMENT [options]``: print the data behind the app's charts.

JSON (the default) puts exactly one object on stdout; progress, if any, goes to stderr. ``--format csv`` prints the
experiment's per-layer (or per-step) table. ``--format svg|png --out FILE`` writes the chart its page draws (the same
Vega-Lite spec, rendered with vl-convert); ``--figure KEY`` picks one of an experiment's charts (default: the first
the page draws). Options come from :mod:`residual_core.options`, the same bounds as the pages' controls; a value
outside them exits with status 2 and a message naming the bound.
"""

from __future__ import annotations

import argparse
import csv
import io
import itertools
import json
import math
import sys

import torch

from . import budget, memory
from .bounds import BoundError
from .declare import Experiment


def experiments() -> dict[str, Experiment]:
    """All declared experiments by sub-command name (:data:`residual_core.catalog.EXPERIMENTS`)."""
    from .catalog import EXPERIMENTS

    return dict(EXPERIMENTS)


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # one line, exit 2, no traceback
        self.exit(2, f"{self.prog}: error: {' '.join(message.split())} (see {self.prog} --help)\n")


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
            description=exp.help,
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
        formats = ("json", "csv", "svg", "png") if exp.figures else ("json", "csv")
        p.add_argument(
            "--format",
            choices=formats,
            default="json",
            help="output format (default json)"
            + ("; svg and png write the page's chart and need --out" if exp.figures else ""),
        )
        p.add_argument("--out", metavar="FILE", help="write to FILE instead of stdout")
        if exp.figures:
            keys = [f.key for f in exp.figures]
            p.add_argument(
                "--figure",
                choices=keys,
                default=keys[0],
                help=f"which chart --format svg|png writes: {', '.join(keys)} (default {keys[0]})",
            )
    claims = sub.add_parser(
        "claims",
        help="check a page's statements on live data: holds or not for these settings, and over seeds 0-4",
        description=(
            "python -m residual_core claims PAGE [options] [--format json]\n\n"
            "Every claim the page PAGE makes, evaluated for the given settings (the options of the page's\n"
            "experiments, missing ones at their defaults): whether it holds here, the measured evidence, and for\n"
            "a seed-dependent claim the number of seeds 0-4 it holds for. `claims PAGE --help` lists the options."
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
        add_help=False,
    )
    claims.add_argument("page", metavar="PAGE", nargs="?", help="a page's URL path: " + ", ".join(_claim_pages()))
    claims.add_argument("rest", nargs=argparse.REMAINDER)
    sweep = sub.add_parser(
        "claims-sweep",
        help="every claim over a grid of settings and seeds 0-4: where a claim applies, does it hold for all?",
        description=(
            "python -m residual_core claims-sweep [--page P] [--format json] [--quick]\n\n"
            "Every claim of every page (or of page P) over a grid: each control alone at its minimum, default\n"
            "and maximum, every init and activation, alpha = 0, plus each claim's declared holds/fails\n"
            "settings, each with seeds 0-4 (training experiments: defaults and declared settings only).\n"
            "Reports every setting where a claim applies but fails for some seed; exit 0 if none, 1 otherwise.\n"
            "Time budget: the full sweep takes about 20 minutes on one core (settings over the cost budget of\n"
            "60 s per run are skipped); --quick (CI) checks the defaults and declared settings of the cheap\n"
            "experiments only, well under a minute."
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sweep.add_argument("--page", choices=_claim_pages(), help="only this page's claims")
    sweep.add_argument("--format", choices=("text", "json"), default="text", help="output format (default text)")
    sweep.add_argument("--quick", action="store_true", help="the small grid CI runs (defaults, declared settings)")
    return parser


def _sweep_main(args) -> int:
    from . import catalog
    from .sweep import sweep

    pages = [catalog.page(args.page)] if args.page else [p for p in catalog.PAGES if p.claims]
    report = sweep(pages, quick=args.quick, log=lambda m: sys.stderr.write(m + "\n"))
    if args.format == "json":
        sys.stdout.write(json.dumps(_clean(report), allow_nan=False) + "\n")
    else:
        sys.stdout.write(
            f"{report['claims']} claims, {report['settings']} settings, {report['runs']} runs, "
            f"{report['seconds']} s: {len(report['mismatches'])} mismatches\n"
        )
        for m in report["mismatches"]:
            sys.stdout.write(f"  /{m['page']} {m['claim']} at {m['settings']}: holds for seeds {m['seeds_held']}\n")
    return 1 if report["mismatches"] else 0


def _claim_pages() -> list[str]:
    from .catalog import PAGES

    return [p.key for p in PAGES if p.claims]


def _claims_main(page_key: str | None, rest: list[str]) -> int:
    """``claims PAGE [--experiment NAME ...] [options] [--format json|text] [--no-seeds]``."""
    from . import catalog
    from .claims import claims_of, page_bounds, page_claims, settings_for

    prog = "python -m residual_core claims"
    if page_key in (None, "-h", "--help"):
        sys.stdout.write(f"usage: {prog} PAGE [options] [--format json|text]\npages: {', '.join(_claim_pages())}\n")
        return 0 if page_key else 2
    try:
        page = catalog.page(page_key)
    except KeyError:
        page = None
    if page is None or not page.claims:
        sys.stderr.write(f"{prog}: error: unknown page {page_key!r} (pages: {', '.join(_claim_pages())})\n")
        return 2
    names = [e.name for e in page.experiments if e.claims]
    picked = _picked_experiments(rest)
    if picked is not None and not set(picked) <= set(names):
        sys.stderr.write(f"{prog} {page.key}: error: --experiment must be one of {', '.join(names)}\n")
        return 2
    bounds = page_bounds(page, picked)
    parser = _Parser(prog=f"{prog} {page.key}", description=f"The claims of /{page.key}, checked live.")
    parser.add_argument(
        "--experiment",
        action="append",
        choices=names,
        help="only the claims about this experiment (repeatable; default: all of them)",
    )
    for name, bound in bounds.items():
        parser.add_argument(bound.flag, dest=name, default=None, help=f"{bound.label}: {bound.describe()}")
    parser.add_argument("--format", choices=("text", "json"), default="text", help="output format (default text)")
    parser.add_argument("--no-seeds", action="store_true", help="skip the count over seeds 0-4")
    args = parser.parse_args(rest)
    values = {}
    for name, bound in bounds.items():
        raw = getattr(args, name)
        if raw is not None:
            try:
                values[name] = bound.parse(raw)
            except BoundError as err:
                parser.exit(2, f"{prog} {page.key}: error: {bound.flag}: {err}\n")
    for exp, _ in claims_of(page, args.experiment):  # the same cost budget as the app, for every experiment run
        try:
            budget.check(exp, settings_for(exp, values))
            memory.check(exp, settings_for(exp, values))
        except budget.BudgetError as err:
            parser.exit(2, f"{prog} {page.key}: error: {err}\n")
    results = page_claims(page, values, seeds=not args.no_seeds, experiments=args.experiment)
    if args.format == "json":
        sys.stdout.write(json.dumps(_clean({"page": page.key, "claims": results}), allow_nan=False) + "\n")
        return 0
    for c in results:
        mark = "holds" if c["holds"] else "does NOT hold"
        seeds = f"; seeds 0-4: {c['seeds']['count']} of {len(c['seeds']['seeds'])}" if "seeds" in c else ""
        sys.stdout.write(
            f"[{mark}] {c['id']}: {c['text']}\n    when: {c['condition']}\n    here: {c['evidence']}{seeds}\n"
        )
    return 0


def _picked_experiments(rest: list[str]) -> list[str] | None:
    """The ``--experiment`` values in ``rest`` (read before the options, which depend on them), or ``None``."""
    picked = [value for flag, value in itertools.pairwise(rest) if flag == "--experiment"]
    picked += [a.split("=", 1)[1] for a in rest if a.startswith("--experiment=")]
    return picked or None


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
    if args.experiment == "claims":
        return _claims_main(args.page, args.rest)
    if args.experiment == "claims-sweep":
        return _sweep_main(args)
    exp = exps[args.experiment]
    kwargs = {}
    for name, bound in exp.bounds.items():
        try:
            kwargs[name] = bound.parse(getattr(args, name))
        except BoundError as err:
            parser.exit(2, f"python -m residual_core {exp.name}: error: {bound.flag}: {err}\n")
    if args.format in ("svg", "png") and not args.out:
        parser.exit(2, f"python -m residual_core {exp.name}: error: --format {args.format} needs --out FILE\n")
    try:
        budget.check(exp, kwargs)  # the same cost budget as the app: no option combination runs for minutes
        memory.check(exp, kwargs)  # nor needs hundreds of MB
    except budget.BudgetError as err:
        parser.exit(2, f"python -m residual_core {exp.name}: error: {err}\n")
    if exp.takes_progress:
        kwargs["progress"] = _stderr_progress
    raw = exp.func(**kwargs)
    if args.format in ("svg", "png"):
        data = _chart_file(exp, args.figure, raw, args.format)
    elif args.format == "json":
        data = (json.dumps(_clean(raw), allow_nan=False) + "\n").encode()
    else:
        rows = exp.rows(_clean(raw))
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=list(rows[0]) if rows else [], lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
        data = out.getvalue().encode()
    if args.out:
        try:
            with open(args.out, "wb") as f:
                f.write(data)
        except OSError as err:
            parser.exit(1, f"python -m residual_core {exp.name}: error: cannot write {args.out}: {err.strerror}\n")
    else:
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
    return 0


def _chart_file(exp: Experiment, key: str, result: dict, fmt: str) -> bytes:
    """The SVG or PNG of ``exp``'s figure ``key`` for ``result``: the spec its page draws, rendered by vl-convert."""
    from .charts import figure_spec
    from .charts.export import export_document, render

    return render(export_document(figure_spec(exp.figure(key), result)), fmt)
