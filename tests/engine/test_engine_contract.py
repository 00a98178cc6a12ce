"""The contract every engine keeps, run on LocalEngine and RayEngine alike."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from archsearch.jobs.spec import Status
from tests.engine import jobs_for_tests as jobs
from tests.engine.helpers import JOBS, wait_all


def test_results_match_job_ids(engine_factory, make_spec):
    engine = engine_factory(jobs.echo)
    handles = [engine.submit(make_spec(i)) for i in (3, 1, 2)]
    assert [h.job_id for h in handles] == [3, 1, 2]
    results = wait_all(engine, handles)
    assert sorted(r.job_id for r in results) == [1, 2, 3]
    for r in results:
        assert r.status is Status.SUCCEEDED and r.metrics["val_top1"] == r.job_id / 100


def test_job_function_by_dotted_path(engine_factory, make_spec):
    engine = engine_factory(f"{JOBS}:echo")
    (result,) = wait_all(engine, [engine.submit(make_spec(5))])
    assert result.ok and result.madd == 5e6


def test_raising_job_fails_with_its_error_and_later_jobs_run(engine_factory, make_spec):
    engine = engine_factory(jobs.raise_or_echo)
    bad = engine.submit(make_spec(1, fail=True))
    (failed,) = wait_all(engine, [bad])
    assert failed.status is Status.FAILED and failed.job_id == 1
    assert "ValueError: boom in job 1" in failed.error
    assert "Traceback" in failed.error  # the whole traceback, for the store
    (later,) = wait_all(engine, [engine.submit(make_spec(2))])
    assert later.ok


def test_malformed_return_is_a_failure(engine_factory, make_spec):
    engine = engine_factory(jobs.wrong_return)
    (result,) = wait_all(engine, [engine.submit(make_spec(1))])
    assert result.status is Status.FAILED and "not a result" in result.error


def test_result_that_json_cannot_hold_is_a_failure(engine_factory, make_spec):
    engine = engine_factory(jobs.unjsonable)
    (result,) = wait_all(engine, [engine.submit(make_spec(1))])
    assert result.status is Status.FAILED and "round-trip through JSON" in result.error


def test_cancel(engine_factory, make_spec, tmp_path: Path):
    engine = engine_factory(jobs.echo)
    marker = tmp_path / "ran"
    handle = engine.submit(make_spec(1, sleep=30.0, marker=str(marker)))
    engine.wait([handle], timeout=0)
    start = time.monotonic()
    engine.cancel(handle)
    result = engine.result(handle)
    assert time.monotonic() - start < 10
    assert result.status is Status.FAILED and "cancelled" in result.error
    (other,) = wait_all(engine, [engine.submit(make_spec(2))])
    assert other.ok and not marker.exists()


def test_capacity_is_at_least_one(engine_factory):
    assert engine_factory(jobs.echo).capacity() >= 1


def test_timeout_returns_pending(engine_factory, make_spec):
    engine = engine_factory(jobs.echo)
    handle = engine.submit(make_spec(1, sleep=30.0))
    done, pending = engine.wait([handle], timeout=0)
    assert done == [] and pending == [handle]
    engine.cancel(handle)


def test_wait_on_nothing_returns_at_once(engine_factory):
    assert engine_factory(jobs.echo).wait([], timeout=None) == ([], [])


def test_wait_returns_every_finished_job(engine_factory, make_spec):
    engine = engine_factory(jobs.echo)
    handles = [engine.submit(make_spec(i)) for i in (1, 2, 3)]
    for h in handles:  # each is done once its result is in
        engine.result(h)
    done, pending = engine.wait(handles, timeout=5)
    assert done == handles and pending == []


@pytest.mark.parametrize("path", [f"{JOBS}:nope", "tests.engine.no_such_module:f", "nocolon"])
def test_unusable_job_function_path_is_refused_up_front(engine_factory, path):
    with pytest.raises((ValueError, ImportError)):
        engine_factory(path)
