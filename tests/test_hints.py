"""Tests of pytest_trace.optimizers.hints: numbers and expected values from feedback text.

The explanations are pytest's own (``str()`` of the AssertionError of a rewritten
``assert``), as ``feedback.render_feedback`` puts them in our feedback text.
"""

from __future__ import annotations

import ast
import textwrap

import pytest

from pytest_trace.optimizers.hints import expected_values, numbers_from_feedback
from pytest_trace.repair.feedback import Failure, Frame, combine_feedback, render_feedback


def feedback(message: str, source: str = "", exception: str = "AssertionError") -> str:
    """Our feedback text for a failing test with pytest's ``message``."""
    frames = (Frame("tests/test_x.py", 7, "test_x", source),) if source else ()
    failure = Failure(
        nodeid="tests/test_x.py::test_x",
        when="call",
        exception=exception,
        message=textwrap.dedent(message).strip("\n"),
        frames=frames,
        stdout="",
        stderr="",
        log="",
    )
    return render_feedback(failure)


def lines(*texts: str) -> str:
    return "\n".join(texts)


def test_the_call_on_the_left_computed_the_actual_value() -> None:
    text = feedback(
        """
        assert 20.0 == 180.0
         +  where 20.0 = apply_discount(200, 10)
        """,
        "assert apply_discount(200, 10) == 180.0",
    )
    assert text.startswith("tests/test_x.py::test_x failed\nAssertionError: assert 20.0 == 180.0")
    assert numbers_from_feedback(text) == [(20.0, 180.0)]
    assert expected_values(text) == ["180.0"]


def test_the_where_line_tells_the_computed_side_on_the_right() -> None:
    text = feedback(
        """
        assert 7 == 6
         +  where 6 = f(3)
        """,
        "assert 7 == f(3)",
    )
    assert numbers_from_feedback(text) == [(6.0, 7.0)]
    assert expected_values(text) == ["7"]


def test_integers_and_negative_numbers() -> None:
    text = feedback("assert 203.0 == 212\n +  where 203.0 = to_fahrenheit(100)")
    assert numbers_from_feedback(text) == [(203.0, 212.0)]
    assert expected_values(text) == ["212"]
    text = feedback("assert -49.0 == -40\n +  where -49.0 = to_celsius(-40)")
    assert numbers_from_feedback(text) == [(-49.0, -40.0)]
    assert expected_values(text) == ["-40"]


def test_without_where_lines_the_test_source_decides() -> None:
    # `result = f(3); assert result == 7`: no where line, the literal is expected
    assert numbers_from_feedback(feedback("assert 6 == 7", "assert result == 7")) == [(6.0, 7.0)]
    assert numbers_from_feedback(feedback("assert 7 == 6", "assert 7 == result")) == [(6.0, 7.0)]
    # no help at all: `assert actual == expected`
    assert numbers_from_feedback(feedback("assert 6 == 7")) == [(6.0, 7.0)]


def test_approx() -> None:
    message = lines(
        "assert 20.0 == 180.0 ± 1.8e-04",
        "  ",  # pytest's own blank line, two spaces
        "  comparison failed",
        "  Obtained: 20.0",
        "  Expected: 180.0 ± 1.8e-04",
    )
    text = feedback(message, "assert apply_discount(200, 10) == pytest.approx(180.0)")
    assert numbers_from_feedback(text) == [(20.0, 180.0)]
    assert expected_values(text) == ["180.0"]
    reversed_text = feedback(message.replace("20.0 == 180.0 ± 1.8e-04", "180.0 ± 1.8e-04 == 20.0"))
    assert numbers_from_feedback(reversed_text) == [(20.0, 180.0)]
    assert expected_values(reversed_text) == ["180.0"]


def test_approx_of_a_sequence() -> None:
    text = feedback(
        lines(
            "assert [2, 4] == approx([2.5 ±... 4 ± 4.0e-06])",
            "  ",
            "  comparison failed. Mismatched elements: 1 / 2:",
            "  Max absolute difference: 0.5",
            "  Max relative difference: 0.25",
            "  Index | Obtained | Expected     ",
            "  0     | 2        | 2.5 ± 2.5e-06",
        )
    )
    assert numbers_from_feedback(text) == [(2.0, 2.5)]


def test_sequences_and_dicts_of_the_same_shape_give_their_differing_numbers() -> None:
    text = feedback(
        lines(
            "assert (2, 4) == (2, 5)",
            "  ",
            "  At index 1 diff: 4 != 5",
            "  Use -v to get more diff",
        )
    )
    assert numbers_from_feedback(text) == [(4.0, 5.0)]
    assert expected_values(text) == ["(2, 5)"]
    text = feedback("assert {'a': 2, 'b': 1} == {'a': 3, 'b': 1}\n  \n  Differing items: ...")
    assert numbers_from_feedback(text) == [(2.0, 3.0)]
    assert expected_values(text) == ["{'a': 3, 'b': 1}"]
    text = feedback("assert [0, 1, 2] == [0, 1, 2, 3]\n  \n  Right contains one more item: 3")
    assert numbers_from_feedback(text) == []
    assert expected_values(text) == ["[0, 1, 2, 3]"]


def test_expected_strings_none_and_booleans() -> None:
    text = feedback("assert 'abc' == 'ABC'\n  \n  - ABC\n  + abc", "assert name('AbC') == 'ABC'")
    assert expected_values(text) == ["'ABC'"]
    assert numbers_from_feedback(text) == []
    assert expected_values(feedback("assert 3 == None\n +  where 3 = f(1)")) == ["None"]
    assert expected_values(feedback("assert None == 5\n +  where None = f(1)")) == ["5"]
    assert expected_values(feedback("assert False\n +  where False = is_adult(18)")) == ["True"]
    assert expected_values(feedback("assert not True\n +  where True = is_adult(20)")) == ["False"]
    assert expected_values(feedback("assert False is True\n +  where False = is_adult(18)")) == [
        "True"
    ]


def test_nested_where_lines_and_custom_messages() -> None:
    text = feedback(
        """
        bad value
        assert 3 == 4
         +  where 3 = len([0, 1, 2])
         +    where [0, 1, 2] = items(3)
        """
    )
    assert numbers_from_feedback(text) == [(3.0, 4.0)]
    assert expected_values(text) == ["4"]


def test_other_comparisons_say_nothing() -> None:
    text = feedback("assert 6 < 5\n +  where 6 = f(3)")
    assert numbers_from_feedback(text) == []
    assert expected_values(text) == []
    assert expected_values(feedback("assert 6 != 6\n +  where 6 = f(3)")) == []


def test_unittest_and_plain_messages() -> None:
    text = feedback("20.0 != 180.0")
    assert numbers_from_feedback(text) == [(20.0, 180.0)]
    assert expected_values(text) == ["180.0"]
    text = feedback("expected 5, got 3", exception="ValueError")
    assert numbers_from_feedback(text) == [(3.0, 5.0)]
    assert expected_values(text) == ["5"]


def test_several_failures_in_one_text() -> None:
    first = feedback("assert 20.0 == 180.0\n +  where 20.0 = apply_discount(200, 10)")
    second = feedback("assert 7 == 6\n +  where 6 = f(3)")
    third = feedback("assert 20.0 == 180.0\n +  where 20.0 = apply_discount(200, 10)")
    text = combine_feedback([first, second, third], max_chars=10_000)
    assert numbers_from_feedback(text) == [(20.0, 180.0), (6.0, 7.0)]
    assert expected_values(text) == ["180.0", "7"]


def test_the_traceback_is_not_mistaken_for_an_explanation() -> None:
    text = feedback(
        "assert 6 == 7\n +  where 6 = f(3)",
        "assert f(3) == 7",
    )
    assert "tests/test_x.py:7 in test_x: assert f(3) == 7" in text
    assert numbers_from_feedback(text) == [(6.0, 7.0)]


@pytest.mark.parametrize(
    "text",
    [
        "",
        "assert",
        "assert ",
        "AssertionError: assert (1, 2",
        "assert 'abc... == 'x'",
        "assert [1, 2, ...] == [1, 2, 3]",
        "assert inf == 1.0\n +  where inf = f(inf)",
        "assert nan == 1.0",
        "assert 1e999 == 1",
        "assert 200000000000000000000 == 3",
        "assert f(3) == == 7",
        "assert '''unterminated == 1",
        "  x.py:1 in t: assert 1 == 2",
        "Index | Obtained | Expected\n0 | a | b",
        "... 3,200 characters omitted ...",
        "\x00\ud800 assert 1 == 2",
        "assert " + "[" * 5000 + " == 1",
        "assert " + "1 == " * 2000,
    ],
)
def test_odd_text_never_raises(text: str) -> None:
    numbers = numbers_from_feedback(text)
    values = expected_values(text)
    assert all(isinstance(a, float) and isinstance(e, float) for a, e in numbers)
    for value in values:
        ast.literal_eval(value)


def test_every_expected_value_is_a_literal() -> None:
    text = feedback("assert [1, 'a', None, (True,)] == [1, 'b', None, (False,)]")
    assert expected_values(text) == ["[1, 'b', None, (False,)]"]
    for value in expected_values(text):
        ast.literal_eval(value)
