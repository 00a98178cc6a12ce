"""A signal during ``ray.init`` interrupts, even where its handler's exception is dropped.

``ray.init`` is replaced by a stand-in that does what Ray does (installs a SIGTERM handler that
raises ``SystemExit``) and then meets the signal in one of the places where Python prints an
exception as "Exception ignored" and drops it: here a ``__del__``; in the fault suite it was
logging's at-fork hook while Ray started its processes. Python's "Exception ignored" report of
the dropped exception is not printed (it was the only trace the fault suite saw left).
"""

from __future__ import annotations

import os
import signal
import sys

import pytest
import ray

from archsearch.engine.ray_engine import init_ray
from tests.conftest import SignalledOnDelete


class RaisesOnDelete:
    def __del__(self) -> None:
        raise ValueError("a bug in a __del__")


@pytest.fixture
def ray_calls(monkeypatch):
    """ray.init replaced by ``behaviour``; ray.shutdown counted, the session's cluster untouched."""
    calls = {"shutdown": 0}

    def install(behaviour):
        def fake_init(**kwargs):
            signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(signum))  # Ray's own
            behaviour()

        monkeypatch.setattr(ray, "init", fake_init)
        monkeypatch.setattr(ray, "is_initialized", lambda: True)
        monkeypatch.setattr(ray, "shutdown", lambda: calls.__setitem__("shutdown", 1))
        return calls

    return install


@pytest.fixture
def our_sigterm_handler():
    """The CLI's handlers (SIGINT and SIGTERM raise KeyboardInterrupt), whatever the test runner
    set (an xdist worker ignores SIGINT); the SIGTERM one is to be seen put back."""
    previous = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}

    def ours(signum, frame):
        raise KeyboardInterrupt

    for sig in previous:
        signal.signal(sig, ours)
    yield ours
    for sig, handler in previous.items():
        signal.signal(sig, handler)


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_a_signal_whose_exception_was_dropped_still_interrupts_quietly(
    ray_calls, our_sigterm_handler, monkeypatch, signum
):
    printed = []  # what Python would print as "Exception ignored ... Traceback"
    monkeypatch.setattr(sys, "unraisablehook", printed.append)
    calls = ray_calls(lambda: SignalledOnDelete(signum))
    with pytest.raises(KeyboardInterrupt):
        init_ray("local")
    assert calls["shutdown"] == 1
    assert signal.getsignal(signal.SIGTERM) is our_sigterm_handler
    assert printed == []
    assert sys.unraisablehook == printed.append


def test_other_dropped_exceptions_are_still_reported(ray_calls, our_sigterm_handler, monkeypatch):
    printed = []
    monkeypatch.setattr(sys, "unraisablehook", printed.append)
    ray_calls(lambda: RaisesOnDelete())
    init_ray("local")
    assert [p.exc_type for p in printed] == [ValueError]


def test_sigterm_raised_by_rays_handler_is_ctrl_c(ray_calls, our_sigterm_handler):
    calls = ray_calls(lambda: os.kill(os.getpid(), signal.SIGTERM))
    with pytest.raises(KeyboardInterrupt) as raised:
        init_ray("local")
    assert isinstance(raised.value.__cause__, SystemExit)
    assert calls["shutdown"] == 1
    assert signal.getsignal(signal.SIGTERM) is our_sigterm_handler


def test_no_signal_no_interrupt_and_the_wakeup_fd_is_given_back(ray_calls, our_sigterm_handler):
    calls = ray_calls(lambda: None)
    before = signal.set_wakeup_fd(-1)
    signal.set_wakeup_fd(before)
    init_ray("local")
    assert calls["shutdown"] == 0
    assert signal.getsignal(signal.SIGTERM) is our_sigterm_handler
    assert signal.set_wakeup_fd(before) == before
