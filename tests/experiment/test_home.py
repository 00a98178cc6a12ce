"""Where runs live: relative out_dir under `ray job submit` goes to the archsearch home, and
`status`/`resume`/`list` find runs there as well as in ./runs."""

from pathlib import Path

import pytest

from archsearch.errors import ArchsearchError
from archsearch.experiment.home import RAY_JOB_ENV, find_run_dir, resolve_out_dir, run_roots
from archsearch.store import ExperimentStore


@pytest.fixture
def home(tmp_path: Path, monkeypatch) -> Path:
    monkeypatch.setenv("HOME", str(tmp_path / "user"))
    monkeypatch.delenv("ARCHSEARCH_HOME", raising=False)
    (tmp_path / "work").mkdir()
    monkeypatch.chdir(tmp_path / "work")
    return tmp_path / "user" / "archsearch"


def test_run_directly_a_relative_out_dir_is_relative_to_the_working_dir(home: Path, tmp_path):
    assert resolve_out_dir("runs") == tmp_path / "work" / "runs"
    assert resolve_out_dir("/abs/runs") == Path("/abs/runs")


def test_inside_a_ray_job_a_relative_out_dir_goes_home(home: Path, monkeypatch, caplog):
    monkeypatch.setenv(RAY_JOB_ENV, "{}")
    assert resolve_out_dir("runs") == home / "runs"
    assert "ray job submit" in caplog.text and str(home / "runs") in caplog.text
    assert resolve_out_dir("/abs/runs") == Path("/abs/runs")  # absolute: as given
    monkeypatch.setenv("ARCHSEARCH_HOME", "/shared/nas")
    assert resolve_out_dir("runs") == Path("/shared/nas/runs")


def test_runs_are_found_by_path_or_name_in_either_root(home: Path, tmp_path):
    local = tmp_path / "work" / "runs" / "a"
    remote = home / "runs" / "b"
    for run in (local, remote):
        ExperimentStore(run / "experiment.db").close()
    assert run_roots() == [tmp_path / "work" / "runs", home / "runs"]
    assert find_run_dir("runs/a") == local
    assert find_run_dir("a") == local
    assert find_run_dir("b") == remote and find_run_dir("runs/b") == remote
    assert find_run_dir(str(remote)) == remote
    with pytest.raises(ArchsearchError, match="not a run directory") as e:
        find_run_dir("c")
    assert str(home / "runs" / "c") in str(e.value)  # says where it looked
