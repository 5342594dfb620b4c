"""OptoPrime's prompt stays within --trace-max-prompt-tokens whatever the trace: a loop of
10,000 calls, megabyte arguments, recursion 500 deep (real recordings, prompt measured)."""

from __future__ import annotations

import contextlib
import inspect
import sys
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from pytest_trace.llm.client import Completion
from pytest_trace.model import Parameter, Problem, TraceGraph
from pytest_trace.optimizers.base import OptimizerContext
from pytest_trace.optimizers.optoprime import (
    CHARS_PER_TOKEN,
    OptoPrime,
    estimate_tokens,
)
from pytest_trace.settings import DEFAULT_MAX_PROMPT_TOKENS
from pytest_trace.trace.recorder import Recorder

TEST = "tests/test_bounds.py::test_case"


def price(amount: float, quantity: int) -> float:
    if quantity == 9_999:
        raise ValueError(f"quantity {quantity} is too large")
    return amount * quantity


def length(text: str) -> int:
    return len(text) + 1


def depth(n: int) -> int:
    if n == 0:
        raise RecursionError("bottom reached")
    return 1 + depth(n - 1)


class NoLLM:
    def complete(self, system: str, user: str) -> Completion:  # pragma: no cover
        raise AssertionError("build_prompt does not call the model")


def record(function: Callable[..., Any], run: Callable[[], object]) -> TraceGraph:
    recorder = Recorder({function.__code__: f"bench.{function.__name__}"})
    with recorder, contextlib.suppress(Exception):
        run()
    return recorder.graph(TEST, "def test_case():\n    ...\n")


def problem(function: Callable[..., Any], trace: TraceGraph) -> Problem:
    name = f"bench.{function.__name__}"
    source = inspect.getsource(function)
    return Problem([Parameter(name, "bench", function.__name__, "bench.py", source)], [trace], "x")


@pytest.fixture
def deep_recursion() -> Iterator[None]:
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(limit, 3_000))
    yield
    sys.setrecursionlimit(limit)


def loop_problem() -> Problem:
    return problem(price, record(price, lambda: [price(1.5, i) for i in range(10_000)]))


def big_problem() -> Problem:
    text = "x" * 1_000_000
    return problem(length, record(length, lambda: [length(text + str(i)) for i in range(50)]))


def deep_problem() -> Problem:
    return problem(depth, record(depth, lambda: depth(500)))


@pytest.mark.parametrize("tokens", [2_000, DEFAULT_MAX_PROMPT_TOKENS, 30_000])
@pytest.mark.parametrize("make", [loop_problem, big_problem, deep_problem])
def test_prompt_within_the_budget(
    make: Callable[[], Problem], tokens: int, deep_recursion: None
) -> None:
    system, user = OptoPrime(NoLLM(), max_prompt_tokens=tokens).build_prompt(make())
    assert len(system) + len(user) <= tokens * CHARS_PER_TOKEN
    assert estimate_tokens(system) + estimate_tokens(user) <= tokens + 1
    for section in ("#Code", "#Documentation", "#Inputs", "#Others", "#Outputs", "#Feedback"):
        assert section in user


def test_ten_thousand_calls_are_summarized_and_the_failing_call_stays() -> None:
    _, user = OptoPrime(NoLLM()).build_prompt(loop_problem())
    assert "calls of bench.price omitted" in user  # the repeated calls, counted
    assert "calls here were not recorded (recording limit)" in user
    # the call that raised, nearest to the failure, is shown with its exception and line
    assert "raised: ValueError('quantity 9999 is too large')" in user
    assert "quantity=9999  # <- raised ValueError here" in user  # its locals as it raised
    assert "# <- raised ValueError here" in user


def test_megabyte_arguments_are_cut_with_their_size_said(deep_recursion: None) -> None:
    _, user = OptoPrime(NoLLM()).build_prompt(big_problem())
    assert "[1000001 chars]" in user or "[1000002 chars]" in user
    assert "x" * 5_000 not in user


def test_deep_recursion_keeps_the_innermost_call_and_its_callers(deep_recursion: None) -> None:
    _, user = OptoPrime(NoLLM()).build_prompt(deep_problem())
    assert "(RecursionError)" in user and "bottom reached" in user
    assert "# in depth" in user  # nesting is shown
    assert "omitted" in user


def test_the_budget_is_in_tokens_and_the_factory_passes_the_setting() -> None:
    assert estimate_tokens("") == 0 and estimate_tokens("abcd") == 2
    assert OptoPrime(NoLLM(), max_prompt_tokens=1_000).max_prompt_chars == 3_000
    with pytest.raises(ValueError, match="max_prompt_tokens"):
        OptoPrime(NoLLM(), max_prompt_tokens=0)

    from pytest_trace.plugin import _optoprime

    settings = type("S", (), {"max_prompt_tokens": 4_321})()
    optimizer = _optoprime(OptimizerContext(settings, NoLLM()))  # type: ignore[arg-type]
    assert isinstance(optimizer, OptoPrime)
    assert optimizer.max_prompt_chars == 4_321 * CHARS_PER_TOKEN


def test_the_option_parses_from_the_command_line_and_the_ini(pytester: pytest.Pytester) -> None:
    from pytest_trace.settings import Settings

    pytester.makeini("[pytest]\ntrace_max_prompt_tokens = 1234\n")
    assert Settings.from_config(pytester.parseconfig()).max_prompt_tokens == 1234
    config = pytester.parseconfig("--trace-max-prompt-tokens=99")
    assert Settings.from_config(config).max_prompt_tokens == 99
    pytester.makeini("[pytest]\n")
    assert Settings.from_config(pytester.parseconfig()).max_prompt_tokens == 8_000
    result = pytester.runpytest("--trace-max-prompt-tokens=0")
    result.stderr.fnmatch_lines(["*--trace-max-prompt-tokens*must be at least 1*"])
