"""The checks that run candidate code, end to end: a real git repository, the real fork
server, candidates that pass the tests checked on generated inputs and docstrings."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import git

from pytest_trace.checks.probe import probe
from pytest_trace.runner.forked import ForkEngine, fork_available
from pytest_trace.runner.fresh import RunRequest, WorkerRunner

pytestmark = pytest.mark.skipif(not fork_available(), reason="the fork server needs fork")

GAPS = '''\
from pytest_trace import trainable


@trainable
def widest_gap(items):
    """The widest gap between neighbours of the sorted numbers ``items``.

    >>> widest_gap([1, 2, 5])
    3
    """
    widest = 0
    for i in range(1, len(items) - 1):
        widest = max(widest, items[i + 1] - items[i])
    return widest
'''

TESTS = """\
import pytest

from gaps import widest_gap


def test_the_first_gap_counts():
    assert widest_gap([1, 5, 6]) == 4


def test_no_gap():
    assert widest_gap([3, 3]) == 0


def test_no_numbers_are_refused():
    with pytest.raises(TypeError):
        widest_gap(None)
"""


def candidate(body: str) -> str:
    return "def widest_gap(items):\n    widest = 0\n" + body + "    return widest\n"


#: The fix.
RIGHT = candidate(
    "    for i in range(len(items) - 1):\n        widest = max(widest, items[i + 1] - items[i])\n"
)
#: Passes the tests by measuring the first gap before the loop: raises for fewer than
#: two numbers, which the original handled.
FIRST_AHEAD = candidate(
    "    widest = items[1] - items[0]\n"
    "    for i in range(1, len(items) - 1):\n"
    "        widest = max(widest, items[i + 1] - items[i])\n"
)
#: Passes the tests too, but measures gaps of unsorted numbers differently.
ABSOLUTE = candidate(
    "    for i in range(len(items) - 1):\n"
    "        widest = max(widest, abs(items[i + 1] - items[i]))\n"
)
#: Passes the tests (it measures the first gap only), breaks the docstring example.
FIRST_ONLY = candidate("    widest = items[1] - items[0] if len(items) > 1 else 0\n")


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ForkEngine]:
    root = tmp_path_factory.mktemp("gaps")
    (root / "gaps.py").write_text(GAPS)
    (root / "test_gaps.py").write_text(TESTS)
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "-c", "user.name=T", "-c", "user.email=t@example.com", "commit", "-qm", "gaps")
    runner = WorkerRunner(root=root, worktree=root, user_root=root, pythonpath=[str(root)])
    tests = [f"test_gaps.py::{name}" for name in ("test_the_first_gap_counts", "test_no_gap")]
    tests.append("test_gaps.py::test_no_numbers_are_refused")
    with ForkEngine(runner, tests, workers=1, memory_mb=0) as engine:
        yield engine


def original_run(engine: ForkEngine) -> RunRequest:
    return RunRequest(tuple(engine.tests), timeout=30.0)


def alternative(root: Path, source: str) -> RunRequest:
    text = (root / "gaps.py").read_text()
    patched = text[: text.index("def widest_gap")] + source
    return RunRequest((), files={"gaps.py": patched}, changes={"gaps": ("widest_gap",)})


def passes_the_tests(engine: ForkEngine, request: RunRequest) -> bool:
    outcome = engine.run(RunRequest(tuple(engine.tests), request.files, request.changes))
    return outcome.failing(engine.tests) == []


def test_a_candidate_that_passes_the_tests_but_raises_nearby_is_found(engine):
    right, ahead = (alternative(engine.runner.root, source) for source in (RIGHT, FIRST_AHEAD))
    assert passes_the_tests(engine, right) and passes_the_tests(engine, ahead)

    concerns, _ = probe(engine, original_run(engine), [right, ahead])

    assert concerns[0] == []
    [crash] = concerns[1]
    assert crash.check == "new-crash" and crash.blocking
    assert crash.reason == "raises IndexError on an input the original handled: widest_gap([])"


def test_alternatives_that_disagree_come_with_the_test_that_settles_it(engine):
    right, absolute = (alternative(engine.runner.root, source) for source in (RIGHT, ABSOLUTE))
    assert passes_the_tests(engine, right) and passes_the_tests(engine, absolute)

    concerns, [disagreement] = probe(engine, original_run(engine), [right, absolute])

    assert concerns == [[], []]
    assert disagreement.function == "gaps.widest_gap"
    assert disagreement.call.startswith("widest_gap([")
    first, second = disagreement.results
    assert first != second
    assert disagreement.test.startswith("from gaps import widest_gap\nassert widest_gap([")
    assert disagreement.test.endswith(f"== {first}  # the alternative ranked 2 returns {second}")
    # The settling test holds for the first alternative and not for the second.
    for source, holds in ((RIGHT, True), (ABSOLUTE, False)):
        namespace: dict[str, object] = {}
        exec(source, namespace)
        test = disagreement.test.replace("from gaps import widest_gap\n", "")
        if holds:
            exec(test, namespace)
        else:
            with pytest.raises(AssertionError):
                exec(test, namespace)


def test_comparing_only_looks_for_disagreements(engine):
    sources = (RIGHT, ABSOLUTE, FIRST_AHEAD)
    right, absolute, ahead = (alternative(engine.runner.root, s) for s in sources)

    concerns, [disagreement] = probe(
        engine, original_run(engine), [right, absolute, ahead], compare_only=True
    )

    assert concerns == [[], [], []]  # known already: not looked for again
    assert disagreement.test.startswith("from gaps import widest_gap\nassert widest_gap([")
    assert len(disagreement.results) == 3


def test_a_candidate_that_breaks_its_docstring_example_is_found(engine):
    skips = alternative(engine.runner.root, FIRST_ONLY)
    assert passes_the_tests(engine, skips)

    [concerns], _ = probe(engine, original_run(engine), [skips])

    assert concerns[0].check == "doctest" and concerns[0].blocking
    assert concerns[0].reason == "breaks its docstring example: >>> widest_gap([1, 2, 5])"


def test_without_a_fork_server_the_checks_are_skipped_and_say_so(engine):
    right = alternative(engine.runner.root, RIGHT)

    [[note]], disagreements = probe(engine.runner, original_run(engine), [right])

    assert not note.blocking and disagreements == []
    assert note.reason.startswith("generated inputs and docstring examples not tried")


SHIM = """\
from pytest_trace.model import Proposal
from pytest_trace.optimizers.base import OptimizerSpec


class Ahead:
    name = "ahead"

    def propose(self, problem):
        return [Proposal({"gaps.widest_gap": %(source)r})]


def pytest_trace_optimizers():
    return [OptimizerSpec("ahead", "one answer", lambda context: Ahead())]

"""


def test_a_fix_accepted_by_a_run_is_probed_in_the_run_s_fork_server(pytester):
    """A candidate that passes the tests but raises on a generated input near the
    recorded ones is committed, and labelled plausible with the input, never FIXED."""
    root = pytester.path
    (root / "gaps.py").write_text(GAPS)
    (root / "test_gaps.py").write_text(TESTS)
    (root / "conftest.py").write_text(SHIM % {"source": FIRST_AHEAD})
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "-c", "user.name=T", "-c", "user.email=t@example.com", "commit", "-qm", "gaps")
    report = root.parent / "report.json"

    result = pytester.runpytest_subprocess(
        "--trace-optimize", "--trace-optimizer=ahead", f"--trace-report={report}"
    )

    reason = "raises IndexError on an input the original handled: widest_gap([])"
    result.stdout.fnmatch_lines(
        ["PLAUSIBLE: gaps.widest_gap (1 test)", f"  plausible, not fixed: it {reason}"]
    )
    result.stdout.no_fnmatch_line("FIXED*")
    [group] = json.loads(report.read_text())["groups"]
    assert group["status"] == "plausible"
    assert {"check": "new-crash", "reason": reason, "blocking": True} in group["concerns"]
