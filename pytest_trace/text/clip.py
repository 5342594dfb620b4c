"""Text cut to a limit, everywhere the same way: what is kept, and one marker, ``…``,
with the count of what was left out when there is room for it (pure).

Every limit on text in prompts, feedback, reports, records and commit messages goes
through :func:`clip`, so a reader learns one marker: ``… 3,200 characters omitted …``
stands where text was cut, a lone ``…`` where there was no room to say how much.
"""

from __future__ import annotations

from typing import Literal

#: The one marker of text left out.
MARK = "…"

Keep = Literal["head", "tail", "middle"]
At = Literal["char", "word", "line"]

_HEAD_SHARE = {"head": 1.0, "tail": 0.0, "middle": 2 / 3}


def omitted(count: int, what: str = "characters") -> str:
    """The marker that stands for ``count`` ``what`` left out."""
    return f"{MARK} {count:,} {what} omitted {MARK}"


def clip(text: str, limit: int, *, keep: Keep = "head", at: At = "char") -> str:
    """``text`` if it fits in ``limit`` characters; else what fits of it and the marker.

    ``keep`` says which part stays: the beginning, the end, or both (two thirds of the
    room to the beginning). ``at`` moves the cut of a kept beginning back to the end of a
    word or of a line when one is near, so that a reader never sees half a word or half a
    line. The result is never longer than ``limit``. The marker counts what was left out
    when it takes at most a third of the room, and is a lone ``…`` otherwise.
    """
    limit = max(limit, 0)
    if len(text) <= limit:
        return text
    separated = keep != "head" or at == "line"
    gap = "\n" if separated else " " if at == "word" else ""
    counted = f"{gap}{omitted(len(text))}{gap if separated else ''}"
    if len(counted) * 3 > limit:
        return _bare(text, limit, keep, at)
    room = limit - len(counted)
    head = round(room * _HEAD_SHARE[keep])
    start = _cut(text, head, at)
    tail = room - head
    end = text[len(text) - tail :] if tail > 0 else ""
    marker = omitted(len(text) - len(start) - len(end))
    if separated:
        return "\n".join(part for part in (start.rstrip("\n"), marker, end) if part)
    return f"{start}{gap}{marker}"


def _bare(text: str, limit: int, keep: Keep, at: At) -> str:
    if limit <= len(MARK):
        return MARK[:limit]
    if keep == "tail":
        return MARK + text[len(text) - (limit - len(MARK)) :]
    return _cut(text, limit - len(MARK), at) + MARK


def _cut(text: str, size: int, at: At) -> str:
    """The first ``size`` characters of ``text``, ended at a word or line end when one is
    in its second half."""
    start = text[:size]
    if at == "char" or size <= 0:
        return start
    boundary = start.rfind("\n") if at == "line" else max(start.rfind(" "), start.rfind("\n"))
    if at == "word" and size < len(text) and text[size] in " \n":
        return start.rstrip(" ,;:.")
    if boundary > size // 2:
        return start[: boundary + (1 if at == "line" else 0)].rstrip(
            " ,;:." if at == "word" else ""
        )
    return start
