"""Every kind of unusable answer, from the model's text to the group's summary, in process:
OptoPrime reads the answer, the loop rejects it before any test runs, and the result's
message names why. (``test_faults_llm.py`` runs two of them end to end, through the
fake server, the session and the terminal summary.)"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pytest
from test_optoprime import NAME, PARAMETER, FakeLLM, answer

from pytest_trace.model import TestResult
from pytest_trace.optimizers.optoprime import OptoPrime
from pytest_trace.repair.loop import Attempt, Budget, Callbacks, Group, optimize_group
from pytest_trace.repair.outcome import Ambiguity, Validation

SIGNATURE = "def apply_discount(price: float, percent: float) -> float:\n"
HUGE = SIGNATURE + "    return " + " + ".join(["price"] * 10_000) + "\n"
TIMES = "\N{MULTIPLICATION SIGN}"
TEST = "tests/test_cart.py::test_discount"

#: (the answer, whether the model stopped at its token limit, the summary's reason)
UNUSABLE = {
    "10,000-term expression": (answer({NAME: HUGE}), False, "code too deeply nested"),
    "no JSON": ("Sorry, I cannot help with that.", False, "no JSON object"),
    "empty answer (no choices)": ("", False, "empty answer"),
    "cut off at the token limit": ('{"reasoning": "the discount is', True, "JSON cut off"),
    "NUL and control characters in the code": (
        answer({NAME: SIGNATURE + "    return \x00price\x1b\n"}),
        False,
        "code that does not compile",
    ),
}


class NothingRuns:
    """Callbacks that fail the test if a rejected answer ever reaches a run."""

    def evaluate(self, batch: Sequence[Mapping[str, str]]) -> list[dict[str, TestResult]]:
        raise AssertionError(f"an unusable answer was tested: {batch}")

    def regressions(self, values: Mapping[str, str]) -> Validation:
        raise AssertionError("an unusable answer was validated")

    def commit(self, values: Mapping[str, str], attempt: Attempt, ambiguity: Ambiguity) -> str:
        raise AssertionError("an unusable answer was committed")


@pytest.mark.parametrize(("text", "truncated", "reason"), UNUSABLE.values(), ids=UNUSABLE.keys())
def test_an_unusable_answer_is_rejected_and_the_summary_says_why(text, truncated, reason):
    world = NothingRuns()
    llm = FakeLLM([text], truncated=truncated)
    failing = TestResult(TEST, "failed", feedback=f"{TEST}: assert 20.0 == 180.0")

    result = optimize_group(
        Group((TEST,), (NAME,)),
        {NAME: PARAMETER},
        {TEST: failing},
        OptoPrime(llm),
        Callbacks(world.evaluate, world.regressions, world.commit),
        Budget(max_iterations=1),
    )

    assert (result.status, result.iterations, result.candidates) == ("unfixed", 1, 0)
    assert result.commit is None
    [attempt] = result.attempts
    assert attempt.verdict == "rejected"
    assert result.message.splitlines()[-1] == (f"the only answer was unusable: {reason} ({TIMES}1)")
