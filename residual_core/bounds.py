"""The machinery of every input that costs work: a :class:`Bound` (its URL/CLI name, kind, range or options, default
and label), :class:`BoundError`, checking, parsing and clamping.

The pages build their controls from these objects (slider range, default, step, URL key) and the command line
builds its options from the same objects, so a value the page refuses the CLI refuses too, with the same message.
The user-facing inputs themselves are declared in :mod:`residual_core.options`.

A :class:`Bound` knows its kind (``int``, ``float`` or ``choice``), its range or options and its default. Its
``parse`` method turns raw text (a URL query parameter, a CLI argument) into a value or raises
:class:`BoundError` whose message names the bound.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field


class BoundError(ValueError):
    """A value that a bound refuses; the message names the bound and the allowed range."""


@dataclass(frozen=True)
class Bound:
    """One input: its URL/CLI name, kind, range or options, default and a human label."""

    name: str
    kind: str  # "int", "float" or "choice"
    default: object
    lo: float | None = None
    hi: float | None = None
    step: float | None = None
    options: tuple = field(default=())
    label: str = ""
    help: str = ""

    # -- constructors -------------------------------------------------------------------------------------------
    @classmethod
    def int(cls, name, lo, hi, default, *, step=1, label="", help=""):
        return cls(name, "int", default, lo, hi, step, (), label or name, help)

    @classmethod
    def float(cls, name, lo, hi, default, *, step=0.01, label="", help=""):
        return cls(name, "float", default, lo, hi, step, (), label or name, help)

    @classmethod
    def choice(cls, name, options, default, *, label="", help=""):
        return cls(name, "choice", default, None, None, None, tuple(options), label or name, help)

    # -- checking -----------------------------------------------------------------------------------------------
    @property
    def flag(self) -> str:
        """The command-line option: ``gate_bias`` becomes ``--gate-bias``."""
        return "--" + self.name.replace("_", "-")

    def describe(self) -> str:
        """The allowed values, for messages and help texts."""
        if self.kind == "choice":
            return "one of " + ", ".join(str(o) for o in self.options)
        return f"between {_fmt(self.lo)} and {_fmt(self.hi)}"

    def check(self, value):
        """Return ``value`` (converted to the bound's type) or raise :class:`BoundError` naming the bound."""
        if self.kind == "choice":
            if value not in self.options:
                raise BoundError(f"{self.name} must be {self.describe()} (got {value!r})")
            return value
        if isinstance(value, bool):
            raise BoundError(f"{self.name} must be a number {self.describe()} (got {value!r})")
        if self.kind == "int":
            if isinstance(value, float):
                if not math.isfinite(value) or value != int(value):
                    raise BoundError(f"{self.name} must be a whole number {self.describe()} (got {value!r})")
                value = int(value)
        else:
            value = float(value)
            if not math.isfinite(value):
                raise BoundError(f"{self.name} must be a finite number {self.describe()} (got {value!r})")
        if value < self.lo or value > self.hi:
            raise BoundError(f"{self.name} must be {self.describe()} (got {_fmt(value)})")
        return value

    def parse(self, text: str):
        """Parse raw text (URL or CLI) and check it; raise :class:`BoundError` if it cannot be used."""
        text = str(text).strip()
        if self.kind == "choice":
            for option in self.options:
                if str(option) == text:
                    return option
            raise BoundError(f"{self.name} must be {self.describe()} (got {text!r})")
        try:
            number = float(text)
        except ValueError:
            kind = "whole number" if self.kind == "int" else "number"
            raise BoundError(f"{self.name} must be a {kind} {self.describe()} (got {text!r})") from None
        return self.check(number)

    def clamp(self, value):
        """The nearest allowed value (for numbers); the default for an unknown choice."""
        if self.kind == "choice":
            return value if value in self.options else self.default
        value = min(max(value, self.lo), self.hi)
        return round(value) if self.kind == "int" else float(value)


def _fmt(x) -> str:
    if isinstance(x, float) and x.is_integer() and abs(x) < 1e15:
        return str(int(x))
    return f"{x:g}" if isinstance(x, float) else str(x)


@dataclass(frozen=True)
class OddBound(Bound):
    """A whole-number bound that takes odd values only (a grid whose centre is one of its points); ``lo`` and ``hi``
    are odd."""

    def check(self, value):
        value = super().check(value)
        if value % 2 == 0:
            raise BoundError(f"{self.name} must be an odd whole number {self.describe()} (got {value})")
        return value

    def clamp(self, value):
        value = super().clamp(value)
        return value if value % 2 else min(value + 1, int(self.hi))
