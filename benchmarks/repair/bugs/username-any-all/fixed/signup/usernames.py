"""Which user names are allowed, and suggestions for the others."""

from __future__ import annotations

import string

from pytest_trace import trainable

ALLOWED = set(string.ascii_letters + string.digits + "_")
MIN_LENGTH = 3
MAX_LENGTH = 16


@trainable
def is_valid_username(name: str) -> bool:
    """3 to 16 ASCII letters, digits or underscores, starting with a letter."""
    if not MIN_LENGTH <= len(name) <= MAX_LENGTH:
        return False
    if not name[0].isalpha():
        return False
    return all(char in ALLOWED for char in name)


def suggest(name: str) -> str:
    """A valid name close to `name`: disallowed characters become '_'."""
    cleaned = "".join(char if char in ALLOWED else "_" for char in name.strip())
    if not cleaned[:1].isalpha():
        cleaned = "user_" + cleaned
    return cleaned[:MAX_LENGTH].ljust(MIN_LENGTH, "_")
