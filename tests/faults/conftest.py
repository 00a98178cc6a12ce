"""The fault-injection suite: every case runs the CLI in processes of its own (real SQLite,
real Ray where the case is about Ray) and injects one fault. ``cli`` starts one; teardown
kills the process group of every one it started, whatever the case left running."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.faults.helpers import Cli, env_for


@pytest.fixture
def ray_tmp() -> Iterator[Path]:
    """A Ray temp folder of the case's own, short enough for Ray's socket paths."""
    path = Path(tempfile.mkdtemp(prefix="rf", dir="/tmp"))
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture
def cli(tmp_path: Path, ray_tmp: Path) -> Iterator[Callable[..., Cli]]:
    """``cli(argv, cwd=tmp_path, **faults)``: start ``argv`` with those faults in its
    environment (``env_for``) and a private RAY_TMPDIR."""
    started: list[Cli] = []

    def start(argv: list[str], cwd: Path | None = None, **faults: object) -> Cli:
        env = env_for(**faults)
        env["RAY_TMPDIR"] = str(ray_tmp)
        started.append(Cli(argv, cwd or tmp_path, env, tmp_path / "logs"))
        return started[-1]

    yield start
    for process in started:
        process.kill_group()
