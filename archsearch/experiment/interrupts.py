"""SIGTERM is Ctrl-C: both become ``KeyboardInterrupt`` in the driver, raised where it is safe.

``ray job stop``, ``timeout``, Kubernetes and spot preemption send SIGTERM; the driver treats
it as Ctrl-C (running jobs cancelled and recorded interrupted, status INTERRUPTED, exit 130).
An exception thrown into C or C++ code can abort the process instead of unwinding it, and
Python drops one raised where it cannot propagate; so a signal waits where that could happen:

* inside ``deferred()`` (drawing plots: matplotlib's font code; writing hull.json), held and
  raised when the section ends;
* inside an import begun after the handlers were installed (the driver imports torch and ray
  lazily; torch's import runs pybind11 callbacks that abort on an exception), sent again
  until the import is done;
* a ``KeyboardInterrupt`` that Python dropped (raised while it ran an at-fork hook, a
  ``__del__`` or a weakref callback, printed as "Exception ignored") is not printed but sent
  again, to interrupt where it can unwind.

Handlers can only be installed from the main thread; elsewhere (``start()``'s thread) these are
no-ops and the caller's own handlers apply.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType
from typing import Any

_HANDLED = (signal.SIGINT, signal.SIGTERM)
_RESEND_AFTER_S = 0.05
_depth = 0  # nesting of deferred() sections
_pending: int | None = None  # a signal that arrived and is not raised yet
_imports_at_install = 0  # a search started inside an import is still interrupted
_next_hook = sys.unraisablehook  # for every other exception Python drops
_resender: _Resender | None = None  # started by the first install()


def _on_signal(signum: int, frame: FrameType | None) -> None:
    global _pending
    _pending = signum
    if _depth:  # raised when the section ends
        return
    if _imports_on(frame) > _imports_at_install:
        _send_again_later()
        return
    _pending = None
    raise KeyboardInterrupt


def _imports_on(frame: FrameType | None) -> int:
    """How many imports are under way on the stack that ends in ``frame``."""
    count = 0
    while frame is not None:
        code = frame.f_code
        count += code.co_name == "_find_and_load" and "importlib" in code.co_filename
        frame = frame.f_back
    return count


def _send_again_later() -> None:
    # Sent from here, the handler would run at once, still where it cannot raise: the resender
    # thread sends it a moment later. A byte down a pipe, as a signal handler may do anywhere
    # (starting a thread takes a lock the interrupted code may hold).
    if _resender is not None:
        with contextlib.suppress(BlockingIOError):  # a full pipe: a wake-up is on its way anyway
            os.write(_resender.wake, b"\0")


class _Resender(threading.Thread):
    """Sends the main thread SIGINT while a signal is pending outside ``deferred()``, 50 ms
    after each wake-up (to the main thread, so that a blocking call there wakes up)."""

    def __init__(self) -> None:
        super().__init__(name="archsearch-interrupts", daemon=True)
        self.main_thread = threading.main_thread().ident
        self.wait_here, self.wake = os.pipe()
        os.set_blocking(self.wake, False)

    def run(self) -> None:
        while os.read(self.wait_here, 1):
            time.sleep(_RESEND_AFTER_S)
            if _pending is not None and not _depth:  # else raised already, or at deferred()'s end
                signal.pthread_kill(self.main_thread, signal.SIGINT)


def _resend_dropped(unraisable: Any) -> None:
    global _pending
    if issubclass(unraisable.exc_type, KeyboardInterrupt):
        _pending = signal.SIGINT
        _send_again_later()
    else:
        _next_hook(unraisable)


def _main_thread() -> bool:
    return threading.current_thread() is threading.main_thread()


def install() -> None:
    """Make SIGINT and SIGTERM raise ``KeyboardInterrupt`` where it is safe (see above)."""
    global _next_hook, _imports_at_install, _resender
    if not _main_thread():
        return
    if _resender is None:
        _resender = _Resender()
        _resender.start()
    for sig in _HANDLED:
        signal.signal(sig, _on_signal)
    _imports_at_install = _imports_on(sys._getframe())
    if sys.unraisablehook is not _resend_dropped:
        _next_hook, sys.unraisablehook = sys.unraisablehook, _resend_dropped


@contextmanager
def interrupting() -> Iterator[None]:
    """``install()`` for the duration of the block, then the previous handlers again."""
    global _imports_at_install
    if not _main_thread():
        yield
        return
    previous = {sig: signal.getsignal(sig) for sig in _HANDLED}
    previous_hook, previous_imports = sys.unraisablehook, _imports_at_install
    install()
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        sys.unraisablehook, _imports_at_install = previous_hook, previous_imports


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
