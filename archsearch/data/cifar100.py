"""CIFAR-100 from a local folder in the official binary format (nothing is downloaded).

Each record is 1 coarse label byte (20 superclasses), 1 fine label byte (100 classes), then
3072 pixel bytes laid out as CIFAR-10's. ``train.bin`` gives the train and val splits
(``data.val_fraction`` held out, stratified); ``test.bin`` is the test split.
"""

from __future__ import annotations

import logging

from archsearch.config import DataConfig
from archsearch.data._common import DataSplits, find_files, held_out_splits
from archsearch.data.cifar10 import read_records

logger = logging.getLogger(__name__)

TRAIN_FILE, TEST_FILE = "train.bin", "test.bin"
SUBFOLDER = "cifar-100-binary"  # the folder the official tarball unpacks to
NUM_CLASSES = {"coarse": 20, "fine": 100}
LABEL_BYTE = {"coarse": 0, "fine": 1}
# The usual per-channel statistics of the CIFAR-100 training set, on pixels scaled to [0, 1].
MEAN = (0.5071, 0.4865, 0.4409)
STD = (0.2673, 0.2564, 0.2762)


def load_cifar100_splits(conf: DataConfig) -> DataSplits:
    files = find_files("cifar100", conf.root, (TRAIN_FILE, TEST_FILE), (SUBFOLDER,))
    column = LABEL_BYTE[conf.cifar100_labels]
    train, test = (read_records(files[n], 2, "CIFAR-100") for n in (TRAIN_FILE, TEST_FILE))
    folder = files[TRAIN_FILE].parent
    logger.info("cifar100 from %s: %d train, %d test", folder, len(train[0]), len(test[0]))
    return held_out_splits(
        (train[0], train[1][:, column]),
        NUM_CLASSES[conf.cifar100_labels],
        conf,
        source=str(folder),
        test=(test[0], test[1][:, column]),
        mean=[255 * m for m in MEAN],
        std=[255 * s for s in STD],
    )
