"""Where runs live: an absolute, persistent folder, also when ``ray job submit`` started us.

Run directly, a relative ``out_dir`` is relative to the working directory, as a user expects.
Inside ``ray job submit`` the working directory is Ray's temporary copy of ``--working-dir``
(``<ray temp>/session_*/runtime_resources/working_dir_files/_ray_pkg_*``), deleted with the
session, so a relative ``out_dir`` resolves under ``ARCHSEARCH_HOME`` (``~/archsearch``)
instead, as Ray Tune keeps results in ``~/ray_results`` and NNI in ``~/nni-experiments``.
``list``, ``status`` and ``resume`` look there too.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

from archsearch.errors import ArchsearchError

log = logging.getLogger(__name__)

HOME_ENV = "ARCHSEARCH_HOME"
DEFAULT_HOME = "~/archsearch"
# Set by Ray's job supervisor in the environment of a submitted entrypoint.
RAY_JOB_ENV = "RAY_JOB_CONFIG_JSON_ENV_VAR"
DB = "experiment.db"


def archsearch_home() -> Path:
    return Path(os.environ.get(HOME_ENV) or DEFAULT_HOME).expanduser().resolve()


def in_ray_job() -> bool:
    return RAY_JOB_ENV in os.environ


def resolve_out_dir(out_dir: str | Path) -> Path:
    """The absolute folder that new runs go into."""
    path = Path(out_dir).expanduser()
    if path.is_absolute():
        return path
    if in_ray_job():
        resolved = archsearch_home() / path
        log.warning(
            "out_dir %r is relative and this search runs inside `ray job submit`, whose working "
            "directory is Ray's temporary copy: the run goes under %s (set %s or give an "
            "absolute --out to choose)",
            str(out_dir),
            resolved,
            HOME_ENV,
        )
        return resolved
    return path.resolve()


def run_roots() -> list[Path]:
    """The folders ``list`` shows: ./runs and the home's runs."""
    roots = [Path("runs").resolve(), archsearch_home() / "runs"]
    return list(dict.fromkeys(roots))


def find_run_dir(name: str | Path) -> Path:
    """A run directory given as a path, or relative to the home, or by name under a run root."""
    given = Path(name).expanduser()
    candidates = [given]
    if not given.is_absolute():
        candidates.append(archsearch_home() / given)
        candidates += [root / given for root in run_roots()]
    for candidate in dict.fromkeys(candidates):
        if (candidate / DB).is_file():
            return candidate.resolve()
    looked = ", ".join(str(c) for c in dict.fromkeys(candidates))
    raise ArchsearchError(f"{name} is not a run directory (no {DB} in {looked})")
