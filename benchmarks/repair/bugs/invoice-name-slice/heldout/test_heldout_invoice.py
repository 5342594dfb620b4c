import pytest

from billing.invoice import Item, invoice_text, parse_item


@pytest.mark.parametrize(
    ("line", "item"),
    [
        ("2 x Tea @ 3.10", Item("Tea", 2, 3.1)),
        ("10 x Extra Large Box @ 0.99", Item("Extra Large Box", 10, 0.99)),
        ("1 x A x B @ 5", Item("A x B", 1, 5.0)),
        ("  4   x  Spaced   Out  @  1.25 ", Item("Spaced Out", 4, 1.25)),
    ],
)
def test_parse_item(line, item):
    assert parse_item(line) == item


def test_missing_name():
    with pytest.raises(ValueError):
        parse_item("1 x @ 5")


def test_invoice_row_layout():
    row = invoice_text(["2 x Tea @ 3.10"], 0).splitlines()[0]
    assert row == "Tea" + " " * 13 + "   2 x    3.10 =     6.20"


def test_names_in_the_invoice():
    text = invoice_text(["1 x Gear @ 10.00", "2 x Big Gear @ 20.00"], 0.1)
    assert [row[:16].strip() for row in text.splitlines()[:2]] == ["Gear", "Big Gear"]
