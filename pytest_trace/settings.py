"""Command-line options and ini keys of pytest-trace, parsed and validated once.

Every option has an ini key of the same name with a ``trace_`` prefix, so that a
project can keep its settings in ``[tool.pytest.ini_options]``; the command line wins.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

DEFAULT_MODEL = "gpt-4o-mini"
DEFAULT_MAX_ITERATIONS = 10
DEFAULT_MAX_CANDIDATES = 2000
DEFAULT_TIME_BUDGET = 600.0
DEFAULT_TIMEOUT = 10.0
DEFAULT_MEMORY_MB = 2048.0
DEFAULT_MAX_PROMPT_TOKENS = 8000
DEFAULT_LLM_TIMEOUT = 120.0
DEFAULT_ALTERNATIVES = 32


def positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r} must be at least 1")
    return value


def count(text: str) -> int:
    """A whole number, 0 or more."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"{text!r} must be 0 or more")
    return value


def _limit(unit: str) -> Callable[[str], float]:
    """A parser of a limit in ``unit``: 0 (no limit) or more."""

    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a number of {unit}") from None
        if value < 0 or value != value or value == float("inf"):
            raise argparse.ArgumentTypeError(f"{text!r} must be 0 (no limit) or more {unit}")
        return value

    parse.__name__ = unit
    return parse


seconds = _limit("seconds")
megabytes = _limit("megabytes")


def boolean(text: str) -> bool:
    """An ini value: true/false, yes/no, on/off, 1/0."""
    value = text.strip().lower()
    if value in ("1", "true", "yes", "on"):
        return True
    if value in ("0", "false", "no", "off"):
        return False
    raise argparse.ArgumentTypeError(f"{text!r} is not true or false")


def nonempty(text: str) -> str:
    if not text.strip():
        raise argparse.ArgumentTypeError("must not be empty")
    return text.strip()


def plain_name(text: str) -> str:
    """A name: no spaces, no control characters (an optimizer, a model)."""
    text = nonempty(text)
    if any(char.isspace() or not char.isprintable() for char in text):
        raise argparse.ArgumentTypeError(f"{text!r} is not a name (spaces or control characters)")
    return text


#: What the whole-suite validation of a fix runs (``--trace-validate``).
VALIDATE_CHOICES = ("all", "reached")


def validate_choice(text: str) -> str:
    if text not in VALIDATE_CHOICES:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not one of {', '.join(VALIDATE_CHOICES)}: all runs every test "
            "of the suite, reached only those that may reach a changed function"
        )
    return text


def output_file(text: str) -> str:
    """A file to write at the end of the run: not a directory, not in a file."""
    text = nonempty(text)
    path = os.path.abspath(text)
    if os.path.isdir(path):
        raise argparse.ArgumentTypeError(f"{text!r} is a directory; give the path of a file")
    if _file_above(path):
        raise argparse.ArgumentTypeError(f"{text!r} cannot be written: {_file_above(path)}")
    return text


def output_directory(text: str) -> str:
    """A directory to write files into at the end of the run (created if missing)."""
    text = nonempty(text)
    path = os.path.abspath(text)
    if os.path.exists(path) and not os.path.isdir(path):
        raise argparse.ArgumentTypeError(f"{text!r} is a file, not a directory")
    if _file_above(path):
        raise argparse.ArgumentTypeError(f"{text!r} cannot be created: {_file_above(path)}")
    return text


def _file_above(path: str) -> str:
    """Why no file can be made at ``path``: one of its parent directories is a file."""
    parent = os.path.dirname(path)
    while parent and not os.path.exists(parent):
        parent, previous = os.path.dirname(parent), parent
        if parent == previous:
            return ""
    if parent and not os.path.isdir(parent):
        return f"{parent} is a file"
    return ""


def trainable_pattern(text: str) -> str:
    from pytest_trace.trainable import check_pattern

    try:
        return check_pattern(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


@dataclass(frozen=True)
class Option:
    """One setting: its flag, ini key, parser, default and help."""

    name: str
    parse: Callable[[str], Any]
    default: Any
    help: str
    metavar: str
    #: A flag without a value (``store_true``); its ini key takes true or false.
    switch: bool = False
    #: Repeatable on the command line (each value parsed), a list of lines in the ini file.
    multiple: bool = False

    @property
    def flag(self) -> str:
        return "--trace-" + self.name.replace("_", "-")

    @property
    def ini(self) -> str:
        return "trace_" + self.name


OPTIONS = (
    Option(
        "optimizer",
        plain_name,
        "auto",
        "the optimizer: optoprime (an LLM), search (no LLM), another one a plugin adds, "
        "or auto: optoprime when an LLM endpoint is configured, search otherwise",
        "NAME",
    ),
    Option("model", plain_name, DEFAULT_MODEL, "LLM model for OptoPrime", "NAME"),
    Option(
        "max_iterations",
        positive_int,
        DEFAULT_MAX_ITERATIONS,
        "optimizer iterations per group of failing tests",
        "N",
    ),
    Option(
        "max_candidates",
        positive_int,
        DEFAULT_MAX_CANDIDATES,
        "candidates tested per group of failing tests",
        "N",
    ),
    Option(
        "alternatives",
        count,
        DEFAULT_ALTERNATIVES,
        "candidates the search tests after the first that passes the tests and the checks, "
        "looking for alternatives (0: none); while none passes the checks, it goes on "
        "within the other budgets",
        "N",
    ),
    Option(
        "validate",
        validate_choice,
        "all",
        "what the fresh-process validation of a fix runs: all (every test of the suite) or "
        "reached (the failing tests, the tests that reached a changed function in your run, "
        "and those whose reach is not known; every test when a constant changed)",
        "all|reached",
    ),
    Option(
        "time_budget",
        seconds,
        DEFAULT_TIME_BUDGET,
        "seconds spent optimizing one group of failing tests (0: no limit)",
        "SECONDS",
    ),
    Option(
        "timeout",
        seconds,
        DEFAULT_TIMEOUT,
        "time limit per test under --trace-optimize, in seconds (0: none)",
        "SECONDS",
    ),
    Option("report", output_file, None, "write a JSON report of the optimization to PATH", "PATH"),
    Option(
        "workers",
        positive_int,
        os.cpu_count() or 1,
        "candidates tested at once, each in its own process",
        "N",
    ),
    Option(
        "candidate_timeout",
        seconds,
        None,
        "time limit per test while testing a candidate, in seconds "
        "(default: calibrated from the tests' durations, at most --trace-timeout)",
        "SECONDS",
    ),
    Option(
        "memory_limit",
        megabytes,
        DEFAULT_MEMORY_MB,
        "memory a candidate's test process may allocate, in MB (0: no limit)",
        "MB",
    ),
    Option(
        "report_md",
        output_file,
        None,
        "write a Markdown report of the optimization to PATH (renders on GitHub and GitLab; "
        "fit for a pull-request description)",
        "PATH",
    ),
    Option(
        "graph_dot",
        output_directory,
        None,
        "write the trace of each group of failing tests as a Graphviz file to DIR "
        "(group-1-NAME.dot, ...; render with dot -Tsvg)",
        "DIR",
    ),
    Option(
        "no_cache",
        boolean,
        False,
        "ask the LLM again instead of reusing the answers cached in pytest's cache "
        "directory (.pytest_cache), keyed by endpoint, model and prompt",
        "",
        switch=True,
    ),
    Option(
        "trainable",
        trainable_pattern,
        None,
        "make existing functions trainable without a decorator: package.module:qualname, "
        "wildcards allowed (package.module:*); repeatable",
        "MODULE:QUALNAME",
        multiple=True,
    ),
    Option(
        "max_prompt_tokens",
        positive_int,
        DEFAULT_MAX_PROMPT_TOKENS,
        "bound on an LLM optimizer's prompt (system and user together), in tokens, "
        "estimated as characters / 3 (code and values run 3 to 4 characters a token): "
        "long traces are summarized to fit",
        "N",
    ),
    Option(
        "llm_timeout",
        seconds,
        DEFAULT_LLM_TIMEOUT,
        "time limit of each request to the LLM, in seconds (0: none); requests and their "
        "retries also stop at --trace-time-budget",
        "SECONDS",
    ),
)


def add_options(parser: pytest.Parser) -> None:
    group = parser.getgroup("trace", "pytest-trace (self-healing code)")
    group.addoption(
        "--trace-optimize",
        action="store_true",
        dest="trace_optimize",
        default=False,
        help="when tests fail, record the trace of @trainable functions, let an optimizer "
        "propose fixes, and commit the one that makes them pass to a trace-fix/... branch",
    )
    for option in OPTIONS:
        default = "" if option.default is None else f" (default: {option.default})"
        if option.switch:
            group.addoption(
                option.flag,
                dest=f"trace_{option.name}",
                action="store_const",
                const=True,
                default=None,
                help=f"{option.help}; ini: {option.ini} = true",
            )
        else:
            group.addoption(
                option.flag,
                dest=f"trace_{option.name}",
                type=option.parse,
                default=None,
                metavar=option.metavar,
                help=f"{option.help}{default}; ini: {option.ini}",
                **({"action": "append"} if option.multiple else {}),
            )
        if option.multiple:
            parser.addini(option.ini, f"pytest-trace: {option.help}", type="linelist")
        else:
            parser.addini(option.ini, f"pytest-trace: {option.help}", default=None)
    group.addoption(
        "--trace-worker-request", dest="trace_worker", default=None, help=argparse.SUPPRESS
    )


@dataclass(frozen=True)
class Settings:
    optimizer: str
    model: str
    max_iterations: int
    max_candidates: int
    time_budget: float | None
    timeout: float
    report: str | None
    workers: int
    candidate_timeout: float | None
    memory_limit: float
    report_md: str | None
    graph_dot: str | None
    no_cache: bool = False
    trainable: tuple[str, ...] = ()
    max_prompt_tokens: int = DEFAULT_MAX_PROMPT_TOKENS
    llm_timeout: float = DEFAULT_LLM_TIMEOUT
    alternatives: int = DEFAULT_ALTERNATIVES
    validate: str = "all"

    @classmethod
    def from_config(cls, config: pytest.Config) -> Settings:
        """Read every setting: command line first, then ini, then the default."""
        values: dict[str, Any] = {}
        for option in OPTIONS:
            value = config.getoption(f"trace_{option.name}")
            if option.multiple:
                values[option.name] = _multiple(option, value, config.getini(option.ini))
                continue
            if value is None:
                raw = config.getini(option.ini)
                if raw not in (None, ""):
                    try:
                        value = option.parse(str(raw))
                    except argparse.ArgumentTypeError as error:
                        raise pytest.UsageError(f"ini key {option.ini}: {error}") from None
            values[option.name] = option.default if value is None else value
        values["time_budget"] = values["time_budget"] or None  # 0: no limit
        return cls(**values)


def _multiple(option: Option, given: list[Any] | None, ini: list[str]) -> tuple[Any, ...]:
    """A repeatable option: the command line's values, else the ini file's lines."""
    if given:
        return tuple(given)
    parsed = []
    for line in ini or ():
        if not line.strip():
            continue
        try:
            parsed.append(option.parse(line))
        except argparse.ArgumentTypeError as error:
            raise pytest.UsageError(f"ini key {option.ini}: {error}") from None
    return tuple(parsed)
