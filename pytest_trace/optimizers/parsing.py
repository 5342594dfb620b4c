"""Reading the model's answer: ``{"reasoning": ..., "answer": ..., "suggestion": {...}}``.

Strict first, lenient second, and always explicit about what was rejected:

1. the whole answer as JSON;
2. the JSON inside a Markdown code fence (```` ```json ```` or bare);
3. the first balanced ``{...}`` in prose that is a JSON object with one of the expected
   keys, found by a brace-matching scanner that skips strings (code in string values may
   contain braces and quotes) — never by a greedy regular expression;
4. the same places again, read as a Python literal (``ast.literal_eval``: single quotes,
   ``True``/``False``/``None``).

JSON is read with ``strict=False``, so raw newlines and tabs inside strings (models write
code that way) are accepted. An answer that is exactly ``TERMINATE``, or an object whose
``suggestion`` is missing or empty, proposes no change. Nothing here raises: what could
not be read is described in :attr:`ParsedAnswer.error`, with a bounded excerpt.
"""

from __future__ import annotations

import ast
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass

#: The keys of the answer object.
EXPECTED_KEYS = ("reasoning", "answer", "suggestion")

#: The answer that means "no change".
TERMINATE = "TERMINATE"

_EXCERPT_CHARS = 400
_MAX_SCAN_STARTS = 100
_MAX_SCAN_STEPS = 200_000


@dataclass(frozen=True)
class ParsedAnswer:
    """The parts of an answer. ``suggestion`` is None when no change is proposed.

    ``error`` is empty when the answer was read; otherwise it says what was wrong, for the
    model to read in the next iteration, and the other fields hold whatever was read.
    """

    reasoning: str = ""
    answer: str = ""
    suggestion: dict[str, object] | None = None
    error: str = ""


def parse_answer(text: str) -> ParsedAnswer:
    """Parse the model's answer; never raises."""
    try:
        return _parse(text)
    except Exception as error:  # a parser bug must not end an optimization run
        return ParsedAnswer(
            error=f"The answer could not be read ({type(error).__name__}: {error}). "
            f"{_excerpt(text)}"
        )


def _parse(text: str) -> ParsedAnswer:
    stripped = text.strip()
    if not stripped:
        return ParsedAnswer(error="The answer was empty. " + _FORMAT_HINT)
    if stripped == TERMINATE:
        return ParsedAnswer()

    fences = list(_fenced_blocks(stripped))
    spans: list[str] = []  # filled while the first pass scans, reused by the second

    def places() -> Iterator[tuple[str, str]]:
        yield "the whole answer", stripped
        for block in fences:
            yield "a code fence", block
        if spans:
            for span in spans:
                yield "the text", span
        else:
            for span in _balanced_objects(stripped):
                spans.append(span)
                yield "the text", span

    rejected: dict[str, str] = {}  # candidate -> what it held instead
    for loader in (_load_json, _load_python):
        for where, candidate in places():
            data = loader(candidate)
            if not isinstance(data, dict):
                continue
            if not any(key in data for key in EXPECTED_KEYS):
                keys = ", ".join(repr(key) for key in list(data)[:8])
                rejected.setdefault(candidate.strip(), f"{where} holds an object with keys {keys}")
                continue
            return _from_object(data, text)

    return ParsedAnswer(error=_explain_failure(stripped, fences, spans, rejected, text))


_FORMAT_HINT = (
    'Answer with one JSON object: {"reasoning": "...", "answer": "...", '
    '"suggestion": {"<variable name>": "<new value>"}}.'
)


def _load_json(candidate: str) -> object:
    try:
        return json.loads(candidate, strict=False)
    except (ValueError, RecursionError):  # also: huge integers, absurd nesting
        return None


def _load_python(candidate: str) -> object:
    if not candidate.lstrip().startswith("{"):
        return None
    try:
        return ast.literal_eval(candidate)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return None


def _from_object(data: dict[object, object], text: str) -> ParsedAnswer:
    reasoning = _as_text(data.get("reasoning"))
    answer = _as_text(data.get("answer"))
    raw = data.get("suggestion")
    if isinstance(raw, str) and raw.strip().startswith("{"):
        decoded = _load_json(raw)  # an object sent as a JSON string
        if isinstance(decoded, dict):
            raw = decoded
    if raw is None or raw == "" or raw == {} or raw == []:
        return ParsedAnswer(reasoning=reasoning, answer=answer)
    if not isinstance(raw, dict):
        return ParsedAnswer(
            reasoning=reasoning,
            answer=answer,
            error=(
                '"suggestion" must be an object mapping variable names to new values, '
                f"not {_kind(raw)}. {_FORMAT_HINT} {_excerpt(text)}"
            ),
        )
    bad_keys = [key for key in raw if not isinstance(key, str)]
    if bad_keys:
        return ParsedAnswer(
            reasoning=reasoning,
            answer=answer,
            error=(
                '"suggestion" must use variable names (strings) as keys, not '
                f"{', '.join(repr(key) for key in bad_keys[:5])}. {_excerpt(text)}"
            ),
        )
    suggestion = {str(key): value for key, value in raw.items()}
    return ParsedAnswer(reasoning=reasoning, answer=answer, suggestion=suggestion)


def _as_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    try:
        return json.dumps(value, ensure_ascii=False)
    except (TypeError, ValueError):
        return repr(value)


def _kind(value: object) -> str:
    names = {str: "a string", list: "a list", bool: "a boolean", int: "a number"}
    return names.get(type(value), f"a {type(value).__name__}")


def _explain_failure(
    stripped: str, fences: list[str], spans: list[str], rejected: dict[str, str], text: str
) -> str:
    """Why no answer object was found, about the object the model most likely meant."""
    if "{" not in stripped:
        if TERMINATE in stripped:
            reason = (
                f"The answer mentions {TERMINATE} but is not exactly {TERMINATE}, and has no "
                "JSON object."
            )
        else:
            reason = "The answer contains no JSON object."
        return f"{reason} {_FORMAT_HINT} {_excerpt(text)}"
    main = next(
        (block.strip() for block in fences if block.lstrip().startswith("{")),
        spans[0] if spans else stripped[stripped.find("{") :],
    )
    if main in rejected:
        reason = (
            "The answer has no object with the keys "
            f"{', '.join(repr(key) for key in EXPECTED_KEYS)}: {rejected[main]}."
        )
    elif _matching_brace(main, 0)[0] is None:
        position = stripped.find(main)
        where = f" that starts on line {stripped.count(chr(10), 0, position) + 1}"
        reason = (
            f"The JSON object{where if position >= 0 else ''} of the answer is never closed "
            "(was the answer cut off?)."
        )
    else:
        reason = f"The answer's JSON object is invalid: {_json_error(main)}."
    return f"{reason} {_FORMAT_HINT} {_excerpt(text)}"


def _json_error(candidate: str) -> str:
    try:
        json.loads(candidate, strict=False)
    except json.JSONDecodeError as error:
        return f"{error.msg} at line {error.lineno} column {error.colno}"
    except (ValueError, RecursionError) as error:
        return str(error)
    return "it is not an object"


def _excerpt(text: str, limit: int = _EXCERPT_CHARS) -> str:
    """A bounded, one-line view of the answer for error messages."""
    if len(text) <= limit:
        return f"The answer was: {text!r}"
    head, tail = text[: limit * 2 // 3], text[-(limit // 3) :]
    omitted = len(text) - len(head) - len(tail)
    return (
        f"The answer ({len(text):,} characters) was: {head!r} ... [{omitted:,} characters "
        f"omitted] ... {tail!r}"
    )


def _fenced_blocks(text: str) -> Iterator[str]:
    """The contents of Markdown code fences: an opening line starting with three backticks
    (optionally followed by a language), and a closing line of just three backticks.

    Line-based, so backticks inside a JSON string (which cannot span lines) do not close it.
    """
    lines = text.splitlines()
    index = 0
    while index < len(lines):
        opening = lines[index].strip()
        if opening.startswith("```"):
            for end in range(index + 1, len(lines)):
                if lines[end].strip() == "```":
                    yield "\n".join(lines[index + 1 : end])
                    index = end
                    break
            else:
                # unclosed fence (cut-off answer): the rest may still hold the object
                yield "\n".join(lines[index + 1 :])
                return
        index += 1


def _balanced_objects(text: str) -> Iterator[str]:
    """Balanced ``{...}`` spans, in order of their opening brace.

    Each ``{`` is a possible start; from it, braces are counted outside strings. Strings are
    those of JSON and of Python literals (double, single and triple quotes, backslash
    escapes), so braces and quotes in code inside string values are skipped. Spans nested in
    an earlier span are also yielded (after it), in case the outer one is not an object.
    The work is bounded (starts and scanning steps), whatever the answer.
    """
    budget = _MAX_SCAN_STEPS
    starts = 0
    position = text.find("{")
    while position != -1 and starts < _MAX_SCAN_STARTS and budget > 0:
        starts += 1
        end, steps = _matching_brace(text, position, budget)
        budget -= steps
        if end is not None:
            yield text[position : end + 1]
        position = text.find("{", position + 1)


def _matching_brace(text: str, start: int, budget: int = _MAX_SCAN_STEPS) -> tuple[int | None, int]:
    """The index of the brace closing the one at ``start`` (None if there is none), and the
    number of steps taken (at most about ``budget``)."""
    depth = 0
    steps = 0
    match = _SPECIAL.search(text, start)
    while match is not None and steps < budget:
        steps += 1
        char = match.group()
        index = match.start()
        if char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
            if depth == 0:
                return index, steps
        else:
            index, used = _skip_string(text, index)
            steps += used
            if index < 0:
                return None, steps
            match = _SPECIAL.search(text, index)
            continue
        match = _SPECIAL.search(text, index + 1)
    return None, steps


def _skip_string(text: str, start: int) -> tuple[int, int]:
    """The index just after the string literal opening at ``start`` (-1 if it is never
    closed), and the number of steps taken."""
    quote = text[start]
    triple = text.startswith(quote * 3, start)
    if quote == '"':
        pattern = _TRIPLE_DOUBLE_END if triple else _DOUBLE_END
    else:
        pattern = _TRIPLE_SINGLE_END if triple else _SINGLE_END
    steps = 0
    match = pattern.search(text, start + (3 if triple else 1))
    while match is not None:
        steps += 1
        token = match.group()
        if token.startswith("\\"):
            match = pattern.search(text, match.start() + 2)
            continue
        if token == "\n":
            return -1, steps  # an apostrophe in prose, not a Python string
        return match.end(), steps
    return -1, steps


_SPECIAL = re.compile(r"[{}\"']")
_DOUBLE_END = re.compile(r'\\|"')
_SINGLE_END = re.compile(r"\\|'|\n")
_TRIPLE_DOUBLE_END = re.compile(r'\\|"""')
_TRIPLE_SINGLE_END = re.compile(r"\\|'''")
