"""Which trainable functions a test reaches: the cheap cousin of the recorder.

Used to survey the whole suite once, so that a candidate is checked first against the
tests that reach the functions it changes. The global trace function notes the name of
a trainable code object when one of its frames starts and returns ``None``, so no frame
is traced line by line.
"""

from __future__ import annotations

import sys
import types
from collections.abc import Mapping
from typing import Any


class Reach:
    """``with Reach(codes) as reach:`` collects ``reach.names`` in the current thread."""

    def __init__(self, codes: Mapping[types.CodeType, str]) -> None:
        self.codes = codes
        self.names: dict[str, None] = {}
        self._previous: Any = None

    def __enter__(self) -> Reach:
        codes, names = self.codes, self.names

        def trace(frame: types.FrameType, event: str, arg: Any) -> None:
            name = codes.get(frame.f_code)
            if name is not None:
                names[name] = None

        self._previous = sys.gettrace()
        sys.settrace(trace)
        return self

    def __exit__(self, *exc_info: object) -> None:
        sys.settrace(self._previous)
