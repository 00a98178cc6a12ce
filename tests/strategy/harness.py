"""Plays the driver by hand for strategy tests: job ids, specs, fake results, the history.

Results come from ``bench/sleep_job.py`` (with ``ARCHSEARCH_SLEEP_JOB_S=0``, set by this
folder's conftest): plausible MAdd and top-1 without training anything.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from archsearch.config import Config
from archsearch.experiment.history import JobHistory
from archsearch.jobs.spec import JobResult, JobSpec
from archsearch.space.desc import CELL_INPUTS, ModelDesc
from archsearch.space.mutations import COMPOSITE_OPS
from archsearch.strategy.base import Proposal, Strategy
from bench.sleep_job import sleep_job


class Harness:
    """One history shared by every strategy it drives: the original and, in resume tests, a
    copy restored from its state, which must then see the same submissions and results."""

    def __init__(self, make: Callable[[Config, JobHistory], Strategy], config: Config) -> None:
        self.make, self.config = make, config
        self.history = JobHistory()
        self.strategies = [make(config, self.history)]
        self.in_flight: list[JobSpec] = []

    @property
    def strategy(self) -> Strategy:
        return self.strategies[0]

    def restore_copy(self) -> Strategy:
        """A fresh strategy loaded from the original's state (through JSON, as the store does)."""
        copy = self.make(self.config, self.history)
        copy.load_state_dict(json.loads(json.dumps(self.strategy.state_dict())))
        self.strategies.append(copy)
        return copy

    def submit(self, proposals: list[Proposal]) -> list[JobSpec]:
        specs = []
        for p in proposals:
            job_id = len(self.history.rows) + 1
            spec = JobSpec(
                job_id=job_id,
                stage=p.stage,
                model_desc=p.model_desc,
                train_conf=p.train_conf,
                data_conf={},
                parent_id=p.parent_id,
                warm_start_from=p.warm_start_from,
                seed=job_id,
                meta=p.meta,
            )
            self.history.add_spec(spec)
            for s in self.strategies:
                s.on_submitted(spec)
            self.in_flight.append(spec)
            specs.append(spec)
        return specs

    def finish(
        self, spec: JobSpec, fail: bool = False, result: JobResult | None = None
    ) -> JobResult:
        """Finish ``spec`` with ``result``, or a fake one (failed if asked)."""
        self.in_flight.remove(spec)
        if result is None:
            result = JobResult.failed(spec.job_id, "boom") if fail else sleep_job(spec)
        self.history.add_result(result)
        for s in self.strategies:
            s.tell(spec, result)
        return result

    def finish_oldest(self, fail: bool = False) -> JobResult:
        return self.finish(self.in_flight[0], fail)

    def step(self, n: int, fail: bool = False) -> list[JobSpec]:
        """Ask for n, submit them, finish the oldest job in flight (failing it if asked)."""
        specs = self.submit(self.strategy.ask(n))
        if self.in_flight:
            self.finish_oldest(fail)
        return specs


def proposal_key(p: Proposal) -> tuple[Any, ...]:
    return (
        p.stage.value,
        p.model_desc.to_json(),
        p.parent_id,
        p.warm_start_from,
        json.dumps(p.meta, sort_keys=True),
        json.dumps(p.train_conf, sort_keys=True),
    )


def assert_valid_desc(desc: ModelDesc, primitives: list[str]) -> None:
    """Edges read distinct, earlier ids; plain ops are allowed primitives (never ``none``);
    the macro's node count matches the cells; the description round-trips through JSON."""
    assert ModelDesc.from_json(desc.to_json()) == desc
    assert len(desc.cells) == desc.macro["cells"]
    assert sum(c.reduction for c in desc.cells) == desc.macro["reductions"]
    for cell in desc.cells:
        assert len(cell.nodes) == desc.macro["nodes"]
        for index, node in enumerate(cell.nodes):
            assert node.edges
            inputs = [i for e in node.edges for i in e.inputs]
            assert len(set(inputs)) == len(inputs), node
            assert all(type(i) is int and 0 <= i < CELL_INPUTS + index for i in inputs), node
            for edge in node.edges:
                assert edge.op in COMPOSITE_OPS or (edge.op in primitives and edge.op != "none")


def mutation_kind(parent: ModelDesc, child: ModelDesc) -> str | None:
    """Which single mutation turns ``parent`` into ``child`` ("op", "input", "insert_node"),
    or None when the two differ in any other way (or not at all)."""
    outer = ("input_shape", "num_classes", "stem_channels")
    if any(getattr(parent, f) != getattr(child, f) for f in outer) or len(parent.cells) != len(
        child.cells
    ):
        return None
    pairs = list(zip(parent.cells, child.cells, strict=True))
    if any((p.reduction, p.channels) != (c.reduction, c.channels) for p, c in pairs):
        return None
    grown = {**parent.macro, "nodes": parent.macro["nodes"] + 1}
    if child.macro == grown:
        return "insert_node" if all(c.nodes[:-1] == p.nodes for p, c in pairs) else None
    if child.macro != parent.macro:
        return None
    changed = []
    for p_cell, c_cell in pairs:
        for p_node, c_node in zip(p_cell.nodes, c_cell.nodes, strict=True):
            if len(p_node.edges) != len(c_node.edges):
                return None
            changed += [(a, b) for a, b in zip(p_node.edges, c_node.edges, strict=True) if a != b]
    if len(changed) != 1:
        return None
    ((a, b),) = changed
    if a.op != b.op and a.inputs == b.inputs:
        return "op"
    if a.op == b.op and a.inputs != b.inputs:
        return "input"
    return None
