import pytest

from timesheet.hours import decimal_hours, hours_worked, parse_clock, weekly_pay


def test_parse_clock():
    assert parse_clock("08:30") == (8, 30)


def test_invalid_clock():
    with pytest.raises(ValueError):
        parse_clock("8:75")


def test_whole_hours():
    assert decimal_hours("17:00") == 17
    assert hours_worked("09:00", "17:00") == 8


def test_shift_ending_before_it_starts():
    with pytest.raises(ValueError):
        hours_worked("17:00", "09:00")


def test_half_hour():
    assert decimal_hours("08:30") == 8.5


def test_shift_with_minutes():
    assert hours_worked("09:15", "17:45") == 8.5


def test_weekly_pay():
    assert weekly_pay([("09:00", "12:30"), ("13:00", "17:00")], 20) == 150.0
