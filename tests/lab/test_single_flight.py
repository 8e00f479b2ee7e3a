"""A freshly woken app visited by a whole lecture hall at once computes each result once.

lab.compute and lab.compute_with_progress take one lock per key (lab.computing.cache.FLIGHTS), and so does the
warm-up thread (lab/computing/warmup.py): however many visitors (and the warm-up) ask for the same cold key at the
same moment, the function runs once and everyone gets its result. benchmarks/hall.py shows the same on a real server
(``--warmup none``: the column "max" is the most any key was computed).
"""

from __future__ import annotations

import threading

import pytest

import lab
from lab.computing import cache, warmup
from lab.computing import compute as calls
from residual_core.catalog import PAGES
from tests import slow_fixture
from tests.conftest import run_page


def _fresh():
    lab.clear_cache()
    warmup.clear()
    slow_fixture.CALLS.clear()


def _at_once(n: int, target) -> list:
    results, barrier = [None] * n, threading.Barrier(n)

    def one(i):
        barrier.wait()
        results[i] = target()

    threads = [threading.Thread(target=one, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return results


def test_many_visitors_asking_for_the_same_cold_key_compute_it_once():
    _fresh()
    results = _at_once(40, lambda: lab.compute(slow_fixture.slow_square, x=7))
    assert slow_fixture.CALLS == [7]
    assert all(r == {"x": 7, "square": 49} for r in results)
    assert len(cache.FLIGHTS) == 0  # no lock left behind


def test_different_keys_are_not_serialised_behind_each_other():
    _fresh()
    results = _at_once(6, lambda: lab.compute(slow_fixture.slow_square, x=threading.get_ident() % 3))
    assert sorted(set(slow_fixture.CALLS)) == sorted({r["x"] for r in results})
    assert len(slow_fixture.CALLS) == len(set(slow_fixture.CALLS))  # each key once


def test_the_warm_up_and_the_visitors_share_one_computation():
    _fresh()
    item = [(slow_fixture.slow_square, {"x": 5})]
    warm = threading.Thread(target=warmup.run, args=(item,))
    warm.start()
    results = _at_once(20, lambda: lab.compute(slow_fixture.slow_square, x=5))
    warm.join(30)
    assert slow_fixture.CALLS == [5]
    assert all(r["square"] == 25 for r in results)


@pytest.mark.slow
def test_a_visit_after_the_warm_up_computes_nothing_on_any_page(monkeypatch):
    """The warm-up's plan covers what each page's default link computes (except runs a visitor starts and fixed
    helpers that are no declared experiment), so a new page or a page passing other arguments than its bounds'
    defaults shows up here."""
    _fresh()
    status = warmup.run()
    assert status["computed"] == status["planned"] > 0
    ran = []
    original = calls._run
    monkeypatch.setattr(calls, "_run", lambda fn, kw, *a, **k: ran.append(fn) or original(fn, kw, *a, **k))
    from residual_core.models.diagram import encoder_diagram

    for page in lab.available_pages():
        if page.key == "training":  # its runs are shared training jobs a visit starts, not computations
            continue
        ran.clear()
        at = run_page(lab.page_file(page))
        assert not at.exception
        missed = [f"{fn.__module__}.{fn.__name__}" for fn in ran if fn is not encoder_diagram]
        assert not missed, f"/{page.key} computed after the warm-up: {missed}"
    assert {p.key for p in PAGES} >= {p.key for p in lab.available_pages()}
