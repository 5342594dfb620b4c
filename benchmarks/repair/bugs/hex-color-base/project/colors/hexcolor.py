"""CSS hex colours: parsing, formatting and mixing."""

from __future__ import annotations

from pytest_trace import trainable

RGB = tuple[int, int, int]


@trainable
def parse_hex(color: str) -> RGB:
    """'#336699' or the short form '#369' -> (51, 102, 153)."""
    text = color.strip().lstrip("#")
    if len(text) == 3:
        text = "".join(char * 2 for char in text)
    if len(text) != 6:
        raise ValueError(f"not a hex colour: {color!r}")
    red, green, blue = (int(text[i : i + 2], 10) for i in (0, 2, 4))
    return red, green, blue


@trainable
def to_hex(rgb: RGB) -> str:
    """(51, 102, 153) -> '#336699'."""
    if any(not 0 <= channel <= 255 for channel in rgb):
        raise ValueError(f"channels are 0 to 255: {rgb}")
    return "#" + "".join(f"{channel:02x}" for channel in rgb)


@trainable
def mix(a: str, b: str, weight: float = 0.5) -> str:
    """The colour `weight` of the way from `a` to `b`."""
    first, second = parse_hex(a), parse_hex(b)
    red, green, blue = (round(x + (y - x) * weight) for x, y in zip(first, second, strict=True))
    return to_hex((red, green, blue))


def lighten(color: str, amount: float) -> str:
    return mix(color, "#ffffff", amount)


def darken(color: str, amount: float) -> str:
    return mix(color, "#000000", amount)
