"""The loop after a candidate passes the tests: checks, alternatives, ranking, verdict."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from test_loop import BASE, NAME, TESTS, ScriptedOptimizer, failing

from pytest_trace.checks import Concern
from pytest_trace.checks.ambiguity import Disagreement
from pytest_trace.model import Parameter, Proposal, TestResult
from pytest_trace.repair.loop import Attempt, Budget, Callbacks, Group, GroupResult, optimize_group
from pytest_trace.repair.outcome import Ambiguity, Validation

COPIED = "def price(x):\n    return 4 if x == 2 else x\n"  # the test's answer, copied
GOOD = "def price(x):\n    return x * 2\n"
LONGER = "def price(x):\n    return x + x + 0\n"
SHIFTED = "def price(x):\n    return 2 * x\n"
CONCERN = Concern("test-literal", "returns a literal that appears only in the test: 4")


class World:
    """COPIED, GOOD, LONGER and SHIFTED pass both tests; the check blames COPIED."""

    def __init__(self, regressing: Sequence[str] = (), *, disagree: bool = False) -> None:
        self.regressing = set(regressing)
        self.disagree = disagree
        self.commits: list[tuple[str, str, Ambiguity]] = []
        self.validated: list[str] = []
        self.compared: list[list[str]] = []

    def evaluate(self, batch: Sequence[Mapping[str, str]]) -> list[dict[str, TestResult]]:
        return [
            {
                t: TestResult(t, "passed")
                if values[NAME] in (COPIED, GOOD, LONGER, SHIFTED)
                else failing(t, NAME)
                for t in TESTS
            }
            for values in batch
        ]

    def regressions(self, values: Mapping[str, str]) -> Validation:
        self.validated.append(values[NAME])
        if values[NAME] in self.regressing:
            return Validation((TestResult("t::other", "failed", feedback="broken"),), 3)
        return Validation((), 3)

    def check(self, batch: Sequence[Mapping[str, str]]) -> list[list[Concern]]:
        return [[CONCERN] if values[NAME] == COPIED else [] for values in batch]

    def compare(self, batch: Sequence[Mapping[str, str]]) -> list[Disagreement]:
        self.compared.append([values[NAME] for values in batch])
        if not self.disagree:
            return []
        return [Disagreement(NAME, "price(3)", ("6", "3"), "assert price(3) == ...")]

    def commit(self, values: Mapping[str, str], attempt: Attempt, ambiguity: Ambiguity) -> str:
        self.commits.append((values[NAME], attempt.verdict, ambiguity))
        return f"sha{len(self.commits)}"


def run(proposals: list, world: World, **budget: object) -> tuple[GroupResult, ScriptedOptimizer]:  # type: ignore[type-arg]
    optimizer = ScriptedOptimizer(proposals)
    result = optimize_group(
        Group(TESTS, (NAME,)),
        {NAME: Parameter(NAME, "shop", "price", "shop.py", BASE)},
        {t: failing(t, NAME) for t in TESTS},
        optimizer,
        Callbacks(
            world.evaluate,
            world.regressions,
            world.commit,
            check=world.check,
            compare=world.compare,
        ),
        Budget(**{"max_iterations": 5, **budget}),  # type: ignore[arg-type]
    )
    return result, optimizer


def test_a_candidate_that_passes_the_tests_but_not_the_checks_is_plausible() -> None:
    world = World()
    result, optimizer = run([Proposal({NAME: COPIED})], world)
    assert result.status == "plausible"
    assert result.verdict_reason == CONCERN.reason
    assert result.concerns == [CONCERN]
    assert world.commits == [(COPIED, "plausible", Ambiguity())]  # still committed
    assert result.attempts[0].commit == "sha1"
    assert result.passing == list(TESTS)
    # The optimizer was asked again, told why the candidate was only plausible.
    assert len(optimizer.problems) == 2
    feedback = optimizer.problems[1].feedback
    assert "only plausible" in feedback and CONCERN.reason in feedback
    assert "only plausible" in optimizer.problems[1].history[0].feedback
    assert [p.source for p in optimizer.problems[1].parameters] == [BASE]


def test_the_next_candidate_that_passes_the_checks_is_the_fix() -> None:
    world = World()
    result, optimizer = run([Proposal({NAME: COPIED}), Proposal({NAME: GOOD})], world)
    assert result.status == "fixed" and result.concerns == []
    assert [a.verdict for a in result.attempts] == ["alternative", "fixed"]
    assert [(source, verdict) for source, verdict, _ in world.commits] == [(GOOD, "fixed")]
    assert world.commits[0][2].alternatives == 1
    assert result.values == {NAME: GOOD}
    assert len(optimizer.problems) == 2  # a fix that passes the checks ends an LLM's search


def test_the_search_goes_on_for_alternatives_and_commits_the_best_ranked() -> None:
    world = World()
    batches = [
        [Proposal({NAME: LONGER}), Proposal({NAME: COPIED})],
        [Proposal({NAME: GOOD}), Proposal({NAME: BASE + "#"})],
        [Proposal({NAME: SHIFTED})],
    ]
    result, optimizer = run(batches, world, max_iterations=None, alternatives=2)
    assert len(optimizer.problems) == 2  # two more candidates after the first that passed
    assert result.status == "fixed"
    assert result.values == {NAME: GOOD}  # 1 token changed, LONGER 4, COPIED blocked
    assert world.validated == [LONGER, GOOD]  # the first that passed, then the better one
    assert [a.verdict for a in result.attempts] == ["alternative", "alternative", "fixed", "worse"]
    assert [a.values[NAME] for a in result.alternatives] == [GOOD, LONGER, COPIED]
    assert world.compared == [[GOOD, LONGER]]  # COPIED did not pass the checks
    [(_, _, ambiguity)] = world.commits
    assert ambiguity.alternatives == 2
    assert ambiguity.disagreements == tuple(result.disagreements) == ()
    assert result.steps[-1].best == 2


def test_alternatives_as_good_that_disagree_leave_the_fix_plausible() -> None:
    world = World(disagree=True)
    batches = [[Proposal({NAME: LONGER})], [Proposal({NAME: GOOD})]]
    result, _ = run(batches, world, max_iterations=None, alternatives=1)
    assert result.values == {NAME: GOOD}
    assert result.status == "plausible"
    assert result.verdict_reason == (
        "disagrees with 1 other fix as good on price(3) (6 vs 3): a test that settles it: "
        "assert price(3) == ..."
    )
    [(_, verdict, ambiguity)] = world.commits
    assert verdict == "plausible" and len(ambiguity.disagreements) == 1


class Keeping(World):
    """The alternatives disagree on price(-1): ``keeper`` returns there what the original
    returned, the others do not."""

    def __init__(self, keeper: str) -> None:
        super().__init__()
        self.keeper = keeper

    def compare(self, batch: Sequence[Mapping[str, str]]) -> list[Disagreement]:
        self.compared.append([values[NAME] for values in batch])
        keeps = tuple(values[NAME] == self.keeper for values in batch)
        if len(set(keeps)) < 2:
            return []
        return [
            Disagreement(
                NAME,
                "price(-1)",
                tuple("-1" if kept else "-2" for kept in keeps),
                "assert price(-1) == ...",
                other=1,
                keeps=keeps,
            )
        ]


def test_of_alternatives_that_rank_alike_the_one_that_keeps_the_original_s_behaviour_wins() -> None:
    # GOOD and SHIFTED rank alike: 1 token, the same line, the same function
    world = Keeping(SHIFTED)
    batches = [[Proposal({NAME: GOOD}), Proposal({NAME: SHIFTED})]]
    result, _ = run(batches, world, max_iterations=None, alternatives=1)
    assert result.values == {NAME: SHIFTED}
    assert world.compared == [[GOOD, SHIFTED], [SHIFTED, GOOD]]
    assert world.validated == [GOOD, SHIFTED]  # the move is validated by the whole suite
    # It changes price(-1) no more than the tests ask, but the alternative disagrees: the
    # tests cannot tell them apart, so the fix stays plausible, with the settling test.
    assert result.status == "plausible"
    assert [a.verdict for a in result.attempts] == ["alternative", "plausible"]


def test_a_larger_alternative_that_keeps_the_original_s_behaviour_does_not_win() -> None:
    world = Keeping(LONGER)  # 4 tokens against GOOD's 1
    batches = [[Proposal({NAME: GOOD}), Proposal({NAME: LONGER})]]
    result, _ = run(batches, world, max_iterations=None, alternatives=1)
    assert result.values == {NAME: GOOD}
    assert world.compared == [[GOOD, LONGER]]
    assert result.status == "plausible"  # they disagree all the same


def test_a_better_alternative_that_regresses_gives_way_to_the_first() -> None:
    world = World(regressing=[GOOD])
    batches = [[Proposal({NAME: LONGER})], [Proposal({NAME: GOOD})]]
    result, _ = run(batches, world, max_iterations=None, alternatives=1)
    assert result.values == {NAME: LONGER}
    assert [a.verdict for a in result.attempts] == ["fixed", "regressed"]
    assert "broken" in result.attempts[1].feedback
    assert [a.values[NAME] for a in result.alternatives] == [LONGER]
    assert world.compared == []  # nothing to compare with


def test_only_plausible_candidates_keep_the_search_going_within_the_budget() -> None:
    world = World()
    batches = [
        [Proposal({NAME: COPIED})],
        [Proposal({NAME: BASE + "#1"})],
        [Proposal({NAME: BASE + "#2"})],
    ]
    result, optimizer = run(batches, world, max_iterations=None, alternatives=0, max_candidates=3)
    assert len(optimizer.problems) == 3
    assert result.status == "plausible"
    assert "budget of 3 candidates" in result.message


def test_the_search_for_alternatives_never_takes_longer_than_the_fix() -> None:
    from pytest_trace.repair.alternatives import MIN_ALTERNATIVE_SECONDS, settled
    from pytest_trace.repair.outcome import Alternative

    good = Alternative({NAME: GOOD}, Attempt(1, "fixed", 2), {}, 1, 0.0, 0)
    budget = Budget(alternatives=32)
    assert not settled([good], 3, budget, seconds=9.0, found_after=10.0)
    assert settled([good], 3, budget, seconds=11.0, found_after=10.0)  # the fix took 10 s
    assert not settled([good], 3, budget, seconds=MIN_ALTERNATIVE_SECONDS - 1, found_after=0.1)
    assert settled([good], 32, budget, seconds=0.0, found_after=10.0)  # the candidates' budget
    blocked = Alternative({NAME: COPIED}, Attempt(1, "plausible", 2), {}, 1, 0.0, 0)
    blocked.attempt.concerns = (CONCERN,)
    assert not settled([blocked], 99, budget, seconds=99.0, found_after=1.0)  # none passes
