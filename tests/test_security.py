"""Security basics, checked in the source: XSRF protection stays on, nothing a visitor sends reaches HTML, a file
path, eval/exec or a deserializer, no page relies on Streamlit's magic (switched off), dependencies are pinned."""

from __future__ import annotations

import ast
import tomllib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as hs

from tests.conftest import ROOT

_CODE = ("lab", "pages", "residual_core")
SOURCES = [*sorted(p for d in _CODE for p in (ROOT / d).rglob("*.py") if "__pycache__" not in p.parts), ROOT / "app.py"]
# Every place that opens a file, and why its path cannot come from a visitor.
FILE_ACCESS = {
    "lab/computing/cache.py": "the benchmark's computation log, named by the RESIDUAL_LAB_COMPUTE_LOG environment "
    "variable",
    "residual_core/training/tasks.py": "the packaged text residual_core/data/gettysburg.txt (a module constant)",
    "residual_core/cli.py": "--out FILE of the command line: a path the person at the terminal types, never a visitor",
    "residual_core/lectures.py": "lectures/<stem>.toml: a visitor's lecture=STEM is accepted only if it matches STEM "
    "and names a file listed in lectures/ (tests/test_lectures.py tries hostile stems), and at most 64 KB is read",
    "residual_core/room_store.py": "the rooms' SQLite file $RESIDUAL_LAB_DATA/rooms.sqlite3 (set by whoever deploys "
    "the app); a visitor's room code only ever goes into SQL parameters",
    "residual_core/room_pg.py": "the PostgreSQL server named by $RESIDUAL_LAB_STORE (set by whoever deploys the app, "
    "never a visitor); a visitor's room code and answers only ever go into SQL parameters",
}
# Every place that starts a process, and why nothing a visitor sends reaches its command line.
PROCESSES = {
    "residual_core/charts/export.py": "the SVG/PNG render worker: a fixed argv (this Python, the worker's file, a "
    "checked format, a float), the chart's JSON on stdin, no shell",
}
DESERIALIZERS = {("pickle", "load"), ("pickle", "loads"), ("torch", "load"), ("marshal", "loads"), ("yaml", "load")}
DESERIALIZERS |= {("joblib", "load"), ("dill", "load"), ("dill", "loads"), ("shelve", "open")}


def _calls(path):
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    return [n for n in ast.walk(tree) if isinstance(n, ast.Call)]


def _name(func) -> tuple[str, str]:
    if isinstance(func, ast.Name):
        return "", func.id
    if isinstance(func, ast.Attribute):
        owner = func.value.id if isinstance(func.value, ast.Name) else ""
        return owner, func.attr
    return "", ""


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_eval_exec_deserializer_or_shell(path):
    for call in _calls(path):
        owner, name = _name(call.func)
        where = f"{path.relative_to(ROOT)}:{call.lineno}"
        assert not (owner == "" and name in {"eval", "exec", "compile", "__import__"}), where
        assert (owner, name) not in DESERIALIZERS, where
        assert not any(k.arg == "shell" for k in call.keywords), where
        assert not (owner == "os" and name in {"system", "popen"}), where
        if owner == "subprocess":
            assert str(path.relative_to(ROOT)) in PROCESSES, f"{where}: a new process to review (list it in PROCESSES)"


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(ROOT)))
def test_html_is_never_built_from_values(path):
    """``unsafe_allow_html=True`` (and st.html) only with a fixed string: never text that holds a URL value."""
    for call in _calls(path):
        _, name = _name(call.func)
        unsafe = any(k.arg == "unsafe_allow_html" and getattr(k.value, "value", False) is True for k in call.keywords)
        if unsafe or name == "html":
            body = call.args[0] if call.args else None
            assert body is not None and _fixed(body), f"{path.relative_to(ROOT)}:{call.lineno}: HTML from a value"


# Builders that put values into HTML through html.escape only (each is tested below with hostile text).
ESCAPING = {"qr_html", "scroll_script"}


def _fixed(node) -> bool:
    """A string known when the module loads (a literal, a module constant in UPPER_CASE), the output of a builder
    that escapes what it is given, or a sum or choice of these."""
    if isinstance(node, ast.Constant):
        return True
    if isinstance(node, ast.Call):
        return _name(node.func)[1] in ESCAPING
    if isinstance(node, ast.Name):
        return node.id.isupper()
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        return _fixed(node.left) and _fixed(node.right)
    if isinstance(node, ast.IfExp):
        return _fixed(node.body) and _fixed(node.orelse)
    return False


@given(text=hs.text(max_size=60))
@settings(max_examples=100, deadline=None)
def test_the_scroll_script_takes_a_section_name_only(text):
    from lab.classroom.lecture import SCROLL_JS, scroll_script

    out = scroll_script(text)
    assert out == "" or (out.count("<") == SCROLL_JS.count("<") and f'"{text}"' in out)
    assert scroll_script(text + "</script><img src=x>") == ""
    assert scroll_script("the-path-length-view") == SCROLL_JS.replace("__SECTION__", '"the-path-length-view"')


@given(text=hs.text(max_size=40), caption=hs.text(max_size=20))
@settings(max_examples=60, deadline=None)
def test_the_qr_builder_escapes_what_it_is_given(text, caption):
    from lab.chrome import share

    out = share.qr_html("https://x/?q=" + text + "<script>alert(1)</script>", caption=caption + '"><img src=x>')
    assert "<script" not in out and "<img src=x>" not in out
    assert out.count("<img ") == 1 and out.count("<div") == 2


def test_files_are_opened_only_where_reviewed():
    found = set()
    for path in SOURCES:
        for call in _calls(path):
            _, name = _name(call.func)
            if name in {"open", "read_text", "read_bytes", "write_text", "write_bytes", "connect"}:
                found.add(str(path.relative_to(ROOT)))
    assert found <= set(FILE_ACCESS), f"new file access to review (and list in FILE_ACCESS): {found - set(FILE_ACCESS)}"


def test_xsrf_protection_stays_on_and_magic_off():
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    assert config.get("server", {}).get("enableXsrfProtection", True) is True
    assert config.get("server", {}).get("enableCORS", True) is True
    assert config["runner"]["magicEnabled"] is False


@pytest.mark.parametrize("path", [ROOT / "app.py", *sorted((ROOT / "pages").glob("*.py"))], ids=lambda p: p.name)
def test_no_page_relies_on_magic(path):
    """With magic off, a bare expression (not a call, not the docstring) would silently show nothing."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        for i, child in enumerate(body if isinstance(body, list) else []):
            if isinstance(child, ast.Expr) and not isinstance(child.value, ast.Call | ast.Await):
                docstring = i == 0 and isinstance(child.value, ast.Constant) and isinstance(child.value.value, str)
                assert docstring, f"{path.name}:{child.lineno}: a bare expression magic would have written"


@pytest.mark.parametrize("name", ["requirements.txt", "requirements-dev.txt"])
def test_dependencies_are_pinned(name):
    for line in (ROOT / name).read_text().splitlines():
        line = line.split("#")[0].strip()
        if line and not line.startswith("-"):
            assert "==" in line, f"{name}: {line} is not pinned"
