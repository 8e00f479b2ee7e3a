"""What the command line knows about an experiment.

Each experiment module lists its experiments in a module-level ``EXPERIMENTS`` list; :mod:`residual_core.cli`
builds one sub-command per entry, with one option per :class:`~residual_core.bounds.Bound`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Experiment:
    """A command-line experiment.

    Attributes:
        name: the sub-command (kebab-case), e.g. ``"gradient-flow"``.
        func: the residual_core function; called with one keyword argument per bound (and ``progress=`` if it
            takes one). Returns a JSON-ready dict with snake_case keys.
        bounds: ``{parameter name: Bound}``; each becomes ``--kebab-case-name`` with the bound's default.
        summary: one line for the experiment list.
        description: the ``--help`` text: the network, the batch and the loss.
        table: turns the result into rows (a list of dicts) for ``--format csv``.
    """

    name: str
    func: Callable[..., dict]
    bounds: dict
    summary: str
    description: str
    table: Callable[[dict], list[dict]]


def merge_by_layer(*tables: list[dict]) -> list[dict]:
    """Join lists of ``{"layer": l, ...}`` rows on ``layer`` (for CSV output)."""
    rows: dict[int, dict] = {}
    for table in tables:
        for row in table:
            rows.setdefault(row["layer"], {}).update(row)
    return [rows[k] for k in sorted(rows)]
