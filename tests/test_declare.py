"""residual_core.declare: the declarations, and reading source code without ``ast`` (thread-safe on Python 3.11)."""

from __future__ import annotations

import ast
import threading

import pytest

from residual_core import declare
from residual_core.declare import Experiment, Figure, Page, Section, source_of
from residual_core.experiments.highway import highway_experiment
from residual_core.models.layers import HighwayLayer, Stack, UncoupledHighway
from residual_core.models.networks import DeepMLP, twins
from residual_core.models.transformer import Encoder, MultiHeadSelfAttention, PostLNLayer, PreLNLayer
from residual_core.training.jobs import JobRegistry

CLASSES = [PostLNLayer, PreLNLayer, MultiHeadSelfAttention, Encoder, HighwayLayer, UncoupledHighway, Stack, DeepMLP]


def test_source_of_a_class_is_its_whole_definition():
    src = source_of(PostLNLayer)
    assert src.text.startswith("class PostLNLayer(EncoderLayer):") and "def forward" in src.text
    assert "class PreLNLayer" not in src.text  # cut at the end of the class
    assert src.path == "residual_core/models/transformer.py" and src.qualname == "PostLNLayer"
    assert source_of(JobRegistry).text.startswith("class JobRegistry")


def test_source_of_functions_and_methods():
    src = source_of(twins)
    assert src.text.startswith("def twins(") and src.path == "residual_core/models/networks.py"
    method = source_of(Encoder.trace)
    assert method.qualname == "Encoder.trace" and method.text.lstrip().startswith("def trace(")
    assert "return states" in method.text and "class Encoder" not in method.text


class Outer:
    class Inner:
        value = 1

    class Stack:  # same name as a class elsewhere: the nested one must be found, not another
        value = 2


def test_source_of_nested_classes():
    assert source_of.__wrapped__(Outer.Inner).text.lstrip().startswith("class Inner:")
    assert "value = 2" in source_of.__wrapped__(Outer.Stack).text


def test_source_of_does_not_parse_with_ast(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("source_of must not call ast.parse (python/cpython#106905)")

    monkeypatch.setattr(ast, "parse", refuse)
    for cls in CLASSES:
        assert source_of.__wrapped__(cls).text.startswith(f"class {cls.__name__}")
    assert source_of.__wrapped__(highway_experiment).text.startswith("def highway_experiment(")


def test_source_of_is_safe_in_many_threads_at_once():
    # Regression test for python/cpython#106905 ("AST constructor recursion depth mismatch"): inspect.getsource on a
    # class parses the module with ast, which is not thread-safe on 3.11. Every page's code panel calls source_of.
    expected = {cls: source_of.__wrapped__(cls).text for cls in CLASSES}
    start = threading.Barrier(32)
    errors: list[BaseException] = []
    results: list[tuple[type, str]] = []

    def read(i: int) -> None:
        try:
            start.wait(10)
            for k in range(len(CLASSES)):
                cls = CLASSES[(i + k) % len(CLASSES)]
                results.append((cls, source_of.__wrapped__(cls).text))
        except BaseException as err:  # every failure is reported below
            errors.append(err)

    threads = [threading.Thread(target=read, args=(i,)) for i in range(32)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors, errors[:3]
    assert len(results) == 32 * len(CLASSES)
    assert all(text == expected[cls] for cls, text in results)


def test_source_of_is_cached():
    assert source_of(PostLNLayer) is source_of(PostLNLayer)


def test_declared_figures_and_rows():
    fig = Figure("a", "line", lambda r: [{"x": 1}], lambda r: {"title": r["t"]})
    exp = Experiment("demo", twins, {}, "summary", "help", code=(Stack,), figures=(fig,))
    assert exp.figure("a") is fig and fig.options_for({"t": "T"}) == {"title": "T"}
    assert exp.rows({}) == [{"x": 1}]  # without a table: the first figure's rows
    with pytest.raises(KeyError, match="no figure 'b'"):
        exp.figure("b")
    assert not exp.takes_progress
    assert [s.qualname for s in exp.sources()] == ["twins", "Stack"]
    assert "import ast" not in source_of(declare.source_of).text and "ast." not in source_of(declare._class_line).text


# -- sections -------------------------------------------------------------------------------------------------------
def test_every_pages_sections_have_unique_names_and_name_real_figures():
    from residual_core import catalog

    for page in catalog.PAGES:
        names = [s.name for s in page.sections]
        assert len(names) == len(set(names)), page.key
        for section in page.sections:
            keys = [f.key for f in section.experiment.figures]
            assert set(section.figures) <= set(keys), (page.key, section.name)
            assert all(c in section.experiment.claims for c in section.shown_claims), (page.key, section.name)
            assert page.section(section.name) is section


def test_a_section_draws_its_experiments_figures_claims_and_question():
    from residual_core.catalog import vanishing

    exp = vanishing.PRODUCTS
    whole = Section("products", "The product", exp)
    assert whole.shown_figures == exp.figures and whole.shown_claims == exp.claims and whole.asks is exp.question
    one = Section("gradients", "Gradients", exp, figures=("gradients",), claims=exp.claims[:1])
    assert [f.key for f in one.shown_figures] == ["gradients"] and one.shown_claims == exp.claims[:1]
    assert Section("none", "No claims", exp, claims=()).shown_claims == ()
    page = Page("demo", "Demo", ":material/home:", "teaser", experiments=(exp,), sections=(whole, one))
    assert page.section("gradients") is one
    with pytest.raises(KeyError, match="no section 'nope'"):
        page.section("nope")


def test_a_section_refuses_what_its_experiment_does_not_have():
    from residual_core.catalog import vanishing

    exp = vanishing.PRODUCTS
    with pytest.raises(KeyError, match="no figure 'nope'"):
        Section("products", "The product", exp, figures=("nope",))
    with pytest.raises(ValueError, match="no claims of products"):
        Section("products", "The product", exp, claims=vanishing.INIT_COMPARE.claims)
    with pytest.raises(ValueError, match="not kebab-case"):
        Section("Per layer", "The product", exp)
    twice = (Section("same", "A", exp), Section("same", "B", exp))
    with pytest.raises(ValueError, match="two sections called same"):
        Page("demo", "Demo", ":material/home:", "teaser", experiments=(exp,), sections=twice)
