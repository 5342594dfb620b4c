"""Lines of Python source as the tokenizer sees them (pure): split where Python splits
them (``\\r\\n``, ``\\r`` or ``\\n``) keeping each line's ending, a leading BOM, the
indentation of a block, the Markdown fence around a model's code."""

from __future__ import annotations

import re

NEWLINE = re.compile(r"\r\n|\r|\n")
_FENCED = re.compile(r"(`{3,}|~{3,})[^\n]*\n(.*?)\n?[ \t]*\1", re.DOTALL)
BOM = "\ufeff"


def split_bom(text: str) -> tuple[str, str]:
    return (BOM, text[1:]) if text.startswith(BOM) else ("", text)


def split_lines(text: str) -> list[str]:
    """Lines with their endings, split where Python's tokenizer splits them."""
    lines: list[str] = []
    start = 0
    for match in NEWLINE.finditer(text):
        lines.append(text[start : match.end()])
        start = match.end()
    if start < len(text):
        lines.append(text[start:])
    return lines


def line_content(line: str) -> str:
    return line[: len(line) - len(line_ending(line))]


def line_ending(line: str) -> str:
    if line.endswith("\r\n"):
        return "\r\n"
    return line[-1] if line.endswith(("\n", "\r")) else ""


def first_newline(text: str) -> str:
    match = NEWLINE.search(text)
    return match.group() if match else "\n"


def line_contents(text: str) -> list[str]:
    return [line_content(line) for line in split_lines(text)]


def join_lines(lines: list[str]) -> str:
    return "".join(line + "\n" for line in lines)


def content_lines(text: str) -> list[str]:
    """The lines of ``text`` without endings, leading and trailing blank lines dropped."""
    lines = line_contents(text)
    while lines and not lines[0].strip():
        lines.pop(0)
    while lines and not lines[-1].strip():
        lines.pop()
    return lines


def strip_fence(text: str) -> str:
    """The code inside a markdown fence around ``text``, else ``text`` itself."""
    match = _FENCED.fullmatch(NEWLINE.sub("\n", text.strip()))
    return match.group(2) if match else text


def dedent(lines: list[str]) -> list[str]:
    """Remove the first line's indentation from every line that starts with it."""
    if not lines:
        return lines
    first = lines[0]
    indent = first[: len(first) - len(first.lstrip(" \t\f"))]
    return [strip_indent(line, indent) for line in lines]


def strip_indent(line: str, indent: str) -> str:
    return line[len(indent) :] if line.startswith(indent) else line
