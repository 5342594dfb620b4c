import pytest

from sizes.human import human_size, parse_size


def test_bytes():
    assert human_size(512) == "512 B"


def test_negative():
    with pytest.raises(ValueError):
        human_size(-1)


def test_one_and_a_half_kib():
    assert human_size(1536) == "1.5 KiB"


def test_parse_size():
    assert parse_size("1.5 KiB") == 1536
    assert parse_size("2.0 MiB") == 2 * 1024 * 1024


def test_a_thousand_bytes_are_less_than_a_kib():
    assert human_size(1000) == "1000 B"


def test_ten_kib():
    assert human_size(10 * 1024) == "10.0 KiB"


def test_gib():
    assert human_size(5 * 1024**3) == "5.0 GiB"
