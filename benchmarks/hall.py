"""A lecture hall on one link: N students open the app at once, measured over Streamlit's own websocket protocol.

The script starts ``streamlit run app.py`` on a free loopback port (a fresh server per measurement), then opens N
sessions through ``/_stcore/stream`` the way the browser does: a ``BackMsg`` with ``rerun_script`` carrying the
page's ``query_string`` and its ``page_name`` (the URL path), after which it reads ``ForwardMsg`` s until
``script_finished``. It reports, per scenario:

* the time from opening the websocket to ``script_finished``: p50, p95 and max (for slider reruns: from the rerun
  request to its ``script_finished``);
* exceptions (``delta`` elements of type ``exception``, shown as tracebacks), errors (``st.error`` alerts, a missing
  page, a closed socket, a session that did not finish in time) and ``Traceback`` lines in the server's log;
* server CPU seconds during the scenario (``/proc/PID/stat``) and the server's RSS before, at its peak (sampled every
  50 ms) and after (2 s after the last session closed);
* how many computations the server ran, and the most any one key was computed (``lab.compute`` appends each
  computation to the file named by ``RESIDUAL_LAB_COMPUTE_LOG``, which this script sets).

Sessions behave like open browser tabs: they stay connected until every session of the scenario has finished and
answer the server's ``auto_rerun`` requests (the training lab's live chart polls) as the browser does.

Scenarios (``--scenario``, repeatable; default all but ``long``):

* ``same``: N sessions (default 100) on the default link of each page, one page at a time, a fresh server each;
* ``spread``: N sessions round-robin over all pages;
* ``sliders``: 10 sessions (``--sessions``), each opens a page (round-robin) and then moves a random slider 5 times
  (``--reruns``), values drawn on the slider's own grid within its own bounds, as read from the page;
* ``training``: the training lab's default link, first with one session alone, then with 50 sessions watching the
  same run on a fresh server: the run trains once; reports its wall time in both cases and the server's CPU;
* ``long``: ``--rounds`` rounds of ``spread`` and ``sliders`` on one server: CPU and RSS over a long run (to decide
  ``runner.postScriptGC``).
* ``ratio``: one warmed server that also serves a bare page (``pages/hall_bare.py``, added to a temporary copy of
  the app made of symlinks); for each page, ``--repeats`` times, N sessions on the bare page then N on the page,
  alternated: the server CPU per visit of each page as a ratio to the bare page's in the same process (the median of
  the repeats), the figure that holds on a shared machine.

Warm-up (``--warmup page``, the default) visits every page once, one after the other, before the measurement; with
``--warmup none`` the hall arrives at a freshly woken app. ``--postscriptgc true false`` measures both settings.
``--quick`` is a smoke run with a handful of sessions. Pages come from ``lab.available_pages()``, sliders from the
pages themselves, so new pages and controls are measured without editing this script.

Bounded: at most 250 sessions, ``--timeout`` seconds per measurement (the sessions still running then count as
errors); loopback only; the server is stopped at the end, also on Ctrl-C.

Run: ``python benchmarks/hall.py --quick`` (about a minute); ``python benchmarks/hall.py`` (all scenarios, about
15 minutes); ``python benchmarks/hall.py --scenario same --warmup none --sessions 100``.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import json
import os
import random
import re
import resource
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import websockets  # noqa: E402
from streamlit.proto.BackMsg_pb2 import BackMsg  # noqa: E402
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg  # noqa: E402

MAX_SESSIONS = 250
EXTRA: list[str] = []  # further ``streamlit run`` options (--option)
APP = ROOT  # the checkout whose app.py is served (--app: e.g. an exported older commit, to compare)
HOST = "127.0.0.1"  # loopback only
TICKS = os.sysconf("SC_CLK_TCK")
TRAINED = re.compile(r"Trained in ([0-9.]+) s")  # the training lab's caption for a finished run (lab.live_run)


# -- the server ------------------------------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


class Server:
    """``streamlit run app.py`` on a free loopback port, with its CPU and memory read from /proc."""

    def __init__(self, *, post_script_gc: bool | None, extra: list[str] | None = None):
        self.port = _free_port()
        # Kept open for the server's lifetime (closed and removed in stop()).
        self.log = tempfile.NamedTemporaryFile("w+", prefix="hall-server-", suffix=".log", delete=False)  # noqa: SIM115
        self.compute_log = tempfile.NamedTemporaryFile("w+", prefix="hall-compute-", suffix=".log", delete=False)  # noqa: SIM115
        env = {**os.environ, "RESIDUAL_LAB_COMPUTE_LOG": self.compute_log.name}
        cmd = [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(self.port)]
        cmd += ["--server.address", HOST, "--server.headless", "true", "--browser.gatherUsageStats", "false"]
        if post_script_gc is not None:  # else .streamlit/config.toml decides
            cmd += ["--runner.postScriptGC", "true" if post_script_gc else "false"]
        cmd += extra or []
        self.proc = subprocess.Popen(cmd, cwd=APP, env=env, stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"streamlit exited with {self.proc.returncode}; log: {self.log.name}")
            try:
                with urllib.request.urlopen(f"http://{HOST}:{self.port}/_stcore/health", timeout=2) as r:
                    if r.status == 200:
                        return
            except OSError:
                time.sleep(0.2)
        self.stop()
        raise RuntimeError("streamlit did not start within 90 s")

    @property
    def url(self) -> str:
        return f"ws://{HOST}:{self.port}/_stcore/stream"

    def cpu_seconds(self) -> float:
        fields = Path(f"/proc/{self.proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / TICKS  # utime + stime of the whole process (all threads)

    def rss_mb(self) -> float:
        for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
        return 0.0

    def log_tracebacks(self) -> list[str]:
        """The last line of every traceback in the server's log (the exception itself)."""
        lines = Path(self.log.name).read_text(errors="replace").splitlines()
        found = []
        for i, line in enumerate(lines):
            if line.startswith("Traceback"):
                j = i + 1
                while j < len(lines) and (lines[j].startswith(" ") or not lines[j].strip()):
                    j += 1
                found.append(lines[j].strip() if j < len(lines) else line)
        return found

    def computations(self) -> collections.Counter:
        """How often each ``lab.compute`` key was computed (not served from a cache) so far."""
        text = Path(self.compute_log.name).read_text()
        return collections.Counter(line.split("\t")[0] for line in text.splitlines() if line)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        for f in (self.log, self.compute_log):
            f.close()
            Path(f.name).unlink(missing_ok=True)


class Sampler:
    """Samples the server's RSS every ``every`` seconds in a thread; ``peak`` is the largest sample."""

    def __init__(self, server: Server, every: float = 0.05):
        self.server, self.every = server, every
        self.peak = server.rss_mb()
        self.loads: list[float] = []  # the machine's 1-minute load average, once a second
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self):
        n = 0
        while not self._stop.wait(self.every):
            n += 1
            if n % round(1 / self.every) == 0:
                self.loads.append(os.getloadavg()[0])
            try:
                self.peak = max(self.peak, self.server.rss_mb())
            except OSError:
                return

    def stop(self) -> float:
        self._stop.set()
        self._thread.join()
        return self.peak


# -- one browser tab -------------------------------------------------------------------------------------------------


@dataclass
class Slider:
    id: str
    key: str  # the URL query parameter
    lo: float
    hi: float
    step: float
    is_int: bool
    value: float


@dataclass
class Session:
    """One browser tab on ``page`` (a URL path, ``""`` for the home page) with ``query`` (no leading ``?``)."""

    page: str
    query: str = ""
    poll: bool = True  # answer auto_rerun requests (live fragments) as the browser does
    times: list = field(default_factory=list)  # seconds to script_finished: the first run, then every rerun
    exceptions: list = field(default_factory=list)
    errors: list = field(default_factory=list)
    alerts: list = field(default_factory=list)  # st.error boxes the page draws on purpose (e.g. a shape error shown)
    sliders: dict = field(default_factory=dict)
    trained_in: float | None = None  # the training lab's "Trained in X s" once shown
    full_runs: int = 0
    finished_at: float = 0.0  # time.perf_counter() when the last full run's script_finished was read
    endings: collections.Counter = field(default_factory=collections.Counter)  # script_finished kinds, counted
    elements: int = 0  # delta messages (elements and blocks) the first visit received: each costs server CPU
    page_hash: str = ""
    _ws: object = None
    _finished: asyncio.Event | None = None
    _trained: asyncio.Event | None = None
    _polls: dict = field(default_factory=dict)

    async def open(self, url: str, timeout: float) -> None:
        self._finished, self._trained = asyncio.Event(), asyncio.Event()
        start = time.perf_counter()
        try:
            self._ws = await websockets.connect(
                url,
                subprotocols=["streamlit", "PLACEHOLDER_AUTH_TOKEN"],
                max_size=None,
                open_timeout=timeout,
                ping_interval=None,  # a browser answers pings but sends none: a busy server must not drop us
            )
        except (TimeoutError, OSError, websockets.WebSocketException) as err:
            self.errors.append(f"connect: {type(err).__name__}: {err}")
            return
        self._reader = asyncio.create_task(self._read())
        await self._send_rerun(self.query, widgets=None)
        await self._wait(start, timeout)

    async def rerun_slider(self, rng: random.Random, timeout: float) -> None:
        """Move one of the page's sliders to a random value on its grid (not its current one) and rerun."""
        if not self.sliders or self._ws is None:
            return
        s = self.sliders[rng.choice(sorted(self.sliders))]
        steps = max(round((s.hi - s.lo) / s.step), 1)
        value = s.value
        while value == s.value and steps > 0:
            value = s.lo + rng.randint(0, steps) * s.step
            value = float(round(value)) if s.is_int else round(value, 10)
        s.value = value
        params = dict(urllib.parse.parse_qsl(self.query, keep_blank_values=True))
        params[s.key] = str(int(value)) if s.is_int else f"{value:g}"
        self.query = urllib.parse.urlencode(params)
        from streamlit.proto.WidgetStates_pb2 import WidgetState

        state = WidgetState(id=s.id)
        state.double_array_value.data.append(value)
        start = time.perf_counter()
        await self._send_rerun(self.query, widgets=[state])
        await self._wait(start, timeout)

    async def watch_training(self, timeout: float) -> None:
        """Stay on the page (answering its polls) until it shows the finished run's "Trained in X s"."""
        if self._ws is None:
            return
        try:
            await asyncio.wait_for(self._trained.wait(), timeout)
        except TimeoutError:
            self.errors.append(f"/{self.page}: the training run did not finish within {timeout:.0f} s")

    async def _wait(self, start: float, timeout: float) -> None:
        try:
            await asyncio.wait_for(self._finished.wait(), timeout)
            self.times.append(time.perf_counter() - start)
        except TimeoutError:
            self.errors.append(f"/{self.page}: no script_finished within {timeout:.0f} s")
        self._finished.clear()

    async def _send_rerun(self, query: str, widgets, fragment_id: str = "") -> None:
        msg = BackMsg()
        state = msg.rerun_script
        state.query_string = query
        state.page_name = self.page
        state.page_script_hash = self.page_hash if widgets is not None or fragment_id else ""
        if fragment_id:
            state.fragment_id, state.is_auto_rerun = fragment_id, True
        for w in widgets or ():
            state.widget_states.widgets.append(w)
        try:
            await self._ws.send(msg.SerializeToString())
        except websockets.WebSocketException as err:
            self.errors.append(f"send: {type(err).__name__}")

    async def _read(self) -> None:
        try:
            async for data in self._ws:
                msg = ForwardMsg()
                msg.ParseFromString(data)
                self._handle(msg)
        except websockets.ConnectionClosedError as err:
            self.errors.append(f"/{self.page}: socket closed: {err}")
            self._finished.set()

    def _handle(self, msg: ForwardMsg) -> None:
        kind = msg.WhichOneof("type")
        if kind == "delta" and not self.full_runs:
            self.elements += 1
        if kind == "navigation":  # the page being run (as the browser learns it; reruns send it back)
            self.page_hash = msg.navigation.page_script_hash
        elif kind == "delta" and msg.delta.WhichOneof("type") == "new_element":
            self._element(msg.delta.new_element)
        elif kind == "page_not_found":
            self.errors.append(f"page not found: {msg.page_not_found.page_name!r}")
        elif kind == "page_info_changed":
            self.query = msg.page_info_changed.query_string
        elif kind == "auto_rerun" and self.poll:
            fid = msg.auto_rerun.fragment_id
            if fid not in self._polls:
                self._polls[fid] = asyncio.get_running_loop().create_task(self._poll(fid, msg.auto_rerun.interval))
        elif kind == "stop_auto_rerun":
            for task in self._polls.values():
                task.cancel()
            self._polls.clear()
        elif kind == "script_finished":
            self.endings[ForwardMsg.ScriptFinishedStatus.Name(msg.script_finished)] += 1
            if msg.script_finished == ForwardMsg.FINISHED_WITH_COMPILE_ERROR:
                self.errors.append("compile error")
            if msg.script_finished in (ForwardMsg.FINISHED_SUCCESSFULLY, ForwardMsg.FINISHED_WITH_COMPILE_ERROR):
                self.full_runs += 1
                self.finished_at = time.perf_counter()
                self._finished.set()

    def _element(self, el) -> None:
        what = el.WhichOneof("type")
        if what == "exception" and not el.exception.is_warning:
            self.exceptions.append(f"{el.exception.type}: {el.exception.message}"[:300])
        elif what == "alert" and el.alert.format == el.alert.ERROR:
            self.alerts.append(f"st.error: {el.alert.body}"[:120])
        elif what == "markdown" and (m := TRAINED.search(el.markdown.body)):
            self.trained_in = float(m.group(1))
            self._trained.set()
        elif what == "slider" and el.slider.query_param_key and len(el.slider.value or el.slider.default) == 1:
            s = el.slider  # a single-value slider bound to the URL (its value is set only when the script set it)
            value = (s.value or s.default)[0]
            self.sliders[s.query_param_key] = Slider(
                s.id, s.query_param_key, s.min, s.max, s.step or 1.0, s.data_type == s.INT, value
            )

    async def _poll(self, fragment_id: str, interval: float) -> None:
        while True:
            await asyncio.sleep(max(interval, 0.2))
            await self._send_rerun(self.query, widgets=None, fragment_id=fragment_id)

    async def close(self) -> None:
        for task in self._polls.values():
            task.cancel()
        if self._ws is not None:
            await self._ws.close()
            self._reader.cancel()


# -- scenarios -------------------------------------------------------------------------------------------------------


BARE: list[str] = []  # --bare: the one path of the bare app (the baseline CPU per visit)

BARE_APP = """import streamlit as st

st.title("A bare page")
st.markdown("One paragraph of text, one slider, nothing computed: what Streamlit itself costs per visit.")
st.slider("A slider", 0, 100, 50, key="x", bind="query-params")
"""


def bare_app() -> Path:
    """A temporary folder with the bare app and this repository's ``.streamlit/config.toml``."""
    folder = Path(tempfile.mkdtemp(prefix="hall-bare-"))
    (folder / "app.py").write_text(BARE_APP)
    (folder / ".streamlit").mkdir()
    (folder / ".streamlit" / "config.toml").write_text((ROOT / ".streamlit" / "config.toml").read_text())
    return folder


def pages() -> list[str]:
    """The URL paths of every page that exists (``""`` is the home page)."""
    if BARE:
        return BARE
    import lab

    return [p.key for p in lab.available_pages()]


async def _visit_all(server: Server, paths: list[str], timeout: float) -> list[Session]:
    """One session per page, one after the other (the warm-up)."""
    done = []
    for path in paths:
        s = Session(path, poll=False)
        await s.open(server.url, timeout)
        await s.close()
        done.append(s)
    return done


async def _hall(
    server: Server, sessions: list[Session], timeout: float, *, reruns: int = 0, seed: int = 0, train: bool = False
):
    """Open every session at once; with ``reruns``, each then moves a random slider that many times; with ``train``,
    each stays until the training run it watches has finished."""

    async def one(s: Session, rng: random.Random):
        await s.open(server.url, timeout)
        for _ in range(reruns):
            await s.rerun_slider(rng, timeout)
        if train:
            await s.watch_training(timeout)

    await asyncio.wait_for(
        asyncio.gather(*(one(s, random.Random(seed * 1000 + i)) for i, s in enumerate(sessions))), timeout * 2
    )


def _pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    values = sorted(values)
    return values[min(len(values) - 1, max(0, round(q * (len(values) - 1))))]


@dataclass
class Result:
    scenario: str
    gc: bool | None
    warmup: str
    sessions: int
    first: list = field(default_factory=list)  # seconds to the first script_finished, per session
    reruns: list = field(default_factory=list)  # seconds per slider rerun
    exceptions: list = field(default_factory=list)
    errors: list = field(default_factory=list)
    alerts: int = 0
    log_tracebacks: list = field(default_factory=list)
    cpu: float = 0.0
    wall: float = 0.0
    rss_before: float = 0.0
    rss_peak: float = 0.0
    rss_after: float = 0.0
    computations: int = 0
    max_per_key: int = 0
    load: float = 0.0  # mean 1-minute load average of the machine during the hall (2 = both cores busy)
    most_computed: str = ""
    extra: dict = field(default_factory=dict)

    def row(self) -> str:
        lat = self.reruns or self.first
        what = "rerun" if self.reruns else "open"
        gc = {True: "on", False: "off", None: "cfg"}[self.gc]
        return (
            f"{self.scenario:<24}{gc:>4}{self.warmup:>7}{self.sessions:>6}  {what:<5}"
            f"{_pct(lat, 0.5):>7.2f}{_pct(lat, 0.95):>7.2f}{max(lat, default=float('nan')):>7.2f}"
            f"{len(self.exceptions):>5}{len(self.errors):>5}{self.cpu:>8.1f}{self.wall:>7.1f}"
            f"{self.rss_before:>7.0f}{self.rss_peak:>7.0f}{self.rss_after:>7.0f}{self.computations:>6}{self.max_per_key:>5}{self.load:>6.1f}"
        )


HEADER = (
    f"{'scenario':<24}{'gc':>4}{'warm':>7}{'n':>6}  {'':<5}{'p50':>7}{'p95':>7}{'max':>7}{'exc':>5}{'err':>5}"
    f"{'cpu s':>8}{'wall':>7}{'rss0':>7}{'peak':>7}{'after':>7}{'comp':>6}{'max':>5}{'load':>6}"
)


def measure(
    scenario: str,
    sessions: list[Session],
    *,
    gc: bool | None,
    warmup: str,
    timeout: float,
    reruns: int = 0,
    seed: int = 0,
    warm_pages: list[str] | None = None,
    server: Server | None = None,
    train: bool = False,
) -> Result:
    """Run ``sessions`` at once on ``server`` (a fresh one if not given) and collect the figures."""
    own = server is None
    server = server or Server(post_script_gc=gc, extra=EXTRA)
    try:
        if warmup == "page" and own:
            asyncio.run(_visit_all(server, pages() if warm_pages is None else warm_pages, timeout))
        time.sleep(1.0)
        before_comp = server.computations()
        result = Result(scenario, gc, warmup, len(sessions), rss_before=server.rss_mb())
        sampler = Sampler(server)
        cpu0, t0 = server.cpu_seconds(), time.perf_counter()

        async def go():
            try:
                await _hall(server, sessions, timeout, reruns=reruns, seed=seed, train=train)
            except TimeoutError:
                pass
            finally:
                await asyncio.gather(*(s.close() for s in sessions), return_exceptions=True)

        asyncio.run(go())
        result.wall, result.cpu = time.perf_counter() - t0, server.cpu_seconds() - cpu0
        time.sleep(2.0)
        result.rss_peak, result.rss_after = sampler.stop(), server.rss_mb()
        result.load = sum(sampler.loads) / len(sampler.loads) if sampler.loads else os.getloadavg()[0]
        for s in sessions:
            result.first += s.times[:1]
            result.reruns += s.times[1:]
            result.exceptions += s.exceptions
            result.alerts += len(s.alerts)
            result.errors += s.errors + ([f"{s.page}: never finished"] if not s.times and not s.errors else [])
        by_page = collections.defaultdict(list)
        for s in sessions:
            by_page[s.page] += s.times[:1]
        result.extra["p95_by_page"] = {f"/{p}": round(_pct(t, 0.95), 2) for p, t in sorted(by_page.items())}
        result.extra["elements"] = round(_pct([s.elements for s in sessions if s.times], 0.5))
        result.extra["cpu_ms_per_visit"] = round(1000 * result.cpu / max(1, len(sessions)), 1)
        comp = server.computations() - before_comp
        result.computations = sum(comp.values())
        if comp:
            result.most_computed, result.max_per_key = comp.most_common(1)[0]
        result.log_tracebacks = server.log_tracebacks()
        return result
    finally:
        if own:
            server.stop()


def scenario_same(args, gc: bool | None) -> list[Result]:
    out = []
    for path in pages():
        sessions = [Session(path) for _ in range(args.sessions)]
        out.append(measure(f"same /{path}", sessions, gc=gc, warmup=args.warmup, timeout=args.timeout))
        _print(out[-1])
    return out


def scenario_spread(args, gc: bool | None) -> list[Result]:
    paths = pages()
    sessions = [Session(paths[i % len(paths)]) for i in range(args.sessions)]
    r = measure("spread", sessions, gc=gc, warmup=args.warmup, timeout=args.timeout)
    _print(r)
    return [r]


def scenario_sliders(args, gc: bool | None) -> list[Result]:
    paths = pages()
    n = min(args.slider_sessions, args.sessions)
    sessions = [Session(paths[i % len(paths)]) for i in range(n)]
    r = measure(
        f"sliders {n}x{args.reruns}",
        sessions,
        gc=gc,
        warmup=args.warmup,
        timeout=args.timeout,
        reruns=args.reruns,
        seed=args.seed,
    )
    _print(r)
    return [r]


def scenario_training(args, gc: bool | None) -> list[Result]:
    """The training lab's default link: one session alone, then ``--watchers`` on a fresh server."""
    others = [p for p in pages() if p != "training"]  # warming the training page would train the run
    out = []
    for n in (1, min(args.watchers, args.sessions)):
        sessions = [Session("training") for _ in range(n)]
        r = measure(
            f"training {n} watching",
            sessions,
            gc=gc,
            warmup=args.warmup,
            timeout=args.timeout,
            warm_pages=others,
            train=True,
        )
        trained = [s.trained_in for s in sessions if s.trained_in is not None]
        r.extra = {
            "run_seconds": max(trained) if trained else None,  # the server's own training time (lab.live_run)
            "sessions_saw_final": len(trained),
        }
        out.append(r)
        _print(r)
    alone, crowd = out[0].extra["run_seconds"], out[1].extra["run_seconds"]
    if alone and crowd:
        print(
            f"    training run alone {alone:.1f} s, with {out[1].sessions} watching {crowd:.1f} s: {crowd / alone:.2f}x"
        )
    return out


def scenario_long(args, gc: bool | None) -> list[Result]:
    """``--rounds`` rounds of spread + sliders on one server: CPU and RSS over a long run."""
    server = Server(post_script_gc=gc, extra=EXTRA)
    out = []
    try:
        if args.warmup == "page":
            asyncio.run(_visit_all(server, pages(), args.timeout))
        paths = pages()
        for k in range(args.rounds):
            spread = [Session(paths[i % len(paths)]) for i in range(args.sessions)]
            out.append(
                measure(f"long {k + 1} spread", spread, gc=gc, warmup=args.warmup, timeout=args.timeout, server=server)
            )
            _print(out[-1])
            n = min(args.slider_sessions, args.sessions)
            sliders = [Session(paths[i % len(paths)]) for i in range(n)]
            r = measure(
                f"long {k + 1} sliders",
                sliders,
                gc=gc,
                warmup=args.warmup,
                timeout=args.timeout,
                reruns=args.reruns,
                seed=args.seed + k,
                server=server,
            )
            out.append(r)
            _print(r)
    finally:
        server.stop()
    cpu = sum(r.cpu for r in out)
    print(
        f"    long run, gc {'on' if gc else 'off'}: server CPU {cpu:.1f} s in total; RSS after each round: "
        + ", ".join(f"{r.rss_after:.0f}" for r in out[1::2])
        + f" MB; peak {max(r.rss_peak for r in out):.0f} MB"
    )
    return out


BARE_PAGE = "hall_bare"
BARE_PAGE_SCRIPT = 'import streamlit as st\n\nst.write("hello")\n'


def with_pages(app: Path, extra: dict[str, str]) -> Path:
    """A temporary copy of ``app`` (its scripts copied, the rest symlinked), with ``extra`` page scripts (name ->
    source) added to pages/."""
    folder = Path(tempfile.mkdtemp(prefix="hall-app-"))
    for entry in app.iterdir():  # the scripts are copied: Streamlit finds pages/ beside the resolved app.py
        if entry.name not in ("pages", "app.py"):
            (folder / entry.name).symlink_to(entry)
    shutil.copy(app / "app.py", folder / "app.py")
    (folder / "pages").mkdir()
    for page in sorted((app / "pages").glob("*.py")):
        shutil.copy(page, folder / "pages" / page.name)
    for name, source in extra.items():
        (folder / "pages" / f"{name}.py").write_text(source)
    return folder


def cpu_per_visit(server: Server, path: str, n: int, timeout: float) -> float:
    """Server CPU ms per visit of ``n`` sessions opening ``path`` at once (errors raise: a ratio needs clean runs)."""
    sessions = [Session(path, poll=False) for _ in range(n)]
    cpu0 = server.cpu_seconds()

    async def go():
        try:
            await _hall(server, sessions, timeout)
        finally:
            await asyncio.gather(*(s.close() for s in sessions), return_exceptions=True)

    asyncio.run(go())
    cpu = server.cpu_seconds() - cpu0
    bad = [e for s in sessions for e in s.errors + s.exceptions]
    if bad:
        raise RuntimeError(f"/{path}: {bad[0]}")
    return 1000 * cpu / n


def ratios(server: Server, paths: list[str], n: int, repeats: int, timeout: float, bare: str = BARE_PAGE) -> dict:
    """Per path: (median ms per visit, median ratio to ``bare``), each repeat measuring ``bare`` then the path."""
    import statistics

    out = {}
    for path in paths:
        base, cost = [], []
        for _ in range(repeats):
            base.append(cpu_per_visit(server, bare, n, timeout))
            cost.append(cpu_per_visit(server, path, n, timeout))
        out[path] = (
            statistics.median(cost),
            statistics.median(c / b for c, b in zip(cost, base, strict=True)),
            statistics.median(base),
        )
    return out


def scenario_ratio(args, gc: bool | None) -> list[Result]:
    global APP
    real, APP = APP, with_pages(APP, {BARE_PAGE: BARE_PAGE_SCRIPT})
    folder = APP
    try:
        server = Server(post_script_gc=gc, extra=EXTRA)
    finally:
        APP = real
    try:
        asyncio.run(_visit_all(server, [*pages(), BARE_PAGE], args.timeout))
        time.sleep(1.0)
        load0 = os.getloadavg()[0]
        found = ratios(server, pages(), args.sessions, args.repeats, args.timeout)
        rss = server.rss_mb()
        print(f"    ratio: {args.sessions} sessions at once, {args.repeats} repeats, medians; RSS {rss:.0f} MB")
        for path, (ms, ratio, base) in found.items():
            print(f"    /{path:<16}{ms:7.1f} ms per visit  {ratio:5.1f}x the bare page ({base:.1f} ms)", flush=True)
        print(f"    load average {load0:.1f} before, {os.getloadavg()[0]:.1f} after", flush=True)
        print(f"    RSS after the warm-up {rss:.0f} MB, after the ratio halls {server.rss_mb():.0f} MB", flush=True)
    finally:
        server.stop()
        shutil.rmtree(folder, ignore_errors=True)
    return []


SCENARIOS = {
    "ratio": scenario_ratio,
    "same": scenario_same,
    "spread": scenario_spread,
    "sliders": scenario_sliders,
    "training": scenario_training,
    "long": scenario_long,
}


def _print(r: Result) -> None:
    print(r.row(), flush=True)
    for label, items in (("exception", r.exceptions), ("error", r.errors), ("server log", r.log_tracebacks)):
        for text, count in collections.Counter(items).most_common(3):
            print(f"    {label} x{count}: {text}", flush=True)
    if len(r.extra.get("p95_by_page", {})) > 1:
        print("    p95 by page: " + ", ".join(f"{p} {t:.1f}" for p, t in r.extra["p95_by_page"].items()), flush=True)
    print(
        f"    elements per visit (median): {r.extra.get('elements')}; server CPU per visit: "
        f"{r.extra.get('cpu_ms_per_visit')} ms",
        flush=True,
    )
    if r.max_per_key > 1:
        print(f"    computed {r.max_per_key} times: {r.most_computed[:160]}", flush=True)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scenario", action="append", choices=sorted(SCENARIOS), help="default: all but long")
    parser.add_argument("--sessions", type=int, default=100, help="sessions per hall (default 100)")
    parser.add_argument("--slider-sessions", type=int, default=10, help="sessions in the sliders scenario")
    parser.add_argument("--reruns", type=int, default=5, help="slider reruns per session (sliders scenario)")
    parser.add_argument("--watchers", type=int, default=50, help="sessions watching the training run")
    parser.add_argument("--rounds", type=int, default=10, help="rounds of the long scenario")
    parser.add_argument("--repeats", type=int, default=5, help="alternations of the ratio scenario (default 5)")
    parser.add_argument("--warmup", choices=("page", "none"), default="page", help="one visit per page first, or none")
    parser.add_argument(
        "--postscriptgc",
        nargs="+",
        choices=("true", "false", "config"),
        default=["config"],
        help="runner.postScriptGC for the server: true, false, or as .streamlit/config.toml says (default)",
    )
    parser.add_argument("--timeout", type=float, default=300.0, help="seconds per measurement (default 300)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the random slider values")
    parser.add_argument("--bare", action="store_true", help="serve a bare one-slider page instead (the baseline)")
    parser.add_argument("--quick", action="store_true", help="a smoke run: 5 sessions, 2 sliders x 2 reruns")
    parser.add_argument("--json", type=Path, help="also write every figure to this file")
    parser.add_argument(
        "--app", type=Path, default=ROOT, help="serve the app.py of this directory (default: this repo)"
    )
    parser.add_argument(
        "--option",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="extra server option, e.g. runner.magicEnabled=false",
    )
    args = parser.parse_args(argv)
    if args.quick:
        args.sessions, args.slider_sessions, args.reruns, args.watchers, args.rounds = 5, 2, 2, 3, 2
        args.timeout = min(args.timeout, 120.0)
    if not 1 <= args.sessions <= MAX_SESSIONS:
        parser.error(f"--sessions must be between 1 and {MAX_SESSIONS}")
    args.reruns = min(max(args.reruns, 0), 50)
    args.rounds = min(max(args.rounds, 1), 100)
    global APP
    APP = args.app.resolve()
    if args.bare:  # the baseline: the same hall on a page that computes and draws nothing of its own
        APP = bare_app()
        BARE.append("")
    for option in args.option:
        key, _, value = option.partition("=")
        EXTRA.extend([f"--{key}", value])
    chosen = args.scenario or ["same", "spread", "sliders", "training"]
    print(f"Residual Lab hall benchmark: {os.cpu_count()} cores, app {APP}, pages {pages()}, options {EXTRA}")
    print(f"load average before: {os.getloadavg()[0]:.1f} (other processes on this machine distort wall times)")
    print("open = seconds from opening the websocket to script_finished; rerun = from a slider move to script_finished")
    print(
        "cpu s = server CPU during the hall; rss MB before/peak/after; comp = computations run, max = most for one key"
    )
    print(HEADER)
    results: list[Result] = []
    start_usage = resource.getrusage(resource.RUSAGE_SELF)
    try:
        for gc in ({"true": True, "false": False, "config": None}[v] for v in args.postscriptgc):
            for name in chosen:
                results += SCENARIOS[name](args, gc)
    except KeyboardInterrupt:
        print("interrupted")
    usage = resource.getrusage(resource.RUSAGE_SELF)
    client_cpu = usage.ru_utime + usage.ru_stime - start_usage.ru_utime - start_usage.ru_stime
    print(f"(this client used {client_cpu:.1f} s of CPU in total)")
    if args.json:
        args.json.write_text(json.dumps([r.__dict__ for r in results], indent=1, default=str))
    return 1 if any(r.exceptions or r.errors or r.log_tracebacks for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
