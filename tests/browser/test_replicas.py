"""Issue 21: a room across two replicas behind a real load balancer.

The topology, all on loopback: a throw-away PostgreSQL server (tests/pg_cluster.py), two ``streamlit run app.py``
replicas whose ``RESIDUAL_LAB_STORE`` is that server (each with a data folder of its own, so no SQLite file can be
shared by accident), and Debian's HAProxy in front (round-robin, websockets passed through, a ``LABREPLICA``
cookie that keeps a browser on the replica it was given, as docs/haproxy.cfg does). The presenter's browser context
is given replica A, the students' contexts replica B (their cookie set before their first request), and every
response says which replica served it (``X-Replica``), which the test checks.

The presenter opens a room on A; students join it on B; they follow a scene switch within 2 s; their answers (one
of them answering twice) are counted once each; replica B is then stopped: the balancer sends the students to A,
no answer is lost, the reveal shows the histogram of both answers and the students see the result.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.browser.test_browser import _free_port
from tests.browser.test_room import _no_errors, _question, _settled
from tests.conftest import ROOT, missing_service

pytestmark = pytest.mark.slow
FOLLOW_SECONDS = 2.0
COOKIE = "LABREPLICA"


class Replica:
    """``streamlit run app.py`` on a free loopback port with the given environment (started by :meth:`wait`)."""

    def __init__(self, name: str, env: dict[str, str]):
        self.name, self.port = name, _free_port()
        self.log = Path(env["RESIDUAL_LAB_DATA"]) / "streamlit.log"
        command = [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(self.port),
                   "--server.address", "127.0.0.1", "--server.headless", "true"]  # fmt: skip
        with open(self.log, "wb") as log:
            self.proc = subprocess.Popen(command, cwd=ROOT, env={**os.environ, **env}, stdout=log, stderr=log)

    def wait(self, seconds: float = 90) -> None:
        deadline = time.time() + seconds
        while time.time() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/_stcore/health", timeout=2) as r:
                    if r.status == 200:
                        return
            except OSError:
                time.sleep(0.3)
        raise RuntimeError(f"replica {self.name} did not start: {self.log.read_text()[-2000:]}")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()


HAPROXY = """\
global
    maxconn 2000
defaults
    mode http
    option redispatch
    retries 3
    timeout connect 5s
    timeout client 1h
    timeout server 1h
    timeout tunnel 1h
frontend lab
    bind 127.0.0.1:{port}
    default_backend replicas
backend replicas
    balance roundrobin
    cookie {cookie} insert indirect nocache
    option httpchk GET /_stcore/health
    http-response set-header X-Replica %s
    server a 127.0.0.1:{a} check inter 500 fall 2 rise 2 cookie a
    server b 127.0.0.1:{b} check inter 500 fall 2 rise 2 cookie b
"""


class Balancer:
    """HAProxy in the foreground, its configuration in a temporary folder."""

    def __init__(self, folder: Path, a: Replica, b: Replica):
        exe = shutil.which("haproxy") or "/usr/sbin/haproxy"
        self.port = _free_port()
        config = folder / "haproxy.cfg"
        config.write_text(HAPROXY.format(port=self.port, cookie=COOKIE, a=a.port, b=b.port))
        subprocess.run([exe, "-c", "-f", config], check=True, capture_output=True, timeout=30)
        self.log = folder / "haproxy.log"
        with open(self.log, "wb") as log:
            self.proc = subprocess.Popen([exe, "-db", "-f", config], stdout=log, stderr=log)

    def url(self, path: str = "") -> str:
        return f"http://127.0.0.1:{self.port}/{path}"

    def served_by(self) -> str:
        with urllib.request.urlopen(self.url("_stcore/health"), timeout=5) as r:
            return r.headers["X-Replica"]

    def wait_both_up(self, seconds: float = 30) -> None:
        deadline, seen = time.time() + seconds, set()
        while time.time() < deadline and seen != {"a", "b"}:
            try:
                seen.add(self.served_by())
            except OSError:
                time.sleep(0.2)
        assert seen == {"a", "b"}, f"round-robin reached only {seen}: {self.log.read_text()[-2000:]}"

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(10)


@pytest.fixture
def topology(pg_cluster):
    if not (shutil.which("haproxy") or Path("/usr/sbin/haproxy").exists()):
        missing_service("HAProxy (apt-get install haproxy)")
    name = f"topology_{os.getpid()}"
    pg_cluster.drop_database(name)
    url = pg_cluster.create_database(name)
    folder = Path(tempfile.mkdtemp(prefix="residual-topology-"))
    replicas = []
    for replica in ("a", "b"):
        (folder / replica).mkdir()
        env = {"RESIDUAL_LAB_STORE": url, "RESIDUAL_LAB_DATA": str(folder / replica), "RESIDUAL_LAB_STORE_POOL": "4"}
        replicas.append(Replica(replica, env))
    balancer = None
    try:
        for replica in replicas:
            replica.wait()
        balancer = Balancer(folder, *replicas)
        balancer.wait_both_up()
        yield {"balancer": balancer, "a": replicas[0], "b": replicas[1], "url": url, "db": name}
    finally:
        if balancer is not None:
            balancer.stop()
        for replica in replicas:
            replica.stop()
        pg_cluster.drop_database(name)
        shutil.rmtree(folder, ignore_errors=True)


def _on(browser, balancer: Balancer, replica: str, path: str):
    """A new browser context given ``replica`` by the balancer's cookie, at ``path``; checks who served it."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.add_cookies([{"name": COOKIE, "value": replica, "url": balancer.url()}])
    page = context.new_page()
    response = page.goto(balancer.url(path))
    assert response.headers.get("x-replica") == replica, response.headers
    page.wait_for_selector("h1", timeout=60_000)
    _settled(page)
    return context, page


def _answers(pg_cluster, db: str, code: str) -> int:
    with pg_cluster.admin(db) as conn:
        return conn.execute("SELECT COUNT(*) FROM answers WHERE room = %s", (code,)).fetchone()[0]


def test_a_room_across_two_replicas_behind_the_balancer(topology, browser, pg_cluster):
    lb, db = topology["balancer"], topology["db"]
    # -- the presenter, on replica A, opens the lecture and a room -----------------------------------------------------
    pctx, presenter = _on(browser, lb, "a", "?lecture=residuals&scene=1&present=1")
    presenter.wait_for_url(re.compile(r"/vanishing\?.*scene=1"), timeout=60_000)
    assert "0.9¹⁰⁰" in _question(presenter)
    presenter.get_by_role("button", name="Open a room for the class").click()
    presenter.wait_for_url(re.compile(r"token="), timeout=60_000)
    _settled(presenter)
    code = parse_qs(urlsplit(presenter.url).query)["room"][0]

    # -- two students join on replica B: the room is there (shared store), not "not on this server" --------------------
    students = [_on(browser, lb, "b", f"?room={code}") for _ in range(2)]
    for _, student in students:
        student.wait_for_url(re.compile(r"/vanishing\?.*room="), timeout=60_000)
        _settled(student)
        assert "0.9¹⁰⁰" in _question(student)
        assert "not on this server" not in student.locator("body").inner_text()

    # -- the presenter advances on A; the students on B follow within 2 s ----------------------------------------------
    presenter.locator("h1").first.click()
    presenter.keyboard.press("PageDown")
    start = time.monotonic()
    for _, student in students:
        student.wait_for_function(
            "() => (document.querySelector('.st-key-lab-ask') || {}).innerText?.includes('1.1¹⁰⁰')",
            timeout=15_000,
            polling=50,
        )
    followed = time.monotonic() - start
    assert followed < FOLLOW_SECONDS, f"the students on the other replica followed after {followed:.2f} s"
    presenter.wait_for_url(re.compile(r"scene=2"), timeout=30_000)
    _settled(presenter)

    # -- they answer (the second one twice): two voters, counted once each ---------------------------------------------
    for (_, student), values in zip(students, (["20000"], ["900", "15000"]), strict=True):
        shown = None
        for value in values:
            _settled(student)
            box = student.locator(".st-key-lab-ask input[type='text']")
            box.fill(value)
            student.get_by_role("button", name=re.compile("(Lock in|Change) my prediction")).click()
            mine = student.get_by_text("Your prediction:")
            mine.wait_for(timeout=30_000)
            deadline = time.time() + 30
            while mine.inner_text() == shown:  # the second answer replaces the first on the page
                assert time.time() < deadline, f"the answer {value} was not taken"
                time.sleep(0.1)
            shown = mine.inner_text()
            _settled(student)
    presenter.get_by_text("2 voters so far").wait_for(timeout=15_000)
    assert _answers(pg_cluster, db, code) == 2

    # -- replica B stops: its students are sent to A, and no answer is lost --------------------------------------------
    topology["b"].stop()
    deadline = time.time() + 15
    while lb.served_by() != "a" or lb.served_by() != "a":  # the balancer has seen B go down
        assert time.time() < deadline, "the balancer still sends requests to the stopped replica"
        time.sleep(0.2)
    assert _answers(pg_cluster, db, code) == 2
    presenter.get_by_role("button", name="Reveal the answer").click()
    chart = presenter.locator(".st-key-lab-ask [data-testid='stVegaLiteChart']")
    chart.wait_for(timeout=60_000)
    label = chart.get_attribute("aria-label")
    assert "class's 2 answers" in label and "1e4 – 1e5: 2" in label, label
    for _, student in students:  # reconnected through the balancer to A, still following: the reveal reaches them
        student.get_by_text("Answer: 1.38e+04").wait_for(timeout=60_000)
        _settled(student)
        assert student.get_by_text("Your prediction:").count() >= 1  # their answer is theirs on the other replica
    _no_errors(presenter)
    for context, student in students:
        _no_errors(student)
        context.close()
    pctx.close()
