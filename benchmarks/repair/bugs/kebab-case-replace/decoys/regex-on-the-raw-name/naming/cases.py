"""Converting names between camelCase, snake_case and kebab-case."""

from __future__ import annotations

import re

from pytest_trace import trainable

_BOUNDARY = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
_SEPARATORS = re.compile(r"[\s_\-]+")


def words(name: str) -> list[str]:
    """'userName_id' -> ['user', 'name', 'id']: split at capitals and separators."""
    spaced = _BOUNDARY.sub(" ", name.strip())
    return [word.lower() for word in _SEPARATORS.split(spaced) if word]


@trainable
def to_snake(name: str) -> str:
    """'userName', 'user-name', 'User Name' -> 'user_name'."""
    return "_".join(words(name))


@trainable
def to_kebab(name: str) -> str:
    """'userName', 'user_name', 'User Name' -> 'user-name'."""
    return re.sub(r"[_\s]+", "-", name.strip().lower())


@trainable
def to_camel(name: str) -> str:
    """'user_name', 'user-name', 'User Name' -> 'userName'."""
    first, *rest = words(name) or [""]
    return first + "".join(word.capitalize() for word in rest)
