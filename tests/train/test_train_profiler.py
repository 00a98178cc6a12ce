import torch
from torch import nn

from archsearch.train import count_params, profile


def test_conv_without_padding():
    # 30 x 30 outputs x 16 channels, each 3 x 3 x 3 multiply-adds (the bias add is not counted)
    p = profile(nn.Conv2d(3, 16, 3), (3, 32, 32))
    assert p.madd == 30 * 30 * 16 * 27 == 388_800
    assert p.params == 16 * 3 * 3 * 3 + 16


def test_depthwise_separable_conv():
    c, c_out, h = 8, 16, 10
    model = nn.Sequential(
        nn.Conv2d(c, c, 3, padding=1, groups=c, bias=False),  # 9 MAdd per output, C maps
        nn.Conv2d(c, c_out, 1, bias=False),  # C MAdd per output, C_out maps
    )
    p = profile(model, (c, h, h))
    assert p.madd == h * h * c * 9 + h * h * c_out * c == 20_000
    assert p.params == c * 9 + c * c_out


def test_linear():
    p = profile(nn.Linear(100, 10), (100,))
    assert p.madd == 1000
    assert p.params == 1010


def test_architecture_weights_are_not_counted():
    class Search(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.linear = nn.Linear(4, 2)
            self.alpha = nn.Parameter(torch.zeros(7))

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return self.linear(x)

        def arch_parameters(self) -> list[nn.Parameter]:
            return [self.alpha]

    assert count_params(Search()) == 10
    assert profile(Search(), (4,)).params == 10


def test_training_mode_and_batch_norm_statistics_are_untouched():
    model = nn.Sequential(nn.Conv2d(1, 4, 3), nn.BatchNorm2d(4), nn.Dropout())
    model.train()
    model[2].eval()  # a mixed state must come back as it was, module by module
    stats = {k: v.clone() for k, v in model[1].state_dict().items()}
    profile(model, (1, 8, 8))
    assert [m.training for m in model.modules()] == [True, True, True, False]
    for k, v in model[1].state_dict().items():
        assert torch.equal(v, stats[k]), k
