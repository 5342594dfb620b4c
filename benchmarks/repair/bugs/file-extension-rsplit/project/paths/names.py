"""File name parts, without touching the file system."""

from __future__ import annotations

from pytest_trace import trainable


def basename(path: str) -> str:
    return path.rstrip("/").rsplit("/", 1)[-1]


@trainable
def extension(path: str) -> str:
    """The lower-cased last extension: 'a/Report.PDF' -> 'pdf', 'x.tar.gz' -> 'gz'.

    Names without one give '': 'Makefile', and also dotfiles such as '.bashrc'.
    """
    name = basename(path)
    if "." not in name.lstrip("."):
        return ""
    return name.split(".", 1)[1].lower()


def stem(path: str) -> str:
    """The name without its extension: 'x.tar.gz' -> 'x.tar'."""
    name = basename(path)
    suffix = extension(path)
    return name[: -len(suffix) - 1] if suffix else name


def is_image(path: str) -> bool:
    return extension(path) in {"png", "jpg", "jpeg", "gif", "webp"}
