"""Formatting people's names for a member list."""

from __future__ import annotations

from dataclasses import dataclass

from pytest_trace import trainable


@dataclass
class Person:
    first: str
    last: str
    middle: str | None = None


@trainable
def display_name(person: Person) -> str:
    """'Ada K. Lovelace'; without a middle name just 'Ada Lovelace'."""
    return f"{person.first} {person.middle[0]}. {person.last}"


def initials(person: Person) -> str:
    """'AKL', or 'AL' without a middle name."""
    parts = [person.first, person.middle or "", person.last]
    return "".join(part[0].upper() for part in parts if part)


def sort_key(person: Person) -> tuple[str, str]:
    return person.last.lower(), person.first.lower()


def member_list(people: list[Person]) -> list[str]:
    """Display names sorted by last name, then first name."""
    return [display_name(person) for person in sorted(people, key=sort_key)]
