"""The predicate language of claims' conditions (residual_core.where): what each applies to, and its prose."""

from __future__ import annotations

from residual_core import catalog
from residual_core.declare import Claim, Verdict
from residual_core.where import ALWAYS, all_of, always, at_least, at_most, equals, one_of


def test_comparisons_apply_at_and_beyond_their_edge_only():
    assert at_least("depth", 12).applies({"depth": 12}) and not at_least("depth", 12).applies({"depth": 11})
    assert at_most("alpha", 0.2).applies({"alpha": 0.2}) and not at_most("alpha", 0.2).applies({"alpha": 0.21})
    assert not at_least("depth", 12).applies({})  # a setting the experiment does not have: not claimed


def test_choices_match_by_value_or_text():
    assert one_of("init", ["xavier", "orthogonal"]).applies({"init": "orthogonal"})
    assert not one_of("init", ["xavier", "orthogonal"]).applies({"init": "default"})
    assert equals("d_model", "64").applies({"d_model": "64"}) and equals("layers", 16).applies({"layers": 16})
    assert not equals("layers", 16).applies({"layers": 12})


def test_all_of_needs_every_part_and_always_applies_everywhere():
    where = all_of(equals("init", "default"), at_least("depth", 20))
    assert where.applies({"init": "default", "depth": 20})
    assert not where.applies({"init": "xavier", "depth": 50}) and not where.applies({"init": "default", "depth": 5})
    assert always() is ALWAYS and ALWAYS.applies({}) and all_of() is ALWAYS
    assert all_of(ALWAYS, at_least("depth", 1)) == at_least("depth", 1)


def test_describe_writes_the_condition_it_checks():
    assert at_least("depth", 12).describe() == "depth ≥ 12"
    assert at_most("gate_bias", -3.0).describe() == "gate_bias ≤ -3"
    assert one_of("activation", ("tanh", "sigmoid")).describe() == "activation one of tanh, sigmoid"
    where = all_of(equals("layers", 16), equals("d_model", "64"), equals("init", "xavier"))
    assert where.describe() == "layers = 16, d_model = 64, init = xavier"


def test_a_claims_stated_condition_is_generated_from_its_predicate():
    claim = Claim("x", "text", "plain tanh network", lambda r: Verdict(True, ""), applies=at_least("depth", 12))
    assert claim.stated == "plain tanh network; settings: depth ≥ 12"
    assert Claim("y", "text", "any setting", lambda r: Verdict(True, "")).stated == "any setting"


def test_every_declared_condition_names_options_of_its_experiment():
    for exp, claim in catalog.claims():
        parts = getattr(claim.applies, "parts", (claim.applies,))
        for part in parts:
            name = getattr(part, "name", None)
            assert name is None or name in exp.bounds, (claim.id, name)
        if isinstance(claim.holds, dict):  # its declared example lies inside its condition
            from residual_core.claims import settings_for

            assert claim.applies.applies(settings_for(exp, claim.holds)), claim.id
