import numpy as np
import pytest
import torch

from archsearch.config import DataConfig
from archsearch.data import load_data
from archsearch.data._common import stratified_split
from archsearch.errors import DataFormatError, DataNotFoundError


def conf_for(path, **kw):
    return DataConfig(name="npz", root=str(path), **kw)


@pytest.mark.parametrize("layout", ["nchw", "nhwc", "nhw"])
def test_layouts_and_held_out_splits(tmp_path, layout):
    rng = np.random.default_rng(0)
    channels = 1 if layout == "nhw" else 3
    base = rng.integers(0, 256, (40, channels, 5, 6), dtype=np.uint8)  # (N, C, H, W)
    x = {"nchw": base, "nhwc": base.transpose(0, 2, 3, 1), "nhw": base[:, 0]}[layout]
    y = np.arange(40) % 4
    np.savez(tmp_path / "d.npz", x=x, y=y)
    conf = conf_for(tmp_path / "d.npz")
    s = load_data(conf)
    assert conf.sample_shape() == (s.input_shape, s.num_classes) == ((channels, 5, 6), 4)
    assert (len(s.train), len(s.val), len(s.test)) == (25, 7, 8)
    # The train split is what is left after the test, then the val hold-out, normalised with
    # its own per-channel statistics.
    rest, _ = stratified_split(y, 0.2, seed=0)
    keep, _ = stratified_split(y[rest], 0.2, seed=0)
    raw = base[rest][keep].astype(np.float64)
    mean, std = (
        raw.mean(axis=(0, 2, 3), keepdims=True),
        raw.std(axis=(0, 2, 3), keepdims=True, ddof=1),
    )
    expected = torch.from_numpy((raw - mean) / std).float()
    assert torch.allclose(s.train.tensors[0], expected, atol=1e-5)


def test_given_val_and_test_compressed_and_float(tmp_path):
    x = np.random.default_rng(1).normal(size=(30, 2, 4, 4)).astype(np.float32)
    y = np.arange(30) % 3
    path = tmp_path / "d.npz"
    np.savez_compressed(path, x=x, y=y, x_val=x[:6], y_val=y[:6], x_test=x[:9], y_test=y[:9])
    s = load_data(conf_for(path, num_classes=5))
    assert (len(s.train), len(s.val), len(s.test), s.num_classes) == (30, 6, 9, 5)
    assert conf_for(path, num_classes=5).sample_shape() == ((2, 4, 4), 5)
    assert torch.equal(s.train.tensors[1], torch.from_numpy(y))


@pytest.mark.parametrize(
    ("arrays", "message"),
    [
        ({"x": np.zeros((6, 1, 2, 2)), "y": np.zeros(5, int)}, "train has 6 images but labels"),
        (
            {
                "x": np.zeros((6, 1, 2, 2)),
                "y": np.zeros(6, int),
                "x_val": np.zeros((2, 1, 3, 3)),
                "y_val": np.zeros(2, int),
            },
            r"val images are \(1, 3, 3\) but train images are \(1, 2, 2\)",
        ),
        ({"x": np.zeros((6, 1, 2, 2))}, "has no array y"),
        (
            {"x": np.zeros((6, 1, 2, 2)), "y": np.zeros(6, int), "x_test": np.zeros((2, 1, 2, 2))},
            "x_test is given without y_test",
        ),
        ({"x": np.zeros((6, 2)), "y": np.zeros(6, int)}, r"x has shape \(6, 2\); expected"),
        ({"x": np.zeros((6, 1, 2, 2)), "y": np.array(["a"] * 6)}, "labels are <U1; expected int"),
        (
            {"x": np.zeros((6, 1, 2, 2)), "y": np.array([0, 1, 2, 0, 1, 9])},
            "train label 9 is out of range 0..2",
        ),
    ],
)
def test_bad_files_get_one_line_naming_the_file(tmp_path, arrays, message):
    path = tmp_path / "bad.npz"
    np.savez(path, **arrays)
    with pytest.raises(DataFormatError, match=message) as info:
        load_data(conf_for(path, num_classes=3))
    assert str(path) in str(info.value) and "\n" not in str(info.value)


def test_object_arrays_are_refused_without_unpickling(tmp_path):
    path = tmp_path / "pickled.npz"
    np.savez(path, x=np.zeros((4, 1, 2, 2)), y=np.array([0, 1, None, 1], dtype=object))
    with pytest.raises(DataFormatError, match=rf"{path}: array y does not load"):
        load_data(conf_for(path))


def test_missing_and_not_an_npz(tmp_path):
    with pytest.raises(DataNotFoundError, match=f"npz file {tmp_path}/nope.npz does not exist"):
        load_data(conf_for(tmp_path / "nope.npz"))
    with pytest.raises(DataNotFoundError, match="needs data.root set to the .npz file"):
        load_data(DataConfig(name="npz"))
    (tmp_path / "text.npz").write_text("not a zip")
    with pytest.raises(DataFormatError, match="text.npz is not an .npz file"):
        load_data(conf_for(tmp_path / "text.npz"))
