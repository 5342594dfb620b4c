"""Running the examples of the documentation (used by ``tests/test_docs.py``).

The convention, for a Markdown file:

- ``<!-- example: project=NAME -->`` (once, before the first example): the examples run in
  a fresh git repository holding a committed copy of ``sample_projects/NAME``; without it,
  in a fresh git repository with one empty commit.
- A fenced block ```` ```python ```` is run with the project's Python (``python -c``) in
  that directory and must exit with status 0; ```` ```toml ```` and ```` ```ini ```` are
  parsed, and every ``trace_*`` key must be a known ini key with a valid value. With
  ``<!-- example: file=PATH -->`` on the line before the fence, any of the three is
  written to ``PATH`` in the project instead.
- ```` ```console ````: each line starting with ``$ `` is a command run with bash in the
  project (a line ending in ``\\`` continues on the next line); the lines after it, up to
  the next command, are expected in its output (stdout and stderr), in order, one output
  line per expected line, with fnmatch wildcards (``*``); other output lines are ignored
  and so is the exit status. With ``<!-- example: llm=FILE -->`` before the fence, the
  commands talk to a scripted OpenAI-compatible server answering from ``FILE``
  (``tests/fake_openai.py``'s format) through ``OPENAI_BASE_URL``; without it, no
  ``OPENAI_*`` variable is set.
- ``<!-- example: skip REASON -->`` before a fence skips that block. Blocks with any other
  info string are illustrations.

Parsing (:func:`parse`) and matching (:func:`match_lines`) are pure; :class:`Sandbox`
runs a parsed document.
"""

from __future__ import annotations

import configparser
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator, Mapping
from contextlib import ExitStack
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any

from fake_openai import ScriptedServer, _load_answers

if sys.version_info >= (3, 11):
    import tomllib
else:  # pytest itself depends on tomli before 3.11
    import tomli as tomllib

REPO = Path(__file__).resolve().parent.parent
SAMPLES = REPO / "sample_projects"
RUN_KINDS = ("python", "toml", "ini", "console")
DIRECTIVE = re.compile(r"^\s*<!--\s*example:\s*(.*?)\s*-->\s*$")
FENCE = re.compile(r"^(?P<indent>\s*)(?P<fence>`{3,}|~{3,})\s*(?P<info>[^`]*)$")
COMMAND_TIMEOUT = 240.0
GIT_IDENTITY = {
    "GIT_AUTHOR_NAME": "Doc Example",
    "GIT_AUTHOR_EMAIL": "docs@example.com",
    "GIT_COMMITTER_NAME": "Doc Example",
    "GIT_COMMITTER_EMAIL": "docs@example.com",
}


class DocError(Exception):
    """A document breaks the convention, or one of its examples failed."""


@dataclass(frozen=True)
class Command:
    line: int  # of the ``$ `` line in the document
    text: str
    expected: tuple[str, ...]


@dataclass(frozen=True)
class Block:
    """One fenced block that runs."""

    kind: str
    line: int  # of the opening fence in the document
    body: str
    file: str | None = None
    llm: str | None = None
    skip: str | None = None

    def commands(self) -> list[Command]:
        """The commands of a console block with their expected lines."""
        commands: list[Command] = []
        text: str | None = None
        start = 0
        expected: list[str] = []
        lines = self.body.splitlines()
        index = 0
        while index < len(lines):
            line = lines[index]
            if line.startswith("$ "):
                if text is not None:
                    commands.append(Command(start, text, tuple(expected)))
                start, text, expected = self.line + 1 + index, line[2:], []
                while text.endswith("\\") and index + 1 < len(lines):
                    index += 1
                    text = text[:-1] + "\n" + lines[index]
            elif text is not None and line.strip():
                expected.append(line)
            index += 1
        if text is not None:
            commands.append(Command(start, text, tuple(expected)))
        return commands


@dataclass(frozen=True)
class Doc:
    name: str
    project: str | None = None
    blocks: tuple[Block, ...] = field(default_factory=tuple)


def _directive(text: str, name: str, line: int) -> dict[str, str]:
    """``project=x``, ``file=x``, ``llm=x`` or ``skip REASON`` as a dict."""
    if text == "skip" or text.startswith("skip "):
        reason = text[4:].strip()
        if not reason:
            raise DocError(f"{name}:{line}: `skip` needs a reason")
        return {"skip": reason}
    key, sep, value = text.partition("=")
    key, value = key.strip(), value.strip()
    if not sep or key not in ("project", "file", "llm") or not value or " " in value:
        raise DocError(
            f"{name}:{line}: unknown example directive {text!r} "
            "(known: project=NAME, file=PATH, llm=FILE, skip REASON)"
        )
    return {key: value}


def parse(text: str, name: str = "<doc>") -> Doc:
    """The project and the runnable blocks of a Markdown document."""
    project: str | None = None
    blocks: list[Block] = []
    pending: dict[str, str] = {}
    pending_line = 0
    lines = text.splitlines()
    index = 0
    while index < len(lines):
        line, number = lines[index], index + 1
        directive = DIRECTIVE.match(line)
        fence = FENCE.match(line)
        if directive:
            values = _directive(directive.group(1), name, number)
            if "project" in values:
                if project is not None or blocks:
                    raise DocError(
                        f"{name}:{number}: `project=` must come once, before the first example"
                    )
                project = values["project"]
            else:
                if pending and pending_line != number - 1:
                    raise DocError(f"{name}:{pending_line}: directive not followed by a fence")
                pending.update(values)
                pending_line = number
        elif fence:
            if pending and pending_line != number - 1:
                raise DocError(f"{name}:{pending_line}: directive not followed by a fence")
            indent, marker = fence.group("indent"), fence.group("fence")
            kind = (fence.group("info").split() or [""])[0].lower()
            body: list[str] = []
            index += 1
            while index < len(lines) and not _closes(lines[index], marker):
                body.append(
                    lines[index][len(indent) :]
                    if lines[index].startswith(indent)
                    else lines[index].lstrip()
                )
                index += 1
            if index == len(lines):
                raise DocError(f"{name}:{number}: the block opened here is never closed")
            if kind in RUN_KINDS:
                blocks.append(_block(kind, number, "\n".join(body) + "\n", pending, name))
            elif pending and "skip" not in pending:
                raise DocError(
                    f"{name}:{pending_line}: directive before a {kind or 'plain'} block, "
                    "which never runs"
                )
            pending = {}
        elif pending and line.strip():
            raise DocError(f"{name}:{pending_line}: directive not followed by a fence")
        index += 1
    if pending:
        raise DocError(f"{name}:{pending_line}: directive not followed by a fence")
    return Doc(name, project, tuple(blocks))


def _closes(line: str, marker: str) -> bool:
    stripped = line.strip()
    return stripped.startswith(marker) and set(stripped) == {marker[0]}


def _block(kind: str, line: int, body: str, directives: Mapping[str, str], name: str) -> Block:
    if "file" in directives and kind == "console":
        raise DocError(f"{name}:{line}: `file=` applies to python, toml and ini blocks")
    if "llm" in directives and kind != "console":
        raise DocError(f"{name}:{line}: `llm=` applies to console blocks")
    return Block(
        kind,
        line,
        body,
        file=directives.get("file"),
        llm=directives.get("llm"),
        skip=directives.get("skip"),
    )


def match_lines(output: str, expected: tuple[str, ...]) -> int | None:
    """The index of the first expected line not found in order in ``output``, or None.

    Like pytester's ``fnmatch_lines``: each expected line must equal, or fnmatch, an
    output line after the one the previous expected line matched.
    """
    lines = output.splitlines()
    position = 0
    for index, pattern in enumerate(expected):
        pattern = pattern.rstrip()
        while position < len(lines):
            line = lines[position].rstrip()
            position += 1
            if line == pattern or fnmatchcase(line, pattern):
                break
        else:
            return index
    return None


def trace_keys(data: Mapping[str, Any]) -> Iterator[tuple[str, object]]:
    """Every ``trace_*`` key of a parsed TOML or ini document, at any depth."""
    for key, value in data.items():
        if isinstance(value, Mapping):
            yield from trace_keys(value)
        elif key.startswith("trace_"):
            yield key, value


def check_settings(data: Mapping[str, Any], where: str) -> None:
    """Every ``trace_*`` key is a known ini key, with a value its option accepts."""
    import argparse

    from pytest_trace.settings import OPTIONS

    by_ini = {option.ini: option for option in OPTIONS}
    for key, value in trace_keys(data):
        option = by_ini.get(key)
        if option is None:
            raise DocError(f"{where}: unknown ini key {key} (known: {', '.join(sorted(by_ini))})")
        try:
            option.parse(str(value))
        except argparse.ArgumentTypeError as error:
            raise DocError(f"{where}: {key} = {value!r}: {error}") from None


def _indent(text: str, prefix: str = "    ") -> str:
    return "\n".join(prefix + line for line in text.splitlines()) or prefix + "(nothing)"


class Sandbox:
    """One fresh git repository in which a document's examples run, in order."""

    def __init__(self, doc: Doc, path: Path, timeout: float = COMMAND_TIMEOUT) -> None:
        self.doc = doc
        self.path = path
        self.timeout = timeout
        self.env = example_env()
        path.mkdir(parents=True, exist_ok=True)
        if doc.project is not None:
            sample = SAMPLES / doc.project
            if doc.project == "scripted" or not sample.is_dir():
                raise DocError(
                    f"{doc.name}: project={doc.project}: no sample_projects/{doc.project}"
                )
            shutil.copytree(sample, path, dirs_exist_ok=True)
        self._git("init", "-q", "-b", "main")
        exclude = path / ".git" / "info" / "exclude"
        exclude.parent.mkdir(parents=True, exist_ok=True)
        exclude.write_text("__pycache__/\n*.pyc\n.pytest_cache/\n")
        self._git("add", "-A")
        self._git(
            "commit", "-q", "--allow-empty", "-m", f"example project {doc.project or ''}".strip()
        )

    def _git(self, *args: str) -> None:
        subprocess.run(["git", *args], cwd=self.path, env=self.env, check=True, capture_output=True)

    def run(self) -> None:
        for block in self.doc.blocks:
            self.run_block(block)

    def run_block(self, block: Block) -> None:
        where = f"{self.doc.name}:{block.line}"
        if block.skip is not None:
            return
        if block.file is not None:
            target = (self.path / block.file).resolve()
            if not target.is_relative_to(self.path.resolve()):
                raise DocError(f"{where}: file={block.file} is outside the project")
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(block.body, encoding="utf-8")
        elif block.kind == "python":
            self._python(block, where)
        elif block.kind == "toml":
            try:
                data = tomllib.loads(block.body)
            except tomllib.TOMLDecodeError as error:
                raise DocError(f"{where}: toml example does not parse: {error}") from None
            check_settings(data, where)
        elif block.kind == "ini":
            parser = configparser.ConfigParser(interpolation=None)
            try:
                parser.read_string(block.body)
            except configparser.Error as error:
                raise DocError(f"{where}: ini example does not parse: {error}") from None
            check_settings({s: dict(parser[s]) for s in parser.sections()}, where)
        else:
            self._console(block, where)

    def _python(self, block: Block, where: str) -> None:
        result = self._execute([sys.executable, "-c", block.body], self.env, where)
        if result.returncode != 0:
            raise DocError(
                f"{where}: python example exited with status {result.returncode}\n"
                f"code:\n{_indent(block.body)}\noutput:\n{_indent(result.stdout)}"
            )

    def _console(self, block: Block, where: str) -> None:
        commands = block.commands()
        if not commands:
            return
        env = dict(self.env)
        with ExitStack() as stack:
            if block.llm is not None:
                server = stack.enter_context(ScriptedServer(self._answers(block, where)))
                env["OPENAI_BASE_URL"] = server.base_url
                env["OPENAI_API_KEY"] = "scripted"
            for command in commands:
                self._command(command, env)

    def _answers(self, block: Block, where: str) -> list[Any]:
        path = REPO / block.llm
        if not path.is_file():
            raise DocError(f"{where}: llm={block.llm}: no such file in the repository")
        return list(_load_answers(path))

    def _command(self, command: Command, env: Mapping[str, str]) -> None:
        where = f"{self.doc.name}:{command.line}"
        result = self._execute(["bash", "-c", command.text], env, where)
        missing = match_lines(result.stdout, command.expected)
        if missing is None:
            return
        marks = [
            f"    {'ok  ' if i < missing else 'MISSING' if i == missing else '    '} {line}"
            for i, line in enumerate(command.expected)
        ]
        raise DocError(
            f"{where}: the output of the command does not match\n"
            f"$ {command.text}\n"
            f"expected, in order (fnmatch):\n" + "\n".join(marks) + "\n"
            f"actual output (exit status {result.returncode}):\n{_indent(result.stdout)}"
        )

    def _execute(
        self, argv: list[str], env: Mapping[str, str], where: str
    ) -> subprocess.CompletedProcess[str]:
        try:
            return subprocess.run(
                argv,
                cwd=self.path,
                env=dict(env),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
                timeout=self.timeout,
            )
        except subprocess.TimeoutExpired as error:
            output = (
                error.stdout.decode(errors="replace")
                if isinstance(error.stdout, bytes)
                else error.stdout or ""
            )
            raise DocError(
                f"{where}: timed out after {self.timeout:g} s\n{argv[-1]}\n"
                f"output so far:\n{_indent(output)}"
            ) from None


def example_env() -> dict[str, str]:
    """The environment of the examples: this venv first on PATH, no LLM, no outer pytest
    settings, git with a fixed identity and no user or system configuration."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("OPENAI_", "PYTEST_", "GIT_"))
    }
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    env.update(GIT_IDENTITY)
    env["GIT_CONFIG_GLOBAL"] = os.devnull
    env["GIT_CONFIG_NOSYSTEM"] = "1"
    return env


def doc_files() -> list[Path]:
    """The documents whose examples run: README.md and every docs/*.md."""
    return [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]
