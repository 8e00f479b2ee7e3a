"""residual_core.training.jobs: shared runs keyed by parameters, live progress, cancellation, bounded storage."""

from __future__ import annotations

import threading
import time

import pytest

from residual_core.experiments import training_lab
from residual_core.training import jobs
from tests import slow_fixture

# Test runs are controlled through these events, looked up by the run's ``name`` argument.
GATES: dict[str, threading.Event] = {}
CALLS: list[str] = []


def stepper(name: str, steps: int = 5, progress=None) -> dict:
    """A run of ``steps`` steps; each step waits for ``GATES[name]`` (so the test decides when it moves on)."""
    CALLS.append(name)
    curve = []
    for step in range(1, steps + 1):
        progress(step - 1, steps, "stepping")
        progress.partial({"name": name, "curve": list(curve)})
        assert GATES[name].wait(10), "test gate never opened"
        curve.append({"step": step, "loss": 1.0 / step})
    progress(steps, steps, "done")
    return {"name": name, "curve": curve}


def failing(name: str, progress=None) -> dict:
    progress(0, 1, "")
    raise ValueError(f"broken run {name}")


def gate(name: str, open_: bool = False) -> threading.Event:
    GATES[name] = threading.Event()
    if open_:
        GATES[name].set()
    return GATES[name]


def until(predicate, timeout: float = 10.0) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():
            return True
        time.sleep(0.01)
    return False


@pytest.fixture
def registry():
    reg = jobs.JobRegistry(max_results=3, max_workers=2, max_active=4, stale_after=60)
    yield reg
    for g in GATES.values():
        g.set()
    reg.shutdown()


def test_same_parameters_train_once_for_every_watcher(registry):
    g = gate("a")
    CALLS.clear()
    first = registry.watch("s1", stepper, name="a")
    watchers = [registry.watch(f"s{i}", stepper, name="a") for i in range(2, 20)]
    assert all(w is first for w in watchers) and registry.started == 1
    assert until(lambda: first.view().state == jobs.RUNNING)
    assert first.view().watchers == 19
    g.set()
    assert first.wait(10)
    view = first.view()
    assert view.state == jobs.DONE and view.result["curve"][-1] == {"step": 5, "loss": 0.2}
    assert CALLS == ["a"]
    late = registry.watch("late", stepper, name="a")  # the next visitor: finished at once, nothing started
    assert late.view().state == jobs.DONE and late.view().result == view.result and registry.started == 1
    assert registry.result(stepper, name="a") == view.result


def test_progress_and_partial_results_are_visible_while_running(registry):
    g = gate("b")
    job = registry.watch("s1", stepper, name="b", steps=4)
    assert until(lambda: job.view().done == 0 and job.view().partial is not None)
    view = job.view()
    assert view.state == jobs.RUNNING and view.total == 4 and view.partial == {"name": "b", "curve": []}
    assert view.result is None and registry.result(stepper, name="b", steps=4) is None
    g.set()
    job.wait(10)
    assert job.view().fraction == 1.0


def test_moving_a_control_cancels_the_run_and_stores_nothing(registry):
    gate("slow")
    old = registry.watch("s1", stepper, name="slow")
    assert until(lambda: old.view().state == jobs.RUNNING)
    gate("next", open_=True)
    new = registry.watch("s1", stepper, name="next")  # the same session asks for other parameters
    assert old.cancel_requested
    GATES["slow"].set()  # let the old run reach its next progress call
    assert old.wait(10) and old.view().state == jobs.CANCELLED and old.view().result is None
    assert registry.result(stepper, name="slow") is None
    assert jobs.run_key(stepper, {"name": "slow"}) not in registry.cached_keys()
    assert jobs.run_key(stepper, {"name": "slow"}) not in registry.active_keys()
    assert new.wait(10) and new.view().state == jobs.DONE
    assert registry.cached_keys() == [jobs.run_key(stepper, {"name": "next"})]


def test_a_run_goes_on_while_someone_else_watches_it(registry):
    g = gate("shared")
    job = registry.watch("s1", stepper, name="shared")
    registry.watch("s2", stepper, name="shared")
    registry.leave("s1")
    assert not job.cancel_requested and job.view().watchers == 1
    g.set()
    assert job.wait(10) and job.view().state == jobs.DONE


def test_a_cancelled_run_is_restarted_by_the_next_watcher(registry):
    gate("again")
    old = registry.watch("s1", stepper, name="again")
    registry.leave("s1")
    assert old.cancel_requested
    fresh = registry.watch("s2", stepper, name="again")  # before the old thread has even noticed
    assert fresh is not old and registry.started == 2
    GATES["again"].set()
    assert old.wait(10) and fresh.wait(10)
    assert old.view().state == jobs.CANCELLED and fresh.view().state == jobs.DONE
    assert registry.result(stepper, name="again") == fresh.view().result


def test_runs_nobody_has_seen_for_a_while_are_cancelled():
    reg = jobs.JobRegistry(stale_after=0.2)
    g = gate("stale", open_=False)
    job = reg.watch("gone", stepper, name="stale", steps=50)
    time.sleep(0.4)  # the only watcher never touches the run again (its tab was closed)
    g.set()
    assert job.wait(10) and job.view().state == jobs.CANCELLED
    assert reg.result(stepper, name="stale", steps=50) is None


def test_touching_keeps_a_run_alive():
    reg = jobs.JobRegistry(stale_after=0.3)
    gate("kept", open_=True)
    job = reg.watch("here", training_like_slow, name="kept")
    while not job.wait(0.05):
        job.touch("here")
    assert job.view().state == jobs.DONE


def training_like_slow(name: str, progress=None) -> dict:
    for step in range(30):
        progress(step, 30, "")
        time.sleep(0.02)
    return {"name": name}


def test_failures_are_reported_and_never_stored(registry):
    job = registry.watch("s1", failing, name="x")
    assert job.wait(10)
    view = job.view()
    assert view.state == jobs.FAILED and "broken run x" in view.error and view.result is None
    assert registry.cached_keys() == [] and registry.active_keys() == []


def test_finished_results_are_kept_in_a_bounded_lru(registry):
    for name in ("r1", "r2", "r3"):
        gate(name, open_=True)
        registry.watch("s", stepper, name=name, steps=1).wait(10)
    registry.watch("t", stepper, name="r1", steps=1)  # r1 used again: r2 is now the oldest
    gate("r4", open_=True)
    registry.watch("s", stepper, name="r4", steps=1).wait(10)
    assert registry.result(stepper, name="r2", steps=1) is None
    assert all(registry.result(stepper, name=n, steps=1) for n in ("r1", "r3", "r4"))
    assert len(registry.cached_keys()) == 3


def test_workers_and_active_runs_are_bounded():
    reg = jobs.JobRegistry(max_workers=1, max_active=2)
    first, second = gate("w1"), gate("w2")
    a = reg.watch("s1", stepper, name="w1")
    b = reg.watch("s2", stepper, name="w2")
    assert until(lambda: a.view().state == jobs.RUNNING)
    time.sleep(0.2)
    assert b.view().state == jobs.QUEUED  # one worker: the second run waits
    with pytest.raises(jobs.Busy):
        reg.watch("s3", stepper, name="w3")
    first.set()
    second.set()
    assert a.wait(10) and b.wait(10) and b.view().state == jobs.DONE
    reg.shutdown()


def test_a_real_training_run_through_the_registry_equals_a_direct_call(registry):
    kwargs = dict(task="sort", layers=1, steps=20, seed=3, d_model=16, seq_len=4, batch=8, lr="0.01")
    job = registry.watch("s1", training_lab.transformer_experiment, **kwargs)
    assert job.wait(60) and job.view().state == jobs.DONE
    assert job.view().result == training_lab.transformer_experiment(**kwargs)


def test_a_cancelled_training_run_leaves_no_entry(registry):
    kwargs = dict(max_depth=16, steps=600, seed=0, width=8, samples=32, lr="0.003")
    job = registry.watch("s1", training_lab.depth_experiment, **kwargs)
    assert until(lambda: job.view().done > 0, timeout=30)
    registry.leave("s1")
    assert job.wait(30) and job.view().state == jobs.CANCELLED
    assert job.view().done < 600 and job.view().result is None
    assert registry.cached_keys() == [] and registry.active_keys() == []


def test_a_result_computed_elsewhere_is_stored_as_a_finished_run():
    """The app's warm-up trains the training lab's default runs and stores them where the page looks for them."""
    registry = jobs.JobRegistry()
    registry.store(slow_fixture.slow_square, {"x": 4, "square": 16}, x=4)
    job = registry.watch("visitor", slow_fixture.slow_square, x=4)
    assert job.view().state == jobs.DONE and job.view().result == {"x": 4, "square": 16}
    assert registry.started == 0  # nothing trained
    registry.store(slow_fixture.slow_square, {"x": 4, "square": -1}, x=4)  # a stored run is never replaced
    assert registry.result(slow_fixture.slow_square, x=4) == {"x": 4, "square": 16}


def test_the_warm_up_plans_the_training_labs_default_runs_for_the_job_registry():
    from lab.computing import warmup
    from residual_core.catalog import training

    planned = {fn for fn, _ in warmup.plan()}
    for exp in (training.TRANSFORMER, training.DEPTH, training.SCALING, training.GATED):
        assert exp.live and exp.func in planned and exp.func in warmup._LIVE


def test_one_session_queues_one_run_at_most():
    """16 distinct runs asked for by one browser session (its slots): one trains, one waits, the rest are refused."""
    reg = jobs.JobRegistry(max_workers=1, max_active=16)
    names = [f"flood{i}" for i in range(16)]
    for name in names:
        gate(name)
    started, refused = [], 0
    for i, name in enumerate(names):
        try:
            started.append(reg.watch(f"tabs:slot{i}", stepper, name=name))
        except jobs.AlreadyWaiting:
            refused += 1
        if i == 0:
            assert until(lambda: started[0].view().state == jobs.RUNNING)
    assert len(started) == 2 and refused == 14
    assert started[1].view().state == jobs.QUEUED and started[1].view().position == 1
    other = reg.watch("someone-else:run", stepper, name="flood-other")  # another session still gets in line
    assert other.view().position == 2
    for g in GATES.values():
        g.set()
    reg.shutdown()


def test_queued_runs_start_first_come_first_served():
    """One trainer, eight sessions asking one after the other: the runs start in the order they were asked for."""
    reg = jobs.JobRegistry(max_workers=1, max_active=16)
    names = [f"fcfs{i}" for i in range(8)]
    for name in names:
        gate(name)
    runs = []
    for i, name in enumerate(names):
        runs.append(reg.watch(f"s{i}:run", stepper, name=name, steps=1))
        if i == 0:
            assert until(lambda: runs[0].view().state == jobs.RUNNING)
        time.sleep(0.03)  # arrivals spread over time, as a hall's clicks are
    assert [r.view().position for r in runs] == list(range(8))  # the running one is 0, then 1st, 2nd, ... in line
    order = []
    for _ in names:
        assert until(lambda: any(r.view().state == jobs.RUNNING for r in runs))
        running = next(r for r in runs if r.view().state == jobs.RUNNING)
        order.append(running.kwargs["name"])
        time.sleep(0.07)
        GATES[running.kwargs["name"]].set()
        assert running.wait(10)
    assert order == names
    reg.shutdown()


def test_ordinals():
    assert [jobs.ordinal(n) for n in (1, 2, 3, 4, 11, 12, 13, 21, 22, 102)] == [
        "1st",
        "2nd",
        "3rd",
        "4th",
        "11th",
        "12th",
        "13th",
        "21st",
        "22nd",
        "102nd",
    ]
