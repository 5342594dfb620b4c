"""Reading the model's answer: strict first, lenient second, explicit about failures."""

from __future__ import annotations

import json
import random

import pytest

from pytest_trace.optimizers.parsing import ParsedAnswer, parse_answer
from pytest_trace.repair.constant_values import coerce_value

CODE = (
    "def apply_discount(price: float, percent: float) -> float:\n"
    '    """Apply a {percent}% discount; quotes: \\"x\\" and \'y\'."""\n'
    '    table = {"a": 1, "b": {"c": 2}}\n'
    "    if percent > 100:\n"
    "        raise ValueError(f\"bad {percent!r}: '}}' \")\n"
    "    return price * (1 - percent / 100)\n"
)
NAME = "pricing.cart.apply_discount"
ANSWER = {"reasoning": "percent is a percentage", "answer": "", "suggestion": {NAME: CODE}}
ANSWER_JSON = json.dumps(ANSWER, indent=2)


def expected(**changes: object) -> ParsedAnswer:
    fields: dict[str, object] = {
        "reasoning": "percent is a percentage",
        "answer": "",
        "suggestion": {NAME: CODE},
        "error": "",
    }
    fields.update(changes)
    return ParsedAnswer(**fields)  # type: ignore[arg-type]


# --- where the object is -------------------------------------------------------------------


def test_strict_json() -> None:
    assert parse_answer(ANSWER_JSON) == expected()


def test_strict_json_with_surrounding_whitespace() -> None:
    assert parse_answer(f"\n\n  {ANSWER_JSON}\n ") == expected()


@pytest.mark.parametrize("language", ["json", "JSON", "", "python"])
def test_fenced_json(language: str) -> None:
    text = f"Here is my answer:\n```{language}\n{ANSWER_JSON}\n```\nGood luck!"
    assert parse_answer(text) == expected()


def test_fence_closing_backticks_inside_a_string_do_not_end_the_block() -> None:
    answer = {"reasoning": "use ``` to fence", "suggestion": {NAME: "def f():\n    return '```'"}}
    text = f"```json\n{json.dumps(answer)}\n```"
    parsed = parse_answer(text)
    assert parsed.error == ""
    assert parsed.suggestion == {NAME: "def f():\n    return '```'"}


def test_prose_around_json() -> None:
    text = (
        "I looked at the trace {briefly} and it's clear what's wrong.\n"
        f"{ANSWER_JSON}\n"
        "Let me know if you need anything else } {"
    )
    assert parse_answer(text) == expected()


def test_object_in_prose_without_expected_keys_is_skipped() -> None:
    text = f'For example {{"x": 1}} is a dict. My answer: {json.dumps(ANSWER)} Thanks.'
    assert parse_answer(text) == expected()


def test_code_with_braces_and_quotes_in_string_values() -> None:
    text = "Sure thing.\n" + json.dumps(ANSWER) + "\nDone."
    parsed = parse_answer(text)
    assert parsed.suggestion is not None
    assert parsed.suggestion[NAME] == CODE


def test_raw_newlines_inside_json_strings_are_accepted() -> None:
    text = '{"reasoning": "two\nlines", "suggestion": {"m.f": "def f():\n\treturn 1\n"}}'
    parsed = parse_answer(text)
    assert parsed.error == ""
    assert parsed.reasoning == "two\nlines"
    assert parsed.suggestion == {"m.f": "def f():\n\treturn 1\n"}


def test_python_literal_dict() -> None:
    text = (
        "Answer:\n{'reasoning': 'use True', 'answer': None, "
        "'suggestion': {'m.f': 'def f():\\n    return {\"a\": True}\\n', 'm.FLAG': False}}"
    )
    parsed = parse_answer(text)
    assert parsed == ParsedAnswer(
        reasoning="use True",
        answer="",
        suggestion={"m.f": 'def f():\n    return {"a": True}\n', "m.FLAG": False},
    )


def test_python_literal_with_triple_quoted_code() -> None:
    text = "{'reasoning': 'r', 'suggestion': {'m.f': '''def f():\n    return 'it''s'\n'''}}"
    parsed = parse_answer(text)
    assert parsed.error == ""
    assert parsed.suggestion == {"m.f": "def f():\n    return 'it''s'\n"}


def test_json_preferred_over_an_earlier_python_literal() -> None:
    text = (
        "Earlier I thought {'reasoning': 'old', 'suggestion': {'m.f': 'def f(): pass'}}.\n"
        + json.dumps(ANSWER)
    )
    assert parse_answer(text) == expected()


def test_suggestion_values_stay_as_given() -> None:
    text = json.dumps({"suggestion": {"m.f": "def f():\n    return 1\n", "m.N": 3, "m.B": True}})
    parsed = parse_answer(text)
    assert parsed.suggestion == {"m.f": "def f():\n    return 1\n", "m.N": 3, "m.B": True}


def test_suggestion_sent_as_a_json_string_is_read() -> None:
    text = json.dumps({"reasoning": "r", "suggestion": json.dumps({"m.f": "def f(): pass"})})
    assert parse_answer(text).suggestion == {"m.f": "def f(): pass"}


def test_suggestion_string_that_is_not_json_is_an_error_not_a_stop() -> None:
    parsed = parse_answer(json.dumps({"suggestion": "{def f(): pass"}))
    assert parsed.suggestion is None
    assert "not a string" in parsed.error


def test_non_string_reasoning_is_rendered_as_json() -> None:
    text = json.dumps({"reasoning": ["a", "b"], "answer": 42, "suggestion": {}})
    assert parse_answer(text) == ParsedAnswer(reasoning='["a", "b"]', answer="42")


# --- no change proposed --------------------------------------------------------------------


@pytest.mark.parametrize("text", ["TERMINATE", "  TERMINATE\n"])
def test_exact_terminate_proposes_no_change(text: str) -> None:
    assert parse_answer(text) == ParsedAnswer()


def test_terminate_inside_reasoning_is_not_a_stop() -> None:
    answer = dict(ANSWER, reasoning="I will not TERMINATE: the test still fails.")
    parsed = parse_answer(json.dumps(answer))
    assert parsed.error == ""
    assert parsed.suggestion == {NAME: CODE}


@pytest.mark.parametrize("suggestion", [{}, None, "", []])
def test_empty_or_null_suggestion_proposes_no_change(suggestion: object) -> None:
    parsed = parse_answer(json.dumps({"reasoning": "all good", "suggestion": suggestion}))
    assert parsed == ParsedAnswer(reasoning="all good")


def test_missing_suggestion_proposes_no_change() -> None:
    assert parse_answer('{"reasoning": "r", "answer": "42"}') == ParsedAnswer(
        reasoning="r", answer="42"
    )


# --- failures explain themselves -----------------------------------------------------------


def test_empty_answer() -> None:
    parsed = parse_answer("   \n")
    assert parsed.suggestion is None
    assert parsed.error.startswith("The answer was empty.")
    assert '"suggestion"' in parsed.error


def test_garbage_explains_and_shows_the_answer() -> None:
    parsed = parse_answer("I think the bug is in the loop.")
    assert parsed.suggestion is None
    assert parsed.error.startswith("The answer contains no JSON object.")
    assert "'I think the bug is in the loop.'" in parsed.error


def test_terminate_with_extra_text_is_an_error_not_a_stop() -> None:
    parsed = parse_answer("Everything passes now. TERMINATE")
    assert parsed.suggestion is None
    assert "is not exactly TERMINATE" in parsed.error


def test_invalid_json_reports_the_json_error() -> None:
    parsed = parse_answer('{"reasoning": "r" "suggestion": {"m.f": "def f(): pass"}}')
    assert parsed.error.startswith(
        "The answer's JSON object is invalid: Expecting ',' delimiter at line 1 column 19."
    )


def test_cut_off_answer_says_so() -> None:
    text = 'Here:\n{"reasoning": "r", "suggestion": {"m.f": "def f():\\n    return {'
    parsed = parse_answer(text)
    assert parsed.error.startswith(
        "The JSON object that starts on line 2 of the answer is never closed "
        "(was the answer cut off?)."
    )


def test_object_without_expected_keys_is_named() -> None:
    parsed = parse_answer('{"pricing.cart.apply_discount": "def apply_discount(): pass"}')
    assert parsed.suggestion is None
    assert "has no object with the keys 'reasoning', 'answer', 'suggestion'" in parsed.error
    assert "'pricing.cart.apply_discount'" in parsed.error


def test_suggestion_that_is_not_an_object() -> None:
    parsed = parse_answer(json.dumps({"reasoning": "r", "suggestion": "def f(): pass"}))
    assert parsed.reasoning == "r"
    assert parsed.suggestion is None
    assert parsed.error.startswith(
        '"suggestion" must be an object mapping variable names to new values, not a string.'
    )


def test_suggestion_with_non_string_keys() -> None:
    parsed = parse_answer("{'suggestion': {1: 'x'}}")
    assert parsed.suggestion is None
    assert "must use variable names (strings) as keys, not 1" in parsed.error


def test_error_excerpt_is_bounded() -> None:
    text = "no json here " * 5000
    parsed = parse_answer(text)
    assert "65,000 characters" in parsed.error
    assert len(parsed.error) < 1000


# --- never raises --------------------------------------------------------------------------


FUZZ_BASE = [
    ANSWER_JSON,
    "```json\n" + ANSWER_JSON + "\n```",
    "{'reasoning': 'r', 'suggestion': {'m.f': 'x'}}",
    "TERMINATE",
]


@pytest.mark.parametrize("seed", range(40))
def test_mangled_answers_never_raise(seed: int) -> None:
    rng = random.Random(seed)
    text = FUZZ_BASE[seed % len(FUZZ_BASE)]
    for _ in range(rng.randint(1, 6)):
        cut = rng.randrange(len(text) + 1)
        action = rng.choice(["cut", "insert", "delete", "duplicate"])
        if action == "cut":
            text = text[:cut]
        elif action == "insert":
            text = text[:cut] + rng.choice(list("{}[]\"'\\`\n:,")) + text[cut:]
        elif action == "delete":
            text = text[:cut] + text[cut + 1 :]
        else:
            text = text[:cut] + text
    parsed = parse_answer(text)
    assert isinstance(parsed, ParsedAnswer)
    assert parsed.error or parsed.suggestion is None or isinstance(parsed.suggestion, dict)
    if parsed.error:
        assert parsed.suggestion is None


PATHOLOGICAL = {
    "open braces": "{" * 5000,
    "close braces": "}" * 5000,
    "quotes": '"' * 5000,
    "brace quote": "{'" * 3000,
    "deep list": "[" * 100_000,
    "deep object": '{"a":' * 100_000,
    "huge number": "{" + "1" * 5000 + "}",
    "nul": "\x00",
}


@pytest.mark.parametrize("name", PATHOLOGICAL)
def test_pathological_answers_never_raise(name: str) -> None:
    parsed = parse_answer(PATHOLOGICAL[name])
    assert parsed.suggestion is None
    assert parsed.error
    assert "could not be read" not in parsed.error  # handled, not caught as a bug


# --- coerce_value --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("type_name", "new", "result"),
    [
        ("bool", "False", False),
        ("bool", "false", False),
        ("bool", " true ", True),
        ("bool", True, True),
        ("bool", False, False),
        ("int", "42", 42),
        ("int", " -7 ", -7),
        ("int", 3, 3),
        ("int", 3.0, 3),
        ("float", "2.5", 2.5),
        ("float", 2, 2.0),
        ("float", "1e-3", 0.001),
        ("str", "x", "x"),
        ("str", 5, "5"),
        ("str", 0.5, "0.5"),
    ],
)
def test_coerce_value_converts_exactly(type_name: str, new: object, result: object) -> None:
    converted = coerce_value(type_name, new)
    assert converted == result
    assert type(converted) is type(result)


@pytest.mark.parametrize(
    ("type_name", "new", "message"),
    [
        ("bool", "maybe", "expected a bool (true or false), got 'maybe'"),
        ("bool", 1, "expected a bool (true or false), got 1"),
        ("bool", "", "expected a bool"),
        ("int", "2.5", "expected an int, got '2.5'"),
        ("int", 2.5, "expected an int, got 2.5"),
        ("int", True, "expected an int, got the boolean True"),
        ("int", None, "expected an int, got None"),
        ("float", "abc", "expected a float, got 'abc'"),
        ("float", False, "expected a float, got the boolean False"),
        ("str", None, "expected a string, got None"),
        ("str", True, "expected a string, got True"),
        ("list", [1], "cannot convert a suggested value to type 'list'"),
    ],
)
def test_coerce_value_rejects_with_clear_message(type_name: str, new: object, message: str) -> None:
    with pytest.raises(ValueError) as raised:
        coerce_value(type_name, new)
    assert str(raised.value).startswith(message)
