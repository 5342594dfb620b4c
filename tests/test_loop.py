"""The optimization loop and the grouping of failures, with fakes for everything around them."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from pytest_trace.model import (
    CallNode,
    Parameter,
    Problem,
    Proposal,
    Step,
    TestResult,
    TokenUsage,
    TraceGraph,
    Value,
)
from pytest_trace.optimizers.base import OptimizerError
from pytest_trace.repair.loop import (
    Attempt,
    Budget,
    Callbacks,
    Group,
    group_failures,
    optimize_group,
)
from pytest_trace.repair.outcome import Ambiguity, Validation

NAME = "shop.price"
BASE = "def price(x):\n    return x\n"
GOOD = "def price(x):\n    return x * 2\n"
HALF = "def price(x):\n    return x * 2 if x > 1 else x\n"
BAD = "def price(x):\n    return -x\n"
TESTS = ("t::a", "t::b")


def trace(test: str, *functions: str) -> TraceGraph:
    calls = [CallNode(i, name, {"x": Value("int", "1")}) for i, name in enumerate(functions)]
    return TraceGraph(test=test, calls=calls)


def failing(test: str, *functions: str) -> TestResult:
    return TestResult(test, "failed", feedback=f"{test} failed", trace=trace(test, *functions))


class ScriptedOptimizer:
    name = "scripted"

    def __init__(self, proposals: list[Proposal | list[Proposal] | Exception]) -> None:
        self.proposals = proposals
        self.problems: list[Problem] = []

    def propose(self, problem: Problem) -> list[Proposal]:
        self.problems.append(problem)
        if not self.proposals:
            return []
        item = self.proposals.pop(0)
        if isinstance(item, Exception):
            raise item
        return item if isinstance(item, list) else [item]


class World:
    """Which tests pass for which source: GOOD passes both, HALF passes t::b only."""

    def __init__(self, breaks_others: set[str] = frozenset()) -> None:  # type: ignore[assignment]
        self.breaks_others = breaks_others
        self.evaluated: list[str] = []
        self.batches: list[int] = []
        self.commits: list[tuple[str, int]] = []

    def evaluate(self, batch: Sequence[Mapping[str, str]]) -> list[dict[str, TestResult]]:
        self.batches.append(len(batch))
        return [self.evaluate_one(values) for values in batch]

    def evaluate_one(self, values: Mapping[str, str]) -> dict[str, TestResult]:
        source = values[NAME]
        self.evaluated.append(source)
        passing = {GOOD: set(TESTS), HALF: {"t::b"}}.get(source, set())
        return {t: TestResult(t, "passed") if t in passing else failing(t, NAME) for t in TESTS}

    def regressions(self, values: Mapping[str, str]) -> Validation:
        if values[NAME] in self.breaks_others:
            return Validation(
                (TestResult("t::other", "failed", feedback="t::other failed: broken"),), 3
            )
        return Validation((), 3)

    def commit(self, values: Mapping[str, str], attempt: Attempt, ambiguity: Ambiguity) -> str:
        self.commits.append((values[NAME], attempt.iteration))
        return f"sha{len(self.commits)}"


def run(optimizer: ScriptedOptimizer, world: World, iterations: int = 5, **options):  # type: ignore[no-untyped-def]
    group = Group(TESTS, (NAME,))
    parameters = {NAME: Parameter(NAME, "shop", "price", "shop.py", BASE)}
    baseline = {t: failing(t, NAME) for t in TESTS}
    budget = {
        k: options.pop(k) for k in ("max_candidates", "time_budget", "alternatives") if k in options
    }
    return optimize_group(
        group,
        parameters,
        baseline,
        optimizer,
        Callbacks(world.evaluate, world.regressions, world.commit, **options),
        Budget(max_iterations=iterations, **budget),
    )


def test_first_right_answer_fixes_and_commits() -> None:
    world = World()
    optimizer = ScriptedOptimizer([Proposal({NAME: GOOD}, "double it", usage=TokenUsage(5, 3))])
    result = run(optimizer, world)
    assert result.status == "fixed"
    assert (result.iterations, result.candidates, result.commit) == (1, 1, "sha1")
    assert result.values == {NAME: GOOD}
    assert result.changed == [NAME]
    assert result.tokens == result.attempts[0].tokens == TokenUsage(5, 3)
    assert world.commits == [(GOOD, 1)]
    problem = optimizer.problems[0]
    assert [p.source for p in problem.parameters] == [BASE]
    assert "t::a failed" in problem.feedback and "t::b failed" in problem.feedback
    assert [t.test for t in problem.traces] == list(TESTS)


def test_rejected_answers_count_and_are_explained() -> None:
    world = World()
    optimizer = ScriptedOptimizer([Proposal({}, rejected="no JSON found"), Proposal({NAME: GOOD})])
    result = run(optimizer, world)
    assert (result.status, result.iterations, result.candidates) == ("fixed", 2, 1)
    assert [a.verdict for a in result.attempts] == ["rejected", "fixed"]
    assert "rejected: no JSON found" in optimizer.problems[1].feedback
    assert world.evaluated == [GOOD]


def test_worse_candidate_is_rolled_back_and_remembered() -> None:
    world = World()
    optimizer = ScriptedOptimizer([Proposal({NAME: BAD}), Proposal({NAME: GOOD})])
    result = run(optimizer, world)
    assert result.status == "fixed"
    assert world.commits == [(GOOD, 2)]
    second = optimizer.problems[1]
    assert [p.source for p in second.parameters] == [BASE]  # rolled back
    assert "rolled back" in second.feedback
    assert second.history[0].values == {NAME: BAD}


def test_regressing_candidate_is_rejected() -> None:
    world = World(breaks_others={GOOD})
    optimizer = ScriptedOptimizer([Proposal({NAME: GOOD})] * 2)
    result = run(optimizer, world, iterations=2)
    assert result.status == "unfixed"
    assert world.commits == []
    assert result.attempts[0].verdict == "regressed"
    assert "t::other failed: broken" in optimizer.problems[1].feedback
    # The same candidate is not tested twice.
    assert result.attempts[1].verdict == "repeated"
    assert world.evaluated == [GOOD]


def test_partial_improvement_is_committed_and_reported() -> None:
    world = World()
    optimizer = ScriptedOptimizer([Proposal({NAME: HALF}), Proposal({NAME: BAD})])
    result = run(optimizer, world, iterations=2)
    assert result.status == "partial"
    assert (result.passed, result.commit) == (1, "sha1")
    assert world.commits == [(HALF, 1)]
    assert [p.source for p in optimizer.problems[1].parameters] == [HALF]
    assert [t.test for t in optimizer.problems[1].traces] == ["t::a"]  # only failing ones


def test_unchanged_answer_is_not_evaluated() -> None:
    world = World()
    optimizer = ScriptedOptimizer([Proposal({NAME: BASE}), Proposal({NAME: GOOD})])
    result = run(optimizer, world)
    assert [a.verdict for a in result.attempts] == ["unchanged", "fixed"]
    assert world.evaluated == [GOOD]


def test_optimizer_error_ends_the_group() -> None:
    world = World()
    optimizer = ScriptedOptimizer([OptimizerError("the endpoint answered 401")])
    result = run(optimizer, world)
    assert (result.status, result.message) == ("error", "the endpoint answered 401")
    assert result.iterations == 0


def test_budget_is_respected() -> None:
    world = World()
    optimizer = ScriptedOptimizer(
        [Proposal({NAME: f"def price(x):\n    return x + {i}\n"}) for i in range(5)]
    )
    result = run(optimizer, world, iterations=3)
    assert (result.status, result.iterations, result.candidates) == ("unfixed", 3, 3)


def test_grouping_joins_tests_that_share_a_trainable() -> None:
    results = [
        failing("t::1", "a.f"),
        failing("t::2", "a.g", "a.f"),
        failing("t::3", "b.h"),
        TestResult("t::4", "failed", trace=TraceGraph("t::4")),
        TestResult("t::5", "error"),
    ]
    groups, unreached = group_failures(results)
    assert groups == [Group(("t::1", "t::2"), ("a.f", "a.g")), Group(("t::3",), ("b.h",))]
    assert unreached == ["t::4", "t::5"]
    assert groups[0].slug == "f-g"


def test_a_batch_is_evaluated_at_once_and_the_best_wins() -> None:
    world = World()
    batch = [
        Proposal({NAME: BAD}),
        Proposal({NAME: HALF}),
        Proposal({NAME: GOOD}, operators=("x",)),
    ]
    result = run(ScriptedOptimizer([batch]), world)
    assert world.batches == [3]
    assert result.status == "fixed"
    assert world.commits == [(GOOD, 1)]
    assert [a.verdict for a in result.attempts] == ["worse", "worse", "fixed"]
    assert result.path[0].operators == ("x",)


def test_a_regressing_best_gives_way_to_the_next_best() -> None:
    world = World(breaks_others={GOOD})
    batch = [Proposal({NAME: GOOD}), Proposal({NAME: HALF})]
    result = run(ScriptedOptimizer([batch]), world, iterations=1)
    assert [a.verdict for a in result.attempts] == ["regressed", "improved"]
    assert result.status == "partial"
    assert world.commits == [(HALF, 1)]


def test_candidate_budget_and_exhaustion() -> None:
    world = World()
    batch = [Proposal({NAME: f"def price(x):\n    return x + {i}\n"}) for i in range(10)]
    result = run(ScriptedOptimizer([batch, batch]), world, max_candidates=4)
    assert result.candidates == 4
    assert "budget of 4 candidates" in result.message
    result = run(ScriptedOptimizer([]), World())
    assert "no more candidates" in result.message
    assert result.iterations == 0


def test_time_budget() -> None:
    world = World()
    result = run(ScriptedOptimizer([Proposal({NAME: BAD})] * 3), world, time_budget=0.0)
    assert "time budget" in result.message
    assert result.candidates == 0


def test_localization_is_passed_to_the_optimizer() -> None:
    optimizer = ScriptedOptimizer([Proposal({NAME: GOOD})])
    run(optimizer, World(), suspicious=lambda values: {NAME: {2: 0.9}})
    assert optimizer.problems[0].suspicious == {NAME: {2: 0.9}}


# --- what the reports show: convergence, feedback before and after, progress lines -----


def test_convergence_and_feedback_before_and_after() -> None:
    lines: list[str] = []
    optimizer = ScriptedOptimizer(
        [Proposal({}, rejected="no JSON"), Proposal({NAME: HALF}), Proposal({NAME: GOOD})]
    )
    result = run(optimizer, World(), on_iteration=lines.append)

    assert result.status == "fixed"
    assert result.steps == [Step(1, 0, None, 0), Step(2, 1, 1, 1), Step(3, 1, 2, 2)]
    assert (result.passed_before, result.passed) == (0, 2)
    assert "t::a failed" in result.feedback_before and "t::b failed" in result.feedback_before
    assert result.feedback_after == ""  # every test of the group passes
    assert lines == [
        "iteration 1/5: rejected, 0/2 failing tests pass (best 0/2)",
        "iteration 2/5: improved, 1/2 failing tests pass (best 1/2)",
        "iteration 3/5: fixed, 2/2 failing tests pass (best 2/2)",
    ]


def test_a_partial_fix_keeps_the_feedback_of_what_still_fails() -> None:
    result = run(ScriptedOptimizer([Proposal({NAME: HALF}), Proposal({NAME: BAD})]), World())

    assert result.status == "partial"
    assert result.steps == [Step(1, 1, 1, 1), Step(2, 1, 0, 1)]
    assert result.feedback_after == "t::a failed"


def test_progress_of_a_batch_counts_the_candidates_tested() -> None:
    lines: list[str] = []
    batches = [
        [Proposal({NAME: BAD}), Proposal({NAME: HALF})],
        [Proposal({NAME: BAD + "#"}), Proposal({NAME: GOOD}), Proposal({NAME: HALF + "#"})],
    ]
    result = run(ScriptedOptimizer(batches), World(), iterations=None, on_iteration=lines.append)  # type: ignore[arg-type]

    assert lines == [
        "iteration 1: 2 candidates (2 tested in all), improved (best 1/2 failing tests pass)",
        "iteration 2: 3 candidates (5 tested in all), fixed (best 2/2 failing tests pass)",
    ]
    assert [step.candidates for step in result.steps] == [2, 3]
