import pytest
import torch
from torch import nn

from archsearch.errors import WeightsError
from archsearch.train import load_weights, save_weights


class Payload:
    """Any class: unpickling it could run code, so a weights file may not contain one."""


def test_round_trip_leaves_no_temp_file(tmp_path):
    model = nn.Sequential(nn.Conv2d(1, 2, 3), nn.BatchNorm2d(2))
    path = tmp_path / "weights" / "job-1.pt"
    assert save_weights(model.state_dict(), path) == path
    loaded = load_weights(path)
    assert list(loaded) == list(model.state_dict())
    for k, v in model.state_dict().items():
        assert torch.equal(loaded[k], v) and loaded[k].dtype == v.dtype, k
    assert [p.name for p in path.parent.iterdir()] == ["job-1.pt"]
    fresh = nn.Sequential(nn.Conv2d(1, 2, 3), nn.BatchNorm2d(2))
    fresh.load_state_dict(loaded)


def test_failed_write_keeps_the_old_file_and_no_temp(tmp_path, monkeypatch):
    path = tmp_path / "w.pt"
    save_weights({"a": torch.ones(2)}, path)

    def broken_save(obj, f):
        f.write(b"half a file")
        raise OSError("disk full")

    monkeypatch.setattr(torch, "save", broken_save)
    with pytest.raises(OSError, match="disk full"):
        save_weights({"a": torch.zeros(2)}, path)
    assert torch.equal(load_weights(path)["a"], torch.ones(2))
    assert [p.name for p in tmp_path.iterdir()] == ["w.pt"]


def test_load_refuses_arbitrary_objects(tmp_path):
    path = tmp_path / "evil.pt"
    torch.save({"x": Payload()}, path)
    with pytest.raises(
        WeightsError, match=r"evil.pt: holds a .*Payload object, not only tensors; refused"
    ):
        load_weights(path)


@pytest.mark.parametrize(
    "damage, expected",
    [
        (lambda b: b[: len(b) // 2], "truncated or corrupt weights file .*central directory"),
        (lambda b: b"", "truncated or corrupt weights file .*EOFError"),
        (lambda b: b"not a zip, not a pickle", "truncated or corrupt weights file"),
    ],
)
def test_a_damaged_file_is_one_named_error(tmp_path, damage, expected):
    path = tmp_path / "w.pt"
    save_weights({"a": torch.ones(2)}, path)
    path.write_bytes(damage(path.read_bytes()))
    with pytest.raises(WeightsError, match=f"^{path}: {expected}") as info:
        load_weights(path)
    assert "\n" not in str(info.value)


def test_a_missing_file_or_not_a_state_dict_is_named(tmp_path):
    with pytest.raises(WeightsError, match="weights file .*nothing.pt does not exist"):
        load_weights(tmp_path / "nothing.pt")
    torch.save([torch.ones(1)], tmp_path / "list.pt")
    with pytest.raises(WeightsError, match="list.pt: holds a list, not a state_dict"):
        load_weights(tmp_path / "list.pt")
