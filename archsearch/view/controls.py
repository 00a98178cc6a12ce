"""Controls from the page, as `archsearch update` / `kill` post them: rows in the store's control
table that the running driver applies within a second or two (``stop`` ends the search)."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from archsearch.errors import ArchsearchError
from archsearch.store import ExperimentStore

# field -> (type, smallest value): the same bounds as the config's budget fields
UPDATE_FIELDS: dict[str, tuple[type, float]] = {
    "max_jobs": (int, 1),
    "max_duration_s": (float, 1e-9),
    "concurrency": (int, 1),
}


class ControlError(ArchsearchError):
    """A control request the view refuses (bad values, a run that is not running)."""


def update_payload(body: Any) -> dict[str, int | float]:
    """The fields of an ``update`` request, checked: a JSON object of known, positive numbers."""
    if not isinstance(body, dict) or not body:
        raise ControlError(f"update: give an object with some of {', '.join(UPDATE_FIELDS)}")
    payload: dict[str, int | float] = {}
    for key, value in body.items():
        if key not in UPDATE_FIELDS:
            raise ControlError(f"update: unknown field {key!r}; known: {', '.join(UPDATE_FIELDS)}")
        kind, lowest = UPDATE_FIELDS[key]
        number = isinstance(value, int | float) and not isinstance(value, bool)
        if not number or not math.isfinite(value) or value < lowest:
            raise ControlError(f"update: {key} must be a number >= {lowest:g}; given {value!r}")
        if kind is int and value != int(value):
            raise ControlError(f"update: {key} must be a whole number; given {value!r}")
        payload[key] = kind(value)
    return payload


def post(run_dir: Path, kind: str, payload: dict[str, Any]) -> int:
    """Insert one control row (blocking: call it off the event loop); returns its id."""
    with ExperimentStore(run_dir / "experiment.db", create=False) as store:
        return store.post_control(kind, payload)
