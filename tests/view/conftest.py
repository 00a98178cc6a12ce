"""Real runs for the web view's tests, made once per session: a small Petridish search on digits
(local engine: no Ray), finished, plus a second run to compare it with; and a view server on
127.0.0.1 with a free port, stopped after each test."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from archsearch import Experiment, load_config
from archsearch.view import ViewServer

REPO = Path(__file__).resolve().parents[2]
SMOKE = REPO / "confs" / "petridish_smoke.yaml"
# Two epochs per job, so a job page has a curve; ten jobs, so the frontier has grown models.
RUN_SETTINGS = ["resources.engine=local", "train.epochs=2", "budget.max_jobs=10"]


def smoke_run(out_dir: Path, *overrides: str) -> Path:
    config = load_config(SMOKE, [*RUN_SETTINGS, f"out_dir={out_dir}", *overrides])
    exp = Experiment(config)
    exp.run(progress=False)
    return exp.run_dir


@pytest.fixture(scope="session")
def finished_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return smoke_run(tmp_path_factory.mktemp("view_runs"))


@pytest.fixture(scope="session")
def other_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return smoke_run(tmp_path_factory.mktemp("view_other"), "seed=1", "budget.max_jobs=4")


@pytest.fixture
def serve() -> Iterator[Callable[..., ViewServer]]:
    """``serve(run_dirs, **kw)``: a started view on 127.0.0.1 (any free port)."""
    servers: list[ViewServer] = []

    def start(run_dirs: list[Path], **kw: Any) -> ViewServer:
        server = ViewServer(run_dirs, host="127.0.0.1", port=0, **kw)
        server.start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()


def request(
    url: str, method: str = "GET", body: bytes | None = None, headers: dict | None = None
) -> tuple[int, dict[str, str], bytes]:
    """(status, headers, body) of one HTTP request; 4xx/5xx are answers, not exceptions."""
    req = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, dict(r.headers), r.read()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read()


def get_json(url: str) -> Any:
    status, _, body = request(url)
    assert status == 200, (url, status, body[:300])
    return json.loads(body)


def post_json(url: str, payload: Any, **headers: str) -> tuple[int, Any]:
    body = json.dumps(payload).encode()
    status, _, answer = request(url, "POST", body, {"Content-Type": "application/json", **headers})
    return status, json.loads(answer)
