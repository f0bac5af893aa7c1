"""The sandbox's clock: the system clock plus an offset kept in a small file, so that every process reading the
same file (the web app and the worker) agrees on what time it is, and the sandbox page can move it forward to try
what happens later (reminders, a trial's end, the 24-hour window)."""
from __future__ import annotations

import os
import tempfile
from datetime import datetime, timedelta, timezone
from pathlib import Path


class OffsetClock:
    """A callable clock: now in UTC, plus the offset stored in `path` (seconds, as text; no file: none)."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)

    def __call__(self) -> datetime:
        return datetime.now(timezone.utc) + self.offset()

    def offset(self) -> timedelta:
        try:
            return timedelta(seconds=float(self.path.read_text(encoding="ascii")))
        except (FileNotFoundError, ValueError):
            return timedelta(0)

    def advance(self, delta: timedelta) -> timedelta:
        """Move the clock by `delta` (forward only); returns the new offset."""
        if delta < timedelta(0):
            raise ValueError("the sandbox clock only moves forward")
        offset = self.offset() + delta
        self._write(offset)
        return offset

    def reset(self) -> None:
        self.path.unlink(missing_ok=True)

    def _write(self, offset: timedelta) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, temp = tempfile.mkstemp(dir=self.path.parent, prefix=".clock-")
        with os.fdopen(fd, "w", encoding="ascii") as handle:
            handle.write(repr(offset.total_seconds()))
        os.replace(temp, self.path)  # readers see the old offset or the new one, never half a file
