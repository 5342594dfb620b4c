"""The data flow of values stored as they are, found when the test ends
(pytest_trace.trace.assembly.link_stored), on records written by hand."""

from __future__ import annotations

from pytest_trace.trace.assembly import link_stored
from pytest_trace.trace.records import INPUTS, RESULT, TRAINABLE, Record, new_record

BIG = 10**9  # one int object, stored as it is (not one of the ints CPython shares)
TEXT = "a text"


def call(call_id: int, parent: int | None, result: object = None, **args: object) -> Record:
    record = new_record(call_id, f"f{call_id}", dict(args), parent, None, TRAINABLE)
    record[RESULT] = result
    return record


def inputs(records: list[Record]) -> list[dict[str, int] | None]:
    return [record[INPUTS] for record in records]


def test_a_value_links_to_the_latest_call_that_had_returned_it() -> None:
    records = [
        call(0, None, result=BIG),
        call(1, None, result=BIG),  # returns the same object again
        call(2, None, value=BIG, other=TEXT),
    ]
    link_stored(records)
    assert inputs(records) == [None, None, {"value": 1}]


def test_a_call_still_running_has_not_returned_its_value_yet() -> None:
    # f0 passes its argument to f1, then returns it: f1 got it from the test
    records = [
        call(0, None, result=BIG, value=BIG),
        call(1, 0, value=BIG),
        call(2, None, value=BIG),
    ]
    link_stored(records)
    assert inputs(records) == [None, None, {"value": 0}]


def test_past_calls_dropped_from_the_middle_no_running_call_is_taken_for_returned() -> None:
    # f0 may enclose the dropped f9 and so f10: its result is not offered to f10, while
    # f11, which starts outside every call, sees it.
    records = [call(0, None, result=BIG), call(10, 9, value=BIG), call(11, None, value=BIG)]
    link_stored(records)
    assert inputs(records) == [None, None, {"value": 0}]


def test_a_coroutine_s_value_counts_from_the_first_call_after_it_returned() -> None:
    records = [call(0, None, result=BIG), call(1, None, value=BIG), call(2, None, value=BIG)]
    link_stored(records, late={0: 2})
    assert inputs(records) == [None, None, {"value": 0}]


def test_rendered_values_and_shared_objects_are_left_alone() -> None:
    records = [
        call(0, None, result=("list", "[1]")),  # rendered during the call: linked then
        call(1, None, result=True),
        call(2, None, result=7),
        call(3, None, a=("list", "[1]"), b=True, c=7),
    ]
    link_stored(records)
    assert inputs(records) == [None, None, None, None]
