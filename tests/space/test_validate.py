"""Malformed and hostile descriptions: ``ModelDesc.from_dict`` accepts a description or raises
one ``ModelDescError`` that says where, never a KeyError, a TypeError or a memory blow-up."""

from __future__ import annotations

import json
import re

import pytest
from hypothesis import HealthCheck, given, settings

from archsearch.errors import ModelDescError
from archsearch.space.builders import insert_node, seed_model
from archsearch.space.desc import ModelDesc
from archsearch.space.validate import MAX_CELLS, MAX_PARAMS, count_params
from tests.space.hostile import hostile_docs


def seed_doc() -> dict:
    return seed_model(3, 1, 2, init_channels=4, input_shape=(1, 8, 8)).to_dict()


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(doc=hostile_docs())
def test_hostile_descriptions_are_accepted_or_named(doc):
    try:
        desc = ModelDesc.from_dict(doc)
    except ModelDescError as e:
        assert "\n" not in str(e) and len(str(e)) < 400
        return
    assert ModelDesc.from_dict(desc.to_dict()) == desc  # what passes is a real description
    assert count_params(desc) <= MAX_PARAMS


def edit(change) -> dict:
    doc = seed_doc()
    change(doc)
    return doc


def _set_edge(doc: dict, **fields) -> None:
    doc["cells"][0]["nodes"][1]["edges"][0].update(fields)  # node 1 of cell 0: id 3


@pytest.mark.parametrize(
    "doc, message",
    [
        ({"cells": 3}, "missing key.*'input_shape', 'num_classes', 'stem_channels'"),
        ([1, 2], "expected an object, got list"),
        (edit(lambda d: d.pop("cells")), "missing key.*'cells'"),
        (edit(lambda d: d.update(cells=3)), "cells: expected a list, got int"),
        (edit(lambda d: d.update(colour="red")), "unknown key.*'colour'"),
        (edit(lambda d: d.update(num_classes="10")), r"num_classes is '10'; expected an integer"),
        (edit(lambda d: d.update(input_shape=[1, 8])), r"input_shape is \(1, 8\); expected"),
        (edit(lambda d: d["cells"][1].update(reduction=1)), r"cells\[1\].reduction is 1; .*bool"),
        (edit(lambda d: d["cells"][0].update(channels=-4)), r"cells\[0\].channels is -4"),
        (
            edit(lambda d: d["cells"][2]["nodes"][0].update(edges=[])),
            r"cells\[2\].nodes\[0\].edges has 0 entries",
        ),
        (
            edit(lambda d: _set_edge(d, inputs=[3])),  # itself: a cycle
            r"cells\[0\].nodes\[1\].edges\[0\].inputs is 3; expected an integer in \[0, 2\]",
        ),
        (edit(lambda d: _set_edge(d, inputs=[7])), r"inputs is 7; .*\[0, 2\]"),  # later node
        (edit(lambda d: _set_edge(d, inputs=[-1])), r"inputs is -1"),
        (edit(lambda d: _set_edge(d, inputs=[0, 1])), "reads exactly one input"),
        (edit(lambda d: _set_edge(d, op="conv_9x9")), "unknown op 'conv_9x9'; known: .*mixed"),
        (edit(lambda d: _set_edge(d, params={"k": 3})), "takes no params"),
        (
            edit(lambda d: _set_edge(d, op="mixed", params={"primitives": ["max_pool_3x3"] * 2})),
            "a mixed edge takes",
        ),
        (edit(lambda d: d.update(stem_channels=10**6)), r"stem_channels is 1000000; .*4096"),
        (edit(lambda d: d.update(cells=d["cells"] * 10_000)), "cells has 30000 entries"),
    ],
)
def test_each_malformation_is_named(doc, message):
    with pytest.raises(ModelDescError, match=message):
        ModelDesc.from_dict(doc)


def test_a_network_too_large_for_memory_is_refused_before_it_exists():
    # 32 cells of 1024 channels: every size within its own limit, too many parameters in all.
    desc = seed_model(32, 0, 3, init_channels=1024, input_shape=(1, 8, 8))
    params = count_params(desc)
    assert params > MAX_PARAMS
    expected = re.escape(f"{params:.3g} parameters; the limit is {MAX_PARAMS:.3g}")
    with pytest.raises(ModelDescError, match=expected):
        ModelDesc.from_dict(desc.to_dict())
    assert len(seed_model(MAX_CELLS, 0, 1).cells) == MAX_CELLS  # the largest grid still builds


def test_real_descriptions_pass_unchanged():
    for desc in (seed_model(8, 3, 3), insert_node(seed_model(5, 2, 2, input_shape=(1, 8, 8)))):
        assert ModelDesc.from_dict(json.loads(desc.to_json())) == desc


@pytest.mark.parametrize(
    "text, message",
    [
        ("{", "not valid JSON"),
        ("[" * 100_000 + "]" * 100_000, "not valid JSON"),  # deeper than the parser's stack
        ('{"input_shape": ' + "9" * 5000 + "}", "not valid JSON"),  # past int() digit limit
    ],
)
def test_text_that_is_not_json_is_named(text, message):
    with pytest.raises(ModelDescError, match=message):
        ModelDesc.from_json(text)


def test_load_names_the_file(tmp_path):
    path = tmp_path / "model.json"
    path.write_bytes(b"\xff\xfe binary")
    with pytest.raises(ModelDescError, match="model.json: not a text file"):
        ModelDesc.load(path)
    path.write_text('{"cells": 3}')
    with pytest.raises(ModelDescError, match="model.json: missing key"):
        ModelDesc.load(path)
    with pytest.raises(ModelDescError, match="nothing.json: cannot read it"):
        ModelDesc.load(tmp_path / "nothing.json")
