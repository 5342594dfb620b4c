import pytest

from sales.report import format_change, monthly_report, percent_change


def test_percent_change():
    assert percent_change(100, 150) == 50.0


def test_percent_change_from_zero():
    with pytest.raises(ValueError):
        percent_change(0, 10)


def test_format_change():
    assert format_change(12.5) == "+12.5%"
    assert format_change(-3) == "-3.0%"


def test_single_month_has_no_lines():
    assert monthly_report({"Jan": 1000}) == []


def test_flat_sales():
    assert monthly_report({"Jan": 500, "Feb": 500}) == ["Feb 500.00 (+0.0%)"]


def test_growth():
    assert monthly_report({"Jan": 1000, "Feb": 1200}) == ["Feb 1200.00 (+20.0%)"]
