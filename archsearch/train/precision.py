"""Mixed precision and memory format of a training run: CUDA only, a clean no-op elsewhere.

bf16 autocast needs no loss scaling (its exponent range is fp32's); fp16 does, so it comes with
a ``GradScaler``. On the CPU the trainer runs in fp32 and NCHW whatever the config says: CPU
autocast is slower than fp32 for these small convolutions, and the same config then runs on a
laptop and on a GPU cluster alike.
"""

from __future__ import annotations

import contextlib
import logging
from dataclasses import dataclass

import torch

from archsearch.config import TrainConfig

log = logging.getLogger(__name__)

_DTYPES = {"bf16": torch.bfloat16, "fp16": torch.float16}


@dataclass(frozen=True)
class Precision:
    dtype: torch.dtype | None  # autocast dtype; None: fp32, no autocast
    scaler: torch.amp.GradScaler | None  # fp16 only
    memory_format: torch.memory_format  # of the model and every batch

    def autocast(self) -> contextlib.AbstractContextManager:
        if self.dtype is None:
            return contextlib.nullcontext()
        return torch.autocast("cuda", dtype=self.dtype)


FP32 = Precision(None, None, torch.contiguous_format)


def resolve_precision(conf: TrainConfig, device: torch.device) -> Precision:
    """What ``conf.precision`` and ``conf.channels_last`` mean on ``device``."""
    if device.type != "cuda":
        if conf.precision != "fp32" or conf.channels_last:
            log.info("on %s: fp32 and NCHW (precision and channels_last act on CUDA)", device)
        return FP32
    name = conf.precision
    if name == "bf16" and not torch.cuda.is_bf16_supported():
        log.warning("this GPU has no bf16: training in fp16 with a gradient scaler instead")
        name = "fp16"
    fmt = torch.channels_last if conf.channels_last else torch.contiguous_format
    if name == "fp32":
        return Precision(None, None, fmt)
    scaler = torch.amp.GradScaler("cuda") if name == "fp16" else None
    return Precision(_DTYPES[name], scaler, fmt)
