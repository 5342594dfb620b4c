"""The message of a fix commit, the run record and its trajectory (pure logic)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from pytest_trace import __version__
from pytest_trace.model import Step, TokenUsage
from pytest_trace.repair.loop import Attempt
from pytest_trace.vcs.git import Base
from pytest_trace.vcs.messages import SUBJECT_CHARS, CommitFacts, commit_message
from pytest_trace.vcs.record import (
    FixRecord,
    candidates,
    from_json,
    rationale,
    record_id,
    to_json,
    trajectory,
)
from pytest_trace.vcs.review import is_fix_message, parse_message

TESTS = ("tests/test_a.py::test_one", "tests/test_a.py::test_two", "tests/test_b.py::test_three")
CLEAN = Base(sha="a" * 40, head_sha="a" * 40, includes_uncommitted=False)
DIRTY = Base(sha="b" * 40, head_sha="c" * 40, includes_uncommitted=True)


def facts(**changes: object) -> CommitFacts:
    values: dict[str, object] = {
        "changed": ["shop.cart.apply_discount"],
        "tests": TESTS,
        "passing": list(TESTS),
        "regression_run": 42,
        "iteration": 3,
        "candidates": 5,
        "optimizer": "optoprime",
        "model": "gpt-4o-mini",
        "tokens": TokenUsage(1830, 212),
        "base": CLEAN,
        "reasoning": "apply_discount returns the discount, not the price.\nMore detail.",
        "record": "apply_discount-0123456789ab",
    }
    values.update(changes)
    return CommitFacts(**values)  # type: ignore[arg-type]


def trailers(message: str) -> str:
    return subprocess.run(
        ["git", "interpret-trailers", "--parse"],
        input=message,
        capture_output=True,
        text=True,
        check=True,
    ).stdout


def test_subject_names_the_function_and_the_reasoning() -> None:
    message = commit_message(facts())
    assert message.splitlines()[0] == (
        "fix(apply_discount): apply_discount returns the discount, not the price."
    )
    assert message.splitlines()[1] == ""


def test_subject_drops_a_repeated_function_name_and_stays_short() -> None:
    reasoning = "to_fahrenheit: line 3: `freezing_point = 23.0` → `freezing_point = 32.0`"
    subject = commit_message(facts(changed=["thermo.to_fahrenheit"], reasoning=reasoning))
    assert subject.splitlines()[0] == (
        "fix(to_fahrenheit): line 3: `freezing_point = 23.0` → `freezing_point = 32.0`"
    )
    long = commit_message(facts(reasoning="word " * 40)).splitlines()[0]
    assert len(long) <= SUBJECT_CHARS
    assert long.endswith("word…")
    assert commit_message(facts(reasoning="")).splitlines()[0] == (
        "fix(apply_discount): make the failing tests pass"
    )
    two = commit_message(facts(changed=["a.f", "b.g", "c.f"])).splitlines()[0]
    assert two.startswith("fix(f, g): ")


def test_body_states_the_facts_of_the_fix() -> None:
    message = commit_message(facts())
    body = message.split("\n\n")[1].splitlines()
    assert body == [
        "Parameters changed: shop.cart.apply_discount",
        "Tests passing now (3 of 3):",
        *(f"  {test}" for test in TESTS),
        "Regression run: 42 tests, none newly failing",
        "Iteration 3, 5 candidates tested so far; optimizer optoprime, model gpt-4o-mini",
        "Tokens: 1830 prompt + 212 completion",
        f"Base: {CLEAN.sha} (HEAD, no uncommitted changes)",
    ]
    reasoning = "apply_discount returns the discount, not the price.\nMore detail."
    assert f"Reasoning:\n{reasoning}" in message


def test_a_partial_fix_lists_what_still_fails_and_the_uncommitted_base() -> None:
    message = commit_message(
        facts(passing=[TESTS[1]], base=DIRTY, optimizer="search", model="", tokens=TokenUsage())
    )
    assert f"Tests passing now (1 of 3):\n  {TESTS[1]}\nStill failing (2):\n" in message
    assert f"  {TESTS[0]}\n  {TESTS[2]}\n" in message
    assert "; optimizer search\n" in message
    assert f"Base: {DIRTY.sha} (HEAD {DIRTY.head_sha} plus uncommitted changes)" in message


def test_trailers_are_git_trailers() -> None:
    message = commit_message(facts(reasoning="Reasoning: with a colon\n\nKey: value"))
    assert trailers(message) == (
        "Verdict: fixed\n"
        f"Optimized-by: pytest-trace {__version__}\nTrace-record: apply_discount-0123456789ab\n"
    )


def test_the_message_reads_back() -> None:
    message = commit_message(facts(passing=[TESTS[0], TESTS[2]]))
    assert is_fix_message(message)
    assert not is_fix_message("Add a feature\n\nOptimized by hand.\n")
    parsed = parse_message(message)
    assert parsed.passing == [TESTS[0], TESTS[2]]
    assert (parsed.total, parsed.status) == (3, "partial")
    assert parsed.parameters == ["shop.cart.apply_discount"]
    assert parse_message(commit_message(facts())).status == "fixed"
    assert parse_message("just a message").status == "unknown"


# --- the record ---------------------------------------------------------------------------


def attempt(iteration: int, verdict: str, passed: int, commit: str | None = None) -> Attempt:
    return Attempt(
        iteration,
        verdict,  # type: ignore[arg-type]
        passed,
        {"m.f": f"def f():\n    return {iteration}\n"},
        reasoning=f"try {iteration} {verdict}",
        feedback=f"{verdict} feedback",
        commit=commit,
    )


ATTEMPTS = [
    attempt(1, "rejected", 0),
    attempt(2, "worse", 0),
    attempt(2, "improved", 1, "c1"),
    attempt(3, "regressed", 3),
    attempt(4, "fixed", 3, "c2"),
]


def test_trajectory_is_the_loops_convergence() -> None:
    steps = [Step(1, 0, None, 0), Step(2, 2, 1, 1), Step(3, 1, 3, 1)]
    scores = [(s.iteration, s.candidates, s.best_candidate, s.best) for s in trajectory(steps)]
    # Iteration 1 tested nothing (the answer was rejected); 3 found a regression.
    assert scores == [(1, 0, 0, 0), (2, 2, 1, 1), (3, 1, 3, 1)]


def test_rationale_and_candidates() -> None:
    assert rationale(ATTEMPTS) == "Iteration 2: try 2 improved\n\nIteration 4: try 4 fixed"
    assert rationale(ATTEMPTS[-1:]) == "try 4 fixed"
    kept = candidates(ATTEMPTS)
    assert [(c.number, c.verdict, c.commit) for c in kept] == [
        (1, "rejected", None),
        (2, "worse", None),
        (3, "improved", "c1"),
        (4, "regressed", None),
        (5, "fixed", "c2"),
    ]
    assert kept[3].feedback == "regressed feedback"
    long = candidates([Attempt(1, "worse", 0, feedback="x" * 10_000)])[0].feedback
    assert len(long) <= 4000
    assert long.endswith("characters omitted …")


def test_record_round_trip() -> None:
    record = FixRecord(
        id="f-1",
        base="b",
        head="h",
        includes_uncommitted=False,
        tests=list(TESTS),
        parameters=["m.f"],
        status="fixed",
        trajectory=trajectory([Step(1, 1, 1, 1)]),
        candidates=candidates(ATTEMPTS),
        graph="graph TD\n  a --> b",
    )
    assert from_json(to_json(record)) == record
    assert record.ref == "refs/trace/f-1"
    for bad in ('{"no": "id"}', "[]", '{"id": "x", "unknown_only": 1}'):
        with pytest.raises(ValueError, match="not a pytest-trace record"):
            from_json(bad)


def test_record_id_is_stable_and_a_ref_component(tmp_path: Path) -> None:
    one = record_id("Apply Discount", "t" * 40, "h" * 40, TESTS, ["m.f"])
    assert one == record_id("Apply Discount", "t" * 40, "h" * 40, tuple(reversed(TESTS)), ["m.f"])
    assert one.startswith("apply-discount-")
    assert one != record_id("Apply Discount", "u" * 40, "h" * 40, TESTS, ["m.f"])
    assert one != record_id("Apply Discount", "t" * 40, "h" * 40, TESTS[:2], ["m.f"])
    check = subprocess.run(["git", "check-ref-format", f"refs/trace/{one}"], check=False)
    assert check.returncode == 0
