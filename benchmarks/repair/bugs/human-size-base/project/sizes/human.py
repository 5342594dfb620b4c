"""Byte counts as text in binary units: '512 B', '1.5 KiB', '3.0 GiB'."""

from __future__ import annotations

from pytest_trace import trainable

UNITS = ["KiB", "MiB", "GiB", "TiB"]


@trainable
def human_size(num_bytes: int) -> str:
    """Bytes below 1 KiB as '123 B', larger sizes with one decimal in KiB, MiB, GiB or TiB."""
    if num_bytes < 0:
        raise ValueError("a size is not negative")
    step = 1000
    if num_bytes < step:
        return f"{num_bytes} B"
    size = float(num_bytes)
    for unit in UNITS:
        size /= step
        if size < step or unit == UNITS[-1]:
            break
    return f"{size:.1f} {unit}"


def parse_size(text: str) -> int:
    """'1.5 KiB' -> 1536, '512 B' -> 512."""
    number, unit = text.split()
    if unit == "B":
        return int(number)
    return round(float(number) * 1024 ** (UNITS.index(unit) + 1))
