"""Python 3.11's ``ast`` is not safe in several threads at once (python/cpython#106905): converting a parse tree
into Python objects keeps its recursion depth in one shared counter, so a thread switch in the middle (any garbage
collection that runs Python code can cause one) corrupts another thread's count and raises
``SystemError: AST constructor recursion depth mismatch``. A lecture hall hit it on the highway page, where every
visit read a class's source with ``inspect.getsource`` (which parses the whole module with ``ast`` on 3.11).

The code panels now read sources with ``residual_core.declare.source_of`` (line numbers and the tokenizer, no
``ast``). These tests (1) reproduce the crash on the old path under many threads, so they can tell, (2) run the new
path under the same load, and (3) check that no page parses Python per visit at all.
"""

from __future__ import annotations

import gc
import inspect
import json
import subprocess
import sys
import threading
import time

import pytest

from residual_core.catalog import EXPERIMENTS
from residual_core.declare import source_of
from residual_core.models import layers, transformer
from tests.conftest import ROOT

CLASSES = [c for c in vars(layers).values() if inspect.isclass(c) and c.__module__ == layers.__name__]
CLASSES += [c for c in vars(transformer).values() if inspect.isclass(c) and c.__module__ == transformer.__name__]


def _hammer(read, objects, seconds: float, threads: int = 4) -> list[str]:
    """Call ``read(obj)`` for every object in ``threads`` threads for up to ``seconds``, with a garbage-collector
    callback that yields the GIL (as Python finalizers in a busy server do), at different stack depths; returns the
    SystemErrors raised."""
    errors, stop = [], threading.Event()

    def work(depth: int):
        if depth:
            return work(depth - 1)
        while not stop.is_set():
            for obj in objects:
                try:
                    read(obj)
                except SystemError as err:
                    errors.append(str(err))
                    stop.set()
                    return

    def yield_gil(phase, info):
        time.sleep(0)

    gc.callbacks.append(yield_gil)
    try:
        workers = [threading.Thread(target=work, args=(i % 3,)) for i in range(threads)]
        for w in workers:
            w.start()
        stop.wait(seconds)
        stop.set()
        for w in workers:
            w.join()
    finally:
        gc.callbacks.remove(yield_gil)
    return errors


@pytest.mark.skipif(sys.version_info[:2] != (3, 11), reason="the crash is Python 3.11's (fixed in later versions)")
def test_the_old_path_crashes_under_many_threads():
    errors = _hammer(inspect.getsource, CLASSES, seconds=20)
    assert errors and "AST constructor recursion depth mismatch" in errors[0]


@pytest.mark.slow
def test_source_of_survives_the_same_load_reading_every_shown_object():
    shown = list(dict.fromkeys(obj for e in EXPERIMENTS.values() for obj in (e.func, *e.code)))
    expected = {obj: source_of(obj).text for obj in shown}
    uncached = source_of.__wrapped__  # the reading itself, not the per-process cache in front of it
    assert not _hammer(uncached, shown + CLASSES, seconds=3)
    assert all(uncached(obj).text == text for obj, text in expected.items())


PROBE = r"""
import ast, json, sys
sys.path.insert(0, ".")
events, active = [], [False]

def hook(event, args):
    # ast.parse (source -> Python objects) and compile(tree) (Python objects -> C): the two paths with the shared
    # counter. A plain compile() of source text (Streamlit's script cache) converts nothing and is not counted.
    if event != "compile" or not active[0]:
        return
    caller = sys._getframe(1)
    parse = caller.f_code.co_name == "parse" and caller.f_code.co_filename.endswith("ast.py")
    if parse or isinstance(args[0], ast.AST):
        stack, f = [], caller
        while f is not None and len(stack) < 12:
            stack.append(f"{f.f_code.co_filename.rsplit('/', 2)[-1]}:{f.f_code.co_name}")
            f = f.f_back
        events.append(stack)

sys.addaudithook(hook)
import lab
from streamlit.testing.v1 import AppTest
from residual_core.models.diagram import encoder_diagram
files = [lab.page_file(p) for p in lab.available_pages() if p.key != "training"]

def visit(file):
    at = AppTest.from_file("app.py", default_timeout=300)
    if file != "app.py":
        at.switch_page(file)
    at.run()
    assert not at.exception, (file, at.exception[0].message)

for f in files:  # first visits: fills the caches and Streamlit's script cache
    visit(f)
active[0] = True
for f in files:  # what every later visitor does
    visit(f)
encoder_diagram("pre-ln", layers=2, d_model=32, heads=2, dropout=0.1)  # torch.fx traces; does it parse?
print(json.dumps(events))
"""


@pytest.mark.slow
def test_no_page_parses_python_per_visit():
    """Every page visited a second time (warm caches, as every visitor after the first): no ``ast.parse`` and no
    compilation of a parse tree anywhere in the process (Streamlit's magic is off in .streamlit/config.toml; the
    layer diagram's torch.fx trace only records operations)."""
    out = subprocess.run([sys.executable, "-c", PROBE], cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stderr[-3000:]
    events = json.loads(out.stdout.strip().splitlines()[-1])
    assert events == [], f"{len(events)} parses per visit, e.g. {events[:3]}"
