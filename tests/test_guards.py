"""Tests of the guards the search inserts for values the function dereferences."""

from __future__ import annotations

import textwrap

from pytest_trace.optimizers.mutations import Hints, normalized, single_edits


def code(text: str) -> str:
    return textwrap.dedent(text).lstrip("\n")


def sources(source: str) -> set[str]:
    return {normalized(edit.source) for edit in single_edits(source, Hints())}


def test_a_dereferenced_attribute_gets_a_none_guard_returning_a_returned_value() -> None:
    source = code(
        """
        def remove(self, value):
            if self.head.value == value:
                self.head = self.head.next
                return True
            return False
        """
    )
    fixed = source.replace(
        "    if self.head.value",
        "    if self.head is None:\n        return False\n    if self.head.value",
    )
    assert normalized(fixed) in sources(source)


def test_only_attributes_of_parameters_that_are_dereferenced_get_guards() -> None:
    source = code(
        """
        def total(order, rate):
            shipping = order.shipping
            return order.items.count + shipping.cost * rate
        """
    )
    guarded = {
        e.description.split("insert `", 1)[1].split(":")[0]
        for e in single_edits(source, Hints())
        if e.operators == ("insert guard",)
    }
    assert {"if order.items is None", "if not order.items"} <= guarded
    assert not any("order.shipping" in g or "shipping.cost" in g for g in guarded)


def test_the_guard_may_return_the_f_string_without_the_missing_part() -> None:
    source = code(
        """
        def display_name(person):
            return f"{person.first} {person.middle[0]}. {person.last}"
        """
    )
    fixed = code(
        """
        def display_name(person):
            if not person.middle:
                return f"{person.first} {person.last}"
            return f"{person.first} {person.middle[0]}. {person.last}"
        """
    )
    assert normalized(fixed) in sources(source)
