"""Every endpoint of the web view against a real finished smoke run, and the requests it must
refuse (4xx, never a traceback)."""

from __future__ import annotations

import json
from itertools import pairwise

import pytest

from archsearch.experiment.compare import compare_runs
from archsearch.experiment.history import JobHistory
from archsearch.hull import eps_band, lower_convex_hull
from archsearch.space.desc import ModelDesc
from archsearch.store import ExperimentStore
from archsearch.view import ViewServer
from tests.view.conftest import get_json, post_json, request


def history_of(run_dir):
    history = JobHistory()
    store = ExperimentStore(run_dir / "experiment.db", create=False)  # open: records load lazily
    history.load(store)
    return history, store.jobs(), store.counts_by_stage_status(), store.hull_history()


def test_overview_frontier_and_history_match_the_store(finished_run, serve):
    url = serve([finished_run]).url
    history, jobs, counts, hull_rows = history_of(finished_run)
    trained = history.trained()
    points = [[r.madd, r.error_rate] for _, r in trained]
    hull, band = lower_convex_hull(points), eps_band(points, 0.025)

    runs = get_json(url + "api/runs")
    assert runs["read_only"] is False
    assert runs["runs"] == [
        {"index": 0, "name": finished_run.name, "run_dir": str(finished_run), "status": "SUCCEEDED"}
    ]

    front = get_json(url + "api/runs/0/frontier")
    assert front["points"]["job_id"] == [s.job_id for s, _ in trained]
    assert front["points"]["error"] == [r.error_rate for _, r in trained]
    assert front["points"]["label"] == [(r.model_desc or s.model_desc).label() for s, r in trained]
    assert front["hull"] == [trained[i][0].job_id for i in hull]
    assert front["band"] == [trained[i][0].job_id for i in band]
    assert any(not seed for seed in front["points"]["seed"]), "the smoke run grew no model"
    for parent, child in front["links"]:
        assert history.spec(child).parent_id == parent
    # The band's upper edge is (1 + eps) times the hull, point by point.
    curve = front["curve"]
    assert curve["band"] == pytest.approx([1.025 * e for e in curve["hull"]])

    overview = get_json(url + "api/runs/0/overview")
    assert overview["status"] == "SUCCEEDED" and overview["counts"] == counts
    assert overview["trained"] == len(trained) and overview["hull_size"] == len(hull)
    assert overview["best"]["error"] == min(r.error_rate for _, r in trained)
    jobs_budget = next(b for b in overview["budgets"] if b["name"] == "jobs")
    assert jobs_budget == {"name": "jobs", "used": len(jobs), "limit": 10, "fraction": 1.0}
    assert overview["eta_s"] is None  # finished

    replay = get_json(url + "api/runs/0/hull_history")
    assert [v["job_id"] for v in replay] == [[p["job_id"] for p in h["points"]] for h in hull_rows]
    assert replay[-1]["job_id"] == front["hull"]
    assert all(a["t"] <= b["t"] for a, b in pairwise(replay))


def test_jobs_table_and_job_page(finished_run, serve):
    url = serve([finished_run]).url
    history, jobs, _, _ = history_of(finished_run)
    table = get_json(url + "api/runs/0/jobs")
    assert [r["job_id"] for r in table] == [j["job_id"] for j in jobs]
    for row, stored in zip(table, jobs, strict=True):
        spec = history.spec(row["job_id"])
        result = history.result(row["job_id"]) if history.has_result(row["job_id"]) else None
        desc = result.model_desc if result and result.model_desc else spec.model_desc
        assert row["label"] == desc.label()
        assert (row["stage"], row["status"], row["madd"]) == (
            stored["stage"],
            stored["status"],
            stored["madd"],
        )

    # A grown model: its lineage runs back to a seed, its curve is the metrics table's.
    spec, result = next((s, r) for s, r in history.trained() if s.parent_id is not None)
    job = get_json(url + f"api/runs/0/jobs/{spec.job_id}")
    assert job["stage"] == "post_train" and job["status"] == "succeeded"
    assert job["model_desc"] == result.model_desc.to_dict()
    assert [len(job["curve"]), job["curve"][-1]["val_top1"]] == [2, result.curve[-1]["val_top1"]]
    assert get_json(url + f"api/runs/0/jobs/{spec.job_id}/metrics") == job["curve"]
    chain = [link["job_id"] for link in job["lineage"]]
    assert chain[0] == spec.job_id and chain[1] == spec.parent_id
    assert job["lineage"][-1]["stage"] == "seed_train"
    assert job["meta"]["search_job"] == job["lineage"][0]["search_job"]

    status, headers, body = request(url + f"api/runs/0/jobs/{spec.job_id}/model.json")
    assert status == 200 and "attachment" in headers["Content-Disposition"]
    assert ModelDesc.from_json(body.decode()) == result.model_desc
    status, _, body = request(url + f"api/runs/0/jobs/{spec.job_id}/weights")
    assert status == 200 and body == (finished_run / "weights" / f"{spec.job_id}.pt").read_bytes()


def test_pages_and_plotly_are_served_from_here(finished_run, serve):
    url = serve([finished_run]).url
    for path, page in [
        ("runs/0/", "overview"),
        ("runs/0/frontier", "frontier"),
        ("runs/0/jobs", "jobs"),
        ("runs/0/jobs/1", "job"),
        ("compare", "compare"),
    ]:
        status, headers, body = request(url + path)
        assert status == 200 and headers["Content-Type"].startswith("text/html")
        assert f'data-page="{page}"' in body.decode() and "cdn" not in body.decode().lower()
    status, _, _ = request(url)  # / redirects to the frontier (urllib follows it)
    assert status == 200
    status, headers, body = request(url + "vendor/plotly.min.js")
    assert status == 200 and len(body) > 1_000_000 and b"plotly" in body[:2000].lower()
    status, headers, body = request(
        url + "vendor/plotly.min.js", headers={"Accept-Encoding": "gzip"}
    )
    assert headers["Content-Encoding"] == "gzip" and len(body) < 2_000_000


def test_compare_two_runs_gives_compare_numbers(finished_run, other_run, serve, tmp_path):
    url = serve([finished_run, other_run]).url
    doc = get_json(url + "api/compare?madd=5e4&madd=1e5")
    expected = compare_runs([finished_run, other_run], tmp_path / "cmp.png", [5e4, 1e5])
    names = [finished_run.name, other_run.name]
    if len(set(names)) < 2:  # same run name in two folders: rows are named by folder
        names = [str(finished_run), str(other_run)]
    assert [r["run"] for r in doc["rows"]] == names
    for got, want in zip(doc["rows"], expected, strict=True):
        assert {k: v for k, v in got.items() if k != "run"} == {
            k: v for k, v in want.items() if k != "run"
        }
    assert [r["index"] for r in doc["runs"]] == [0, 1]
    assert get_json(url + "api/runs/1/overview")["trained"] == expected[1]["trained"]


def test_bad_requests_get_4xx_and_no_traceback(finished_run, serve):
    url = serve([finished_run]).url
    bad_gets = {
        "api/runs/7/overview": 404,  # no such run
        "api/runs/0/jobs/999999": 404,  # no such job
        "api/runs/0/jobs/abc": 404,  # malformed id
        "api/runs/0/jobs/-3": 404,
        "api/runs/0/jobs/99999999999999999999999": 404,  # larger than SQLite's integers
        "api/runs/0/jobs/1/weights/../../../config.yaml": 404,
        "api/runs/0/jobs/..%2F..%2Fconfig.yaml/weights": 404,
        "static/..%2f..%2f..%2fexperiment.db": 404,
        "static/../../../../etc/passwd": 404,
        "api/compare?madd=lots": 400,
        "api/compare?madd=-1": 400,
    }
    for path, code in bad_gets.items():
        status, _, body = request(url + path)
        assert status in (code, 403), (path, status)
        assert b"Traceback" not in body and b"root:" not in body
    run = url + "api/runs/0/"
    assert post_json(run + "update", {"max_jobs": "many"})[0] == 400
    assert post_json(run + "update", {"max_jobs": 0})[0] == 400
    assert post_json(run + "update", {"max_jobs": 2.5})[0] == 400
    assert post_json(run + "update", {"rm -rf": 1})[0] == 400
    assert post_json(run + "update", [1, 2])[0] == 400
    status, _, body = request(
        run + "update", "POST", b"{not json", {"Content-Type": "application/json"}
    )
    assert status == 400 and json.loads(body)["error"] == "the body is not valid JSON"
    status, _, _ = request(
        run + "update", "POST", b"x" * 20_000, {"Content-Type": "application/json"}
    )
    assert status == 413
    status, _, _ = request(run + "stop", "POST", b"{}", {"Content-Type": "text/plain"})
    assert status == 415  # a cross-site form cannot send JSON
    assert post_json(run + "stop", {}, Origin="http://evil.example")[0] == 403
    status, answer = post_json(run + "stop", {})
    assert status == 409 and "not running" in answer["error"]  # a finished run takes no control
    assert post_json(run + "jobs/1/kill", {})[0] == 409  # job 1 is not running
    status, _, _ = request(url + "api/runs", headers={"Host": "evil.example:80"})
    assert status == 403  # DNS rebinding: only loopback names reach a loopback view


def test_read_only_view_refuses_controls(finished_run, serve):
    url = serve([finished_run], read_only=True).url
    assert get_json(url + "api/runs")["read_only"] is True
    status, answer = post_json(url + "api/runs/0/stop", {})
    assert status == 403 and "read-only" in answer["error"]


def test_token_is_required_when_set(finished_run, serve):
    server = serve([finished_run], token="s3cret")
    base = f"http://127.0.0.1:{server.port}/"
    assert server.url == base + "?token=s3cret"
    for path in ("", "api/runs", "runs/0/frontier", "static/view.css", "vendor/plotly.min.js"):
        assert request(base + path)[0] == 401, path
    assert request(base + "api/runs?token=wrong")[0] == 401
    status, headers, _ = request(base + "api/runs?token=s3cret")
    assert status == 200 and "archsearch_token=s3cret" in headers["Set-Cookie"]
    assert "HttpOnly" in headers["Set-Cookie"]
    assert request(base + "api/runs", headers={"Cookie": "archsearch_token=s3cret"})[0] == 200
    assert request(base + "api/runs", headers={"X-Archsearch-Token": "s3cret"})[0] == 200


def test_beyond_loopback_a_token_is_made_and_printed(finished_run):
    server = ViewServer([finished_run], host="0.0.0.0", port=8123)  # not started: no bind
    assert server.token and len(server.token) >= 24
    assert server.url.endswith(f":8123/?token={server.token}")
    assert ViewServer([finished_run]).token is None  # loopback: none needed


def test_a_taken_port_is_one_line(finished_run, serve):
    from archsearch.view import ViewError

    taken = serve([finished_run]).port
    with pytest.raises(ViewError, match="in use; pick another with --port"):
        ViewServer([finished_run], port=taken).start()


def test_not_a_run_directory(tmp_path):
    from archsearch.errors import ArchsearchError

    with pytest.raises(ArchsearchError, match="not a run directory"):
        ViewServer([tmp_path])
