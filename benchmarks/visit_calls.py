"""What one warm visit executes, counted rather than timed: Python function calls per package for every page.

On a shared, loaded machine CPU timings of a 30-70 ms page run move by 20 % from run to run; the number of Python
calls a warm visit makes does not. For each page (or ``--page FILE``): ``AppTest`` opens it as a deep link, runs it
twice (cold, then warm), then counts every Python function call of a third (warm) run in the script thread, grouped
by package (``streamlit``, ``pandas``, ... ; ``ours`` = this repository's code), and lists our most-called
functions. Compare two commits by running it in each checkout: equal Streamlit counts mean the same elements were
sent, a change in ``ours``/``pandas`` shows work redone on every visit (e.g. a chart rebuilt).

Run: ``python benchmarks/visit_calls.py [--page pages/add-norm.py] [--top 15]``.
"""

from __future__ import annotations

import argparse
import collections
import os
import sys
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def count(page: str) -> tuple[collections.Counter, collections.Counter]:
    """(calls per package, calls per our function) of one warm run of ``page``."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=600)
    if page != "app.py":
        at.switch_page(page)
    at.run()
    at.run()
    packages, ours = collections.Counter(), collections.Counter()
    root = str(ROOT)

    def profile(frame, event, arg):
        if event == "call":
            name = frame.f_code.co_filename
            if name.startswith(root):
                packages["ours"] += 1
                ours[(os.path.relpath(name, root), frame.f_code.co_name)] += 1
            else:
                packages[name.split("site-packages/")[-1].split("/")[0] if "site-packages/" in name else "stdlib"] += 1
        return None

    threading.setprofile(profile)
    try:
        at.run()
    finally:
        threading.setprofile(None)
    if at.exception:
        raise SystemExit(f"{page}: the page raised {at.exception[0].value}")
    return packages, ours


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--page", action="append", help="a page file, e.g. pages/why.py (default: every page)")
    parser.add_argument("--top", type=int, default=10, help="our most-called functions to list per page")
    args = parser.parse_args()
    import torch

    torch.set_num_threads(1)
    pages = args.page or ["app.py", *sorted(f"pages/{p.name}" for p in (ROOT / "pages").glob("*.py"))]
    for page in pages:
        packages, ours = count(page)
        total = sum(packages.values())
        top = ", ".join(f"{k} {v}" for k, v in packages.most_common(6))
        print(f"{page}: {total} calls per warm visit ({top})")
        for (file, func), n in ours.most_common(args.top):
            print(f"    {n:6d}  {file}:{func}")


if __name__ == "__main__":
    main()
