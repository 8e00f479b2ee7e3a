"""The cost budget (residual_core/budget.py): every experiment has a cost model, its defaults fit the budget, and an
over-budget combination is refused with one line by the command line and with a notice by the training lab."""

from __future__ import annotations

import contextlib
import io

import pytest

from residual_core import budget, cli
from residual_core.bounds import BoundError
from residual_core.catalog import EXPERIMENTS
from residual_core.training import jobs
from tests.conftest import run_page, warnings_text

TRANSFORMER_WORST = {"steps": "600", "layers": "8", "d_model": "64", "batch": "64", "seq_len": "16"}


def test_every_declared_experiment_has_a_cost_model():
    missing = sorted(name for name, exp in EXPERIMENTS.items() if not isinstance(exp.cost, budget.Cost))
    assert not missing, f"declare cost=Cost(...) with these experiments: {missing}"


@pytest.mark.parametrize("name", sorted(EXPERIMENTS))
def test_an_experiments_function_is_estimated_as_the_experiment(name):
    exp = EXPERIMENTS[name]  # the app's cache passes the function, the command line the experiment
    defaults = {k: b.default for k, b in exp.bounds.items()}
    assert budget.estimate(exp.func, defaults) == budget.estimate(exp, defaults) == exp.cost.seconds(defaults)


@pytest.mark.parametrize("name", sorted(EXPERIMENTS))
def test_defaults_fit_the_budget_and_more_work_costs_more(name):
    exp = EXPERIMENTS[name]
    defaults = {k: b.default for k, b in exp.bounds.items()}
    base = budget.check(exp, defaults)  # a page's default link must always run
    assert base is not None and 0 <= base <= budget.BUDGET_SECONDS
    for option, bound in exp.bounds.items():  # the estimate never falls when a size option grows
        if bound.kind == "int" and option != "seed":
            lo, hi = (
                budget.estimate(exp, {**defaults, option: int(bound.lo)}),
                budget.estimate(exp, {**defaults, option: int(bound.hi)}),
            )
            assert hi >= lo, (option, lo, hi)


def test_over_budget_raises_a_bound_error_naming_the_budget_and_what_to_lower():
    exp = EXPERIMENTS["transformer"]
    worst, seconds = budget.worst_case(exp)
    assert seconds > budget.BUDGET_SECONDS  # today's bounds allow runs of minutes: the budget is what stops them
    with pytest.raises(BoundError, match=rf"budget of {budget.BUDGET_SECONDS:.0f} s") as err:
        budget.check(exp, worst)
    assert "steps" in str(err.value)


def test_functions_that_are_no_experiment_have_no_estimate():
    from residual_core.models.diagram import encoder_diagram

    assert budget.estimate(encoder_diagram, {"variant": "post-ln"}) is None
    assert budget.check(encoder_diagram, {}) is None


def _cli(*args) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = cli.main(list(args))
        except SystemExit as stop:
            code = stop.code
    return code, out.getvalue(), err.getvalue()


def test_cli_over_budget_exits_2_with_one_line_before_running():
    args = [x for k, v in TRANSFORMER_WORST.items() for x in (f"--{k.replace('_', '-')}", v)]
    code, out, err = _cli("transformer", *args)
    assert code == 2 and out == ""
    assert len(err.strip().splitlines()) == 1 and "budget of 60 s" in err, err


def test_training_lab_refuses_an_over_budget_link_with_a_notice_and_trains_nothing():
    started = jobs.REGISTRY.started
    at = run_page("pages/training.py", TRANSFORMER_WORST)
    assert not at.exception
    assert "over the budget of 60 s" in warnings_text(at)
    assert jobs.REGISTRY.started == started  # no run was started


def test_training_lab_shows_the_estimate_beside_the_controls():
    try:
        at = run_page("pages/training.py", {"steps": "300", "layers": "2"})
        captions = " ".join(c.value for c in at.caption)
        estimate = budget.estimate(EXPERIMENTS["transformer"], {"steps": 300, "layers": 2})
        assert f"About {estimate:.0f} s of the server's time" in captions and "budget per run is 60 s" in captions
    finally:
        jobs.REGISTRY.shutdown(timeout=30)  # cancel the run the visit started and wait for its thread
