"""The repair of one group (``repair.group``: ``Workspace`` and ``GroupRepair``) in process,
with fake runners in place of the fork server and the fresh pytest process and a real git
repository: which runs a candidate gets, which failures count, and where the fix goes."""

from __future__ import annotations

import subprocess
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

import git as gitpython
import pytest

from pytest_trace.model import TestResult, TokenUsage
from pytest_trace.repair.group import GroupRepair, Workspace
from pytest_trace.repair.loop import Attempt, Group
from pytest_trace.repair.outcome import Ambiguity, Validation
from pytest_trace.runner.protocol import ParameterLocation, RunOutcome, RunRequest
from pytest_trace.settings import Settings
from pytest_trace.vcs.git import Base

NAME = "shop.price"
ORIGINAL = "def price(x):\n    return x\n"
FIX = "def price(x):\n    return x * 2\n"
SHOP = "import math\n\n\n" + ORIGINAL + "\n\ndef other():\n    return math.pi\n"
FAILING = "tests/test_shop.py::test_price"
#: Tests that passed in the user's run: which trainable they reach, their duration, and
#: whether they pass on the unchanged snapshot.
PASSED = {
    "tests/test_shop.py::test_slow": ([NAME], 0.4, True),
    "tests/test_shop.py::test_fast": ([NAME], 0.1, True),
    "tests/test_shop.py::test_unrelated": ([], 0.1, True),
    "tests/test_shop.py::test_needs_a_local_file": ([NAME], 0.1, False),
}


def sh(path: Path, *args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=path, check=True, capture_output=True, text=True
    ).stdout.strip()


class FakeRunner:
    """Runs nothing: answers each request with ``decide`` and remembers the requests."""

    def __init__(self, decide: Callable[[RunRequest, str], bool]) -> None:
        self.decide = decide
        self.requests: list[RunRequest] = []

    def run(self, request: RunRequest) -> RunOutcome:
        self.requests.append(request)
        results = {
            t: TestResult(t, "passed" if self.decide(request, t) else "failed", feedback=f"{t} x")
            for t in request.tests
        }
        return RunOutcome(results=results, finished=True)

    def run_many(self, requests: Sequence[RunRequest]) -> list[RunOutcome]:
        return [self.run(request) for request in requests]


def candidate_passes(request: RunRequest, test: str) -> bool:
    """The fix makes the failing test pass; the snapshot fails it and test_needs_a_local_file."""
    if not request.files:
        return test != FAILING and PASSED.get(test, ([], 0, True))[2]
    return "x * 2" in request.files["shop.py"]


class Optimizer:
    name = "search"
    tokens = TokenUsage()


@pytest.fixture
def root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(tmp_path / "gitconfig"))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    path = tmp_path / "project"
    path.mkdir()
    (path / "shop.py").write_text(SHOP)
    sh(path, "init", "-q", "-b", "main")
    sh(path, "add", "-A")
    sh(path, "-c", "user.name=A", "-c", "user.email=a@x", "commit", "-qm", "shop")
    return path


@pytest.fixture
def repo(root: Path) -> Iterator[gitpython.Repo]:
    with gitpython.Repo(root) as opened:
        yield opened


def workspace(
    repo: gitpython.Repo,
    root: Path,
    runner: FakeRunner,
    evaluator: FakeRunner,
    constants: dict[str, ParameterLocation] | None = None,
    validate: str = "all",
) -> Workspace:
    head = sh(root, "rev-parse", "HEAD")
    survey = RunOutcome(
        results={
            FAILING: TestResult(FAILING, "failed", duration=0.2, reached=[NAME]),
            **{
                t: TestResult(t, "passed" if ok else "failed", duration=seconds, reached=reached)
                for t, (reached, seconds, ok) in PASSED.items()
            },
        },
        parameters={
            NAME: ParameterLocation(NAME, "shop", "price", str(root / "shop.py"), True),
            **(constants or {}),
        },
        finished=True,
    )
    settings = Settings(
        optimizer="search",
        model="",
        max_iterations=1,
        max_candidates=10,
        time_budget=None,
        timeout=0.0,
        report=None,
        workers=1,
        candidate_timeout=None,
        memory_limit=0.0,
        report_md=None,
        graph_dot=None,
        validate=validate,
    )
    return Workspace(
        repo=repo,
        base=Base(head, head, False, tree=sh(root, "rev-parse", "HEAD^{tree}")),
        worktree=root,
        runner=runner,  # type: ignore[arg-type]
        evaluator=evaluator,  # type: ignore[arg-type]
        survey=survey,
        outcomes={FAILING: "failed", **dict.fromkeys(PASSED, "passed")},
        settings=settings,
    )


def repair(repo, root, runner, evaluator, *, fail_fast=False, validate="all") -> GroupRepair:
    space = workspace(repo, root, runner, evaluator, validate=validate)
    group = Group((FAILING,), (NAME,))
    return GroupRepair(space, group, Optimizer(), fail_fast=fail_fast, model="")  # type: ignore[arg-type]


def test_the_parameter_is_read_from_the_snapshot(repo, root):
    space = workspace(repo, root, FakeRunner(candidate_passes), FakeRunner(candidate_passes))
    [parameter] = space.parameters.values()
    assert (parameter.name, parameter.path, parameter.source) == (NAME, "shop.py", ORIGINAL)
    # a test that passed in the user's run but fails on the snapshot guards nothing
    assert space.fail_on_base == {"tests/test_shop.py::test_needs_a_local_file"}


def test_a_candidate_runs_the_group_then_the_tests_that_reach_it_fastest_first(repo, root):
    evaluator = FakeRunner(candidate_passes)
    group = repair(repo, root, FakeRunner(candidate_passes), evaluator)

    [results] = group.evaluate([{NAME: FIX}])

    [request] = evaluator.requests
    guard = ("tests/test_shop.py::test_fast", "tests/test_shop.py::test_slow")
    assert request.tests == (FAILING, *guard)
    assert request.files == {"shop.py": SHOP.replace(ORIGINAL, FIX)}
    assert request.changes == {"shop": ("price",)}
    assert (request.trace, tuple(request.stop_on_failure)) == ((FAILING,), guard)
    assert request.feedback
    assert request.timeout == 4.0  # ten times the slowest test's recorded duration
    assert all(results[t].ok for t in (FAILING, *guard))
    assert group.candidates == 1


def test_with_fail_fast_every_test_stops_the_run_and_nothing_is_traced(repo, root):
    evaluator = FakeRunner(candidate_passes)
    group = repair(repo, root, FakeRunner(candidate_passes), evaluator, fail_fast=True)

    group.evaluate([{NAME: FIX}, {NAME: ORIGINAL.replace("x\n", "x + 1\n")}])

    candidates = [request for request in evaluator.requests if request.files]
    assert len(candidates) == 2
    for request in candidates:
        assert (request.trace, request.feedback) == ((), False)
        assert tuple(request.stop_on_failure) == request.tests


def test_a_guard_test_that_fails_on_the_snapshot_too_does_not_count(repo, root):
    def flaky_slow(request: RunRequest, test: str) -> bool:
        return test != "tests/test_shop.py::test_slow" and candidate_passes(request, test)

    evaluator = FakeRunner(flaky_slow)
    group = repair(repo, root, FakeRunner(candidate_passes), evaluator)

    [first] = group.evaluate([{NAME: FIX}])
    [second] = group.evaluate([{NAME: FIX}])

    assert "tests/test_shop.py::test_slow" not in first
    assert "tests/test_shop.py::test_slow" not in second
    # the snapshot was asked once about that test, by itself, with no candidate
    on_base = [r for r in evaluator.requests if not r.files]
    assert [r.tests for r in on_base] == [("tests/test_shop.py::test_slow",)]
    assert "tests/test_shop.py::test_slow" in group.workspace.fail_on_base


def test_a_guard_test_the_candidate_breaks_is_in_the_results(repo, root):
    def breaks_fast(request: RunRequest, test: str) -> bool:
        if request.files and test == "tests/test_shop.py::test_fast":
            return False
        return candidate_passes(request, test)

    group = repair(repo, root, FakeRunner(candidate_passes), FakeRunner(breaks_fast))

    [results] = group.evaluate([{NAME: FIX}])

    assert not results["tests/test_shop.py::test_fast"].ok


def test_regressions_come_from_the_whole_suite_but_not_from_tests_failing_on_the_snapshot(
    repo, root
):
    def breaks_unrelated(request: RunRequest, test: str) -> bool:
        if request.files and test == "tests/test_shop.py::test_unrelated":
            return False
        return candidate_passes(request, test)

    runner = FakeRunner(breaks_unrelated)
    group = repair(repo, root, runner, FakeRunner(candidate_passes))

    validation = group.find_regressions({NAME: FIX})

    whole, on_base = runner.requests
    assert set(whole.tests) == {FAILING, *PASSED}
    assert whole.timeout == 0.0  # the whole suite runs without the candidates' limit
    # the suspect is asked of the snapshot (test_needs_a_local_file is known to fail there)
    assert (on_base.tests, on_base.files) == (("tests/test_shop.py::test_unrelated",), {})
    assert [r.nodeid for r in validation.regressions] == ["tests/test_shop.py::test_unrelated"]
    assert validation.tests == len(whole.tests)


def test_validating_the_reached_tests_runs_the_group_and_the_tests_that_reach_the_change(
    repo, root
):
    runner = FakeRunner(candidate_passes)
    group = repair(repo, root, runner, FakeRunner(candidate_passes), validate="reached")

    validation = group.find_regressions({NAME: FIX})

    [run] = runner.requests
    # not test_unrelated (it reaches no trainable), nor the one failing on the snapshot
    assert run.tests == (FAILING, "tests/test_shop.py::test_slow", "tests/test_shop.py::test_fast")
    assert validation == Validation((), 3)


def test_a_suspect_that_fails_on_the_snapshot_too_is_no_regression(repo, root):
    def unrelated_always_fails(request: RunRequest, test: str) -> bool:
        return test != "tests/test_shop.py::test_unrelated" and candidate_passes(request, test)

    runner = FakeRunner(unrelated_always_fails)
    group = repair(repo, root, runner, FakeRunner(candidate_passes))

    validation = group.find_regressions({NAME: FIX})

    assert validation.regressions == ()
    assert runner.requests[1].tests == ("tests/test_shop.py::test_unrelated",)
    assert not runner.requests[1].files  # asked of the unchanged snapshot


def test_a_commit_grows_a_fix_branch_on_head_and_leaves_the_user_s_branch(repo, root):
    group = repair(repo, root, FakeRunner(candidate_passes), FakeRunner(candidate_passes))
    head = sh(root, "rev-parse", "HEAD")
    half = ORIGINAL.replace("x\n", "x * 2 if x else x\n")

    first = group.commit({NAME: half}, Attempt(1, "improved", 1, {NAME: half}, "half"), Ambiguity())
    second = group.commit({NAME: FIX}, Attempt(2, "fixed", 1, {NAME: FIX}, "double"), Ambiguity())

    assert group.fixes.branch == "trace-fix/price"
    assert sh(root, "rev-parse", "trace-fix/price") == second
    assert sh(root, "rev-parse", f"{second}~1") == first
    assert sh(root, "rev-parse", f"{first}~1") == head
    assert sh(root, "show", "trace-fix/price:shop.py") == SHOP.replace(ORIGINAL, FIX).rstrip("\n")
    assert sh(root, "log", "-1", "--format=%s", second) == "fix(price): double"
    assert (sh(root, "rev-parse", "HEAD"), sh(root, "symbolic-ref", "HEAD")) == (
        head,
        "refs/heads/main",
    )
    assert sh(root, "status", "--porcelain") == ""


def test_constants_that_cannot_be_edited_are_set_aside_with_their_reason(repo, root):
    (root / "shop.py").write_text(SHOP + "\n\nTAX_RATE = 1 / 5\nLIMIT = 10\n")

    def constant(name: str, file: str, inside: bool = True) -> ParameterLocation:
        module, qualname = name.rsplit(".", 1)
        return ParameterLocation(name, module, qualname, file, inside, constant=True)

    shop = str(root / "shop.py")
    space = workspace(
        repo,
        root,
        FakeRunner(candidate_passes),
        FakeRunner(candidate_passes),
        {
            "shop.LIMIT": constant("shop.LIMIT", shop),
            "shop.TAX_RATE": constant("shop.TAX_RATE", shop),
            "shop.TAX": constant("shop.TAX", shop),
            "nowhere.TAX_RATE": constant("nowhere.TAX_RATE", "", inside=False),
            "site.RATE": constant("site.RATE", "/usr/lib/site.py", inside=False),
        },
    )

    assert sorted(space.parameters) == ["shop.LIMIT", NAME]
    assert space.parameters["shop.LIMIT"].source == "10"
    assert space.parameters["shop.LIMIT"].kind == "constant"
    reasons = space.unusable
    assert sorted(reasons) == ["nowhere.TAX_RATE", "shop.TAX", "shop.TAX_RATE", "site.RATE"]
    assert "its value `1 / 5` is not a literal" in reasons["shop.TAX_RATE"]
    assert "cannot find an assignment `TAX = ...`" in reasons["shop.TAX"]
    assert reasons["nowhere.TAX_RATE"] == "there is no such module"
    assert reasons["site.RATE"] == "it is defined in /usr/lib/site.py, outside the checkout"
