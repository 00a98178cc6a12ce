"""Atomic artifact writes: the target is the old file or the new one, never half of one."""

from __future__ import annotations

import os

import pytest

from archsearch.store import write_bytes_atomic, write_text_atomic


def test_write_text_creates_parents_and_replaces(tmp_path):
    target = tmp_path / "best" / "0" / "model.json"
    write_text_atomic(target, '{"a": 1}')
    write_text_atomic(target, '{"a": 2}')
    assert target.read_text() == '{"a": 2}'
    assert os.listdir(target.parent) == ["model.json"]  # no temp file left


def test_write_bytes(tmp_path):
    write_bytes_atomic(tmp_path / "w.bin", b"\x00\x01")
    assert (tmp_path / "w.bin").read_bytes() == b"\x00\x01"


def test_failed_write_keeps_old_file_and_no_temp(tmp_path, monkeypatch):
    target = tmp_path / "hull.json"
    target.write_text("old")

    def broken_replace(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(OSError, match="disk full"):
        write_text_atomic(target, "new")
    assert target.read_text() == "old"
    assert os.listdir(tmp_path) == ["hull.json"]
