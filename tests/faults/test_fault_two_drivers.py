"""Two ``archsearch resume`` of one run started at the same moment: exactly one drives it, the
other exits 2 with one line naming the holder, and the run is driven as if it were alone."""

from __future__ import annotations

import pytest

from tests.faults.helpers import (
    FAKE_JOB,
    LOCAL,
    SMOKE,
    assert_clean_exit,
    check_hull,
    injected,
    jobs,
    meta,
    query,
    reruns_of_finished,
)

pytestmark = pytest.mark.slow

MAX_JOBS = 14


@pytest.mark.timeout(240)
def test_two_resumes_at_once_one_drives_the_other_names_it(cli, tmp_path):
    run_dir = tmp_path / "runs" / "petridish_smoke"
    db = run_dir / "experiment.db"
    faults = {"job_fn": FAKE_JOB, "sleep_s": 0.5}
    seeds = cli(
        injected(
            "run", str(SMOKE), "--out", str(tmp_path / "runs"), *LOCAL, "--set", "budget.max_jobs=2"
        ),
        **faults,
    )
    seeds.wait(120)
    assert_clean_exit(seeds, 0)

    resume = injected("resume", str(run_dir), "--set", f"budget.max_jobs={MAX_JOBS}")
    both = [cli(resume, **faults), cli(resume, **faults)]
    codes = sorted((d.wait(180), i) for i, d in enumerate(both))
    assert [c for c, _ in codes] == [0, 2], [d.err for d in both]
    driver, refused = both[codes[0][1]], both[codes[1][1]]
    assert_clean_exit(driver, 0)
    assert_clean_exit(refused, 2)
    lines = refused.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), refused.err
    assert "is being driven by " in lines[0] and f":{driver.pid} " in lines[0], lines[0]
    holders = [r[0] for r in query(db, "SELECT payload_json FROM events WHERE kind = 'lease'")]
    assert not any(f":{refused.pid}" in h for h in holders), holders  # it never held the run
    assert meta(db, "status") == "SUCCEEDED"
    rows = jobs(db)
    assert len(rows) == MAX_JOBS and all(r["attempts"] == 1 for r in rows.values()), rows
    assert all(r["status"] == "succeeded" for r in rows.values())
    assert reruns_of_finished(db) == []
    check_hull(run_dir)
    print(
        f"\nFAULTS two-drivers: two resumes at once: pid {driver.pid} drove (exit 0, "
        f"{len(rows)}/{MAX_JOBS} jobs, each submitted once), pid {refused.pid} exit 2: "
        f"{lines[0][:60]}..."
    )
