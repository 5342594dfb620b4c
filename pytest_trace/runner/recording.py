"""The recording run: after the user's run, only what that run could not tell.

The user's run already says which tests passed, how long each took, which trainables
each reached (``reaching``) and which hit the time limit. What is left to learn in the
temporary worktree is the trace of each failing test. So the worker (the fork server,
which collects only the tests a candidate may ever run: :func:`server_tests`) re-runs
the failing tests traced; a test that hit the time limit is traced in a run of its own
under a short limit, at the same time as the others (:func:`recording_requests`); and
:func:`survey` puts those results together with what the user's run told about the
passing tests. Pure logic: no pytest, no processes.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from pytest_trace.model import TestResult
from pytest_trace.runner.protocol import RunOutcome, RunRequest

#: The limit of a test that hung in the user's run: this many times the slowest other
#: test's duration, at least MIN_SHORT_LIMIT seconds (and never above --trace-timeout).
SHORT_LIMIT_FACTOR = 10.0
MIN_SHORT_LIMIT = 2.0
#: Its CPU time is bounded the same way, at least MIN_SHORT_CPU seconds: a test that
#: loops forever is recorded for that long, however busy the machine.
MIN_SHORT_CPU = 0.2


@dataclass
class Watched:
    """What the user's run told: per test, its outcome (``passed``, ``failed``, ...),
    its duration, the trainables it reached; the tests that hit the time limit; the
    tests whose reach is not known (``blind``); the keys of the parametrized tests'
    parameters (``selection.item_key``)."""

    outcomes: Mapping[str, str]
    durations: Mapping[str, float] = field(default_factory=dict)
    reached: Mapping[str, Sequence[str]] = field(default_factory=dict)
    timed_out: set[str] = field(default_factory=set)
    blind: set[str] = field(default_factory=set)
    keys: Mapping[str, str] = field(default_factory=dict)

    @property
    def passed(self) -> list[str]:
        return [nodeid for nodeid, outcome in self.outcomes.items() if outcome == "passed"]

    def unknown_reach(self) -> list[str]:
        """The passing tests whose reach must be learned by running them again."""
        return [nodeid for nodeid in self.passed if nodeid in self.blind]


def server_tests(watched: Watched, failed: Sequence[str]) -> list[str]:
    """The tests the fork server collects: the failing ones and every passing test a
    candidate may have to run (one that reached a trainable, or whose reach is unknown)."""
    wanted = set(failed) | set(watched.unknown_reach())
    wanted |= {nodeid for nodeid in watched.passed if watched.reached.get(nodeid)}
    return [nodeid for nodeid in watched.outcomes if nodeid in wanted]


def short_limit(watched: Watched, timeout: float, *, floor: float = MIN_SHORT_LIMIT) -> float:
    """The time limit of the re-run of a test that hung in the user's run (with
    ``floor=MIN_SHORT_CPU``, the limit of its CPU time)."""
    durations = [d for n, d in watched.durations.items() if n not in watched.timed_out]
    limit = max(floor, round(SHORT_LIMIT_FACTOR * max(durations, default=0.0), 1))
    return min(limit, timeout) if timeout > 0 else limit


def recording_requests(watched: Watched, failed: Sequence[str], timeout: float) -> list[RunRequest]:
    """The runs that record the failing tests: one for those that ended (with the
    passing tests whose reach is unknown), and one per test that hit the time limit,
    under a short limit, to run at the same time."""
    hanging = [nodeid for nodeid in failed if nodeid in watched.timed_out]
    others = [nodeid for nodeid in failed if nodeid not in watched.timed_out]
    unknown = watched.unknown_reach()
    requests = []
    if others or unknown:
        requests.append(RunRequest((*others, *unknown), trace=tuple(others), reach=bool(unknown)))
    limit = short_limit(watched, timeout)
    cpu = short_limit(watched, limit, floor=MIN_SHORT_CPU)
    requests += [
        RunRequest((nodeid,), trace=(nodeid,), timeout=limit, cpu_timeout=cpu, cpu_tests=(nodeid,))
        for nodeid in hanging
    ]
    return requests


def survey(watched: Watched, outcomes: Sequence[RunOutcome]) -> RunOutcome:
    """One outcome for the whole suite: the recorded runs' results, and for the passing
    tests not re-run, what the user's run told. A test that hung has no duration that
    could calibrate a candidate's time limit: its duration is 0."""
    merged = RunOutcome(finished=all(outcome.finished for outcome in outcomes))
    for outcome in outcomes:
        for nodeid, result in outcome.results.items():
            hung = nodeid in watched.timed_out and result.outcome == "timeout"
            merged.results[nodeid] = dataclasses.replace(result, duration=0.0) if hung else result
        merged.parameters.update(outcome.parameters)
        merged.collection_errors += outcome.collection_errors
        merged.problem = merged.problem or outcome.problem
        merged.unselected += outcome.unselected
    for nodeid in watched.passed:
        if nodeid not in merged.results:
            merged.results[nodeid] = TestResult(
                nodeid,
                "passed",
                duration=watched.durations.get(nodeid, 0.0),
                reached=list(watched.reached.get(nodeid, ())),
            )
    return merged
