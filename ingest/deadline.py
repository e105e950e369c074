"""A time limit on reading one file, checked by the parsers' and the chunker's main loops."""

from __future__ import annotations

import math
import time
from collections.abc import Callable

from ingest.errors import ParseTimeout


class Deadline:
    """A point in time after which ``check`` raises ParseTimeout.

    Ingest runs in a worker thread of the web server, where signals cannot interrupt it, so the
    loops that can run long ask the deadline instead; a call into a library (pypdf, python-docx,
    lxml) between two checks cannot be cut short.
    """

    def __init__(self, seconds: float | None = None, clock: Callable[[], float] = time.monotonic) -> None:
        self.seconds = seconds
        self._clock = clock
        self._end = math.inf if seconds is None else clock() + seconds

    def check(self) -> None:
        """Raise ParseTimeout once the time is up."""
        if self._end != math.inf and self._clock() > self._end:
            raise ParseTimeout(f"took longer than the {self.seconds:g} s allowed to read one file "
                               "(INSIGHTS_MAX_PARSE_SECONDS); split it into smaller files")


#: No limit: the default for callers that parse outside an ingest run.
NO_DEADLINE = Deadline()
