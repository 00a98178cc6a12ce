"""One live status line while a search runs (redrawn in place on a terminal, a line every few
seconds in a log such as `ray job logs`)."""

from __future__ import annotations

import sys
import time
from typing import TextIO

LOG_EVERY_S = 10.0  # when stderr is not a terminal


def format_duration(seconds: float) -> str:
    s = int(seconds)
    return f"{s // 3600:02d}:{s % 3600 // 60:02d}:{s % 60:02d}"


class ProgressLine:
    def __init__(self, stream: TextIO = sys.stderr) -> None:
        self.stream = stream
        self.live = stream.isatty()
        self._last = 0.0

    def update(
        self,
        counts: dict[str, int],
        hull_size: int,
        best_error: float | None,
        max_madd: float | None,
        elapsed_s: float,
        force: bool = False,
    ) -> None:
        now = time.monotonic()
        if not (self.live or force or now - self._last >= LOG_EVERY_S):
            return
        self._last = now
        best = "-" if best_error is None else f"{best_error:.4f}"
        madd = "-" if max_madd is None else f"{max_madd:.3g}"
        line = (
            f"jobs {counts['finished']} done, {counts['running']} running, "
            f"{counts['failed']} failed | hull {hull_size} | best error {best} | "
            f"max MAdd {madd} | {format_duration(elapsed_s)}"
        )
        if self.live:
            self.stream.write("\r\033[K" + line)
        else:
            self.stream.write(line + "\n")
        self.stream.flush()

    def close(self) -> None:
        if self.live:
            self.stream.write("\n")
            self.stream.flush()
