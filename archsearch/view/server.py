"""``ViewServer``: the web view of one or more runs, served from a thread of this process.

    server = ViewServer(["runs/petridish"], port=8080)
    print(server.start())     # the URL (with ?token=... when bound beyond this machine)
    ...
    server.stop()             # or server.serve_forever(): until Ctrl-C

The server runs its own event loop in a daemon thread, so ``archsearch run --view`` serves while
the search runs in the main thread, and ``Experiment.view(non_blocking=True)`` returns at once.
"""

from __future__ import annotations

import asyncio
import errno
import logging
import secrets
import socket
import threading
from pathlib import Path

from aiohttp import web

from archsearch.errors import ArchsearchError
from archsearch.store import ReadOnlyStore
from archsearch.view.app import make_app
from archsearch.view.run import RunView
from archsearch.view.security import is_loopback

log = logging.getLogger(__name__)

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8080
START_TIMEOUT_S = 30.0
SHUTDOWN_TIMEOUT_S = 2.0  # open page connections are not waited on longer at stop()


class ViewError(ArchsearchError):
    """The view could not start (the port is taken, the address is not this machine's)."""


class ViewServer:
    def __init__(
        self,
        run_dirs: list[str | Path],
        host: str = DEFAULT_HOST,
        port: int = DEFAULT_PORT,
        read_only: bool = False,
        token: str | None = None,
    ) -> None:
        """``token``: required of every request; default none on loopback, else a new one."""
        if not run_dirs:
            raise ViewError("give at least one run directory")
        self.runs = [RunView(Path(d), i) for i, d in enumerate(run_dirs)]
        for run in self.runs:  # a store this code cannot read fails here, in one line
            ReadOnlyStore(run.run_dir / "experiment.db").close()
        self.host, self.port, self.read_only = host, port, read_only
        # Jupyter's rule: beyond loopback, nothing is served without the printed token.
        self.token = token or (None if is_loopback(host) else secrets.token_urlsafe(24))
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._ready = threading.Event()
        self._error: BaseException | None = None

    @property
    def url(self) -> str:
        host = socket.gethostname() if self.host in ("0.0.0.0", "::", "") else self.host
        host = f"[{host}]" if ":" in host else host
        return f"http://{host}:{self.port}/" + (f"?token={self.token}" if self.token else "")

    def start(self) -> str:
        """Serve in a daemon thread; returns the URL once the port is bound."""
        self._thread = threading.Thread(target=self._serve, name="archsearch-view", daemon=True)
        self._thread.start()
        if not self._ready.wait(START_TIMEOUT_S):
            raise ViewError(f"the view did not start within {START_TIMEOUT_S:g} s")
        if self._error is not None:
            raise self._error
        log.info("web view of %s at %s", ", ".join(r.name for r in self.runs), self.url)
        return self.url

    def stop(self) -> None:
        if self._loop is not None and self._thread is not None and self._thread.is_alive():
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(START_TIMEOUT_S)

    def serve_forever(self) -> None:
        """Block until Ctrl-C (or SIGTERM turned into KeyboardInterrupt), then stop."""
        try:
            while self._thread is not None and self._thread.is_alive():
                self._thread.join(0.5)
        except KeyboardInterrupt:
            pass
        finally:
            self.stop()

    def _serve(self) -> None:
        self._loop = loop = asyncio.new_event_loop()
        runner = web.AppRunner(
            make_app(self.runs, self.read_only, self.token, loopback=is_loopback(self.host)),
            access_log=None,
            shutdown_timeout=SHUTDOWN_TIMEOUT_S,
        )
        try:
            loop.run_until_complete(self._bind(runner))
        except BaseException as e:
            self._error = e
            self._ready.set()
            loop.run_until_complete(runner.cleanup())
            loop.close()
            return
        self._ready.set()
        try:
            loop.run_forever()
        finally:
            loop.run_until_complete(runner.cleanup())
            loop.close()

    async def _bind(self, runner: web.AppRunner) -> None:
        await runner.setup()
        try:
            await web.TCPSite(runner, self.host, self.port).start()
        except OSError as e:
            taken = e.errno == errno.EADDRINUSE
            raise ViewError(
                f"cannot serve on {self.host}:{self.port}: "
                + (
                    "the port is in use; pick another with --port (0: any free port)"
                    if taken
                    else str(e.strerror or e)
                )
            ) from None
        self.port = runner.addresses[0][1]  # the bound port, when 0 asked for any free one
