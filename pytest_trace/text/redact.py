"""Secrets stay home: values of secret-looking environment variables and of ``.env`` files
are replaced by ``[redacted $NAME]`` in what pytest-trace sends or keeps.

A :class:`Redactor` is built once per process from ``os.environ`` and the ``.env`` files
of the project's root directories. It is applied where text leaves the process or is
persisted: each line the worker writes (test feedback and the trace's values, so also
the commit messages and records made of them), every prompt sent to an LLM
(:class:`RedactingLLM`), and the reports (:meth:`Redactor.scrubbed`). Pure apart from
reading the ``.env`` files.

Which values: an environment variable whose name has a part such as ``KEY``, ``SECRET``,
``TOKEN``, ``PASSWORD``, ``PASSWD``, ``CREDENTIAL``, ``AUTH`` or ``PRIVATE`` (so
``AWS_SECRET_ACCESS_KEY``, ``GITHUB_TOKEN``, ``OPENAI_API_KEY``, ``DB_PASSWORD``), and
every value of a ``.env`` file (``.env``, ``.env.local``...; not ``.env.example``) whose
name looks secret or which looks like a secret (8 characters or more, mixing letters
with digits or symbols). Values shorter than :data:`MIN_SECRET_CHARS` are left alone: they
would match everywhere and protect nothing.
"""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from pytest_trace.llm.client import LLM, Completion

MIN_SECRET_CHARS = 6

#: Parts of a variable's name that make its value a secret.
SECRET_WORDS = (
    "KEY",
    "SECRET",
    "TOKEN",
    "PASSWORD",
    "PASSWD",
    "PASS",
    "PWD",
    "CREDENTIAL",
    "CREDENTIALS",
    "AUTH",
    "PRIVATE",
    "SESSION",
    "COOKIE",
    "SIGNATURE",
    "APIKEY",
)
#: Suffixes of names that hold a location, not a secret (``SSH_AUTH_SOCK``).
_LOCATION_SUFFIXES = ("_SOCK", "_PATH", "_DIR", "_FILE", "_HOME")
#: Names whose values are safe and widely used (``PWD`` is the working directory).
_NOT_SECRET = frozenset({"PWD", "OLDPWD"})
#: ``.env`` files that hold placeholders, committed on purpose.
_EXAMPLE_SUFFIXES = (".example", ".sample", ".template", ".dist")
#: Keys of the worker's JSON events whose values are names, not data: never changed.
NAME_KEYS = frozenset(
    {"kind", "nodeid", "outcome", "function", "test", "type", "id", "parent", "reached"}
    | {"inputs_from", "module", "qualname", "name", "file", "path", "constants"}
)
#: Fields of the reports that hold names (tests, functions, branches, commits).
REPORT_NAMES = frozenset(
    {"tests", "parameters", "changed", "branch", "commit", "record", "base_commit"}
    | {"unreached", "not_reproduced", "unmatched_patterns", "optimizer", "model"}
)

_ENV_LINE = re.compile(r"^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_.]*)\s*=\s*(.*?)\s*$")


def looks_secret(name: str) -> bool:
    """Whether a variable named ``name`` holds a secret, by its name."""
    upper = name.upper()
    if upper in _NOT_SECRET or upper.endswith(_LOCATION_SUFFIXES):
        return False
    parts = [part for part in re.split(r"[^A-Z0-9]+", upper) if part]
    return any(
        part in SECRET_WORDS or part.endswith(("KEY", "TOKEN", "SECRET", "PASSWORD"))
        for part in parts
    )


def looks_random(value: str) -> bool:
    """Whether a value looks like a secret by itself: 8 characters or more, mixing letters
    with digits or symbols (not a word, a number or a host name)."""
    if len(value) < 8 or " " in value:
        return False
    classes = (
        any(c.isalpha() for c in value),
        any(c.isdigit() for c in value),
        any(not c.isalnum() and c not in ".-" for c in value),
    )
    return classes[0] and (classes[1] or classes[2])


def read_env_file(path: Path) -> dict[str, str]:
    """The assignments of a ``.env`` file (``NAME=value``, ``export``, quotes)."""
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return {}
    values: dict[str, str] = {}
    for line in text.splitlines():
        match = _ENV_LINE.match(line)
        if not match or line.lstrip().startswith("#"):
            continue
        name, value = match.groups()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        elif " #" in value:
            value = value.split(" #", 1)[0].rstrip()
        values[name] = value
    return values


def env_files(roots: Iterable[Path]) -> list[Path]:
    """The ``.env`` files of ``roots``: ``.env`` and ``.env.*``, placeholders aside."""
    found: list[Path] = []
    for root in dict.fromkeys(roots):
        try:
            candidates = sorted(root.glob(".env*"))
        except OSError:
            continue
        for path in candidates:
            name = path.name
            wanted = name == ".env" or name.startswith(".env.")
            if wanted and not name.endswith(_EXAMPLE_SUFFIXES) and path.is_file():
                found.append(path)
    return found


@dataclasses.dataclass(frozen=True)
class Redactor:
    """Replaces each secret value by ``[redacted $NAME]``; longer values first."""

    secrets: tuple[tuple[str, str], ...] = ()

    @classmethod
    def from_environment(cls, environ: Mapping[str, str], roots: Iterable[Path] = ()) -> Redactor:
        found: dict[str, str] = {}
        for name, value in environ.items():
            if looks_secret(name) and len(value.strip()) >= MIN_SECRET_CHARS:
                found.setdefault(value.strip(), name)
        for path in env_files(roots):
            for name, value in read_env_file(path).items():
                value = value.strip()
                if len(value) >= MIN_SECRET_CHARS and (looks_secret(name) or looks_random(value)):
                    found.setdefault(value, name)
        return cls.of(found)

    @classmethod
    def of(cls, secrets: Mapping[str, str]) -> Redactor:
        """A redactor of ``secrets`` (value -> the name shown instead), and of the forms
        the values take in JSON strings and in ``repr``."""
        forms: dict[str, str] = {}
        for value, name in secrets.items():
            for form in (value, json.dumps(value)[1:-1], repr(value)[1:-1]):
                if len(form) >= MIN_SECRET_CHARS:
                    forms.setdefault(form, name)
        ordered = sorted(forms.items(), key=lambda item: (-len(item[0]), item[0]))
        return cls(tuple(ordered))

    def __bool__(self) -> bool:
        return bool(self.secrets)

    def __call__(self, text: str) -> str:
        """``text`` with every secret value replaced."""
        for value, name in self.secrets:
            if value in text:
                text = text.replace(value, f"[redacted ${name}]")
        return text

    def scrubbed(self, obj: Any, keep: frozenset[str] = frozenset()) -> Any:
        """A copy of ``obj`` (strings, lists, tuples, dicts, dataclasses) with every string
        redacted, except the values of dict keys and dataclass fields named in ``keep``."""
        if not self.secrets:
            return obj
        if isinstance(obj, str):
            return self(obj)
        if isinstance(obj, list):
            return [self.scrubbed(item, keep) for item in obj]
        if isinstance(obj, tuple):
            return tuple(self.scrubbed(item, keep) for item in obj)
        if isinstance(obj, dict):
            return {
                key: value if key in keep else self.scrubbed(value, keep)
                for key, value in obj.items()
            }
        if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
            changes = {
                field.name: self.scrubbed(getattr(obj, field.name), keep)
                for field in dataclasses.fields(obj)
                if field.init and field.name not in keep
            }
            return dataclasses.replace(obj, **changes)
        return obj


@dataclasses.dataclass
class RedactingLLM:
    """An :class:`LLM` that never sends a secret: both prompts are redacted."""

    inner: LLM
    redact: Redactor

    def complete(self, system: str, user: str) -> Completion:
        return self.inner.complete(self.redact(system), self.redact(user))
