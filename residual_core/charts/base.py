"""The palette, the spec memo and Altair -> Vega-Lite conversion shared by every chart builder."""

from __future__ import annotations

import functools
import json

import altair as alt
import numpy as np
import pandas as pd

from ..lru import LRU

OKABE_ITO = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#F0E442", "#000000"]
SERIES_COLORS = {
    "residual": "#0072B2",
    "plain": "#D55E00",
    "highway": "#009E73",
    "Pre-LN": "#0072B2",
    "Post-LN": "#CC79A7",
    "no residual": "#D55E00",
    "0.9^l": "#56B4E9",
    "1.1^l": "#E69F00",
    "chosen factor": "#000000",
    "highway gate T": "#009E73",
    "sublayer F(x)": "#000000",
    "added in eval mode": "#0072B2",
    "α = 1": "#0072B2",
    "gated residual": "#E69F00",
    "learned α (ReZero)": "#000000",
    "plain, fitted C·r^(L−l)": "#000000",
    "plain, intact": "#D55E00",
    "residual, intact": "#0072B2",
    "chance": "#999999",
    "plain, no batch norm": "#E69F00",
    "residual, no batch norm": "#56B4E9",
}


# Lines are told apart by dash as well as colour (a grey-scale print, a washed-out projector, colour-blind eyes):
# every series of a chart gets its own pattern; the known series keep theirs on every page.
SOLID = (1, 0)
DASHED = (6, 4)  # series a chart declares ``dashed`` (a fitted curve beside the measured one)
DASH_PATTERNS = (SOLID, (2, 3), (12, 4), (8, 3, 2, 3), (3, 6), (16, 4, 4, 4), (1, 8), (24, 6))
DASH_NAMES = {
    SOLID: "solid",
    DASHED: "dashed",
    (2, 3): "dotted",
    (12, 4): "long dashes",
    (8, 3, 2, 3): "dash-dot",
    (3, 6): "sparse dots",
    (16, 4, 4, 4): "long dash-short dash",
    (1, 8): "faint dots",
    (24, 6): "very long dashes",
}
SERIES_DASHES = {
    "residual": SOLID,
    "Pre-LN": SOLID,
    "plain": (2, 3),
    "no residual": (2, 3),
    "highway": (12, 4),
    "Post-LN": (12, 4),
    "chosen factor": SOLID,
}


def dash_patterns(names, dashed=()) -> list[tuple]:
    """One dash pattern per series name: known series keep theirs, series in ``dashed`` get :data:`DASHED`,
    the others the next unused pattern (then the cycle starts again)."""
    names = list(dict.fromkeys(names))
    fixed = {n: DASHED if n in dashed else SERIES_DASHES.get(n) for n in names}
    spare = [p for p in DASH_PATTERNS if p not in fixed.values()]
    out = []
    for i, n in enumerate(names):
        out.append(fixed[n] or (spare.pop(0) if spare else DASH_PATTERNS[i % len(DASH_PATTERNS)]))
    return out


def dash_scale(names, dashed=()) -> alt.Scale:
    """A ``strokeDash`` scale giving every series its pattern (see :func:`dash_patterns`)."""
    names = list(dict.fromkeys(names))
    return alt.Scale(domain=names, range=[list(p) for p in dash_patterns(names, dashed)])


def color_scale(names) -> alt.Scale:
    """A colour scale that gives known series their fixed colours and others the remaining palette colours."""
    names = list(dict.fromkeys(names))
    spare = [c for c in OKABE_ITO if c not in {SERIES_COLORS.get(n) for n in names}]
    colors = []
    for n in names:
        colors.append(SERIES_COLORS.get(n) or (spare.pop(0) if spare else "#999999"))
    return alt.Scale(domain=names, range=colors)


LEGEND_WIDTH = 260  # pixels a legend under the plot may take: a 390-pixel phone's chart less its y axis


def legend_columns(names, *, char_px: float = 7.0, symbol_px: float = 46, width: float = LEGEND_WIDTH) -> int:
    """How many legend entries fit side by side in ``width`` pixels (1 to 3), from the labels' lengths: a legend
    under the plot must not run past a phone's screen."""
    widths = sorted((len(str(n)) * char_px + symbol_px for n in dict.fromkeys(names)), reverse=True)
    for columns in (3, 2):
        if len(widths) >= columns and sum(widths[:columns]) <= width:
            return columns
    return 1 if len(widths) != 2 or sum(widths) > width else 2


def fit_legend(spec: dict, names, *, char_px: float = 7.0) -> dict:
    """``spec`` with its legend above (or below) the plot in as many columns as fit a phone (see
    :func:`legend_columns`)."""
    legend = spec.get("config", {}).get("legend")
    if legend and legend.get("orient") in ("top", "bottom") and names:
        legend["columns"] = legend_columns(names, char_px=char_px)
    return spec


def x_axis(df: pd.DataFrame, x: str, title: str | None = None) -> alt.X:
    """A quantitative x channel; whole-number data (layers, steps) gets whole-number ticks (no "1.0, 1.5, 2.0")."""
    values = pd.to_numeric(df[x], errors="coerce").dropna()
    whole = len(values) > 0 and bool((values == values.round()).all())
    axis = alt.Axis(format="d", tickMinStep=1) if whole else alt.Axis()
    return alt.X(f"{x}:Q", title=title or x, axis=axis)


class _SpecMemo:
    """Vega-Lite specs of chart builders, remembered by everything that shapes them except the data values.

    Building an Altair chart costs 10-120 ms a chart on every rerun (schema checks, layer merging), while the spec
    depends only on the builder's options, the frame's columns and dtypes, its category values in order and whether
    its numbers are whole. So a builder runs once per such shape; later calls reuse its spec and attach the new data.
    A frame that a builder derives itself (not the data passed in, not a frame option) is kept only when tiny
    (rules, markers); otherwise the spec is not remembered, so stale data can never be shown.
    """

    MAX_ENTRIES = 512
    MAX_DERIVED_ROWS = 16

    def __init__(self):
        self._specs = LRU(self.MAX_ENTRIES)

    @staticmethod
    def shape(df: pd.DataFrame) -> tuple:
        parts = []
        for column in df.columns:
            values = df[column]
            if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
                finite = values[np.isfinite(values.astype("float64"))]
                parts.append((column, str(values.dtype), bool((finite == finite.round()).all())))
            else:
                parts.append((column, str(values.dtype), tuple(dict.fromkeys(values.astype(str)))))
        return tuple(parts)

    @staticmethod
    def option(value):
        if isinstance(value, pd.DataFrame):
            return ("frame", tuple(value.columns), int(pd.util.hash_pandas_object(value, index=True).sum()))
        return repr(value)

    def spec(self, builder, df: pd.DataFrame, kwargs: dict) -> dict:
        key = (builder.__qualname__, self.shape(df), tuple(sorted((k, self.option(v)) for k, v in kwargs.items())))
        found = self._specs.get(key)
        if found is None:
            spec = vega_lite_spec(builder(df, **kwargs))
            datasets = spec.pop("datasets")
            main = [name for name, frame in datasets.items() if frame is df]
            options = [frame for frame in kwargs.values() if isinstance(frame, pd.DataFrame)]
            derived = {n: f for n, f in datasets.items() if n not in main and not any(f is o for o in options)}
            if any(len(frame) > self.MAX_DERIVED_ROWS for frame in derived.values()):
                return {**spec, "datasets": datasets}  # a builder-derived data frame: never remembered
            found = (json.dumps(spec), main, {n: f for n, f in datasets.items() if n not in main})
            self._specs.put(key, found)
        template, main, others = found
        return {**json.loads(template), "datasets": {**others, **dict.fromkeys(main, df)}}


_SPECS = _SpecMemo()


def forget_chart_specs() -> None:
    """Forget every remembered chart spec (benchmarks use this to time a cold first render)."""
    global _SPECS
    _SPECS = _SpecMemo()


def chart_builder(builder):
    """Decorator for chart builders: ``builder(df, **options)`` is written in Altair; the decorated function
    returns its Vega-Lite spec (see :func:`vega_lite_spec`), built once per chart shape (see :class:`_SpecMemo`)."""

    @functools.wraps(builder)
    def build(df: pd.DataFrame, **options) -> dict:
        return _SPECS.spec(builder, df, options)

    build.altair = builder  # the undecorated builder, returning the Altair chart
    return build


def vega_lite_spec(chart: alt.TopLevelMixin | dict) -> dict:
    """The Vega-Lite spec of an Altair chart, its data frames under ``spec["datasets"]`` by name.

    A spec (what the chart builders return) is passed through as it is.

    This is the exportable form of every chart (``json.dumps`` it after converting the frames with ``to_dict``).
    It skips Altair's JSON-schema validation, which costs 10-30 ms a chart on every rerun: the builders above
    are fixed code, exercised by the page tests. Data frames are swapped for named references on a copy of the
    chart, so no global Altair state (data transformers, themes) is touched and sessions cannot race.
    """
    if isinstance(chart, dict):
        return chart
    datasets: dict[str, pd.DataFrame] = {}
    names: dict[int, str] = {}  # one dataset per distinct frame, however many layers share it

    def detach(node):
        node = node.copy(deep=False)
        if isinstance(getattr(node, "data", None), pd.DataFrame):
            name = names.setdefault(id(node.data), f"data-{len(names)}")
            datasets[name] = node.data
            node.data = alt.NamedData(name=name)
        for attr in ("layer", "hconcat", "vconcat", "concat"):
            children = getattr(node, attr, alt.Undefined)
            if isinstance(children, list):
                setattr(node, attr, [detach(child) for child in children])
        return node

    spec = detach(chart).to_dict(validate=False)
    config = spec.setdefault("config", {})
    for key in ("continuousWidth", "continuousHeight"):  # Altair's default theme; Streamlit sizes the chart
        config.get("view", {}).pop(key, None)
    if config.get("view") == {}:
        del config["view"]
    # legends above the plot: the plot keeps the full width on a phone and on a projector
    # (long, thick legend strokes, so each series' dash pattern reads in the legend too)
    config["legend"] = config.get("legend") or {
        "orient": "top",
        "direction": "horizontal",
        "columns": 3,
        "symbolSize": 400,
        "symbolStrokeWidth": 3,
    }
    for part, keys in READABLE.items():  # dark text, not the theme's light grey (it washes out on a projector)
        config[part] = {**{k: INK for k in keys}, **config.get(part, {})}
    if not any(k in spec for k in ("facet", "vconcat", "hconcat", "concat", "repeat")) and not any(
        k in spec.get("encoding", {}) for k in ("row", "column", "facet")
    ):
        # the chart's ``height`` is its plot's height: legend, axes and title come on top of it (Streamlit's default,
        # "fit", squeezes them into the height, which left 6-30 px plots under tall legends)
        spec.setdefault("autosize", {"type": "fit-x", "contains": "padding"})
    spec["datasets"] = {**spec.get("datasets", {}), **datasets}
    return spec


INK = "#1f2430"  # axis, legend and title text
READABLE = {
    "axis": ("labelColor", "titleColor"),
    "legend": ("labelColor", "titleColor"),
    "title": ("color", "subtitleColor"),
    "header": ("labelColor", "titleColor"),
}
