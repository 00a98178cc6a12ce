"""The aiohttp application: pages, JSON endpoints, the change stream and the controls.

Pages are one HTML shell (``static/page.html``) plus a script per page; they fetch the JSON
endpoints below and refetch when ``/api/runs/{run}/stream`` (server-sent events) says the
store changed. Runs are numbered in the order given (``archsearch view A B``: 0 and 1).

    GET  /api/runs                                 the runs, their state, read-only or not
    GET  /api/runs/{run}/overview|frontier|hull_history|jobs
    GET  /api/runs/{run}/jobs/{job}[/metrics|/model.json|/weights]
    GET  /api/runs/{run}/stream                    an event whenever the store changes
    POST /api/runs/{run}/update|stop, /api/runs/{run}/jobs/{job}/kill
    GET  /api/compare[?madd=1e5&madd=1e6]          every run's frontier and compare's numbers
"""

from __future__ import annotations

import asyncio
import contextlib
import gzip
import json
import math
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from aiohttp import web

from archsearch.experiment.compare import comparison_rows
from archsearch.experiment.status import run_state
from archsearch.store import RunStatus
from archsearch.view import controls
from archsearch.view.frontier import frontier_doc, hull_history_doc, trained_points
from archsearch.view.jobs import job_doc, jobs_doc, model_desc, weights_file
from archsearch.view.overview import overview_doc
from archsearch.view.run import RunView
from archsearch.view.security import fail, guard, json_errors

STATIC = Path(__file__).parent / "static"
PAGES = ("overview", "frontier", "jobs", "job", "compare")
MAX_BODY = 16 * 1024  # a control is a few fields; anything larger is refused (413)
STREAM_POLL_S = 0.5  # how often the change stream looks at the store (updates within 2 s)
KEEPALIVE_S = 15.0  # a comment line now and then keeps proxies from closing the stream
OVERVIEW_MAX_AGE_S = 5.0  # re-check a quiet run's driver (it may have died without a write)

RUNS = web.AppKey("runs", list[RunView])
READ_ONLY = web.AppKey("read_only", bool)
CLOSING = web.AppKey("closing", asyncio.Event)
PLOTLY = web.AppKey("plotly", dict[str, bytes])

RUN = r"{run:\d{1,6}}"
JOB = r"{job:\d{1,18}}"  # an id SQLite can hold (< 2^63); anything else is a 404


def make_app(
    runs: list[RunView], read_only: bool = False, token: str | None = None, loopback: bool = True
) -> web.Application:
    app = web.Application(
        middlewares=[json_errors, guard(token, loopback)], client_max_size=MAX_BODY
    )
    app[RUNS], app[READ_ONLY], app[PLOTLY] = runs, read_only, {}
    app.on_startup.append(_startup)
    app.on_shutdown.append(_shutdown)
    app.on_cleanup.append(_cleanup)
    get, post = app.router.add_get, app.router.add_post
    get("/", index)
    get(f"/runs/{RUN}/", page_handler("overview"))
    get(f"/runs/{RUN}/frontier", page_handler("frontier"))
    get(f"/runs/{RUN}/jobs", page_handler("jobs"))
    get(f"/runs/{RUN}/jobs/{JOB}", page_handler("job"))
    get("/compare", page_handler("compare"))
    get("/vendor/plotly.min.js", plotly_js)
    app.router.add_static("/static/", STATIC, follow_symlinks=False)
    get("/api/runs", api_runs)
    get(f"/api/runs/{RUN}/overview", api_overview)
    get(f"/api/runs/{RUN}/frontier", api_frontier)
    get(f"/api/runs/{RUN}/hull_history", api_hull_history)
    get(f"/api/runs/{RUN}/jobs", api_jobs)
    get(f"/api/runs/{RUN}/jobs/{JOB}", api_job)
    get(f"/api/runs/{RUN}/jobs/{JOB}/metrics", api_metrics)
    get(f"/api/runs/{RUN}/jobs/{JOB}/model.json", api_model_json)
    get(f"/api/runs/{RUN}/jobs/{JOB}/weights", api_weights)
    get(f"/api/runs/{RUN}/stream", api_stream)
    post(f"/api/runs/{RUN}/update", api_update)
    post(f"/api/runs/{RUN}/stop", api_stop)
    post(f"/api/runs/{RUN}/jobs/{JOB}/kill", api_kill)
    get("/api/compare", api_compare)
    return app


async def _startup(app: web.Application) -> None:
    app[CLOSING] = asyncio.Event()


async def _shutdown(app: web.Application) -> None:
    app[CLOSING].set()  # ends every change stream, so shutdown does not wait on them


async def _cleanup(app: web.Application) -> None:
    for run in app[RUNS]:
        run.close()


# --- lookups ---------------------------------------------------------------------------------
def run_of(request: web.Request) -> RunView:
    runs, index = request.app[RUNS], int(request.match_info["run"])
    if index >= len(runs):
        raise fail(404, f"no run {index}: this view shows runs 0..{len(runs) - 1}")
    return runs[index]


def job_of(request: web.Request, run: RunView) -> dict[str, Any]:
    job_id = int(request.match_info["job"])
    job = run.store.job(job_id)
    if job is None:
        raise fail(404, f"run {run.index} has no job {job_id}")
    return job


def frontier(run: RunView) -> dict[str, Any]:
    return run.cached(
        "frontier",
        lambda: frontier_doc(run.store, run.config().frontier_eps, run.start_time()),
    )


# --- pages -----------------------------------------------------------------------------------
async def index(request: web.Request) -> web.StreamResponse:
    """The frontier first; several runs open on their comparison."""
    several = len(request.app[RUNS]) > 1
    raise web.HTTPFound("/compare" if several else "/runs/0/frontier")


def page_handler(page: str) -> Callable[[web.Request], Awaitable[web.Response]]:
    shell = (STATIC / "page.html").read_text()

    async def handler(request: web.Request) -> web.Response:
        if "run" in request.match_info:
            run_of(request)
        return web.Response(text=shell.replace("{{page}}", page), content_type="text/html")

    return handler


async def plotly_js(request: web.Request) -> web.Response:
    """plotly.js from the installed ``plotly`` package (nothing from a CDN), gzipped once."""
    cache = request.app[PLOTLY]
    if not cache:
        from plotly.offline import get_plotlyjs

        raw = get_plotlyjs().encode()
        cache.update(raw=raw, gzip=gzip.compress(raw, compresslevel=6))
    headers = {"Cache-Control": "public, max-age=86400"}
    if "gzip" in request.headers.get("Accept-Encoding", ""):
        headers["Content-Encoding"] = "gzip"
        body = cache["gzip"]
    else:
        body = cache["raw"]
    return web.Response(body=body, content_type="text/javascript", headers=headers)


# --- JSON ------------------------------------------------------------------------------------
async def api_runs(request: web.Request) -> web.Response:
    return web.json_response(
        {
            "read_only": request.app[READ_ONLY],
            "runs": [
                {
                    "index": run.index,
                    "name": run.name,
                    "run_dir": str(run.run_dir),
                    "status": run_state(run.store)[0],
                }
                for run in request.app[RUNS]
            ],
        }
    )


async def api_overview(request: web.Request) -> web.Response:
    run = run_of(request)
    doc = run.cached(
        "overview",
        lambda: overview_doc(run.store, run.config(), frontier(run), str(run.run_dir)),
        max_age_s=OVERVIEW_MAX_AGE_S,
    )
    return web.json_response(doc)


async def api_frontier(request: web.Request) -> web.Response:
    run = run_of(request)  # the page polls this: its JSON text is cached too (~20 ms at 10^4)
    text = run.cached("frontier.json", lambda: json.dumps(frontier(run)))
    return web.Response(text=text, content_type="application/json")


async def api_hull_history(request: web.Request) -> web.Response:
    run = run_of(request)
    doc = run.cached("hull_history", lambda: hull_history_doc(run.store, run.start_time()))
    return web.json_response(doc)


async def api_jobs(request: web.Request) -> web.Response:
    run = run_of(request)
    return web.json_response(run.cached("jobs", lambda: jobs_doc(run.store)))


async def api_job(request: web.Request) -> web.Response:
    run = run_of(request)
    job = job_of(request, run)
    doc = job_doc(run.store, job, run.run_dir)
    front = frontier(run)
    doc["on_hull"] = job["job_id"] in front["hull"]
    doc["in_band"] = job["job_id"] in front["band"]
    return web.json_response(doc)


async def api_metrics(request: web.Request) -> web.Response:
    run = run_of(request)
    return web.json_response(run.store.job_metrics(job_of(request, run)["job_id"]))


async def api_model_json(request: web.Request) -> web.Response:
    run = run_of(request)
    job = job_of(request, run)
    desc = model_desc(job)
    name = f"job{job['job_id']}-{desc.label()}.json"
    return web.Response(
        text=desc.to_json(indent=1),
        content_type="application/json",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


async def api_weights(request: web.Request) -> web.StreamResponse:
    run = run_of(request)
    job = job_of(request, run)
    path = weights_file(run.run_dir, job["job_id"])
    if not path.is_file():
        raise fail(404, f"job {job['job_id']} has no weights file (not trained, or failed)")
    return web.FileResponse(
        path, headers={"Content-Disposition": f'attachment; filename="{path.name}"'}
    )


async def api_stream(request: web.Request) -> web.StreamResponse:
    """Server-sent events: one ``data:`` line whenever the driver committed anything (SQLite's
    data_version moved) or the run's state changed (e.g. its driver died without a word)."""
    run = run_of(request)
    response = web.StreamResponse(
        headers={"Content-Type": "text/event-stream", "Cache-Control": "no-cache"}
    )
    await response.prepare(request)
    closing = request.app[CLOSING]
    last, quiet = None, 0.0
    with contextlib.suppress(ConnectionResetError):
        while not closing.is_set():
            marker = {"version": run.store.data_version(), "status": run_state(run.store)[0]}
            if marker != last:
                last, quiet = marker, 0.0
                await response.write(f"data: {json.dumps(marker)}\n\n".encode())
            elif quiet >= KEEPALIVE_S:
                quiet = 0.0
                await response.write(b": keep-alive\n\n")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(closing.wait(), STREAM_POLL_S)
            quiet += STREAM_POLL_S
    return response


async def api_compare(request: web.Request) -> web.Response:
    try:
        levels = [float(m) for m in request.query.getall("madd", [])]
    except ValueError:
        raise fail(400, "madd must be numbers, e.g. ?madd=1e5&madd=1e6") from None
    if any(not math.isfinite(m) or m <= 0 for m in levels):
        raise fail(400, "madd levels must be positive and finite")
    runs = request.app[RUNS]
    points = {run.name if _unique_names(runs) else str(run.run_dir): run for run in runs}
    per_run = {name: trained_points(run.store, run.start_time()) for name, run in points.items()}
    rows = comparison_rows(per_run, levels or None) if any(per_run.values()) else []
    return web.json_response(
        {
            "rows": rows,
            "runs": [
                {"index": run.index, "name": name, "frontier": frontier(run)}
                for name, run in points.items()
            ],
        }
    )


def _unique_names(runs: list[RunView]) -> bool:
    return len({r.name for r in runs}) == len(runs)


# --- controls --------------------------------------------------------------------------------
async def _post_control(request: web.Request, run: RunView, kind: str, payload: dict) -> int:
    if request.app[READ_ONLY]:
        raise fail(403, "this view is read-only (started with --read-only)")
    status = run_state(run.store)[0]
    if status != RunStatus.RUNNING:
        # A request left in the table would be applied by the next `resume`: refuse it now.
        raise fail(409, f"run {run.index} is not running ({status}); controls need a live driver")
    return await asyncio.to_thread(controls.post, run.run_dir, kind, payload)


async def _json_body(request: web.Request) -> Any:
    try:
        return await request.json()
    except (ValueError, UnicodeDecodeError):
        raise fail(400, "the body is not valid JSON") from None


async def api_update(request: web.Request) -> web.Response:
    run = run_of(request)
    try:
        payload = controls.update_payload(await _json_body(request))
    except controls.ControlError as e:
        raise fail(400, str(e)) from None
    control_id = await _post_control(request, run, "update", payload)
    return web.json_response({"control": control_id, "kind": "update", "payload": payload})


async def api_kill(request: web.Request) -> web.Response:
    run = run_of(request)
    job = job_of(request, run)
    if job["status"] != "submitted":
        raise fail(409, f"job {job['job_id']} is not running ({job['status']})")
    control_id = await _post_control(request, run, "kill", {"job_id": job["job_id"]})
    return web.json_response({"control": control_id, "kind": "kill", "job_id": job["job_id"]})


async def api_stop(request: web.Request) -> web.Response:
    run = run_of(request)
    reason = {"reason": "stopped from the web view"}
    control_id = await _post_control(request, run, "stop", reason)
    return web.json_response({"control": control_id, "kind": "stop"})
