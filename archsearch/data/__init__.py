"""Data sets: digits (embedded default), CIFAR-10 from a local folder, synthetic."""

from archsearch.data._common import DataSplits
from archsearch.data.registry import DATASETS, get_loader, load_data

__all__ = ["DATASETS", "DataSplits", "get_loader", "load_data"]
