"""Which cluster a RayEngine joins, without starting any."""

import logging
import socket

import pytest

from archsearch.engine.ray_engine import CLUSTER_RECORD, cluster_address
from tests.conftest import free_port


@pytest.fixture
def ray_tmp(tmp_path, monkeypatch):
    monkeypatch.setenv("RAY_TMPDIR", str(tmp_path))
    monkeypatch.delenv("RAY_ADDRESS", raising=False)
    (tmp_path / "ray").mkdir()
    return tmp_path / "ray" / CLUSTER_RECORD


def test_configured_address_wins(ray_tmp, monkeypatch):
    monkeypatch.setenv("RAY_ADDRESS", "10.0.0.1:6379")
    assert cluster_address("192.168.1.2:6379") == "192.168.1.2:6379"


def test_ray_address_is_left_to_ray(ray_tmp, monkeypatch):
    monkeypatch.setenv("RAY_ADDRESS", "127.0.0.1:6379")
    assert cluster_address(None) is None


def test_no_recorded_cluster_starts_a_local_one(ray_tmp):
    assert cluster_address(None) == "local"


def test_a_live_recorded_cluster_is_joined(ray_tmp):
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        ray_tmp.write_text(f"127.0.0.1:{server.getsockname()[1]}")
        assert cluster_address(None) == "auto"


def test_a_dead_recorded_cluster_is_skipped_with_a_warning(ray_tmp, caplog):
    ray_tmp.write_text(f"127.0.0.1:{free_port()}")
    with caplog.at_level(logging.WARNING):
        assert cluster_address(None) == "local"
    assert "does not answer" in caplog.text
