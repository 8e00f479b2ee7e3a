"""A render worker that is killed, fails, writes garbage or hangs, and a busy render slot: each is a clear message on
the page (never nothing, never a traceback), a hung worker is stopped with everything it started, and the slot is
freed. The worker is replaced by a fake (``residual_core.charts.export.WORKER``) that runs a shell command."""

from __future__ import annotations

import threading
import time

import pytest
from streamlit.testing.v1 import AppTest

from lab.chrome.text import plain
from residual_core.charts import export
from tests.conftest import open_file_panels

STOPPED = "The PNG could not be drawn (the drawing process stopped); try again"
DOC = {"mark": "point", "data": {"values": [{"x": 1}]}, "encoding": {"x": {"field": "x"}}}


def fake_worker(monkeypatch, tmp_path, script: str) -> None:
    """Every render runs ``sh -c script`` instead of the real worker (started the same way, by its file)."""
    fake = tmp_path / "fake_worker.py"
    fake.write_text(f"import os\nos.execvp('sh', ['sh', '-c', {script!r}])\n")
    monkeypatch.setattr(export, "WORKER", fake)


@pytest.fixture
def fresh(monkeypatch):
    """lab.figures.export with an empty file cache and no remembered failures."""
    from lab.figures import export as lab_export

    monkeypatch.setattr(lab_export, "_FILES", type(lab_export._FILES)(max_weight=lab_export.CACHE_BYTES))
    monkeypatch.setattr(lab_export, "_FAILED", {}, raising=False)
    return lab_export


@pytest.mark.parametrize(
    "script",
    [
        "kill -9 $$",  # killed (the out-of-memory killer, an operator)
        "echo 'Traceback (most recent call last): File \"/srv/app/secret.py\"' >&2; exit 1",  # failed
        "cat > /dev/null; printf 'not a png'",  # exit 0 with garbage
        "cat > /dev/null",  # exit 0 with nothing
    ],
    ids=["killed", "exit-1", "garbage", "empty"],
)
def test_a_worker_that_stops_is_one_clear_message(monkeypatch, tmp_path, script):
    fake_worker(monkeypatch, tmp_path, script)
    with pytest.raises(export.ExportError) as err:
        export.render_in_worker(DOC, "png")
    assert str(err.value) == STOPPED


def test_a_hung_worker_is_stopped_with_everything_it_started(monkeypatch, tmp_path):
    pid_file = tmp_path / "pid"
    # the worker starts a child that holds its output pipe: killing the worker alone leaves the render waiting
    fake_worker(monkeypatch, tmp_path, f"sleep 300 & echo $! > {pid_file}; wait")
    errors = []

    def render():
        try:
            export.render_in_worker(DOC, "png", timeout=1)
        except export.ExportError as err:
            errors.append(str(err))

    thread = threading.Thread(target=render, daemon=True)
    thread.start()
    thread.join(60)  # a liveness guard, not a speed goal: the old code waited for the child's 300 s
    assert not thread.is_alive(), "the render still waits for the hung worker's child"
    assert errors and "could not be drawn" in errors[0] and "try again" in errors[0]
    child = int(pid_file.read_text())
    for _ in range(50):
        if not _alive(child):
            break
        time.sleep(0.1)
    assert not _alive(child), "the hung worker's child still runs"
    assert export.WORKER_TIMEOUT_SECONDS <= 15  # the only render slot is held at most this long


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def test_a_hung_worker_frees_the_slot_and_who_waited_for_it_gets_its_message(monkeypatch, tmp_path, fresh):
    starts = tmp_path / "starts"
    fake_worker(monkeypatch, tmp_path, f"echo x >> {starts}; exec sleep 300")
    monkeypatch.setattr(export, "WORKER_TIMEOUT_SECONDS", 1)
    spec = {"mark": "point", "datasets": {}, "data": {"values": []}}
    messages = []

    def ask():
        try:
            fresh.chart_file(spec, "png")
        except export.ExportError as err:
            messages.append(str(err))

    threads = [threading.Thread(target=ask, daemon=True) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert len(messages) == 3 and all("could not be drawn" in m for m in messages)
    assert starts.read_text().count("x") == 1  # one hung worker, stopped once, not once per visitor
    assert fresh._SLOTS.acquire(blocking=False)  # the slot is free again
    fresh._SLOTS.release()


SCRIPT = """
import lab
from residual_core.catalog import vanishing as declared
result = lab.compute(declared.PRODUCTS, factor=0.9, depth=12, seed=1)
lab.figure(declared.PRODUCTS, "gradients", result, log_y=False)
"""


def _click(at: AppTest, label: str) -> AppTest:
    at = open_file_panels(at)
    next(b for b in at.get("download_button") if b.label == label).click()
    return at.run()


def test_a_killed_worker_is_a_notice_on_the_page(monkeypatch, tmp_path, fresh):
    fake_worker(monkeypatch, tmp_path, "kill -9 $$")
    at = _click(AppTest.from_string(SCRIPT, default_timeout=60).run(), "PNG")
    assert not at.exception
    assert [w.value for w in at.warning] == [plain(STOPPED)]  # the message, as plain text
    at = at.run()  # the notice is shown once, for the click that failed
    assert not at.warning and not at.exception


def test_a_busy_slot_is_the_apps_busy_notice_on_the_page(monkeypatch, tmp_path, fresh):
    fake_worker(monkeypatch, tmp_path, "kill -9 $$")  # never reached: the slot is taken
    monkeypatch.setattr(fresh, "WAIT_SECONDS", 0.2)
    assert fresh._SLOTS.acquire(timeout=30)
    try:
        at = _click(AppTest.from_string(SCRIPT, default_timeout=60).run(), "SVG")
    finally:
        fresh._SLOTS.release()
    assert not at.exception
    assert [w.value for w in at.warning] == [plain("The server is busy drawing other files; try again in a moment")]
