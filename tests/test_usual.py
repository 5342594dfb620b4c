"""The numbers programmers write: tried for a wrong literal before arbitrary
neighbours, those the names around it call for first."""

from __future__ import annotations

from pytest_trace.model import Parameter
from pytest_trace.optimizers.mutations import Edit, Hints, normalized, single_edits
from pytest_trace.optimizers.mutations.usual import named_numbers, usual_near, words
from pytest_trace.optimizers.tuning import constant_edits


def position(edits: list[Edit], fixed: str) -> int:
    form = normalized(fixed)
    return next(i for i, edit in enumerate(edits) if normalized(edit.source) == form)


def test_words_of_identifiers_and_text() -> None:
    assert words(["secondsPerHour", "MAX_HOURS", "3 days"]) == [
        "seconds",
        "per",
        "hour",
        "max",
        "hours",
        "days",
    ]


def test_names_call_for_their_units() -> None:
    assert named_numbers(["hours_to_seconds"])[:3] == [24, 60, 3600]
    assert 1024 in named_numbers(["size_in_bytes"])
    assert 360 in named_numbers(["normalize_degrees"])
    assert 100 in named_numbers(["percent"])
    assert named_numbers(["total", "items", "x"]) == []


def test_the_usual_values_nearest_to_a_literal() -> None:
    assert 1024 in usual_near(1000)
    assert 3600 in usual_near(3000)
    assert all(isinstance(v, int) for v in usual_near(50))
    assert 0.5 in usual_near(0.4)
    assert 7 not in usual_near(7)


def test_a_unit_the_name_calls_for_comes_before_neighbours() -> None:
    source = "def hours_to_minutes(hours):\n    return hours * 50\n"
    edits = list(single_edits(source, Hints()))
    fixed = source.replace("50", "60")
    assert edits[position(edits, fixed)].operators == ("usual constant",)
    assert position(edits, fixed) < position(edits, source.replace("50", "500"))
    assert position(edits, fixed) < position(edits, source.replace("50", "-50"))


def test_a_usual_value_comes_before_arbitrary_neighbours() -> None:
    source = "def scale(n):\n    step = 1000\n    return n / step\n"
    edits = list(single_edits(source, Hints()))
    fixed = source.replace("1000", "1024")
    assert edits[position(edits, fixed)].operators == ("usual constant",)
    assert position(edits, fixed) < position(edits, source.replace("1000", "10000"))


def test_a_trainable_constant_gets_the_values_its_name_calls_for() -> None:
    constant = Parameter(
        "m.SECONDS_PER_DAY", "m", "SECONDS_PER_DAY", "m.py", "86000", kind="constant"
    )
    values = [edit.source for edit in constant_edits(constant, Hints())]
    assert values.index("86400") < values.index("860000")
    rate = Parameter("m.TAX_PERCENT", "m", "TAX_PERCENT", "m.py", "0.2", kind="constant")
    assert "100.0" in [edit.source for edit in constant_edits(rate, Hints())]
