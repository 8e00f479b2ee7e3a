"""Walk every concept page at its controls' extremes and print the sentences worth a human look.

For each page, the settings are the union of its experiments' claims-sweep grids (``residual_core.sweep.grid``:
each control at its minimum, default and maximum, every choice, α = 0, the edges of the claims' conditions), with
seed 0 (``--seeds 0 3`` adds others). Each setting is opened as a deep link with ``AppTest``, every row of details is
opened, and all text (markdown, captions, metrics, tables, alerts) is collected. A sentence is flagged when it shows
a sign of an edge case: ``nan``/``inf``/``∞``/``—`` where a number should be, a degenerate range (``8–8``), a share
of 0 % or 100 %, a number with more than 8 digits in a row, ``0 of`` counts, ``1 layers``, an exception. The flagged
sentences are printed once each with the first URL that showed them; ``--all DIR`` writes every page's text per URL.

Run: ``python scripts/walk_pages.py [--page gradient-flow] [--seeds 0 3] [--all /tmp/walk]`` (minutes per page).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import sys
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("STREAMLIT_CLIENT_SHOW_ERROR_DETAILS", "full")

FLAGS = {
    "nan": re.compile(r"\bnan\b|\bNaN\b"),
    "inf": re.compile(r"\binf\b|∞"),
    "dash": re.compile(r"[:=(]\s*—|—\s*[×%)]"),
    "range": re.compile(r"(?<![\d.])(-?\d[\d.e+\-]*)\s?[–-]\s?\1(?![\d.])"),
    "zero-share": re.compile(r"(?<![\d.])0(\.0+)?\s?%|(?<![\d.])100(\.0+)?\s?%"),
    "long-number": re.compile(r"\d{9,}"),
    "zero-of": re.compile(r"\b0 of \d+"),
    "plural": re.compile(r"(?<![\d.,])1 (layers|blocks|steps|seeds|heads|branch outputs)\b"),
    "exception": re.compile(r"Traceback|Exception|Error:"),
}


def texts(at) -> list[str]:
    out: list[str] = []

    def walk(node) -> None:
        kids = getattr(node, "children", None)
        if kids is not None and not isinstance(node, list):
            for child in kids.values():
                walk(child)
            return
        kind = getattr(node, "type", "")
        if kind in ("markdown", "caption", "latex", "text", "alert", "error", "warning", "info", "success"):
            out.append(str(node.value))
        elif kind == "metric":
            out.append(f"{node.label}: {node.value}")
        elif kind in ("table", "dataframe"):
            with contextlib.suppress(Exception):
                out.append("TABLE " + node.value.to_string())
        elif kind == "exception":
            out.append(f"Exception: {node.value} " + " | ".join(getattr(node, "stack_trace", [])[-6:]))

    walk(at.main)
    return out


def settings_of(page) -> list[dict]:
    from residual_core import sweep

    found: list[dict] = []
    for exp in page.experiments:
        for s in sweep.grid(exp):
            if s not in found:
                found.append(s)
    return found


def main() -> int:
    from residual_core.catalog import PAGES
    from tests.conftest import open_details, run_page

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--page", action="append")
    ap.add_argument("--seeds", type=int, nargs="+", default=[0])
    ap.add_argument("--all", type=Path)
    ap.add_argument("--limit", type=int, default=0, help="at most this many settings per page")
    args = ap.parse_args()
    seen: dict[tuple[str, str], str] = {}
    for page in PAGES:
        if not page.key or (args.page and page.key not in args.page):
            continue
        settings = settings_of(page)
        if args.limit:
            settings = settings[: args.limit]
        t0 = time.perf_counter()
        for s in settings:
            for seed in args.seeds:
                query = {k: str(v) for k, v in s.items()}
                if seed:
                    query["seed"] = str(seed)
                url = f"/{page.key}?{urllib.parse.urlencode(query)}"
                try:
                    at = run_page(f"pages/{page.key}.py", query, timeout=600)
                    at = open_details(at)
                    lines = texts(at)
                except Exception as err:
                    lines = [f"Exception: walker could not run: {err!r}"]
                if args.all:
                    args.all.mkdir(parents=True, exist_ok=True)
                    name = re.sub(r"[^\w=.-]+", "_", url.strip("/"))[:180]
                    (args.all / f"{name}.txt").write_text(url + "\n\n" + "\n\n".join(lines))
                for text in lines:
                    for sentence in re.split(r"(?<=[.!?])\s+|\n+", text):
                        for flag, rx in FLAGS.items():
                            if sentence.startswith("TABLE") and flag == "nan":
                                continue
                            if rx.search(sentence) and (flag, sentence) not in seen:
                                seen[(flag, sentence)] = url
                                print(json.dumps({"flag": flag, "url": url, "text": sentence[:400]}), flush=True)
        print(f"# {page.key}: {len(settings)} settings x {len(args.seeds)} seeds in "
              f"{time.perf_counter() - t0:.0f} s", flush=True)  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
