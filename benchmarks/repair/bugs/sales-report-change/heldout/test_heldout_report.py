import pytest

from sales.report import monthly_report, percent_change


def test_decline():
    assert monthly_report({"Jan": 200, "Feb": 150}) == ["Feb 150.00 (-25.0%)"]


def test_several_months():
    assert monthly_report({"Jan": 100, "Feb": 200, "Mar": 100, "Apr": 125}) == [
        "Feb 200.00 (+100.0%)",
        "Mar 100.00 (-50.0%)",
        "Apr 125.00 (+25.0%)",
    ]


def test_drop_to_zero():
    assert monthly_report({"Jan": 80, "Feb": 0}) == ["Feb 0.00 (-100.0%)"]


def test_growth_from_zero_is_an_error():
    with pytest.raises(ValueError):
        monthly_report({"Jan": 0, "Feb": 10})


def test_percent_change_is_not_symmetric():
    assert percent_change(150, 100) == pytest.approx(-33.333, abs=0.001)
    assert percent_change(50, 100) == 100.0


def test_empty():
    assert monthly_report({}) == []
