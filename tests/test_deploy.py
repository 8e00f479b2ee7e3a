"""The container recipe (Dockerfile): what a replica behind a load balancer needs, checked in the text (building the
image needs Docker and PyTorch's wheel index, which this test does not assume)."""

from __future__ import annotations

import re
import tomllib

from tests.conftest import ROOT

DOCKERFILE = (ROOT / "Dockerfile").read_text()


def test_runs_as_a_user_without_privileges():
    users = re.findall(r"^USER\s+(\S+)", DOCKERFILE, flags=re.M)
    assert users and users[-1] not in {"root", "0"}
    assert DOCKERFILE.index("USER") < DOCKERFILE.index("CMD")


def test_health_check_asks_streamlit():
    assert re.search(r"^HEALTHCHECK .*", DOCKERFILE, flags=re.M | re.S)
    assert "/_stcore/health" in DOCKERFILE.split("HEALTHCHECK", 1)[1]


def test_torch_is_the_cpu_build_of_the_pinned_version():
    assert "download.pytorch.org/whl/cpu" in DOCKERFILE and "+cpu" in DOCKERFILE
    assert re.search(r"^torch==\d", (ROOT / "requirements.txt").read_text(), flags=re.M)  # the version it reads


def test_python_matches_the_project():
    assert re.search(r"^FROM python:3\.11", DOCKERFILE, flags=re.M)


def test_the_app_is_served_on_all_interfaces_in_the_container():
    assert "--server.address=0.0.0.0" in DOCKERFILE and "app.py" in DOCKERFILE.split("CMD", 1)[1]


def test_a_rerun_request_does_not_start_a_new_script_thread():
    """``runner.fastReruns`` off: one socket's flood of rerun requests is coalesced into the session's one pending
    rerun instead of starting a script thread per request (docs/deploy.md, "The rerun flood"; benchmarks/flood.py)."""
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    assert config["runner"]["fastReruns"] is False
