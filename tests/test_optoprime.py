"""OptoPrime: the prompt it builds and how it checks the model's answers."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import pytest

from pytest_trace.llm.client import Completion, LLMError
from pytest_trace.model import (
    CallNode,
    HistoryEntry,
    Parameter,
    Problem,
    Proposal,
    TokenUsage,
    TraceGraph,
    Value,
)
from pytest_trace.optimizers.base import Optimizer, OptimizerError
from pytest_trace.optimizers.optoprime import OptoPrime

NAME = "pricing.cart.apply_discount"
SOURCE = (
    "def apply_discount(price: float, percent: float) -> float:\n"
    '    """Return the price after the discount."""\n'
    "    return price * percent / 100\n"
)
FIX = (
    "def apply_discount(price: float, percent: float) -> float:\n"
    '    """Return the price after the discount."""\n'
    "    return price * (1 - percent / 100)\n"
)
PARAMETER = Parameter(
    name=NAME,
    module="pricing.cart",
    qualname="apply_discount",
    path="pricing/cart.py",
    source=SOURCE,
    description="Return the price after taking off `percent` percent.",
)
TEST_SOURCE = "def test_discount():\n    assert apply_discount(200, 10) == 180.0\n"
FEEDBACK = "tests/test_cart.py::test_discount: assert 20.0 == 180.0"
SECTIONS = [
    "#Instruction",
    "#Code",
    "#Documentation",
    "#Variables",
    "#Constraints",
    "#Inputs",
    "#Others",
    "#Outputs",
    "#Feedback",
]


def make_problem(history: list[HistoryEntry] | None = None) -> Problem:
    trace = TraceGraph(
        test="tests/test_cart.py::test_discount",
        test_source=TEST_SOURCE,
        calls=[
            CallNode(
                id=1,
                function=NAME,
                args={"price": Value("int", "200"), "percent": Value("int", "10")},
                result=Value("float", "20.0"),
            )
        ],
    )
    return Problem(parameters=[PARAMETER], traces=[trace], feedback=FEEDBACK, history=history or [])


@dataclass
class FakeLLM:
    """Answers with scripted texts and records the prompts."""

    answers: list[str]
    truncated: bool = False
    prompts: list[tuple[str, str]] = field(default_factory=list)

    def complete(self, system: str, user: str) -> Completion:
        self.prompts.append((system, user))
        return Completion(
            text=self.answers.pop(0),
            usage=TokenUsage(prompt=100, completion=20),
            truncated=self.truncated,
        )


class FailingLLM:
    def complete(self, system: str, user: str) -> Completion:
        raise LLMError("the LLM endpoint http://127.0.0.1:1/v1 answered 401 Unauthorized")


def answer(suggestion: object, reasoning: str = "multiply by the remaining share") -> str:
    return json.dumps({"reasoning": reasoning, "answer": "", "suggestion": suggestion})


def propose(*answers: str, truncated: bool = False) -> Proposal:
    [proposal] = OptoPrime(FakeLLM(list(answers), truncated=truncated)).propose(make_problem())
    return proposal


# --- the prompt ----------------------------------------------------------------------------


def test_is_an_optimizer() -> None:
    optimizer: Optimizer = OptoPrime(FakeLLM([]))
    assert optimizer.name == "optoprime"


def test_system_prompt_explains_sections_and_output_format() -> None:
    system, _ = OptoPrime(FakeLLM([])).build_prompt(make_problem())
    for section in SECTIONS:
        assert f"- {section}:" in system
    assert "<data_type> <variable_name> = <value>" in system
    assert "If <data_type> is (code), it means <value> is the source code" in system
    assert '"reasoning": <Your reasoning>' in system
    assert '"suggestion": {' in system
    assert "you should not change the function name or the function signature" in system


def test_user_prompt_has_the_nine_sections_in_order() -> None:
    _, user = OptoPrime(FakeLLM([])).build_prompt(make_problem())
    positions = [user.index(f"\n{section}\n") for section in SECTIONS]
    assert positions == sorted(positions)
    assert user.startswith("Now you see problem instance:")
    assert user.endswith("Your response:\n")


def section(user: str, name: str) -> str:
    start = user.index(f"\n#{name}\n") + len(name) + 3
    following = [user.find(f"\n{other}\n", start) for other in SECTIONS]
    end = min([position for position in following if position > 0] + [user.rindex("\n====")])
    return user[start:end].strip()


def test_user_prompt_sections_hold_the_problem() -> None:
    _, user = OptoPrime(FakeLLM([])).build_prompt(make_problem())
    instruction = section(user, "Instruction")
    assert "failing tests described in #Feedback pass" in instruction
    assert "without making any other test fail" in instruction
    assert "Keep each function's name and signature" in instruction
    assert section(user, "Variables") == f"(code) {NAME}:{SOURCE.rstrip()}"
    assert section(user, "Constraints") == (
        f"(code) {NAME}: keep the name apply_discount and the signature "
        "apply_discount(price: float, percent: float) -> float; write one complete function "
        "definition without decorators (define any helper inside it)"
    )
    assert (
        "apply_discount0 = pricing.cart.apply_discount(price=apply_discount0_price, "
        "percent=apply_discount0_percent)"
    ) in section(user, "Code")
    assert section(user, "Documentation") == (
        f"[{NAME}] Return the price after taking off `percent` percent."
    )
    inputs = section(user, "Inputs")
    assert TEST_SOURCE.strip() in inputs
    assert "(int) apply_discount0_price=200" in inputs
    assert section(user, "Others") == "(none)"
    assert "(float) apply_discount0=20.0" in section(user, "Outputs")
    assert section(user, "Feedback") == FEEDBACK


def test_memory_shows_the_most_recent_entries() -> None:
    history = [
        HistoryEntry(
            values={NAME: f"def apply_discount(price, percent):\n    return {n}\n"},
            feedback=f"attempt {n} failed",
        )
        for n in range(7)
    ]
    _, user = OptoPrime(FakeLLM([]), memory_size=3).build_prompt(make_problem(history))
    memory = user.split("Below are some variables and their feedbacks you received in the past.")
    assert len(memory) == 2
    assert memory[0].rstrip().endswith("================================")
    blocks = memory[1].removesuffix("Your response:\n").strip()
    entries = [json.loads("{" + part) for part in ("\n" + blocks).split("\n{")[1:]]
    assert [entry["feedback"] for entry in entries] == [
        "attempt 4 failed",
        "attempt 5 failed",
        "attempt 6 failed",
    ]
    assert entries[0]["variables"] == {NAME: "def apply_discount(price, percent):\n    return 4\n"}


def test_no_memory_without_history_or_with_size_zero() -> None:
    history = [HistoryEntry(values={}, feedback="rejected")]
    marker = "Below are some variables"
    assert marker not in OptoPrime(FakeLLM([])).build_prompt(make_problem())[1]
    assert (
        marker not in OptoPrime(FakeLLM([]), memory_size=0).build_prompt(make_problem(history))[1]
    )


def test_prompt_respects_the_budget_for_long_traces() -> None:
    problem = make_problem()
    problem.traces[0].calls = [
        CallNode(
            id=n, function=NAME, args={"price": Value("int", str(n))}, result=Value("int", "0")
        )
        for n in range(5000)
    ]
    system, user = OptoPrime(FakeLLM([]), max_prompt_chars=12_000).build_prompt(problem)
    assert len(system) + len(user) <= 12_000
    assert "similar calls of pricing.cart.apply_discount omitted" in user
    assert f"(code) {NAME}:{SOURCE.rstrip()}" in user  # the variables are never cut


def test_build_prompt_is_pure() -> None:
    llm = FakeLLM([])
    optimizer = OptoPrime(llm)
    problem = make_problem()
    assert optimizer.build_prompt(problem) == optimizer.build_prompt(problem)
    assert llm.prompts == []


# --- proposals -----------------------------------------------------------------------------


def test_valid_answer_gives_normalized_update_and_usage() -> None:
    llm = FakeLLM([answer({NAME: "```python\n" + FIX + "```"})])
    [proposal] = OptoPrime(llm).propose(make_problem())
    assert proposal == Proposal(
        updates={NAME: FIX},
        reasoning="multiply by the remaining share",
        usage=TokenUsage(prompt=100, completion=20),
    )
    system, user = llm.prompts[0]
    assert (system, user) == OptoPrime(FakeLLM([])).build_prompt(make_problem())


def test_unknown_name_is_rejected_with_the_list_of_variables() -> None:
    proposal = propose(answer({"pricing.cart.apply_dicsount": FIX}))
    assert proposal.updates == {}
    assert proposal.rejected == (
        "Your answer suggested `pricing.cart.apply_dicsount`, which is not a variable "
        f"(did you mean `{NAME}`?); the variables are: `{NAME}`."
    )
    assert proposal.usage == TokenUsage(prompt=100, completion=20)


def test_non_compiling_code_is_rejected() -> None:
    broken = "def apply_discount(price: float, percent: float) -> float:\n    return (\n"
    proposal = propose(answer({NAME: broken}))
    assert proposal.updates == {}
    assert proposal.rejected.startswith(f"The new code for {NAME} does not compile:")
    assert "line" in proposal.rejected


def test_changed_signature_is_rejected() -> None:
    changed = "def apply_discount(price, percent, rounding=2):\n    return price\n"
    proposal = propose(answer({NAME: changed}))
    assert proposal.updates == {}
    assert "changes the signature" in proposal.rejected
    assert "keep the signature unchanged" in proposal.rejected


def test_renamed_function_is_rejected() -> None:
    renamed = FIX.replace("def apply_discount", "def discount")
    proposal = propose(answer({NAME: renamed}))
    assert proposal.updates == {}
    assert "do not rename the function" in proposal.rejected


def test_one_bad_part_rejects_the_whole_answer() -> None:
    proposal = propose(answer({NAME: FIX, "pricing.cart.other": FIX}))
    assert proposal.updates == {}
    assert "`pricing.cart.other`, which is not a variable" in proposal.rejected


def test_non_string_code_value_is_rejected() -> None:
    proposal = propose(answer({NAME: {"body": "return 1"}}))
    assert proposal.rejected == (
        f"The value for `{NAME}` must be a string holding the complete definition of the "
        'function, not dict {"body": "return 1"}.'
    )


def test_unreadable_answer_is_rejected_with_the_parse_error() -> None:
    proposal = propose("I would change the multiplication.")
    assert proposal.updates == {}
    assert proposal.reasoning == ""
    assert proposal.rejected.startswith("The answer contains no JSON object.")
    assert proposal.usage == TokenUsage(prompt=100, completion=20)


def test_truncated_answer_says_so() -> None:
    proposal = propose('{"reasoning": "long', truncated=True)
    assert "never closed" in proposal.rejected
    assert "cut off at the token limit" in proposal.rejected


def test_terminate_and_empty_suggestion_propose_nothing() -> None:
    for text in ("TERMINATE", answer({}), answer({NAME: ""}), answer({NAME: SOURCE})):
        proposal = propose(text)
        assert (proposal.updates, proposal.rejected) == ({}, ""), text


def test_terminate_in_reasoning_still_applies_the_suggestion() -> None:
    proposal = propose(answer({NAME: FIX}, reasoning="no need to TERMINATE yet"))
    assert proposal.updates == {NAME: FIX}


def test_llm_failure_is_an_optimizer_error() -> None:
    with pytest.raises(OptimizerError, match="401 Unauthorized"):
        OptoPrime(FailingLLM()).propose(make_problem())


def test_negative_memory_size_is_refused() -> None:
    with pytest.raises(ValueError, match="memory_size"):
        OptoPrime(FakeLLM([]), memory_size=-1)


def test_long_feedback_and_memory_are_bounded() -> None:
    long_feedback = "E   assert 1 == 2\n" * 5_000
    history = [
        HistoryEntry(values={NAME: FIX + "#" * 3_000}, feedback=f"attempt {n}") for n in range(5)
    ]
    problem = make_problem(history)
    problem.feedback = long_feedback
    _, user = OptoPrime(FakeLLM([]), max_prompt_chars=20_000).build_prompt(problem)
    feedback = section(user, "Feedback")
    assert len(feedback) <= 5_000 + 100
    assert "characters omitted …" in feedback
    assert feedback.startswith("E   assert 1 == 2")
    assert "attempt 4" in user  # the most recent attempt is kept
    assert "attempt 0" not in user  # older ones give way to the budget
