import pytest

from booking.slots import Slot, can_book, conflicts, overlaps


def test_parse():
    assert Slot.parse("09:30-10:15") == Slot(570, 615)


def test_invalid_slot():
    with pytest.raises(ValueError):
        Slot.parse("10:00-09:00")


def test_overlapping_slots():
    assert overlaps(Slot.parse("09:00-10:00"), Slot.parse("09:30-11:00"))


def test_empty_room():
    assert can_book([], Slot.parse("09:00-10:00"))


def test_separate_slots():
    assert not overlaps(Slot.parse("09:00-10:00"), Slot.parse("13:00-14:00"))


def test_back_to_back_slots():
    assert can_book([Slot.parse("09:00-10:00")], Slot.parse("10:00-11:00"))


def test_conflicts():
    booked = [Slot.parse("08:00-09:00"), Slot.parse("09:30-10:30"), Slot.parse("12:00-13:00")]
    assert conflicts(booked, Slot.parse("10:00-12:00")) == [Slot.parse("09:30-10:30")]
