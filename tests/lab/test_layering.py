"""lab/ split by job, checked in the source: no import circle (counting imports inside functions), residual_core never
imports Streamlit or lab, each subpackage imports only the layers below it, the facade exports only what is used, and
``import lab`` starts nothing.

The layers, bottom up: :mod:`lab.chrome` (page chrome) imports nothing else of lab; :mod:`lab.computing` imports the
chrome; :mod:`lab.figures` the chrome and computing; :mod:`lab.classroom` the chrome only; :mod:`lab.page` composes
chrome, computing and classroom; ``lab/__init__.py`` (the facade) re-exports from all of them and nothing inside lab
imports it. The import graph below has an edge for every ``import`` statement wherever it stands (module level or
inside a function); the implicit import of a parent package (``lab`` when ``lab.chrome.share`` is imported) is not an
edge, since it is what Python does for every submodule.
"""

from __future__ import annotations

import ast
import json
import re
import subprocess
import sys

from tests.conftest import ROOT

LAYERS = {  # what each part of lab may import from lab (besides itself)
    "lab.chrome": set(),
    "lab.computing": {"lab.chrome"},
    "lab.figures": {"lab.chrome", "lab.computing"},
    "lab.classroom": {"lab.chrome"},
    "lab.page": {"lab.chrome", "lab.computing", "lab.classroom"},
    "lab.section": {"lab.chrome", "lab.computing", "lab.figures", "lab.classroom"},
}


def module_name(path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def sources(*folders: str) -> dict[str, tuple[str, bool]]:
    """``{module: (source, is_package)}`` of every module under ``folders``."""
    out = {}
    for folder in folders:
        for path in sorted((ROOT / folder).rglob("*.py")):
            if "__pycache__" not in path.parts:
                out[module_name(path)] = (path.read_text(encoding="utf-8"), path.name == "__init__.py")
    return out


def imports(module: str, source: str, is_package: bool, known: set[str]) -> set[str]:
    """Every module ``source`` imports (absolute names; ``from X import Y`` is ``X.Y`` when that is a module), at any
    depth of the tree: module level, functions, methods, ``if`` blocks."""
    found = set()
    package = module if is_package else module.rpartition(".")[0]
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                target = ".".join([*base, node.module] if node.module else base)
            else:
                target = node.module
            for alias in node.names:
                found.add(f"{target}.{alias.name}" if f"{target}.{alias.name}" in known else target)
    return found


def graph(modules: dict[str, tuple[str, bool]]) -> dict[str, set[str]]:
    known = set(modules)
    return {name: imports(name, src, pkg, known) for name, (src, pkg) in modules.items()}


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """The import circles among the modules of ``edges`` (one path per circle found, e.g. ``[a, b, a]``)."""
    found, state = [], {}  # state: 1 = on the current path, 2 = done

    def visit(node: str, path: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(edges.get(node, ())):
            if nxt not in edges:
                continue
            if state.get(nxt) == 1:
                found.append([*path[path.index(nxt) :], nxt])
            elif nxt not in state:
                visit(nxt, [*path, nxt])
        state[node] = 2

    for node in sorted(edges):
        if node not in state:
            visit(node, [node])
    return found


LAB = graph(sources("lab"))
CORE = graph(sources("residual_core"))


def test_the_graph_sees_imports_inside_functions_and_finds_circles():
    """The checker itself: a circle hidden behind a function-level import (as lab.compute <-> lab.warmup was) is
    found, and relative imports are resolved."""
    modules = {
        "pkg": ("", True),
        "pkg.a": ("from . import b\n", False),
        "pkg.b": ("def later():\n    from .c import thing\n", False),
        "pkg.c": ("import os\n\nclass K:\n    def m(self):\n        from pkg.a import x\n", False),
    }
    edges = graph(modules)
    assert edges["pkg.a"] == {"pkg.b"} and edges["pkg.b"] == {"pkg.c"} and edges["pkg.c"] == {"os", "pkg.a"}
    assert cycles(edges) == [["pkg.a", "pkg.b", "pkg.c", "pkg.a"]]
    assert cycles({"x": {"y"}, "y": set()}) == []


def test_lab_has_no_import_circle():
    assert cycles(LAB) == []


def test_residual_core_never_imports_streamlit_or_lab():
    bad = {m: sorted(i for i in deps if i.split(".")[0] in ("streamlit", "lab")) for m, deps in CORE.items()}
    assert {m: d for m, d in bad.items() if d} == {}


def _part(module: str) -> str | None:
    return next((p for p in LAYERS if module == p or module.startswith(p + ".")), None)


def test_each_part_of_lab_imports_only_the_layers_below_it():
    wrong = {}
    for module, deps in LAB.items():
        if module == "lab":
            continue  # the facade re-exports from every part
        part = _part(module)
        assert part is not None, f"{module}: every module of lab is in a subpackage (or is lab/page.py)"
        used = {_part(d) or d for d in deps if d == "lab" or d.startswith("lab.")}
        extra = used - LAYERS[part] - {part}
        if extra:
            wrong[module] = sorted(extra)
    assert wrong == {}


def test_every_subpackage_says_its_job_and_imports_nothing():
    for part in LAYERS:
        path = ROOT / (part.replace(".", "/") + "/__init__.py")
        if not path.exists():
            continue  # lab/page.py, a module
        tree = ast.parse(path.read_text(encoding="utf-8"))
        assert ast.get_docstring(tree), f"{path.relative_to(ROOT)} has no docstring"
        assert not [n for n in tree.body if isinstance(n, ast.Import | ast.ImportFrom)], path.relative_to(ROOT)


def test_the_facade_exports_only_names_that_pages_tests_or_benchmarks_use():
    import lab

    text = "\n".join(
        p.read_text(encoding="utf-8")
        for folder in ("pages", "tests", "benchmarks", "scripts")
        for p in (ROOT / folder).rglob("*.py")
        if p.name != "test_layering.py"
    ) + (ROOT / "app.py").read_text(encoding="utf-8")
    unused = [n for n in lab.__all__ if not re.search(rf"\blab\.{re.escape(n)}\b", text)]
    assert unused == []
    assert sorted(n for n in vars(lab) if not n.startswith("_") and n not in lab.__all__) == [
        "chrome",
        "classroom",
        "computing",
        "figures",
    ]  # the subpackages themselves (lab.page is the function)


PROBE = r"""
import json, sys, threading
sys.path.insert(0, ".")
import torch
torch.zeros(1).sum()  # this thread's own thread count is settled before anything else happens
before = (threading.active_count(), torch.get_num_threads())
import lab
after = (threading.active_count(), torch.get_num_threads())
from lab.page import start
results = []
workers = [threading.Thread(target=lambda: results.append(start())) for _ in range(8)]
for w in workers:
    w.start()
for w in workers:
    w.join()
later = []  # a thread started after start() runs torch with one thread (as every session's script thread does)
probe = threading.Thread(target=lambda: later.append(torch.get_num_threads()))
probe.start()
probe.join()
print(json.dumps({"before": before, "after": after, "started": results, "later": later[0],
                  "threads": threading.active_count()}))
"""


def test_import_lab_starts_nothing_and_the_first_page_run_does_the_set_up_once():
    out = subprocess.run([sys.executable, "-c", PROBE], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-3000:]
    seen = json.loads(out.stdout.strip().splitlines()[-1])
    assert seen["after"] == seen["before"]  # no thread started, torch's thread count untouched
    assert sorted(seen["started"]) == [False] * 7 + [True]  # once, under a lock
    assert seen["later"] == 1  # (on a one-core machine it is 1 anyway)
    assert seen["threads"] == seen["before"][0]  # no warm-up thread outside a real server (bare run, or AppTest)
