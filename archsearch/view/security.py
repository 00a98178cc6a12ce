"""Who may talk to the view: safe by default, as Jupyter is.

- Bound to a loopback address, anyone on this machine may read; the Host header must name a
  loopback host too, so a web page elsewhere cannot reach the view by DNS rebinding.
- Bound to any other address, every request needs the token printed in the URL at start
  (``?token=``, then a cookie set from it, or the ``X-Archsearch-Token`` header): 401 without.
- A control (POST) must be JSON from the view's own origin: a cross-site form cannot send one.
- Errors come back as one JSON line (``{"error": ...}``) for the API, never a traceback.
"""

from __future__ import annotations

import hmac
import ipaddress
import json
import logging

from aiohttp import web
from aiohttp.typedefs import Handler

log = logging.getLogger(__name__)

TOKEN_COOKIE = "archsearch_token"
TOKEN_HEADER = "X-Archsearch-Token"


def is_loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


_ERRORS: dict[int, type[web.HTTPException]] = {
    400: web.HTTPBadRequest,
    401: web.HTTPUnauthorized,
    403: web.HTTPForbidden,
    404: web.HTTPNotFound,
    409: web.HTTPConflict,
    415: web.HTTPUnsupportedMediaType,
}


def fail(status: int, message: str) -> web.HTTPException:
    """An HTTP error whose body is ``{"error": message}``: raise it from a handler."""
    return _ERRORS[status](text=json.dumps({"error": message}), content_type="application/json")


def guard(token: str | None, loopback: bool) -> Handler:
    """The middleware that enforces the rules above."""

    @web.middleware
    async def middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        if loopback and not is_loopback(request.url.host or ""):
            raise fail(403, f"host {request.host!r} is not this machine's loopback address")
        given = request.query.get("token")
        if token is not None:
            supplied = (
                given or request.headers.get(TOKEN_HEADER) or request.cookies.get(TOKEN_COOKIE)
            )
            if not supplied or not hmac.compare_digest(supplied.encode(), token.encode()):
                raise fail(401, "this view needs its token: open the URL it printed at start")
        if request.method not in ("GET", "HEAD"):
            origin = request.headers.get("Origin")
            if origin is not None and origin != f"{request.scheme}://{request.host}":
                raise fail(403, f"a control from another origin ({origin}) is refused")
            if request.content_type != "application/json":
                raise fail(415, "controls are JSON (Content-Type: application/json)")
        response = await handler(request)
        if token is not None and given and not response.prepared:
            response.set_cookie(TOKEN_COOKIE, token, httponly=True, samesite="Strict")
        return response

    return middleware


@web.middleware
async def json_errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    """API errors as JSON; anything unexpected logged here and answered with a bare 500."""
    try:
        return await handler(request)
    except web.HTTPException as e:
        if e.status < 400 or e.content_type == "application/json":
            raise
        if not request.path.startswith("/api/"):
            raise
        return web.json_response({"error": e.reason}, status=e.status)
    except Exception:
        log.exception("view: %s %s failed", request.method, request.path)
        return web.json_response({"error": "internal error (logged by the view)"}, status=500)
