"""SIGTERM is Ctrl-C: both become ``KeyboardInterrupt`` in the driver, raised where it is safe.

``ray job stop``, ``timeout``, Kubernetes and spot preemption send SIGTERM; the driver treats
it as Ctrl-C (running jobs cancelled and recorded interrupted, status INTERRUPTED, exit 130).
Inside ``deferred()`` (drawing plots, writing hull.json) a signal is held and raised when the
section ends: an exception thrown into matplotlib's C code can abort the process instead of
unwinding it. A ``KeyboardInterrupt`` that Python drops (raised while it runs an at-fork hook,
a ``__del__`` or a weakref callback, where it prints "Exception ignored" and goes on) is not
lost: the signal is raised again, to interrupt where it can unwind. Handlers can only be
installed from the main thread; elsewhere (``start()``'s thread) these are no-ops and the
caller's own handlers apply.
"""

from __future__ import annotations

import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

_HANDLED = (signal.SIGINT, signal.SIGTERM)
_depth = 0  # nesting of deferred() sections
_pending: int | None = None  # a signal that arrived inside one
_next_hook = sys.unraisablehook  # for every other exception Python drops


def _on_signal(signum: int, frame: object) -> None:
    global _pending
    if _depth:
        _pending = signum
        return
    raise KeyboardInterrupt


def _redeliver_dropped(unraisable: Any) -> None:
    if issubclass(unraisable.exc_type, KeyboardInterrupt):
        # Sent from here, the handler would run at once, still inside what dropped it: another
        # thread sends it a moment later, to the main thread so that a blocking call wakes up.
        main = threading.main_thread().ident
        threading.Timer(0.05, signal.pthread_kill, (main, signal.SIGINT)).start()
    else:
        _next_hook(unraisable)


def _main_thread() -> bool:
    return threading.current_thread() is threading.main_thread()


def install() -> None:
    """Make SIGINT and SIGTERM raise ``KeyboardInterrupt`` (deferred inside ``deferred()``)."""
    global _next_hook
    if _main_thread():
        for sig in _HANDLED:
            signal.signal(sig, _on_signal)
        if sys.unraisablehook is not _redeliver_dropped:
            _next_hook, sys.unraisablehook = sys.unraisablehook, _redeliver_dropped


@contextmanager
def interrupting() -> Iterator[None]:
    """``install()`` for the duration of the block, then the previous handlers again."""
    if not _main_thread():
        yield
        return
    previous = {sig: signal.getsignal(sig) for sig in _HANDLED}
    previous_hook = sys.unraisablehook
    install()
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        sys.unraisablehook = previous_hook


@contextmanager
def deferred() -> Iterator[None]:
    """Hold SIGINT/SIGTERM until the block ends, then raise ``KeyboardInterrupt``."""
    global _depth, _pending
    _depth += 1
    try:
        yield
    finally:
        _depth -= 1
        if not _depth and _pending is not None:
            _pending = None
            raise KeyboardInterrupt
