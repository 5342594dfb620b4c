"""Generated inputs near the recorded ones (``checks.nearby``), on plain functions."""

from __future__ import annotations

import time
from dataclasses import dataclass

from hypothesis import Phase, find, settings

from pytest_trace.checks import WALL_FACTOR, Concern, Deadline
from pytest_trace.checks.calls import Call, canonical, describe_call, expected_exceptions
from pytest_trace.checks.nearby import check_function
from pytest_trace.checks.strategies import MAX_LENGTH, call_strategy

FIND = settings(
    database=None, derandomize=True, max_examples=500, phases=(Phase.generate, Phase.shrink)
)
#: Seconds per search where a test expects the smallest input: enough to shrink it on
#: a busy machine (a search without findings ends after its number of examples).
LONG = 10.0


def mean(xs):
    return sum(xs) / len(xs) if xs else 0.0


def mean_unguarded(xs):
    return sum(xs) / len(xs)


def test_a_candidate_that_raises_where_the_original_returned_on_the_smallest_input():
    [concerns], disagreements = check_function(
        "mean", mean, [mean_unguarded], [Call(([2, 4],))], module="stats", seconds=LONG
    )

    reason = "raises ZeroDivisionError on an input the original handled: mean([])"
    assert concerns == [Concern("new-crash", reason)]
    assert disagreements == []


def test_an_exception_the_failing_tests_expect_is_no_new_crash():
    for expected in ({"ZeroDivisionError"}, {"ArithmeticError"}):  # a base class too
        [concerns], _ = check_function(
            "mean", mean, [mean_unguarded], [Call(([2, 4],))], expected=expected
        )
        assert concerns == []


def test_comparing_only_looks_for_no_crash():
    concerns, disagreements = check_function(
        "mean", mean, [mean, mean_unguarded], [Call(([2, 4],))], crashes=False
    )

    assert concerns == [[], []]
    assert disagreements == []  # where the second raises, they do not disagree


def test_inputs_on_which_the_original_raises_are_skipped():
    [concerns], _ = check_function("mean", mean_unguarded, [mean_unguarded], [Call(([2, 4],))])

    assert concerns == []


def test_the_candidate_s_changes_to_its_arguments_do_not_reach_the_original():
    def emptying(xs):
        xs.clear()
        return mean(xs)

    def original(xs):
        return len(xs)

    def candidate(xs):
        return 1 // len(xs)

    # The candidate runs on its own copy of the recorded list: the original sees it whole.
    [concerns], _ = check_function("f", original, [candidate], [Call(([1, 2],))], seconds=LONG)
    [[crash]], _ = check_function("f", emptying, [candidate], [Call(([1, 2],))])

    assert concerns[0].reason == "raises ZeroDivisionError on an input the original handled: f([])"
    assert crash.check == "new-crash"


def test_a_candidate_that_does_not_return_is_a_new_crash():
    def countdown(n):
        while n > 0:
            n -= 1
        return n

    def forever_below_zero(n):
        while n != 0:
            n -= 1
        return n

    [[concern]], _ = check_function(
        "countdown", countdown, [forever_below_zero], [Call((3,))], seconds=3.0
    )

    # Each hang costs a call's whole time limit: past the search's time, no shrinking.
    assert concern.reason.startswith("does not return on an input the original handled: ")
    assert concern.reason.split(": ")[1].startswith("countdown(-")


def half_floor(n):
    return n // 2


def half_truncated(n):
    return int(n / 2)


def test_alternatives_that_disagree_give_the_smallest_input_and_the_settling_test():
    concerns, [disagreement] = check_function(
        "half",
        half_floor,
        [half_floor, half_truncated],
        [Call((7,))],
        module="numbers_",
        seconds=LONG,
    )

    assert concerns == [[], []]
    assert disagreement.function == "numbers_.half"
    assert disagreement.call == "half(-1)"
    assert disagreement.results == ("-1", "0")
    assert disagreement.test == (
        "from numbers_ import half\nassert half(-1) == -1  # the alternative ranked 2 returns 0"
    )


def period_buggy(text):  # "P12" is 12 periods; it tests the wrong end of the text
    if text.endswith("P"):
        return int(text[1:])
    raise ValueError(text)


def period_negated(text):
    if not text.endswith("P"):
        return int(text[1:])
    raise ValueError(text)


def period_start(text):
    if text.startswith("P"):
        return int(text[1:])
    raise ValueError(text)


def test_where_the_original_raises_a_first_that_returns_is_in_doubt():
    # The first takes for valid inputs that the original and the other refuse.
    concerns, [disagreement] = check_function(
        "period",
        period_buggy,
        [period_negated, period_start],
        [Call(("P12",))],
        module="dates",
        seconds=LONG,
    )

    assert concerns == [[], []]
    value = disagreement.results[0]
    assert value.lstrip("-").isdigit()
    assert disagreement.results[1] == "raises ValueError"
    assert disagreement.test == (
        f"from dates import period\nassert {disagreement.call} == {value}"
        "  # the alternative ranked 2 raises ValueError"
    )


def test_disagreements_tell_which_alternatives_did_what_the_original_did():
    _, [disagreement] = check_function(
        "period",
        period_buggy,
        [period_negated, period_start],
        [Call(("P12",))],
        seconds=LONG,
    )

    # the first returns where the original raised; the other raises as it did
    assert disagreement.keeps == (False, True)


def test_a_first_that_fixes_the_function_is_not_in_doubt_against_one_that_left_it():
    # The other fixed a caller and left this function raising as it was: its refusal is
    # the original's code, no evidence against the first's fix of the function itself.
    concerns, disagreements = check_function(
        "period",
        period_buggy,
        [period_negated, period_buggy],
        [Call(("P12",))],
        seconds=LONG,
        changing=[True, False],
    )

    assert concerns == [[], []]
    assert disagreements == []


def test_a_first_that_raises_where_the_original_did_is_not_in_doubt():
    # It keeps the original's behaviour where the other changes it.
    concerns, disagreements = check_function(
        "period",
        period_buggy,
        [period_start, period_negated],
        [Call(("P12",))],
        module="dates",
        seconds=LONG,
    )

    assert concerns == [[], []]
    assert disagreements == []


def test_a_first_that_leaves_the_function_raising_as_it_was_is_in_doubt():
    # The first fixed a caller and left this function as it was; the other fixed it:
    # where the fault is, the tests do not tell.
    concerns, [disagreement] = check_function(
        "period",
        period_buggy,
        [period_buggy, period_negated],
        [Call(("P12",))],
        module="dates",
        seconds=LONG,
        changing=[False, True],
    )

    assert concerns == [[], []]
    assert disagreement.results[0] == "raises ValueError"
    assert disagreement.test.startswith(
        "import pytest\nfrom dates import period\nwith pytest.raises(ValueError):\n    period("
    )
    assert disagreement.test.endswith(
        f"# the alternative ranked 2 returns {disagreement.results[1]}"
    )


def test_a_candidate_that_crashes_is_left_out_of_the_disagreements():
    concerns, disagreements = check_function(
        "mean", mean, [mean_unguarded, mean], [Call(([2, 4],))]
    )

    assert [len(c) for c in concerns] == [1, 0]
    assert disagreements == []


@dataclass
class Point:
    x: int


class Box:  # the default repr shows an address; its attributes are what count
    def __init__(self, size):
        self.size = size


def test_equal_results_are_no_disagreement_whatever_their_identity():
    def boxed(n):
        return [Box(n), {n: Point(n)}, float("nan")]

    _, disagreements = check_function("boxed", boxed, [boxed, lambda n: boxed(n)], [Call((2,))])

    assert disagreements == []
    assert canonical(Box(1)) == canonical(Box(1)) != canonical(Box(2))
    assert canonical({1, 2}) == canonical({2, 1})
    long = list(range(5000))
    assert canonical(long) == canonical(list(long)) != canonical([*long, 1])


def test_functions_returned_are_no_disagreement_whatever_their_address():
    # As in the child, where the candidate's code has the original's names.
    original: dict[str, object] = {}
    exec("def getter(index):\n    return lambda seq: seq[index]\n", original)
    checked: dict[str, object] = {}
    exec(
        "def getter(index):\n    if index is None:\n        return lambda seq: seq\n"
        "    return lambda seq: seq[index]\n",
        checked,
    )
    getter = original["getter"]

    _, disagreements = check_function("getter", getter, [checked["getter"], getter], [Call((1,))])

    assert disagreements == []
    assert canonical(getter(1)) == canonical(getter(2)) == "<function getter.<locals>.<lambda>>"


def test_generated_calls_stay_near_the_recorded_ones():
    recorded = [Call(([3, 5], "ab"), {"limit": 3})]
    strategy = call_strategy(recorded)

    def first(condition):
        return find(strategy, condition, settings=FIND)

    assert first(lambda c: c.args[0] == []).args[0] == []
    assert len(first(lambda c: len(c.args[0]) > 2).args[0]) == 3  # longer
    assert first(lambda c: c.kwargs["limit"] == 4).kwargs == {"limit": 4}
    assert first(lambda c: c.args[1] == "").args[1] == ""
    longer = first(lambda c: len(c.args[1]) > 2).args[1]
    assert set(longer) <= {"a", "b"}  # edited with its own characters
    # Elements are neighbours of the recorded elements.
    assert first(lambda c: 4 in c.args[0]).args[0] == [4]
    assert first(lambda c: -1 in c.args[0]).args[0] == [-1]


def test_long_recorded_values_stay_cheap_to_generate():
    long = list(range(1000))
    strategy = call_strategy([Call((long, tuple(long), "x" * 500))])

    recorded = find(strategy, lambda c: len(c.args[0]) > 100, settings=FIND)
    generated = find(strategy, lambda c: 3 < len(c.args[0]) < 100, settings=FIND)

    assert recorded.args[0] in (long, long[1:], long[:-1])  # as it was, or less one item
    assert 3 < len(generated.args[0]) <= MAX_LENGTH
    assert recorded.args[1] == tuple(long)  # a long tuple as it was
    assert len(find(strategy, lambda c: len(c.args[2]) > 3, settings=FIND).args[2]) <= 40


def test_recorded_objects_are_used_as_they_were():
    box = Box(3)
    call = find(call_strategy([Call((box, 1))]), lambda c: True, settings=FIND)

    assert call.args[0] is box  # deep-copied for each call, not generated


def test_calls_are_shown_as_python():
    assert describe_call("f", Call(([1], "a"), {"key": None})) == "f([1], 'a', key=None)"
    method = describe_call("Point.moved", Call((Point(1), 2)), method=True)
    assert method == "Point(x=1).moved(2)"
    class_method = describe_call("Point.origin", Call((Point, 0)), method=True)
    assert class_method == "Point.origin(0)"


def test_the_exceptions_tests_expect_are_read_from_their_source():
    source = """
    def test_it(self):
        with pytest.raises((ValueError, errors.Refused)):
            f()
        self.assertRaises(KeyError, g)
        pytest.raises(TypeError, h, 1)
        with pytest.warns(UserWarning):
            pass
    """

    assert expected_exceptions(source) == {"ValueError", "Refused", "KeyError", "TypeError"}
    assert expected_exceptions("def broken(:") == set()


def test_strings_nearby_include_one_character_replaced_at_either_end():
    from pytest_trace.checks.strategies import neighbours

    found = find(
        neighbours("P2000-01"), lambda s: s[1:] == "2000-01" and s[0] != "P", settings=FIND
    )
    assert found[1:] == "2000-01"
    found = find(
        neighbours("P2000-01"), lambda s: s[:-1] == "P2000-0" and s[-1] != "1", settings=FIND
    )
    assert found[:-1] == "P2000-0"


def test_a_search_s_deadline_counts_cpu_time_not_the_waiting_of_a_busy_machine():
    deadline = Deadline(0.2)
    time.sleep(0.3)  # the process waits, as for a CPU on a busy machine
    assert not deadline.passed() and deadline.left() > 0.05
    time.sleep(0.35)  # but never more than WALL_FACTOR times as long on the clock
    assert WALL_FACTOR == 3.0 and deadline.passed() and deadline.left() < 0
    busy, started = Deadline(0.05), time.process_time()
    while not busy.passed():
        pass
    assert time.process_time() - started >= 0.05
