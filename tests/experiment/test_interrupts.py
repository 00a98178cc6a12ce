"""Signals become ``KeyboardInterrupt`` where the driver can unwind, even one Python dropped."""

from __future__ import annotations

import os
import signal
import sys
import time

import pytest

from archsearch.experiment import interrupts


class SignalledOnDelete:
    def __del__(self) -> None:
        os.kill(os.getpid(), signal.SIGTERM)
        for _ in range(1000):  # the handler runs at one of these bytecodes, inside __del__
            pass


def test_an_interrupt_dropped_in_a_del_is_raised_again_outside_it(monkeypatch):
    printed = []  # what Python would print as "Exception ignored ... Traceback"
    monkeypatch.setattr(sys, "unraisablehook", printed.append)
    reached_after_the_del = False
    with pytest.raises(KeyboardInterrupt), interrupts.interrupting():
        SignalledOnDelete()  # deleted at once: the signal arrives inside its __del__
        reached_after_the_del = True
        time.sleep(5)  # the signal raised again interrupts here
    assert reached_after_the_del
    assert printed == []
    assert sys.unraisablehook == printed.append  # interrupting() gives the hook back


def test_a_signal_inside_deferred_waits_for_the_section_to_end():
    finished = False
    with pytest.raises(KeyboardInterrupt), interrupts.interrupting(), interrupts.deferred():
        os.kill(os.getpid(), signal.SIGTERM)
        for _ in range(1000):
            pass
        finished = True
    assert finished
