"""Where a claim is asserted to hold: a small predicate language over a page's settings (its controls and the seed).

A claim's condition is data (``Claim.applies``), not only prose: each :class:`Where` answers ``applies(settings)``
and writes its own prose with ``describe()``, so the condition a page shows is generated from the predicate it
checks. ``settings`` is the experiment's keyword arguments (missing keys are read as ``None``: then a comparison
does not apply). Build conditions with :func:`at_least`, :func:`at_most`, :func:`equals`, :func:`one_of`,
:func:`all_of` and :data:`ALWAYS` (or :func:`always`).
"""

from __future__ import annotations

from dataclasses import dataclass


def _fmt(value) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return f"{value:g}" if isinstance(value, float) else str(value)


def _number(value):
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


@dataclass(frozen=True)
class Where:
    """The base predicate: holds everywhere (``always``)."""

    def applies(self, settings: dict) -> bool:
        return True

    def describe(self) -> str:
        return "every setting"

    def __and__(self, other: Where) -> Where:
        return all_of(self, other)


@dataclass(frozen=True)
class AtLeast(Where):
    name: str
    value: float

    def applies(self, settings: dict) -> bool:
        got = _number(settings.get(self.name))
        return got is not None and got >= self.value

    def describe(self) -> str:
        return f"{self.name} ≥ {_fmt(self.value)}"


@dataclass(frozen=True)
class AtMost(Where):
    name: str
    value: float

    def applies(self, settings: dict) -> bool:
        got = _number(settings.get(self.name))
        return got is not None and got <= self.value

    def describe(self) -> str:
        return f"{self.name} ≤ {_fmt(self.value)}"


@dataclass(frozen=True)
class OneOf(Where):
    name: str
    values: tuple

    def applies(self, settings: dict) -> bool:
        got = settings.get(self.name)
        return any(got == v or str(got) == str(v) for v in self.values)

    def describe(self) -> str:
        if len(self.values) == 1:
            return f"{self.name} = {_fmt(self.values[0])}"
        return f"{self.name} one of {', '.join(_fmt(v) for v in self.values)}"


@dataclass(frozen=True)
class AllOf(Where):
    parts: tuple

    def applies(self, settings: dict) -> bool:
        return all(p.applies(settings) for p in self.parts)

    def describe(self) -> str:
        return ", ".join(p.describe() for p in self.parts)


@dataclass(frozen=True)
class AnyOf(Where):
    parts: tuple

    def applies(self, settings: dict) -> bool:
        return any(p.applies(settings) for p in self.parts)

    def describe(self) -> str:
        return " or ".join(f"({p.describe()})" if isinstance(p, AllOf) else p.describe() for p in self.parts)


ALWAYS = Where()


def always() -> Where:
    """Every setting."""
    return ALWAYS


def at_least(name: str, value: float) -> Where:
    """``settings[name] >= value``."""
    return AtLeast(name, value)


def at_most(name: str, value: float) -> Where:
    """``settings[name] <= value``."""
    return AtMost(name, value)


def equals(name: str, value) -> Where:
    """``settings[name] == value`` (a number or a choice; ``"64"`` equals ``64``)."""
    return OneOf(name, (value,))


def one_of(name: str, values) -> Where:
    """``settings[name]`` is one of ``values``."""
    return OneOf(name, tuple(values))


def any_of(*parts: Where) -> Where:
    """At least one of ``parts``."""
    return parts[0] if len(parts) == 1 else AnyOf(tuple(parts))


def all_of(*parts: Where) -> Where:
    """Every one of ``parts`` (an empty list: always)."""
    flat: list[Where] = []
    for p in parts:
        flat.extend(p.parts if isinstance(p, AllOf) else [p])
    flat = [p for p in flat if type(p) is not Where]
    if not flat:
        return ALWAYS
    return flat[0] if len(flat) == 1 else AllOf(tuple(flat))
