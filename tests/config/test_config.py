from pathlib import Path

import pytest

from archsearch.config import load_config
from archsearch.errors import ConfigError

CONFS = sorted(Path(__file__).resolve().parents[2].joinpath("confs").glob("*.yaml"))


def write(tmp_path, text):
    path = tmp_path / "conf.yaml"
    path.write_text(text)
    return path


@pytest.mark.parametrize("conf", CONFS, ids=lambda p: p.name)
def test_shipped_configs_validate(conf):
    load_config(conf)


def test_defaults_and_overrides():
    conf = load_config(None, ["train.epochs=7", "strategy.seed_grid.cells=[3, 4]", "name=x"])
    assert conf.train.epochs == 7 and conf.strategy.seed_grid.cells == [3, 4] and conf.name == "x"
    assert conf.resources.gpus == 1.0  # one GPU per job by default, as in archai


def test_typo_names_file_key_and_allowed_keys(tmp_path):
    path = write(tmp_path, "train:\n  epochz: 3\n")
    with pytest.raises(ConfigError) as e:
        load_config(path)
    msg = str(e.value)
    assert str(path) in msg and "train.epochz" in msg and "allowed keys: epochs" in msg


def test_wrong_type_names_value_and_expected(tmp_path):
    with pytest.raises(ConfigError) as e:
        load_config(write(tmp_path, "train:\n  epochs: many\n"))
    assert "train.epochs" in str(e.value) and "'many'" in str(e.value)


def test_bad_choice_lists_allowed_values(tmp_path):
    with pytest.raises(ConfigError) as e:
        load_config(write(tmp_path, "data:\n  name: imagenet\n"))
    assert "data.name" in str(e.value) and "digits, synthetic, cifar10" in str(e.value)


def test_out_of_range_value(tmp_path):
    with pytest.raises(ConfigError, match="train.lr"):
        load_config(write(tmp_path, "train:\n  lr: -0.1\n"))


def test_impossible_seed_grid_is_explained(tmp_path):
    with pytest.raises(ConfigError, match="cells < 2 \\* reductions \\+ 1"):
        load_config(write(tmp_path, "strategy:\n  seed_grid: {reductions: [2], cells: [3, 4]}\n"))


def test_unknown_primitive(tmp_path):
    with pytest.raises(ConfigError, match="unknown primitive"):
        load_config(write(tmp_path, "model:\n  primitives: [conv_7x7]\n"))


def test_override_errors_mention_the_override():
    with pytest.raises(ConfigError, match="--set budget.max_jobz=3"):
        load_config(None, ["budget.max_jobz=3"])
    with pytest.raises(ConfigError, match="key.path=value"):
        load_config(None, ["budget.max_jobs"])


def test_missing_file_and_bad_yaml(tmp_path):
    with pytest.raises(ConfigError, match="does not exist"):
        load_config(tmp_path / "nope.yaml")
    with pytest.raises(ConfigError, match="not valid YAML"):
        load_config(write(tmp_path, "train: [unclosed\n"))


def test_retrain_section_overrides_train_for_retrain_jobs_only():
    config = load_config(
        "confs/petridish_cifar10.yaml", ["retrain.epochs=7", "retrain.train.cutout=8"]
    )
    conf = config.retrain_train()
    assert (conf.epochs, conf.cutout, conf.drop_path, conf.aux_weight) == (7, 8, 0.2, 0.4)
    assert (config.train.drop_path, config.train.aux_weight) == (0.0, 0.0)
    assert config.train.crop_padding == 4 and config.train.hflip and config.train.cutout == 16


def test_recipe_is_off_by_default_and_retrain_keys_are_checked():
    train = load_config("confs/petridish.yaml").train
    assert (train.crop_padding, train.hflip, train.cutout, train.drop_path) == (0, False, 0, 0)
    assert (train.aux_weight, train.precision, train.channels_last) == (0, "fp32", False)
    with pytest.raises(ConfigError, match="retrain.train: unknown key 'cutot'"):
        load_config(None, ["retrain.train={cutot: 16}"])
    with pytest.raises(ConfigError, match="retrain.epochs, not retrain.train.epochs"):
        load_config(None, ["retrain.train={epochs: 5}"])
