"""URL slugs for blog posts."""

from __future__ import annotations

import re
import unicodedata

from pytest_trace import trainable

_NOT_WORD = re.compile(r"[^a-z0-9]+")


def ascii_fold(text: str) -> str:
    """'Crème brûlée' -> 'Creme brulee'."""
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")


@trainable
def slugify(title: str, max_length: int = 50) -> str:
    """'Hello, World!' -> 'hello-world': lower-case ASCII words joined by single dashes,
    no dash at either end, at most `max_length` characters."""
    slug = _NOT_WORD.sub("-", ascii_fold(title).lower())
    return slug[:max_length].strip("-")


def unique_slug(title: str, taken: set[str]) -> str:
    """The slug of `title`, with '-2', '-3', ... appended when it is taken."""
    base = slugify(title)
    slug, n = base, 2
    while slug in taken:
        slug, n = f"{base}-{n}", n + 1
    return slug
