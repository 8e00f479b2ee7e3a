"""Rows for charts and tables: long format (one row per x and series) from the experiments' wide rows."""

from __future__ import annotations


def melt(rows: list[dict], id: str, columns: dict[str, str], value: str, series: str = "series") -> list[dict]:
    """Long-format rows ``{id, series, value}``: for every column in ``columns`` (``{column: series label}``, in
    order), one row per input row. ``None`` values are kept (a chart leaves them out)."""
    return [{id: row[id], series: label, value: row[column]} for column, label in columns.items() for row in rows]


def merge_by_layer(*tables: list[dict]) -> list[dict]:
    """Join lists of ``{"layer": l, ...}`` rows on ``layer`` (for CSV output); a missing value is an empty cell."""
    rows: dict[int, dict] = {}
    for table in tables:
        for row in table:
            rows.setdefault(row["layer"], {}).update(row)
    merged = [rows[k] for k in sorted(rows)]
    columns = dict.fromkeys(k for row in merged for k in row)
    return [{k: row.get(k) for k in columns} for row in merged]
