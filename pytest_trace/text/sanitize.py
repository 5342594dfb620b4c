"""Text from outside (an LLM's answer, a candidate's reasoning) made safe to store and show.

Python strings may hold what no file, terminal or git object should: lone surrogates
(from a JSON ``"\\ud800"`` escape), which cannot be encoded as UTF-8, and NUL or other
control characters, which end command-line arguments and move terminal cursors.
"""

from __future__ import annotations

import re

_SURROGATES = re.compile("[\ud800-\udfff]")
#: Control characters other than tab and newline (C0, DEL, C1).
_CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def well_formed(text: str) -> str:
    """``text`` with lone surrogates replaced by U+FFFD and NUL characters removed:
    encodable as UTF-8, fit for any file or process."""
    return _SURROGATES.sub("\ufffd", text).replace("\x00", "")


def printable(text: str) -> str:
    """:func:`well_formed` ``text`` with line endings as ``\\n`` and the control characters
    other than tab and newline removed: fit for a commit message or a terminal."""
    text = well_formed(text).replace("\r\n", "\n").replace("\r", "\n")
    return _CONTROLS.sub("", text)
