"""The memory budget (residual_core/memory.py): the issue's heavy link is refused with a clear message before anything
is computed, by residual_core and by the page; every default fits; the server's memory pool bounds runs at once."""

from __future__ import annotations

import threading
import time

import pytest

from lab.computing import memory as pool
from residual_core import budget, memory
from residual_core.catalog import EXPERIMENTS
from tests.conftest import run_page, warnings_text

HEAVY = {"depth": 100, "width": 256, "seed": 300}  # /why?shattered_depth=100&shattered_width=256&seed=300


def test_the_issues_link_is_refused_naming_the_budget_and_what_to_lower():
    exp = EXPERIMENTS["shattered"]
    assert budget.check(exp, HEAVY) < budget.BUDGET_SECONDS  # within the time budget: only memory refuses it
    with pytest.raises(budget.BudgetError) as err:
        memory.check(exp, HEAVY)
    message = str(err.value)
    assert "shattered with these settings would need about" in message
    assert f"over the budget of {memory.MEMORY_BUDGET_MB:.0f} MB per run; lower depth, width" in message
    assert memory.estimate_mb(exp.func, HEAVY) == memory.estimate_mb(exp, HEAVY) > memory.MEMORY_BUDGET_MB


@pytest.mark.parametrize("name", sorted(EXPERIMENTS))
def test_defaults_and_examples_fit_the_memory_budget(name):
    exp = EXPERIMENTS[name]
    defaults = {k: b.default for k, b in exp.bounds.items()}
    assert 0 < memory.check(exp, defaults) <= memory.MEMORY_BUDGET_MB
    assert memory.check(exp, {**defaults, **exp.example}) <= memory.MEMORY_BUDGET_MB


def test_functions_that_are_no_experiment_need_no_memory_budget():
    from residual_core.models.diagram import encoder_diagram

    assert memory.check(encoder_diagram, {"variant": "post-ln"}) == 0.0


def test_the_page_shows_the_refusal_and_computes_nothing():
    import lab
    from residual_core.experiments.shattered import shattered_experiment

    lab.clear_cache()
    at = run_page("pages/why.py", {"shattered_depth": "100", "shattered_width": "256", "seed": "300"}, timeout=300)
    assert not at.exception
    shown = warnings_text(at).replace("\\", "")
    assert "Not computed: shattered with these settings would need about" in shown, shown
    assert "over the budget of 180 MB per run; lower depth, width." in shown
    assert lab.cached_result(shattered_experiment, depth=100, width=256, seed=300) is None  # nothing computed
    lab.clear_cache()


def test_the_pool_runs_heavy_computations_in_arrival_order_within_its_memory():
    p = pool.MemoryPool(200.0)
    order, running, most = [], [0], [0]
    lock = threading.Lock()

    def run(name: str, mb: float) -> None:
        with p.hold(mb, every=0.01):
            with lock:
                order.append(name)
                running[0] += 1
                most[0] = max(most[0], running[0])
            time.sleep(0.05)
            with lock:
                running[0] -= 1

    threads = []
    for i in range(6):
        threads.append(threading.Thread(target=run, args=(f"r{i}", 120.0)))
        threads[-1].start()
        time.sleep(0.005)
    for t in threads:
        t.join(10)
    assert most[0] == 1 and p.peak_holders == 1  # two runs of 120 MB never share a pool of 200 MB
    assert order == [f"r{i}" for i in range(6)] and p.used_mb == 0


def test_a_run_waiting_in_the_pool_sees_its_place_and_can_leave():
    p = pool.MemoryPool(100.0)
    places, left = [], threading.Event()

    class Stop(Exception):
        pass

    def wait(place: int) -> None:
        places.append(place)
        raise Stop

    with p.hold(100.0):
        try:
            with p.hold(10.0, wait, every=0.01):
                pass
        except Stop:
            left.set()
    assert places == [1] and left.is_set() and p.waiting() == 0
    with p.hold(100.0):  # the one who left holds no place
        assert p.used_mb == 100.0


def test_glibc_gives_memory_back():
    assert pool.tune() is pool.give_back() is True


def test_the_command_line_refuses_a_run_over_the_memory_budget(capsys):
    from residual_core import cli

    with pytest.raises(SystemExit) as exit_:
        cli.main(["shattered", "--depth=100", "--width=256"])
    assert exit_.value.code == 2
    assert "over the budget of 180 MB per run" in capsys.readouterr().err
