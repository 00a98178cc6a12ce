"""Reading a run's ``hull.json`` back (``outputs.write_hull_json`` writes it) for ``status`` and
``export``, which must not import the plotting stack that the writer's module does.

The file is derived data: a damaged one is a ``StoreError`` that names it and says how to write
it again, never a JSON traceback.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from archsearch.errors import StoreError

HULL_FILE = "hull.json"
POINT_KEYS = ("job_id", "label", "stage", "madd", "params", "error")  # what each hull point has


def read_hull_json(run_dir: Path) -> dict[str, Any] | None:
    """The document in ``run_dir/hull.json``, or None before the first model was trained."""
    path = run_dir / HULL_FILE
    if not path.exists():
        return None
    try:
        doc = json.loads(path.read_bytes().decode("utf-8"))
    except (OSError, ValueError, RecursionError) as e:  # JSON and UTF-8 errors are ValueErrors
        raise _damaged(path, run_dir, f"{type(e).__name__}: {e}") from None
    points = doc.get("hull") if isinstance(doc, dict) else None
    if not isinstance(points, list) or not all(
        isinstance(p, dict) and all(k in p for k in POINT_KEYS) for p in points
    ):
        raise _damaged(path, run_dir, f"expected {{'hull': [points with {', '.join(POINT_KEYS)}]}}")
    return doc


def _damaged(path: Path, run_dir: Path, why: str) -> StoreError:
    return StoreError(f"{path} is damaged ({why}); `archsearch plot {run_dir}` writes it again")
