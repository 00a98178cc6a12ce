"""Data sets: digits (embedded default), synthetic, CIFAR-10/100 and (Fashion-)MNIST from their
official files, image folders, npz arrays, and plug-in loaders (``package.module:function``)."""

from archsearch.data._common import DataSplits
from archsearch.data.arrays import Arrays
from archsearch.data.registry import DATASETS, get_loader, load_data, sample_shape

__all__ = ["DATASETS", "Arrays", "DataSplits", "get_loader", "load_data", "sample_shape"]
