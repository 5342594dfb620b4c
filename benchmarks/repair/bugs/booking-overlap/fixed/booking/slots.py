"""Time slots of a room, in minutes since midnight, and conflicts between them."""

from __future__ import annotations

from dataclasses import dataclass

from pytest_trace import trainable


@dataclass(frozen=True)
class Slot:
    start: int
    end: int

    def __post_init__(self) -> None:
        if not 0 <= self.start < self.end <= 24 * 60:
            raise ValueError(f"not a slot: {self.start}-{self.end}")

    @classmethod
    def parse(cls, text: str) -> Slot:
        """'09:30-10:15' -> Slot(570, 615)."""
        begin, finish = text.split("-")
        return cls(_minutes(begin), _minutes(finish))


def _minutes(clock: str) -> int:
    hours, minutes = clock.split(":")
    return int(hours) * 60 + int(minutes)


@trainable
def overlaps(a: Slot, b: Slot) -> bool:
    """Whether two slots share any time; a slot ending at 10:00 and one starting then do not."""
    return a.start < b.end and b.start < a.end


@trainable
def conflicts(booked: list[Slot], wanted: Slot) -> list[Slot]:
    """The booked slots that overlap `wanted`."""
    return [slot for slot in booked if overlaps(slot, wanted)]


def can_book(booked: list[Slot], wanted: Slot) -> bool:
    return not conflicts(booked, wanted)
