"""Signals become ``KeyboardInterrupt`` where the driver can unwind, even one Python dropped."""

from __future__ import annotations

import os
import signal
import sys
import time

import pytest

from archsearch.experiment import interrupts
from tests.conftest import SignalledOnDelete


def test_an_interrupt_dropped_in_a_del_is_raised_again_outside_it(monkeypatch):
    printed = []  # what Python would print as "Exception ignored ... Traceback"
    monkeypatch.setattr(sys, "unraisablehook", printed.append)
    reached_after_the_del = False
    with pytest.raises(KeyboardInterrupt), interrupts.interrupting():
        SignalledOnDelete(signal.SIGTERM)  # deleted at once: the signal arrives inside its __del__
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


SIGNALLED_IMPORT = """
import os, signal
os.kill(os.getpid(), signal.SIGTERM)
for _ in range(1000):  # the handler runs at one of these bytecodes, inside the import
    pass
FINISHED = True
"""


def test_a_signal_during_an_import_waits_for_the_import_to_finish(tmp_path, monkeypatch):
    """torch's import runs pybind11 callbacks: a KeyboardInterrupt raised there aborts."""
    (tmp_path / "signalled_module.py").write_text(SIGNALLED_IMPORT)
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(sys.modules, "signalled_module", raising=False)
    imported = None
    with pytest.raises(KeyboardInterrupt), interrupts.interrupting():
        import signalled_module

        imported = signalled_module
        time.sleep(5)  # the signal sent again interrupts here
    assert imported is not None and imported.FINISHED
    with interrupts.interrupting():
        time.sleep(0.5)  # raised once: it is not sent again


def test_a_search_started_inside_an_import_is_still_interrupted(tmp_path, monkeypatch):
    """A script imported as a module that runs its search at import time."""
    (tmp_path / "searching_module.py").write_text(
        "import time\n"
        "from archsearch.experiment import interrupts\n"
        "with interrupts.interrupting():\n"
        "    import signalled_module\n"
        "    time.sleep(60)\n"
        "REACHED = True\n"
    )
    (tmp_path / "signalled_module.py").write_text(SIGNALLED_IMPORT)
    monkeypatch.syspath_prepend(str(tmp_path))
    for name in ("searching_module", "signalled_module"):
        monkeypatch.delitem(sys.modules, name, raising=False)
    started = time.monotonic()
    with pytest.raises(KeyboardInterrupt):
        import searching_module  # noqa: F401
    assert sys.modules["signalled_module"].FINISHED
    assert time.monotonic() - started < 30  # not after the sleep
