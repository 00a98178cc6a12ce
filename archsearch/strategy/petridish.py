"""Petridish forward search (Hu et al. 2019) as an ask/tell strategy.

Seeds over every valid (reductions, cells, nodes) are trained first, one per kind of
``strategy.seed_ops``: identity seeds (cells of identity nodes, the cheapest network of each
macro shape, as archai's Petridish starts from) put the frontier's cheap end within reach of a
forward-only search; random DARTS cells give it richer cells from the start. Every trained
model joins a pool whose lower convex hull of (MAdd, error) is the frontier. A parent sampled
from the hull's eps-band is grown by one search node (SEARCH job), the finalised network is
trained warm-started (POST_TRAIN job), and joins the pool. Unlike archai, which submits one job per
finished job, ``ask(n)`` fills every free slot, so a cluster with more GPUs than seeds is busy.

Duplicates are recognised by their content hash: a network whose description was trained, or
is being trained, is not trained again (a search that finalises to a known network is dropped),
and a parent is not grown again while its growth is being searched (the grown description would
be the same). Once that search ends the parent may be drawn again: a new search is a new draw
of the stochastic search, and what it finalises to is checked like any other network.
"""

from __future__ import annotations

import logging
from collections import Counter
from typing import Any

import numpy as np

from archsearch.config import Config
from archsearch.hull import Hull
from archsearch.jobs.spec import JobResult, JobSpec, Stage, Status
from archsearch.space.builders import SEED_OPS, insert_node, seed_model
from archsearch.strategy.base import Proposal, Strategy, StrategyContext

log = logging.getLogger(__name__)

# A parent whose growth failed this often is not drawn again: a damaged weights file or a grown
# network that cannot train fails every time, and each draw would spend a worker slot on it.
MAX_FAILED_GROWTHS = 2


class Petridish(Strategy):
    name = "petridish"

    def __init__(self, config: Config, context: StrategyContext) -> None:
        super().__init__(config, context)
        self.conf = config.strategy
        # [reductions, cells, nodes, ops]: identity seeds first, they are the cheapest to train.
        self.seeds_todo: list[list[Any]] = [
            [*combo, ops]
            for ops in sorted(self.conf.seed_ops, key=SEED_OPS.index)
            for combo in self.conf.seed_grid.combinations()
        ]
        self.post_train_todo: list[int] = []  # SEARCH jobs whose finalised model awaits training
        self.in_flight: dict[int, str] = {}  # job id -> stage
        self.rng = np.random.default_rng(config.seed)
        # Derived from the run's records when first needed, then kept up to date, so none of it
        # is in the state: what the state holds is bounded by the seeds and the jobs in flight,
        # whatever the run's size. Content hashes of the networks trained or being trained
        # (seeds and post-trains that did not fail):
        self._networks: set[str] | None = None
        self._times_grown: np.ndarray | None = None  # by parent id: SEARCH jobs submitted
        self._failed_growths: Counter[int] | None = None  # parent -> SEARCH jobs that failed

    @property
    def pool(self) -> Hull:
        """Every trained model (the run's frontier, shared with the outputs); parents come
        from its band."""
        return self.context.frontier(self.conf.eps)

    @property
    def times_grown(self) -> np.ndarray:
        """SEARCH jobs submitted per parent, indexed by job id: an array, because every draw
        reads the counts of the whole band at once."""
        if self._times_grown is None:
            counts = self.context.count_by_parent(Stage.SEARCH)
            self._times_grown = np.zeros(max(counts, default=0) + 1, dtype=np.int64)
            for parent, n in counts.items():
                self._times_grown[parent] = n
        return self._times_grown

    def _count_growth(self, parent_id: int) -> None:
        counts = self.times_grown
        if parent_id >= len(counts):  # doubled: amortised O(1) per growth
            grown = np.zeros(max(2 * len(counts), parent_id + 1), dtype=np.int64)
            grown[: len(counts)] = counts
            self._times_grown = counts = grown
        counts[parent_id] += 1

    @property
    def failed_growths(self) -> Counter[int]:
        if self._failed_growths is None:
            self._failed_growths = self.context.count_by_parent(Stage.SEARCH, Status.FAILED)
        return self._failed_growths

    # --- ask ---------------------------------------------------------------------------------
    def ask(self, n: int) -> list[Proposal]:
        out: list[Proposal] = []
        # Finished searches first (their search time is already spent), then seeds, then growth.
        while len(out) < n and self.post_train_todo:
            self._add_new_network(out, self._post_train(self.post_train_todo.pop(0)))
        while len(out) < n and self.seeds_todo:
            self._add_new_network(out, self._seed(*self.seeds_todo.pop(0)))
        growing = self._growing() | {p.parent_id for p in out if p.stage is Stage.SEARCH}
        while len(out) < n:
            parent = self._sample_parent(growing)
            if parent is None:
                break
            growing.add(parent)
            out.append(self._search(parent))
        return out

    def _add_new_network(self, out: list[Proposal], proposal: Proposal) -> None:
        """Append ``proposal`` unless its network was (or is being) trained already."""
        digest = proposal.model_desc.content_hash()
        networks = self._known_networks()
        if digest in networks or digest in {p.model_desc.content_hash() for p in out}:
            log.info(
                "%s of %s skipped: the same network was trained or is in training",
                proposal.stage.value,
                proposal.model_desc.label(),
            )
            return
        out.append(proposal)

    def _known_networks(self) -> set[str]:
        if self._networks is None:
            grown = (Stage.SEED_TRAIN, Stage.POST_TRAIN, Stage.TRAIN)
            self._networks = self.context.model_hashes(grown, failed=False)
        return self._networks

    def _growing(self) -> set[int]:
        """Parents whose growth is being searched right now."""
        return {
            self.context.spec(job_id).parent_id
            for job_id, stage in self.in_flight.items()
            if stage == Stage.SEARCH.value
        }

    def _train_conf(self, **changes: Any) -> dict[str, Any]:
        return {**self.config.train.model_dump(mode="json"), **changes}

    def _seed(self, reductions: int, cells: int, nodes: int, ops: str = "random") -> Proposal:
        input_shape, num_classes = self.config.data.sample_shape()
        m = self.config.model
        desc = seed_model(
            cells,
            reductions,
            nodes,
            init_channels=m.init_channels,
            num_classes=num_classes,
            input_shape=input_shape,
            edges_per_node=m.edges_per_node,
            primitives=m.primitives,
            seed=self.config.seed,
            ops=ops,
        )
        return Proposal(Stage.SEED_TRAIN, desc, self._train_conf(), meta={"seed_ops": ops})

    def _search(self, parent_id: int) -> Proposal:
        parent = self.context.result(parent_id)
        grown = insert_node(parent.model_desc, primitives=self.config.model.primitives)
        return Proposal(
            Stage.SEARCH,
            grown,
            self._train_conf(epochs=self.conf.search_epochs),
            parent_id=parent_id,
            warm_start_from=parent_id,
            meta={"top_k": self._top_k(parent_id)},
        )

    def _top_k(self, parent_id: int) -> int:
        """``identity_top_k`` for the first growth of an identity seed, else ``top_k``."""
        if self.context.spec(parent_id).meta.get("seed_ops") == "identity":
            return self.conf.identity_top_k
        return self.conf.top_k

    def _post_train(self, search_id: int) -> Proposal:
        # The child's lineage points at the hull parent, not at the search job (archai loses it).
        search_spec, search = self.context.spec(search_id), self.context.result(search_id)
        return Proposal(
            Stage.POST_TRAIN,
            search.model_desc,
            self._train_conf(),
            parent_id=search_spec.parent_id,
            warm_start_from=search_id,
            meta={"search_job": search_id},
        )

    def _sample_parent(self, growing: set[int]) -> int | None:
        """A pool member from the eps-band, below max_madd and not ``growing``, favouring rarely
        grown and cheap points; None while there is nothing to grow."""
        if not len(self.pool):
            return None
        return self.pool.sample_parent(
            self.rng,
            max_madd=self.conf.max_madd,
            busy=growing | self._given_up(),
            times_sampled=self.times_grown,
            madd_weight=self.conf.madd_weight,
        )

    def _given_up(self) -> set[int]:
        return {p for p, n in self.failed_growths.items() if n >= MAX_FAILED_GROWTHS}

    # --- tell --------------------------------------------------------------------------------
    def on_submitted(self, spec: JobSpec) -> None:
        networks = self._known_networks()  # built from the jobs recorded before this one
        self.in_flight[spec.job_id] = spec.stage.value
        if spec.stage is Stage.SEARCH:
            self._count_growth(spec.parent_id)
        else:
            networks.add(spec.model_hash)

    def tell(self, spec: JobSpec, result: JobResult) -> None:
        self.in_flight.pop(spec.job_id, None)
        if not result.ok:
            log.warning("%s job %d failed; the search goes on", spec.stage.value, spec.job_id)
            if spec.stage is Stage.SEARCH:
                self.failed_growths[spec.parent_id] += 1
                failed = self.failed_growths[spec.parent_id]
                if failed == MAX_FAILED_GROWTHS:
                    log.warning(
                        "job %d failed to grow %d times: not grown again", spec.parent_id, failed
                    )
            else:  # not trained after all: it may be tried again
                self._known_networks().discard(spec.model_hash)
            return
        if spec.stage is Stage.SEARCH:
            self.post_train_todo.append(spec.job_id)
        # A trained model joins the pool through the run's history, which is told first.

    def stop_reason(self) -> str | None:
        if len(self.pool.hull_rows()) >= self.conf.max_hull_points:
            return f"the hull has {self.conf.max_hull_points} points (strategy.max_hull_points)"
        if self.in_flight or self.seeds_todo or self.post_train_todo:
            return None
        if not len(self.pool):
            return "every seed failed: nothing to grow"
        if self.pool.madd.min() >= self.conf.max_madd:
            return (
                f"every trained model has MAdd >= strategy.max_madd={self.conf.max_madd:g}: "
                "nothing left to grow"
            )
        given_up = self._given_up()
        if all(
            self.pool.point(i)[0] >= self.conf.max_madd or i in given_up
            for i in self.pool.band_ids()
        ):
            return f"every parent in the band failed to grow {MAX_FAILED_GROWTHS} times"
        return None

    # --- state -------------------------------------------------------------------------------
    # The pool, the draw counts and the failed growths are the run's records (the history), not
    # state: a state of older archsearch versions may hold them, and they are ignored.
    def state_dict(self) -> dict[str, Any]:
        return {
            "seeds_todo": self.seeds_todo,
            "post_train_todo": self.post_train_todo,
            "in_flight": {str(k): v for k, v in self.in_flight.items()},
            "rng": self.rng.bit_generator.state,
        }

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.seeds_todo = [list(c) for c in state["seeds_todo"]]  # 3 entries: a random seed
        self.post_train_todo = list(state["post_train_todo"])
        self.in_flight = {int(k): v for k, v in state["in_flight"].items()}
        self.rng.bit_generator.state = state["rng"]
        self._networks = self._times_grown = self._failed_growths = None
