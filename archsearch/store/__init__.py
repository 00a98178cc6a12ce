"""The experiment store (SQLite) and atomic artifact files. Imports neither torch nor ray."""

from archsearch.errors import StoreError
from archsearch.store.db import ExperimentStore
from archsearch.store.files import write_bytes_atomic, write_text_atomic
from archsearch.store.reads import Control, ReadOnlyStore, StoreReader
from archsearch.store.schema import SCHEMA_VERSION, RunStatus

__all__ = [
    "SCHEMA_VERSION",
    "Control",
    "ExperimentStore",
    "ReadOnlyStore",
    "RunStatus",
    "StoreError",
    "StoreReader",
    "write_bytes_atomic",
    "write_text_atomic",
]
