"""Feedback text for an optimizer: what pytest knows about a failing test, rendered.

This is the "gradient" of pytest-trace: a failing test becomes a :class:`Failure`
(``_report_feedback`` builds it from pytest's report inside the worker) and
:func:`render_feedback` turns it into compact, bounded text for a model. Everything
here is pure: no pytest, no I/O.

Every part of the text has its own budget and truncation is always visible (a line
such as ``… 3,200 characters omitted …``, from :mod:`pytest_trace.text.clip`), so a
100 kB assertion message or a chatty test cannot crowd out the traceback, nor push the
text past ``max_chars``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from pytest_trace.text.clip import MARK, clip, omitted

#: Longest header line (the nodeid of a heavily parametrized test can be long).
_HEADER_CHARS = 300
#: Longest exception type name.
_TYPE_CHARS = 200
#: Longest line of a traceback (the statement is shortened to fit).
_FRAME_CHARS = 300
#: Most frames shown; deep recursion keeps the outermost and the innermost ones.
_MAX_FRAMES = 20
#: Relative weights of the parts when the budget is tight: the error, the traceback,
#: and each stream of captured output.
_MESSAGE_WEIGHT = 3.0
_FRAMES_WEIGHT = 2.0
_OUTPUT_WEIGHT = 1.0


class TestTimeout(BaseException):
    """Raised into a test that ran past the worker's time limit.

    A ``BaseException`` so that user code's ``except Exception`` cannot swallow it.
    """

    __test__ = False  # not a test class, whatever pytest's collection thinks

    def __init__(self, seconds: float, *, cpu: bool = False) -> None:
        super().__init__(seconds)
        self.seconds = seconds
        self.cpu = cpu  # a limit of the test's CPU time, not of the clock's

    def __str__(self) -> str:
        return f"test timed out after {_seconds(self.seconds)} s{' of CPU time' * self.cpu}"


@dataclass(frozen=True)
class Frame:
    """One frame of user code: a path relative to the root (POSIX), a 1-based line."""

    path: str
    lineno: int
    function: str
    source: str


@dataclass(frozen=True)
class Failure:
    """A failing phase of a test, as pytest saw it.

    ``when`` is ``"setup"``, ``"call"`` or ``"teardown"``; ``exception`` is the type
    name and ``message`` its message (for a failed ``assert``, pytest's rewritten
    explanation); ``frames`` are user code only, outermost first.
    """

    nodeid: str
    when: str
    exception: str
    message: str
    frames: tuple[Frame, ...]
    stdout: str
    stderr: str
    log: str
    timed_out: bool = False
    timeout_seconds: float | None = None
    timeout_cpu: bool = False


def render_feedback(failure: Failure, *, max_chars: int = 4000) -> str:
    """Compact text describing ``failure``, at most ``max_chars`` characters long.

    The header names the test and what went wrong; then come the error, the user-code
    traceback and the captured output, each within its own share of the budget.
    """
    max_chars = max(max_chars, 0)
    header = clip(_header(failure), min(max_chars, _HEADER_CHARS))
    message = _message_text(failure)
    title = _frames_title(failure)
    frames = [_frame_line(frame) for frame in failure.frames]
    outputs = [
        ("Captured stdout:", _clean_output(failure.stdout)),
        ("Captured stderr:", _clean_output(failure.stderr)),
        ("Captured log:", _clean_output(failure.log)),
    ]
    wanted = [
        len(message),
        len(title) + sum(len(line) + 1 for line in frames) if frames else 0,
        *(len(name) + 1 + len(body) if body else 0 for name, body in outputs),
    ]
    weights = [_MESSAGE_WEIGHT, _FRAMES_WEIGHT, *[_OUTPUT_WEIGHT] * len(outputs)]
    newlines = sum(1 for size in wanted if size)  # one before each part after the header
    shares = fair_shares(wanted, max_chars - len(header) - newlines, weights)
    parts = [
        header,
        clip(message, shares[0], keep="middle"),
        _frames_section(title, frames, shares[1]),
    ]
    parts += [
        _output_section(name, body, share)
        for (name, body), share in zip(outputs, shares[2:], strict=True)
    ]
    return clip("\n".join(part for part in parts if part), max_chars, at="line")


def combine_feedback(items: list[str], *, max_chars: int) -> str:
    """The feedback of several failing tests, at most ``max_chars`` characters long.

    The budget is divided fairly (a short item is kept whole, the long ones share the
    rest equally); each item keeps at least its first line, the header naming the test.
    When even the headers do not all fit, the ones that do are listed and the rest
    counted.
    """
    max_chars = max(max_chars, 0)
    items = [item.strip("\n") for item in items if item.strip()]
    separator = "\n\n"
    joined = separator.join(items)
    if len(joined) <= max_chars:
        return joined
    headers = [item.split("\n", 1)[0] for item in items]
    budget = max_chars - len(separator) * (len(items) - 1)
    if sum(len(header) for header in headers) > budget:
        return _headers_only(headers, max_chars)
    bodies = [item[len(header) + 1 :] for item, header in zip(items, headers, strict=True)]
    remaining = budget - sum(len(header) for header in headers)
    # a newline joins a kept body to its header
    shares = fair_shares([len(body) + 1 if body else 0 for body in bodies], remaining)
    combined = [
        header + ("\n" + clip(body, share - 1, at="line") if body and share > 1 else "")
        for header, body, share in zip(headers, bodies, shares, strict=True)
    ]
    return clip(separator.join(part.rstrip("\n") for part in combined), max_chars, at="line")


def fair_shares(sizes: Sequence[int], budget: int, weights: Sequence[float] = ()) -> list[int]:
    """Divide ``budget`` among parts wanting ``sizes``: max-min fair, by ``weights``.

    A part wanting less than its (weighted) share gets what it wants; what it leaves
    is divided among the others. The shares never sum to more than ``budget``.
    """
    weights = list(weights) or [1.0] * len(sizes)
    shares = [0] * len(sizes)
    remaining = max(budget, 0)
    active = [index for index, size in enumerate(sizes) if size > 0]
    while active:
        total = sum(weights[index] for index in active)
        small = [i for i in active if sizes[i] <= remaining * weights[i] / total]
        if not small:
            for index in active:
                shares[index] = int(remaining * weights[index] / total)
            break
        for index in small:
            shares[index] = sizes[index]
            remaining -= sizes[index]
        active = [index for index in active if index not in small]
    return shares


def _seconds(seconds: float) -> str:
    return str(round(float(seconds), 3))


def _header(failure: Failure) -> str:
    if failure.timed_out:
        when = "" if failure.when == "call" else f" in {failure.when}"
        after = (
            ""
            if failure.timeout_seconds is None
            else f" after {_seconds(failure.timeout_seconds)} s"
            + " of CPU time" * failure.timeout_cpu
        )
        return f"{failure.nodeid} timed out{when}{after} (possible infinite loop)"
    if failure.when == "call":
        return f"{failure.nodeid} failed"
    return f"error in {failure.when} of {failure.nodeid}"


def _message_text(failure: Failure) -> str:
    if failure.timed_out:  # the header says it all
        return ""
    exception = clip(failure.exception, _TYPE_CHARS)
    message = failure.message.strip("\n")
    if exception and message:
        return f"{exception}: {message}"
    return exception or message


def _frames_title(failure: Failure) -> str:
    where = "Interrupted in" if failure.timed_out else "Traceback"
    return f"{where} (user code, most recent call last):"


def _frame_line(frame: Frame) -> str:
    statement = " ".join(line.strip() for line in frame.source.splitlines() if line.strip())
    line = f"  {frame.path}:{frame.lineno} in {frame.function}"
    if statement:
        line += f": {statement}"
    if len(line) > _FRAME_CHARS:
        line = clip(line, _FRAME_CHARS)
    return line


def _frames_section(title: str, lines: list[str], limit: int) -> str:
    """The title and as many frames as fit: the innermost, the outermost, then inward."""
    if not lines:
        return ""
    if len(title) + 1 + len(lines[-1]) > limit:
        return clip(f"{title}\n{lines[-1]}", limit, at="line")
    last = len(lines) - 1
    priority = [last, *([0] if last else []), *range(last - 1, 0, -1)]
    kept: set[int] = set()
    for index in priority:
        candidate = kept | {index}
        if len(candidate) > _MAX_FRAMES or len(_frames_text(title, lines, candidate)) > limit:
            break
        kept = candidate
    return _frames_text(title, lines, kept)


def _frames_text(title: str, lines: list[str], kept: set[int]) -> str:
    out = [title]
    skipped = 0
    for index, line in enumerate(lines):
        if index not in kept:
            skipped += 1
            continue
        if skipped:
            out.append(f"  {omitted(skipped, 'frames' if skipped > 1 else 'frame')}")
            skipped = 0
        out.append(line)
    return "\n".join(out)


def _clean_output(text: str) -> str:
    return text.strip("\n").rstrip() if text.strip() else ""


def _output_section(title: str, body: str, limit: int) -> str:
    """The title and the end of ``body`` (the output just before the failure)."""
    if not body or limit <= len(title) + 1:
        return ""
    return f"{title}\n{clip(body, limit - len(title) - 1, keep='tail')}"


def _headers_only(headers: list[str], max_chars: int) -> str:
    """As many headers as fit, then how many tests were left out."""
    lines: list[str] = []
    used = 0
    for index, header in enumerate(headers):
        left = len(headers) - index - 1
        reserve = len(_more_tests(left)) + 1 if left else 0
        if used + len(header) + reserve > max_chars:
            lines.append(_more_tests(left + 1))
            break
        lines.append(header)
        used += len(header) + 1
    return clip("\n".join(lines), max_chars, at="line")


def _more_tests(count: int) -> str:
    return f"{MARK} and {count:,} more failing test{'s' if count > 1 else ''} {MARK}"
