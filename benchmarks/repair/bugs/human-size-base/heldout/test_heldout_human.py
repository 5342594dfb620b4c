import pytest

from sizes.human import human_size, parse_size


@pytest.mark.parametrize(
    ("num_bytes", "text"),
    [
        (0, "0 B"),
        (1023, "1023 B"),
        (1024, "1.0 KiB"),
        (100 * 1024, "100.0 KiB"),
        (1023 * 1024, "1023.0 KiB"),
        (1024**2, "1.0 MiB"),
        (int(2.5 * 1024**2), "2.5 MiB"),
        (1024**4, "1.0 TiB"),
        (2048 * 1024**4, "2048.0 TiB"),
    ],
)
def test_sizes(num_bytes, text):
    assert human_size(num_bytes) == text


def test_round_trip():
    for text in ["1.0 KiB", "7.5 MiB", "12.0 GiB", "3.0 TiB"]:
        assert human_size(parse_size(text)) == text
