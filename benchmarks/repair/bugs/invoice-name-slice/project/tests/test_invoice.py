import pytest

from billing.invoice import invoice_text, parse_item, totals

ORDER = ["3 x Blue Widget @ 2.50", "1 x Gear @ 10.00"]


def test_quantity_and_price():
    item = parse_item("3 x Blue Widget @ 2.50")
    assert (item.quantity, item.price) == (3, 2.5)


def test_malformed_line():
    with pytest.raises(ValueError):
        parse_item("three widgets")


def test_totals():
    assert totals(ORDER, 0.2) == {"subtotal": 17.5, "tax": 3.5, "total": 21.0}


def test_invoice_total_line():
    assert invoice_text(ORDER, 0.2).splitlines()[-1].split() == ["Total", "21.00"]


def test_name():
    assert parse_item("1 x Gear @ 10.00").name == "Gear"


def test_invoice_rows():
    assert invoice_text(ORDER, 0).splitlines()[0].split() == [
        "Blue",
        "Widget",
        "3",
        "x",
        "2.50",
        "=",
        "7.50",
    ]
