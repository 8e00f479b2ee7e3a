"""Every page at seeds 0-4: each claim it shows has the status its check gives on data computed independently here,
and every seed count it shows is the count over seeds 0-4 computed here (never a typed number)."""

from __future__ import annotations

import re

import pytest

from residual_core import catalog
from residual_core.claims import SEEDS, over_seeds, page_bounds, settings_for
from residual_core.training import jobs
from tests.conftest import open_details, run_page
from tests.pages.test_page_training import SMALL, until_trained

# Small settings per page (through the URL), so that five seeds of every page stay quick.
PAGES = {
    "vanishing": ("pages/vanishing.py", {"depth": "30"}),
    "residual-math": ("pages/residual-math.py", {"layers": "10", "width": "16"}),
    "gradient-flow": ("pages/gradient-flow.py", {"depth": "20", "width": "16"}),
    "highway": ("pages/highway.py", {"depth": "10", "width": "16"}),
    "add-norm": ("pages/add-norm.py", {"layers": "4", "d_model": "32", "heads": "2"}),
    "training": ("pages/training.py", SMALL),
}
VERDICT = re.compile(
    r"\*(holds here|does not hold here|outside its condition)(?: · holds for (\d+) of seeds (\d+)–(\d+))?\*"
)


def shown_claims(at) -> list[dict]:
    """The claims drawn on the page, in order: id, status and seed count as the visitor reads them once they open
    the sections' rows of details (``at`` is left with them open)."""
    open_details(at)
    ids = [m.group(1) for c in at.caption for m in [re.search(r"claim `([a-z0-9-]+)`", c.value)] if m]
    verdicts = [m for md in at.markdown for m in [VERDICT.search(md.value)] if m]
    assert len(ids) == len(verdicts), (ids, [v.group(0) for v in verdicts])
    return [
        {
            "id": i,
            "holds": v.group(1) == "holds here",
            "applies": v.group(1) != "outside its condition",
            "count": None if v.group(2) is None else int(v.group(2)),
            "seeds": None if v.group(2) is None else (int(v.group(3)), int(v.group(4))),
        }
        for i, v in zip(ids, verdicts, strict=True)
    ]


_RESULTS: dict[str, dict] = {}


def computed(exp, kwargs: dict) -> dict:
    key = f"{exp.name}:{sorted(kwargs.items())}"
    if key not in _RESULTS:
        _RESULTS[key] = exp.func(**kwargs)
    return _RESULTS[key]


@pytest.fixture(autouse=True)
def fresh_registry():
    jobs.REGISTRY.clear()
    yield
    jobs.REGISTRY.clear()


@pytest.mark.slow
@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("key", list(PAGES))
def test_page_shows_each_claim_with_the_status_its_check_gives(key, seed):
    page_file, params = PAGES[key]
    at = run_page(page_file, {**params, "seed": str(seed)})
    if key == "training":
        at = until_trained(at)
    assert not at.exception
    shown = shown_claims(at)
    page = catalog.page(key)
    by_id = {c.id: c for c in page.claims}
    assert shown, "the page shows no claim"
    bounds = page_bounds(page)
    values = {name: bounds[name].parse(v) for name, v in {**params, "seed": str(seed)}.items() if name in bounds}
    for entry in shown:
        claim = by_id[entry["id"]]  # every claim shown is one this page declares
        exp = catalog.owner(claim)
        kwargs = settings_for(exp, values)
        verdict = claim.check(computed(exp, kwargs))
        assert entry["applies"] == claim.applies.applies(kwargs), claim.id
        if not entry["applies"]:  # shown as not claimed here, never as a statement (its seed count still true)
            assert "Not claimed here" in " ".join(md.value for md in at.markdown)
        elif entry["holds"]:
            assert verdict.holds, f"{claim.id} shown as holding at seed {seed}, but: {verdict.evidence}"
        if entry["applies"]:
            assert entry["holds"] == verdict.holds, (claim.id, verdict.evidence)
        if entry["count"] is not None:
            counted = over_seeds(claim, exp, kwargs, computed)
            assert entry["seeds"] == (SEEDS[0], SEEDS[-1])
            assert entry["count"] == counted["count"], (claim.id, counted)


def test_each_page_shows_all_its_claims_that_need_no_training():
    shown = {}
    for key, (page_file, params) in PAGES.items():
        if key == "training":
            continue
        shown[key] = {c["id"] for c in shown_claims(run_page(page_file, params))}
    for key, ids in shown.items():
        every = {c.id for c in catalog.page(key).claims}
        expected = {c.id for c in catalog.page(key).claims if catalog.owner(c).name != "highway-train"}
        # a training claim is shown once its run is there (e.g. the warm-up trained it in an earlier test)
        assert expected <= ids <= every, key


def test_training_claims_count_seeds_only_on_request():
    at = until_trained(run_page(PAGES["training"][0], {**SMALL, "seed": "0"}))
    assert all(c["count"] is None for c in shown_claims(at))
    button = next(b for b in at.button if b.label.startswith("Count seeds 0–4"))
    at = button.click().run(timeout=300)
    assert not at.exception
    shown = shown_claims(at)
    assert shown and all(c["count"] is not None for c in shown)
    page = catalog.page("training")
    bounds = page_bounds(page, ["transformer"])
    values = {name: bounds[name].parse(v) for name, v in SMALL.items() if name in bounds}
    exp = catalog.experiment("transformer")
    kwargs = settings_for(exp, values)
    for entry in shown:
        claim = next(c for c in page.claims if c.id == entry["id"])
        assert entry["count"] == over_seeds(claim, exp, kwargs, computed)["count"], claim.id


def test_a_claim_outside_its_condition_is_shown_as_not_claimed_here():
    """/vanishing at depth 5: init-postpones-vanishing is claimed for depth >= 12 only, so the page must not state
    it (nor say it does not hold): it shows it as not claimed here, with the condition it is claimed for."""
    at = run_page("pages/vanishing.py", {"depth": "5"})
    assert not at.exception
    shown = {c["id"]: c for c in shown_claims(at)}
    assert shown["init-postpones-vanishing"]["applies"] is False
    assert shown["plain-gradient-vanishes"]["applies"] is False  # depth 20 or more
    assert shown["residual-ignores-init"]["applies"] is True
    text = " ".join(md.value for md in at.markdown)
    assert "Not claimed here" in text
    caption = next(c.value for c in at.caption if "claim `init-postpones-vanishing`" in c.value)
    assert caption.startswith("Claimed only for:") and "depth ≥ 12" in caption
