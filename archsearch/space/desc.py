"""A network as data: plain dataclasses that round-trip through JSON and hash stably.

Layout (DARTS-style cells, Petridish-style output):

* A cell has two inputs: input id 0 is the output of the cell two back (s0), id 1 the
  output of the previous cell (s1). Node ``i`` of the cell has id ``2 + i``; an edge may read
  any id smaller than its node's own id.
* Both inputs are first mapped to ``channels`` (``pre0``/``pre1``, 1x1 ReLU-conv-BN; ``pre0`` is
  a FactorizedReduce when the previous cell was a reduction cell, as in DARTS).
* Every node outputs ``channels`` feature maps; the cell output is the *sum* of one
  1x1 projection per node. A sum keeps the cell's output shape independent of the number of
  nodes, so growing a cell by one node (Petridish) changes no existing tensor shape and every
  parent weight is inherited. A search node's projection joins that sum through stop-forward
  (``z - z.detach()``: zero forward, identity backward), so it changes no output.
* A cell with no ordinary node outputs ``pre1(s1)`` (reduced in a reduction cell).
* In a reduction cell, edges that read a cell input (id 0 or 1) use stride 2.

An edge is ``(op, inputs, params)``. Plain ops read exactly one input. Two composite ops read
several candidates: ``petridish`` (the Petridish search node: a weighted mixture over every
candidate input x primitive) and ``mixed`` (a DARTS mixed op over primitives on one input).

``ModelDesc.from_dict`` accepts exactly this layout and nothing else: a missing or unknown key,
a wrong type, a cycle, an unknown op or a size past ``archsearch.space.validate``'s limits is a
``ModelDescError`` naming where it is.
"""

from __future__ import annotations

import functools
import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from archsearch.errors import ModelDescError

CELL_INPUTS = 2  # s0 and s1: ids 0 and 1 in every cell


@dataclass
class EdgeDesc:
    op: str  # a primitive name from the op registry, or "petridish" / "mixed"
    inputs: list[int]  # input ids: 0 = s0, 1 = s1, 2 + i = node i of this cell
    params: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"op": self.op, "inputs": list(self.inputs), "params": dict(self.params)}

    def copy(self) -> EdgeDesc:
        return EdgeDesc(self.op, list(self.inputs), _copy_json(self.params))

    @classmethod
    def from_dict(cls, d: dict[str, Any], where: str = "edge") -> EdgeDesc:
        d = _fields(d, where, ("op", "inputs"), ("params",))
        return cls(
            op=d["op"],
            inputs=list(_list(d["inputs"], f"{where}.inputs")),
            params=dict(_fields(d.get("params", {}), f"{where}.params")),
        )


@dataclass
class NodeDesc:
    edges: list[EdgeDesc]  # the node's output is the sum of its edges' outputs

    def to_dict(self) -> dict[str, Any]:
        return {"edges": [e.to_dict() for e in self.edges]}

    def copy(self) -> NodeDesc:
        return NodeDesc([e.copy() for e in self.edges])

    @classmethod
    def from_dict(cls, d: dict[str, Any], where: str = "node") -> NodeDesc:
        edges = _list(_fields(d, where, ("edges",))["edges"], f"{where}.edges")
        return cls(
            edges=[EdgeDesc.from_dict(e, f"{where}.edges[{i}]") for i, e in enumerate(edges)]
        )

    @property
    def is_search_node(self) -> bool:
        return any(e.op == "petridish" for e in self.edges)


@dataclass
class CellDesc:
    reduction: bool
    channels: int  # output channels of every node and of the cell
    nodes: list[NodeDesc]

    def to_dict(self) -> dict[str, Any]:
        return {
            "reduction": self.reduction,
            "channels": self.channels,
            "nodes": [n.to_dict() for n in self.nodes],
        }

    def copy(self) -> CellDesc:
        return CellDesc(self.reduction, self.channels, [n.copy() for n in self.nodes])

    @classmethod
    def from_dict(cls, d: dict[str, Any], where: str = "cell") -> CellDesc:
        d = _fields(d, where, ("reduction", "channels", "nodes"))
        nodes = _list(d["nodes"], f"{where}.nodes")
        return cls(
            reduction=d["reduction"],
            channels=d["channels"],
            nodes=[NodeDesc.from_dict(n, f"{where}.nodes[{i}]") for i, n in enumerate(nodes)],
        )


@dataclass
class ModelDesc:
    input_shape: tuple[int, int, int]  # (C, H, W) of one sample
    num_classes: int
    stem_channels: int
    cells: list[CellDesc]
    macro: dict[str, int] = field(default_factory=dict)  # cells, reductions, nodes, init_channels

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> ModelDesc:
        """The description of ``d`` (``to_dict``'s layout), checked; ``ModelDescError`` if it
        is malformed or past the size limits."""
        # Imported here: ``validate`` reads the classes of this module.
        from archsearch.space.validate import check_desc

        d = _fields(d, "", ("input_shape", "num_classes", "stem_channels", "cells"), ("macro",))
        cells = _list(d["cells"], "cells")
        desc = cls(
            input_shape=tuple(_list(d["input_shape"], "input_shape")),  # type: ignore[arg-type]
            num_classes=d["num_classes"],
            stem_channels=d["stem_channels"],
            cells=[CellDesc.from_dict(c, f"cells[{i}]") for i, c in enumerate(cells)],
            macro=dict(_fields(d.get("macro", {}), "macro")),
        )
        check_desc(desc)
        return desc

    def to_dict(self) -> dict[str, Any]:
        # Hand-written rather than dataclasses.asdict (a deep copy): the driver serialises a
        # description for every job it records, and asdict was most of that cost.
        return {
            "input_shape": list(self.input_shape),
            "num_classes": self.num_classes,
            "stem_channels": self.stem_channels,
            "cells": [c.to_dict() for c in self.cells],
            "macro": dict(self.macro),
        }

    def copy(self) -> ModelDesc:
        """A deep copy. Hand-written for the same reason as ``to_dict``: ``copy.deepcopy`` of a
        description was most of the driver's cost of growing or mutating one."""
        return ModelDesc(
            input_shape=self.input_shape,  # a tuple of ints: immutable
            num_classes=self.num_classes,
            stem_channels=self.stem_channels,
            cells=[c.copy() for c in self.cells],
            macro=dict(self.macro),
        )

    def to_json(self, indent: int | None = None) -> str:
        return json.dumps(self.to_dict(), indent=indent, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> ModelDesc:
        try:
            doc = json.loads(text)
        except (ValueError, RecursionError) as e:  # JSONDecodeError is a ValueError
            raise ModelDescError(f"not valid JSON: {e}") from None
        return cls.from_dict(doc)

    @classmethod
    def load(cls, path: str | Path) -> ModelDesc:
        """The description in a ``model.json``; any problem is one ``ModelDescError`` line
        that names the file."""
        path = Path(path)
        try:
            return cls.from_json(path.read_bytes().decode("utf-8"))
        except OSError as e:
            raise ModelDescError(f"{path}: cannot read it ({e.strerror or e})") from None
        except UnicodeDecodeError:
            raise ModelDescError(f"{path}: not a text file (not UTF-8)") from None
        except ModelDescError as e:
            raise ModelDescError(f"{path}: {e}") from None

    def content_hash(self) -> str:
        """Stable across processes and Python versions: sha256 of the canonical JSON."""
        canonical = json.dumps(self.to_dict(), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(canonical.encode()).hexdigest()[:16]

    @property
    def has_search_nodes(self) -> bool:
        return any(n.is_search_node for c in self.cells for n in c.nodes)

    def label(self) -> str:
        """Short human label for plots and tables, e.g. ``c5r1n3``."""
        return macro_label(self.macro, len(self.cells))


def macro_label(macro: dict[str, int], n_cells: int) -> str:
    """``ModelDesc.label`` from the macro and the cell count alone (the store's migration
    labels every model of an old store without decoding a description)."""
    m = macro
    return f"c{m.get('cells', n_cells)}r{m.get('reductions', 0)}n{m.get('nodes', 0)}"


def _copy_json(value: Any) -> Any:
    """A deep copy of a JSON value (an edge's params)."""
    if isinstance(value, dict):
        return {k: _copy_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_copy_json(v) for v in value]
    return value


@functools.cache
def _keyset(keys: tuple[str, ...]) -> frozenset[str]:
    return frozenset(keys)


def _fields(
    d: Any, where: str, required: tuple[str, ...] = (), optional: tuple[str, ...] = ()
) -> dict[str, Any]:
    """``d`` if it is an object with every ``required`` key and no key outside ``required`` +
    ``optional`` (both empty: any keys)."""
    if isinstance(d, dict):  # the common case, checked with set operations only
        keys = d.keys()
        if _keyset(required) <= keys and (
            not (required or optional) or keys <= _keyset((*required, *optional))
        ):
            return d
    at = f"{where}: " if where else ""
    if not isinstance(d, dict):
        raise ModelDescError(f"{at}expected an object, got {type(d).__name__}")
    missing = [k for k in required if k not in d]
    if missing:
        raise ModelDescError(f"{at}missing key(s) {', '.join(map(repr, missing))}")
    allowed = (*required, *optional)
    unknown = [k for k in d if allowed and k not in allowed]
    if unknown:
        raise ModelDescError(
            f"{at}unknown key(s) {', '.join(map(repr, unknown[:5]))}; allowed: "
            + ", ".join(allowed)
        )
    return d


def _list(value: Any, where: str) -> list[Any]:
    if not isinstance(value, list):
        raise ModelDescError(f"{where}: expected a list, got {type(value).__name__}")
    return value
