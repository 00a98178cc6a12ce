"""One run as the web view sees it: a read-only store connection, the run's config, and a cache
of the documents built from them that lasts until the driver commits anything new."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from archsearch.config import Config, load_config
from archsearch.errors import ArchsearchError
from archsearch.store import ReadOnlyStore

T = TypeVar("T")


class RunView:
    """Used from the server's event-loop thread only (the SQLite connection is opened there)."""

    def __init__(self, run_dir: Path, index: int) -> None:
        self.run_dir = Path(run_dir)
        self.index = index
        if not (self.run_dir / "experiment.db").is_file():
            raise ArchsearchError(f"{self.run_dir} is not a run directory (no experiment.db)")
        self._store: ReadOnlyStore | None = None
        self._cache: dict[str, tuple[int, float, Any]] = {}
        self._config: tuple[float, Config] | None = None

    @property
    def name(self) -> str:
        return self.run_dir.name

    @property
    def store(self) -> ReadOnlyStore:
        if self._store is None:
            self._store = ReadOnlyStore(self.run_dir / "experiment.db")
        return self._store

    def config(self) -> Config:
        """The run's config.yaml (re-read when ``resume --set`` rewrote it)."""
        path = self.run_dir / "config.yaml"
        mtime = path.stat().st_mtime if path.is_file() else 0.0
        if self._config is None or self._config[0] != mtime:
            self._config = (mtime, load_config(path if mtime else None))
        return self._config[1]

    def start_time(self) -> float:
        return float(self.store.get_meta("created_at") or 0.0)

    def cached(self, key: str, build: Callable[[], T], max_age_s: float | None = None) -> T:
        """``build()``, or its last value while the store has not changed since (and, with
        ``max_age_s``, while it is younger than that)."""
        version = self.store.data_version()
        hit = self._cache.get(key)
        fresh = hit is not None and hit[0] == version
        if fresh and (max_age_s is None or time.monotonic() - hit[1] < max_age_s):
            return hit[2]
        value = build()
        self._cache[key] = (version, time.monotonic(), value)
        return value

    def close(self) -> None:
        if self._store is not None:
            self._store.close()
            self._store = None
