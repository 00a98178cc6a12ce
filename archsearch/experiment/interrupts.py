"""SIGTERM is Ctrl-C: both become ``KeyboardInterrupt`` in the driver, raised where it is safe.

``ray job stop``, ``timeout``, Kubernetes and spot preemption send SIGTERM; the driver treats
it as Ctrl-C (running jobs cancelled and recorded interrupted, status INTERRUPTED, exit 130).
Inside ``deferred()`` (drawing plots, writing hull.json) a signal is held and raised when the
section ends: an exception thrown into matplotlib's C code can abort the process instead of
unwinding it. Handlers can only be installed from the main thread; elsewhere (``start()``'s
thread) these are no-ops and the caller's own handlers apply.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_HANDLED = (signal.SIGINT, signal.SIGTERM)
_depth = 0  # nesting of deferred() sections
_pending: int | None = None  # a signal that arrived inside one


def _on_signal(signum: int, frame: object) -> None:
    global _pending
    if _depth:
        _pending = signum
        return
    raise KeyboardInterrupt


def _main_thread() -> bool:
    return threading.current_thread() is threading.main_thread()


def install() -> None:
    """Make SIGINT and SIGTERM raise ``KeyboardInterrupt`` (deferred inside ``deferred()``)."""
    if _main_thread():
        for sig in _HANDLED:
            signal.signal(sig, _on_signal)


@contextmanager
def interrupting() -> Iterator[None]:
    """``install()`` for the duration of the block, then the previous handlers again."""
    if not _main_thread():
        yield
        return
    previous = {sig: signal.getsignal(sig) for sig in _HANDLED}
    install()
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


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
