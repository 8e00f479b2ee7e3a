"""A throw-away PostgreSQL server for the tests (not a test module): Debian's ``postgresql`` binaries, ``initdb`` in a
fresh temporary folder, ``pg_ctl`` on 127.0.0.1 and a free port, settings for a fast start (no fsync), a password
for the app's role (so the tests can check that no message shows it). Stopped and deleted by :meth:`Cluster.close`.

Run as root (this project's machines), the server runs as the ``postgres`` user through ``runuser``.
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import secrets
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

USER = "lab"  # the app's role (a superuser of this throw-away cluster, with a password)


def binaries() -> Path | None:
    """The folder of ``initdb`` and ``pg_ctl``: on ``$PATH``, else Debian's /usr/lib/postgresql/N/bin."""
    found = shutil.which("initdb")
    if found and shutil.which("pg_ctl"):
        return Path(found).parent
    for folder in sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(p.split("/")[-2]), reverse=True):
        if (Path(folder) / "initdb").exists() and (Path(folder) / "pg_ctl").exists():
            return Path(folder)
    return None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Cluster:
    """``initdb`` at construction; :meth:`start` and :meth:`stop` as often as a test needs; :meth:`close` at the
    end."""

    def __init__(self, bindir: Path | None = None, port: int | None = None):
        self.bindir = bindir or binaries()
        if self.bindir is None:
            raise FileNotFoundError("PostgreSQL's initdb/pg_ctl are not installed (apt-get install postgresql)")
        self.port = port or free_port()
        self.password = secrets.token_urlsafe(16)
        self.root = Path(tempfile.mkdtemp(prefix="residual-pg-"))
        self.data = self.root / "data"
        self.log = self.root / "server.log"
        self._as = []
        if os.geteuid() == 0:  # initdb refuses to run as root
            entry = pwd.getpwnam("postgres")
            os.chown(self.root, entry.pw_uid, entry.pw_gid)
            self._as = ["runuser", "-u", "postgres", "--"]
            self._ids = (entry.pw_uid, entry.pw_gid)
        pwfile = self.root / "pw"
        pwfile.write_text(self.password)
        if self._as:
            os.chown(pwfile, *self._ids)
        self._run(
            "initdb", "-D", self.data, "-U", USER, "--pwfile", pwfile, "-A", "scram-sha-256", "-E", "UTF8",
            "--no-sync", "--no-instructions",
        )  # fmt: skip
        pwfile.unlink()
        self.started = False

    def _run(self, tool: str, *args, check: bool = True) -> subprocess.CompletedProcess:
        command = [*self._as, str(self.bindir / tool), *map(str, args)]
        out = subprocess.run(command, capture_output=True, text=True, timeout=120)
        if check and out.returncode != 0:
            raise RuntimeError(f"{tool} failed ({out.returncode}): {out.stderr[-2000:]}")
        return out

    def start(self) -> None:
        options = (
            f"-c listen_addresses=127.0.0.1 -c port={self.port} -c unix_socket_directories={self.root} "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=100 "
            "-c shared_buffers=32MB"
        )
        self._run("pg_ctl", "-D", self.data, "-l", self.log, "-o", options, "-w", "-t", "60", "start")
        self.started = True

    def stop(self, mode: str = "fast") -> None:
        if self.started:
            self._run("pg_ctl", "-D", self.data, "-m", mode, "-w", "-t", "60", "stop", check=False)
            self.started = False

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://{USER}:{self.password}@127.0.0.1:{self.port}/{database}"

    def admin(self, database: str = "postgres"):
        """A new autocommit psycopg connection (the caller closes it)."""
        import psycopg

        return psycopg.connect(self.url(database), autocommit=True, connect_timeout=5)

    def create_database(self, name: str) -> str:
        with self.admin() as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def drop_database(self, name: str) -> None:
        with contextlib.suppress(Exception), self.admin() as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def close(self) -> None:
        self.stop("immediate")
        shutil.rmtree(self.root, ignore_errors=True)
