"""The live web view of a search: `archsearch view RUN_DIR`, `Experiment.view()`.

A top-floor reader of the store, like `status`: it reads ``experiment.db`` read-only (WAL lets
it read while the driver writes), so it serves running, finished, interrupted and job-submitted
runs alike, and posts controls through the store's control table as `archsearch update` does.
"""

from archsearch.view.server import DEFAULT_HOST, DEFAULT_PORT, ViewError, ViewServer

__all__ = ["DEFAULT_HOST", "DEFAULT_PORT", "ViewError", "ViewServer"]
