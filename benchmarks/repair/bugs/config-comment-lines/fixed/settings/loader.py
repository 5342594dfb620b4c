"""Reading 'key = value' configuration files with '#' comments."""

from __future__ import annotations

from pytest_trace import trainable

TRUE = {"1", "yes", "true", "on"}


@trainable
def content_lines(text: str) -> list[str]:
    """The lines that hold settings, stripped: no blank lines, no '#' comment lines."""
    lines = []
    for raw in text.splitlines():
        line = raw.strip()
        if line and not line.startswith("#"):
            lines.append(line)
    return lines


@trainable
def parse_setting(line: str) -> tuple[str, str]:
    """'Timeout = 30' -> ('timeout', '30')."""
    key, sep, value = line.partition("=")
    if not sep or not key.strip():
        raise ValueError(f"expected 'key = value', got {line!r}")
    return key.strip().lower(), value.strip()


@trainable
def load(text: str) -> dict[str, str]:
    """All settings of a configuration file; a later line wins."""
    return dict(parse_setting(line) for line in content_lines(text))


def get_bool(settings: dict[str, str], key: str, default: bool = False) -> bool:
    if key not in settings:
        return default
    return settings[key].lower() in TRUE
