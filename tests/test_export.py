"""SVG and PNG files of the charts (residual_core.charts.export, lab.figures.export, the command line), the text
description of every chart and series told apart by dash as well as colour."""

from __future__ import annotations

import io
import json
import re
import threading
import xml.etree.ElementTree as ET

import pandas as pd
import pytest
from PIL import Image

from residual_core import charts, cli
from residual_core.catalog import EXPERIMENTS, highway, vanishing
from residual_core.charts import export
from residual_core.declare import Figure
from residual_core.experiments.vanishing import products_experiment

SVG = "{http://www.w3.org/2000/svg}"


def same(svg: bytes) -> bytes:
    """An SVG without its clip-path numbers (vl-convert counts them per process: #clip1 in a fresh process, #clip4
    after three renders), so two renders of one spec compare equal."""
    return re.sub(rb"clip\d+", b"clip", svg)


@pytest.fixture(scope="module")
def result():
    return products_experiment(0.9, 20, 1)


@pytest.fixture(scope="module")
def spec(result):
    return charts.figure_spec(vanishing.PRODUCTS.figure("gradients"), result)


def test_the_export_document_is_the_page_spec_with_a_size_and_its_data_inline(spec, result):
    doc = export.export_document(spec)
    page = charts.spec_json(spec)
    assert {k: v for k, v in doc.items() if k not in ("width", "background")} == {**page, "$schema": doc["$schema"]}
    assert doc["width"] == export.EXPORT_WIDTH and doc["background"] == "white"
    rows = next(d for d in doc["datasets"].values() if d and "grad_norm" in d[0])
    assert rows == json.loads(
        pd.DataFrame(vanishing.PRODUCTS.figure("gradients").rows(result)).to_json(orient="records")
    )
    json.dumps(doc, allow_nan=False)  # a plain JSON document


def test_svg_is_valid_and_carries_the_description(spec):
    svg = export.render(export.export_document(spec), "svg")
    root = ET.fromstring(svg)
    assert root.tag == f"{SVG}svg"
    assert root.find(f"{SVG}desc").text == spec["description"]
    assert root.get("aria-label") == spec["description"]
    assert int(float(root.get("width"))) >= export.EXPORT_WIDTH
    assert "‖∂loss/∂x_l‖" in svg.decode()  # the axis title: the page's chart, not another


def test_png_is_valid_and_sharp(spec):
    png = export.render(export.export_document(spec), "png")
    image = Image.open(io.BytesIO(png))
    assert image.format == "PNG"
    assert image.width >= export.EXPORT_WIDTH * export.PNG_SCALE
    assert len(set(image.convert("L").getdata())) > 10  # drawn, not blank


def test_the_worker_renders_the_same_file_as_in_process(spec):
    doc = export.export_document(spec)
    assert same(export.render_in_worker(doc, "svg")) == same(export.render(doc, "svg"))


def test_worker_failures_are_one_line_errors():
    with pytest.raises(export.ExportError, match="unknown format"):
        export.render_in_worker({}, "gif")
    with pytest.raises(export.ExportError) as err:
        export.render_in_worker({"mark": "no-such-mark", "data": {"values": []}}, "svg")
    assert "\n" not in str(err.value) and str(err.value)


def test_with_description_escapes_the_text():
    svg = export.with_description(b'<svg xmlns="http://www.w3.org/2000/svg" width="1"><g/></svg>', 'a < b & "c"')
    root = ET.fromstring(svg)
    assert root.find(f"{SVG}desc").text == 'a < b & "c"' and root.get("width") == "1"


# -- descriptions and dashes ------------------------------------------------------------------------------------------
def test_every_declared_figure_gets_a_description_naming_its_axes_and_series(result):
    for fig in vanishing.PRODUCTS.figures:
        spec = charts.figure_spec(fig, result)
        options = fig.options_for(result)
        text = spec["description"]
        assert options["y_title"] in text and options["x_title"] in text
        for name in pd.DataFrame(fig.rows(result))["series"].unique():
            assert name in text


def test_a_declared_description_is_used_with_result_fields():
    fig = Figure("f", "line", lambda r: [{"x": 0, "y": 1.0, "series": "a"}], {"x": "x", "y": "y"}, "Depth {depth}.")
    assert charts.figure_spec(fig, {"depth": 7})["description"] == "Depth 7."


def test_heatmap_description_gives_the_value_range():
    frame = pd.DataFrame({"a": [1, 1, 2, 2], "b": [1, 2, 1, 2], "v": [0.5, 2.0, float("nan"), 8.0]})
    fig = Figure("h", "heatmap", lambda r: frame.to_dict("records"), {"x": "a", "y": "b", "color": "v"})
    text = charts.figure_spec(fig, {})["description"]
    assert "Heatmap" in text and "from 0.5 to 8" in text and "4 cells" in text


def test_series_get_distinct_dash_patterns_and_known_series_keep_theirs():
    patterns = charts.dash_patterns(["plain", "residual", "a", "b", "c"])
    assert len(set(patterns)) == 5
    assert patterns[1] == charts.SOLID and patterns[0] == charts.SERIES_DASHES["plain"]
    assert charts.dash_patterns(["residual", "fit"], dashed=("fit",)) == [charts.SOLID, charts.DASHED]
    many = charts.dash_patterns([f"s{i}" for i in range(12)])
    assert len(many) == 12


def test_the_highway_gate_chart_draws_dashes_by_series():
    data = {"depth": 3, "width": 8, "gate_bias": -2.0, "seed": 0}
    result = highway.AT_INIT.func(**data)
    spec = charts.figure_spec(highway.AT_INIT.figure("gradients"), result)
    assert "strokeDash" in json.dumps(charts.spec_json(spec))


@pytest.mark.parametrize(("names", "columns"), [(["a", "b", "c"], 3), (["Post-LN", "Pre-LN", "no residual"], 2)])
def test_legends_take_as_many_columns_as_fit_a_phone(names, columns):
    assert charts.legend_columns(names) == columns
    assert charts.legend_columns(["a rather long series name, fitted", "another long series name"]) == 1


# -- lab.figures.export: one render per distinct file, bounded workers ------------------------------------------------
def test_the_app_renders_a_file_once_however_many_visitors_ask(spec, monkeypatch):
    from lab.figures import export as lab_export

    calls = []

    def slow_render(doc, fmt):
        calls.append(fmt)
        threading.Event().wait(0.3)
        return b"<svg/>"

    monkeypatch.setattr(lab_export, "render_in_worker", slow_render)
    monkeypatch.setattr(lab_export, "_FILES", type(lab_export._FILES)())
    threads = [threading.Thread(target=lab_export.chart_file, args=(spec, "svg")) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert calls == ["svg"]
    assert lab_export.chart_file(spec, "svg") == b"<svg/>" and calls == ["svg"]
    lab_export.chart_file(spec, "png")
    assert calls == ["svg", "png"]


# -- the command line -------------------------------------------------------------------------------------------------
def test_cli_writes_the_pages_chart_as_svg_and_png(tmp_path, result):
    out = tmp_path / "chart.svg"
    assert cli.main(["products", "--depth", "20", "--seed", "1", "--format", "svg", "--out", str(out)]) == 0
    expected = export.render(export.export_document(charts.figure_spec(vanishing.PRODUCTS.figures[0], result)), "svg")
    assert same(out.read_bytes()) == same(expected)  # the first figure by default, the page's spec
    png = tmp_path / "g.png"
    args = ["products", "--depth", "20", "--format", "png", "--figure", "gradients", "--out", str(png)]
    assert cli.main(args) == 0
    assert Image.open(png).format == "PNG"


def test_cli_image_formats_need_out_and_a_chart(capsys):
    with pytest.raises(SystemExit) as err:
        cli.main(["products", "--format", "svg"])
    assert err.value.code == 2 and "--out" in capsys.readouterr().err
    without = next(name for name, e in EXPERIMENTS.items() if not e.figures)
    with pytest.raises(SystemExit) as err:
        cli.main([without, "--format", "png", "--out", "x.png"])
    assert err.value.code == 2
    with pytest.raises(SystemExit) as err:
        cli.main(["products", "--format", "svg", "--figure", "nope", "--out", "x.svg"])
    assert err.value.code == 2


def test_every_experiment_with_a_chart_offers_svg_png_and_its_figures():
    parser = cli.build_parser(EXPERIMENTS)
    sub = next(a for a in parser._actions if a.dest == "experiment")
    for name, exp in EXPERIMENTS.items():
        actions = {a.dest: a for a in sub.choices[name]._actions}
        formats = set(actions["format"].choices)
        assert ({"svg", "png"} <= formats) == bool(exp.figures), name
        if exp.figures:
            assert list(actions["figure"].choices) == [f.key for f in exp.figures]
