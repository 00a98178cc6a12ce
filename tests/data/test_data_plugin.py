import pytest
import torch

from archsearch.config import DataConfig, load_config
from archsearch.data import load_data
from archsearch.data._common import stratified_split
from archsearch.errors import DataFormatError, DataNotFoundError
from tests.data import plugin_loaders

PREFIX = "tests.data.plugin_loaders"


def test_a_plugin_is_called_once_for_shape_and_load():
    conf = load_config(None, [f"data.name={PREFIX}:blobs", "data.seed=7"]).data
    plugin_loaders.calls.clear()
    assert conf.sample_shape() == ((2, 6, 6), 3)
    s = load_data(conf)
    assert plugin_loaders.calls == [conf.name]
    assert (s.input_shape, s.num_classes) == ((2, 6, 6), 3)
    assert (len(s.train), len(s.val), len(s.test)) == (48, 12, 10)
    # NHWC becomes NCHW; every split is normalised with the train split's statistics.
    arrays = plugin_loaders.blobs(conf)
    keep, _ = stratified_split(arrays.y, 0.2, seed=7)
    raw = arrays.x[keep].transpose(0, 3, 1, 2)
    mean, std = raw.mean(axis=(0, 2, 3)), raw.std(axis=(0, 2, 3), ddof=1)
    expected = (arrays.x_test.transpose(0, 3, 1, 2) - mean[:, None, None]) / std[:, None, None]
    assert torch.allclose(s.test.tensors[0], torch.from_numpy(expected).float(), atol=1e-5)


def test_a_dict_with_given_statistics():
    s = load_data(DataConfig(name=f"{PREFIX}:as_dict", test_fraction=0))
    assert s.input_shape == (1, 4, 4) and s.num_classes == 2 and s.test is None
    assert torch.equal(s.train.tensors[0], torch.zeros(16, 1, 4, 4))  # (0 - 0) / 2


@pytest.mark.parametrize(
    ("name", "error", "message"),
    [
        ("no_such_pkg.mod:load", DataNotFoundError, "no module 'no_such_pkg' to import"),
        (f"{PREFIX}:missing", DataNotFoundError, "has no function 'missing'"),
        (f"{PREFIX}:not_a_function", DataNotFoundError, "has no function 'not_a_function'"),
        (f"{PREFIX}:wrong_type", DataFormatError, "returned list; expected archsearch.data"),
        (f"{PREFIX}:unknown_key", DataFormatError, "unknown key.s. labels; allowed: x, y"),
        (f"{PREFIX}:val_without_labels", DataFormatError, "x_val is given without y_val"),
    ],
)
def test_plugin_errors_are_one_line(name, error, message):
    with pytest.raises(error, match=message) as info:
        load_data(DataConfig(name=name))
    assert f"data loader {name}" in str(info.value) and "\n" not in str(info.value)
