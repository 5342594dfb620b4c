import pytest

from timesheet.hours import decimal_hours, hours_worked, weekly_pay


@pytest.mark.parametrize(
    ("clock", "hours"),
    [
        ("00:00", 0),
        ("00:15", 0.25),
        ("06:45", 6.75),
        ("12:20", 12 + 1 / 3),
        ("23:59", 23 + 59 / 60),
    ],
)
def test_decimal_hours(clock, hours):
    assert decimal_hours(clock) == pytest.approx(hours)


def test_short_shift():
    assert hours_worked("10:50", "11:10") == 0.33


def test_overtime_shift():
    assert hours_worked("06:10", "19:40") == 13.5


def test_pay_with_quarter_hours():
    assert weekly_pay([("08:45", "12:00"), ("12:30", "17:15")], 16) == 128.0
