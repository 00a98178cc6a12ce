import numpy as np
import pytest
from PIL import Image

from archsearch.config import DataConfig
from archsearch.data import image_folder, load_data
from archsearch.data.image_cache import LOCAL_DIR
from archsearch.errors import DataFormatError, DataNotFoundError

# Class folders in an order that is not the sorted one, each with its own solid colour.
COLOURS = {"zebra": (250, 10, 10), "ant": (10, 250, 10), "moth": (10, 10, 250)}


def write_images(folder, per_class=5, classes=COLOURS, ext=".png"):
    for name, colour in classes.items():
        (folder / name).mkdir(parents=True, exist_ok=True)
        for i in range(per_class):
            size = (6 + i, 9)  # sizes vary; every image is resized
            Image.new("RGB", size, colour).save(folder / name / f"{i}{ext}")


@pytest.fixture
def decodes(monkeypatch):
    """Counts the images decoded."""
    count = []
    original = image_folder.decode

    def counting(*args):
        count.append(args[0])
        return original(*args)

    monkeypatch.setattr(image_folder, "decode", counting)
    return count


def conf_for(root, **kw):
    return DataConfig(name="image_folder", root=str(root), **{"image_size": 4, **kw})


def test_classes_sorted_pixels_resized_and_held_out(tmp_path, decodes):
    write_images(tmp_path, per_class=10)
    (tmp_path / "ant" / "notes.txt").write_text("ignored: not an image")
    conf = conf_for(tmp_path)
    assert conf.sample_shape() == ((3, 4, 4), 3) and not decodes  # nothing decoded for it
    layout, arrays = image_folder.read_arrays(conf)
    assert layout.classes == ["ant", "moth", "zebra"]
    x, y = arrays["x_train"], arrays["y_train"]
    assert (
        x.shape == (30, 3, 4, 4) and x.dtype == np.uint8 and set(arrays) == {"x_train", "y_train"}
    )
    for label, name in enumerate(layout.classes):
        assert np.all(x[y == label] == np.array(COLOURS[name], np.uint8)[:, None, None])
    s = load_data(conf)
    assert (s.input_shape, s.num_classes) == ((3, 4, 4), 3)
    assert (len(s.train), len(s.val), len(s.test)) == (19, 5, 6)
    assert np.bincount(s.test.tensors[1].numpy()).tolist() == [2, 2, 2]


def test_threads_decode_the_same_arrays_in_the_same_order(tmp_path, monkeypatch):
    write_images(tmp_path, per_class=7)
    paths = sorted(tmp_path.glob("*/*.png"))
    serial = image_folder.decode_all(paths, 5, 3)
    monkeypatch.setattr(image_folder, "PARALLEL_MIN_BYTES", 0)
    monkeypatch.setattr(image_folder.os, "cpu_count", lambda: 4)
    assert np.array_equal(image_folder.decode_all(paths, 5, 3), serial)


def test_grayscale_jpeg_and_bmp(tmp_path):
    write_images(tmp_path, per_class=2, ext=".JPG")
    write_images(tmp_path, per_class=2, classes={"moth": COLOURS["moth"]}, ext=".bmp")
    layout, arrays = image_folder.read_arrays(conf_for(tmp_path, channels=1))
    assert arrays["x_train"].shape == (8, 1, 4, 4)
    moth = arrays["x_train"][arrays["y_train"] == layout.classes.index("moth")]
    # ITU-R 601-2 luma, as Pillow's convert("L"): 10 * .299 + 10 * .587 + 250 * .114 = 37
    assert len(moth) == 4 and np.all(np.abs(moth.astype(int) - 37) <= 2)


def test_train_val_test_folders(tmp_path):
    write_images(tmp_path / "train", per_class=4)
    write_images(tmp_path / "test", per_class=2, classes={"ant": COLOURS["ant"]})
    s = load_data(conf_for(tmp_path))
    # test/ is the test split (one class may be missing); val is held out of train/.
    assert (len(s.train), len(s.val), len(s.test)) == (9, 3, 2)
    assert s.test.tensors[1].tolist() == [0, 0]
    write_images(tmp_path / "val", per_class=1)
    s = load_data(conf_for(tmp_path))
    assert (len(s.train), len(s.val), len(s.test)) == (12, 3, 2)


def test_a_second_load_decodes_nothing(tmp_path, decodes):
    write_images(tmp_path)
    first = load_data(conf_for(tmp_path))
    assert len(decodes) == 15
    cached = list((tmp_path / LOCAL_DIR).iterdir())
    assert len(cached) == 1 and cached[0].suffix == ".npz"
    second = load_data(conf_for(tmp_path))
    assert len(decodes) == 15  # nothing decoded again
    for a, b in zip(
        first.train.tensors + first.test.tensors,
        second.train.tensors + second.test.tensors,
        strict=True,
    ):
        assert a.equal(b)
    # Another size is another cache; a changed folder is decoded again and its stale cache goes.
    load_data(conf_for(tmp_path, image_size=5))
    assert len(decodes) == 30
    Image.new("RGB", (3, 3), (0, 0, 0)).save(tmp_path / "ant" / "new.png")
    load_data(conf_for(tmp_path))
    assert len(decodes) == 46 and len(list((tmp_path / LOCAL_DIR).iterdir())) == 2


def test_cache_dir_and_the_read_only_fallback(tmp_path, decodes, monkeypatch):
    data = tmp_path / "data"
    write_images(data, per_class=3)
    load_data(conf_for(data, cache_dir=str(tmp_path / "mine")))
    assert (
        len(list((tmp_path / "mine").glob("data-*.npz"))) == 1 and not (data / LOCAL_DIR).exists()
    )
    monkeypatch.setattr(image_folder.image_cache.os, "access", lambda path, mode: False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    load_data(conf_for(data))
    assert len(list((tmp_path / "xdg" / "archsearch").glob("data-*.npz"))) == 1
    load_data(conf_for(data))
    assert len(decodes) == 18


def test_a_corrupt_cache_is_decoded_again(tmp_path, decodes):
    write_images(tmp_path, per_class=2)
    load_data(conf_for(tmp_path))
    (cache,) = (tmp_path / LOCAL_DIR).iterdir()
    cache.write_bytes(b"garbage")
    assert len(load_data(conf_for(tmp_path)).train) == 3 and len(decodes) == 12


def test_missing_folder_and_no_root(tmp_path):
    with pytest.raises(DataNotFoundError, match=f"image folder {tmp_path}/nowhere does not exist"):
        conf_for(tmp_path / "nowhere").sample_shape()
    with pytest.raises(DataNotFoundError, match="needs data.root set to a folder"):
        load_data(DataConfig(name="image_folder"))


def test_no_class_folder(tmp_path):
    Image.new("RGB", (3, 3)).save(tmp_path / "loose.png")
    with pytest.raises(DataFormatError, match=f"image folder {tmp_path} has no class folder"):
        conf_for(tmp_path).sample_shape()


def test_empty_class_folder_is_named(tmp_path):
    write_images(tmp_path, per_class=2)
    (tmp_path / "bee").mkdir()
    (tmp_path / "bee" / "readme.txt").write_text("no images here")
    with pytest.raises(DataFormatError, match=f"class folder {tmp_path}/bee holds no image"):
        load_data(conf_for(tmp_path))


def test_image_that_does_not_decode_is_named(tmp_path):
    write_images(tmp_path, per_class=2)
    bad = tmp_path / "moth" / "broken.png"
    bad.write_bytes((tmp_path / "moth" / "0.png").read_bytes()[:40])
    with pytest.raises(DataFormatError, match=f"image {bad} does not decode") as info:
        load_data(conf_for(tmp_path))
    assert "\n" not in str(info.value)
    assert not (tmp_path / LOCAL_DIR).exists()  # a failed decode caches nothing


def test_val_class_not_among_training_classes(tmp_path):
    write_images(tmp_path / "train", per_class=2)
    write_images(tmp_path / "val", per_class=1, classes={"wasp": (0, 0, 0)})
    with pytest.raises(
        DataFormatError, match=f"class folder {tmp_path}/val/wasp is not among the training"
    ):
        load_data(conf_for(tmp_path))
