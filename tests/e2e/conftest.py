import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SMOKE = REPO / "confs" / "petridish_smoke.yaml"


def archsearch(*args: str, timeout: float = 300, **kw) -> subprocess.CompletedProcess:
    """The CLI as a user runs it, in its own process (its own Ray driver)."""
    return subprocess.run(
        [sys.executable, "-m", "archsearch.cli", *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=timeout,
        **kw,
    )


@pytest.fixture
def smoke_conf():
    return SMOKE
