import typing

import pytest

from archsearch.config import DataConfig
from archsearch.data import DATASETS, get_loader, load_data
from archsearch.errors import UnknownNameError


def test_registry_matches_the_config_choices():
    allowed = typing.get_args(DataConfig.model_fields["name"].annotation)
    assert set(DATASETS) == set(allowed)


def test_unknown_name_lists_known_ones():
    with pytest.raises(
        UnknownNameError, match="unknown data set 'mnist'; known: cifar10, digits, synthetic"
    ):
        get_loader("mnist")
    with pytest.raises(UnknownNameError):
        load_data(DataConfig.model_construct(name="mnist"))
