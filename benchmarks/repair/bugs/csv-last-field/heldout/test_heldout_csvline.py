import pytest

from tabular.csvline import join_line, split_line


@pytest.mark.parametrize(
    ("line", "fields"),
    [
        ("", [""]),
        ("one", ["one"]),
        (",", ["", ""]),
        ('"a,b"', ["a,b"]),
        ('x,"say ""hi"""', ["x", 'say "hi"']),
        ('"",b', ["", "b"]),
    ],
)
def test_split(line, fields):
    assert split_line(line) == fields


def test_other_separator():
    assert split_line("a;b;c d", sep=";") == ["a", "b", "c d"]


def test_round_trip():
    for fields in [["a", "b"], ["x,y", "", 'q"uote'], ["only"], ["", ""]]:
        assert split_line(join_line(fields)) == fields
