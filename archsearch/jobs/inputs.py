"""What a job gets besides its spec: the data set and its parent's weights, from the driver.

A worker opens no file of the run directory and sees no path of the driver's machine: the
driver loads the data set once and the engine ships it (through Ray's object store on a
cluster), and a job that warm-starts gets its parent's trained weights as bytes the same way.
The engine installs them around the job function (``providing``), as it installs the epoch
reporter, so a job function stays ``JobSpec -> JobResult``. Outside an engine (``archsearch
train``, a unit test) nothing is installed and ``job_data`` loads the data set itself.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, fields
from typing import TYPE_CHECKING, Any

from archsearch.jobs.spec import JobSpec

if TYPE_CHECKING:
    from archsearch.data import DataSplits


@dataclass
class JobInputs:
    data: DataSplits | None = None
    parent_weights: bytes | None = None  # torch.save bytes of the warm-start state_dict


_inputs = JobInputs()


@contextmanager
def providing(inputs: JobInputs) -> Iterator[None]:
    global _inputs
    previous, _inputs = _inputs, inputs
    try:
        yield
    finally:
        _inputs = previous


def job_data(spec: JobSpec) -> DataSplits:
    """The data set the driver shipped, or, with none installed, ``spec.data_conf`` loaded here."""
    if _inputs.data is not None:
        return _inputs.data
    return _load_cached(json.dumps(spec.data_conf, sort_keys=True))


def parent_weights() -> bytes | None:
    return _inputs.parent_weights


@functools.lru_cache(maxsize=2)
def _load_cached(data_conf_json: str) -> DataSplits:
    from archsearch.config import DataConfig
    from archsearch.data import load_data

    return load_data(DataConfig.model_validate_json(data_conf_json))


# --- the data set in transit -------------------------------------------------------------------
# Shipped as numpy arrays, which Ray's serialiser hands to every worker of a node as zero-copy
# views of one shared-memory copy; tensors would be pickled and copied per task.


def pack_data(splits: DataSplits) -> dict[str, Any]:
    packed = {}
    for f in fields(splits):
        value = getattr(splits, f.name)
        tensors = getattr(value, "tensors", None)  # a TensorDataset
        packed[f.name] = ("tensors", [t.numpy() for t in tensors]) if tensors else ("value", value)
    return packed


def unpack_data(packed: dict[str, Any]) -> DataSplits:
    import warnings

    import torch
    from torch.utils.data import TensorDataset

    from archsearch.data import DataSplits

    values = {}
    for name, (kind, value) in packed.items():
        if kind == "tensors":
            with warnings.catch_warnings():  # read-only shared memory: jobs never write inputs
                warnings.simplefilter("ignore", UserWarning)
                value = TensorDataset(*(torch.from_numpy(a) for a in value))
        values[name] = value
    return DataSplits(**values)
