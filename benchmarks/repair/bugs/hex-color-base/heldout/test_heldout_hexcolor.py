import pytest

from colors.hexcolor import darken, mix, parse_hex, to_hex


@pytest.mark.parametrize(
    ("text", "rgb"),
    [
        ("#336699", (51, 102, 153)),
        ("#369", (51, 102, 153)),
        ("#FFA500", (255, 165, 0)),
        ("  #0a0b0c ", (10, 11, 12)),
        ("#000", (0, 0, 0)),
        ("123456", (18, 52, 86)),
    ],
)
def test_parse_hex(text, rgb):
    assert parse_hex(text) == rgb


def test_round_trip():
    for color in ["#000000", "#ffffff", "#1e90ff", "#c0ffee", "#8a2be2"]:
        assert to_hex(parse_hex(color)) == color


def test_mix_weights():
    assert mix("#ff0000", "#0000ff", 0) == "#ff0000"
    assert mix("#ff0000", "#0000ff", 1) == "#0000ff"


def test_darken_fully():
    assert darken("#abcdef", 1) == "#000000"
