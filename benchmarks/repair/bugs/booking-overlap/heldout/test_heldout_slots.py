import pytest

from booking.slots import Slot, can_book, overlaps

CASES = [
    ("09:00-10:00", "09:30-11:00", True),
    ("09:00-12:00", "10:00-11:00", True),
    ("09:00-10:00", "09:00-10:00", True),
    ("09:00-10:00", "10:00-11:00", False),
    ("09:00-10:00", "10:01-11:00", False),
    ("09:00-10:00", "09:59-10:30", True),
    ("14:00-15:00", "08:00-09:00", False),
]


@pytest.mark.parametrize(("a", "b", "expected"), CASES)
def test_overlaps_both_ways(a, b, expected):
    assert overlaps(Slot.parse(a), Slot.parse(b)) is expected
    assert overlaps(Slot.parse(b), Slot.parse(a)) is expected


def test_book_between_two_slots():
    booked = [Slot.parse("08:00-09:00"), Slot.parse("10:00-11:00")]
    assert can_book(booked, Slot.parse("09:00-10:00"))
    assert not can_book(booked, Slot.parse("08:30-09:30"))
