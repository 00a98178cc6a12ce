import pytest

from archsearch.config import DATASET_NAMES, ConfigError, DataConfig, load_config
from archsearch.data import DATASETS, get_loader, load_data
from archsearch.errors import UnknownNameError


def test_registry_matches_the_config_choices():
    assert set(DATASETS) == set(DATASET_NAMES)


def test_unknown_name_lists_known_ones():
    with pytest.raises(UnknownNameError, match="unknown data set 'imagenet'; known: cifar10, "):
        get_loader("imagenet")
    with pytest.raises(UnknownNameError):
        load_data(DataConfig.model_construct(name="imagenet"))


@pytest.mark.parametrize("name", ["imagenet", "my_pkg:", "my pkg:load", "a:b:c"])
def test_config_refuses_names_that_are_neither_registered_nor_a_plugin(name):
    with pytest.raises(ConfigError) as info:
        load_config(None, [f"data.name='{name}'"])
    message = str(info.value)
    assert "data.name" in message and "image_folder, npz" in message
    assert "package.module:function" in message and "\n" not in message


@pytest.mark.parametrize(
    ("conf", "shape"),
    [
        (DataConfig(), ((1, 8, 8), 10)),
        (DataConfig(name="cifar10"), ((3, 32, 32), 10)),
        (DataConfig(name="cifar100"), ((3, 32, 32), 100)),
        (DataConfig(name="cifar100", cifar100_labels="coarse"), ((3, 32, 32), 20)),
    ],
)
def test_sample_shapes_known_without_files(conf, shape):
    assert conf.sample_shape() == shape
