"""The controller's side of the checks that run candidate code.

Candidate code is untrusted: it runs only in a forked child of the fork server
(``engine.ForkEngine.probe``, ``checks.child``). :func:`probe` sends one job for a
batch of alternatives that pass the tests and reads back, per candidate, its concerns
(``new-crash``: raises on a generated input the original handled; ``doctest``: breaks
an example of its docstring) and the inputs on which the alternatives disagree.
Without a fork server (the fresh-process path) the checks are skipped, and each
candidate gets a non-blocking concern that says so.
"""

from __future__ import annotations

from collections.abc import Sequence

from pytest_trace.checks import SEARCH_SECONDS, WALL_FACTOR, Concern
from pytest_trace.checks.ambiguity import Disagreement
from pytest_trace.runner.protocol import RunRequest

#: Passing tests that reach the changed functions whose calls are recorded too.
GUARD_TESTS = 3
#: CPU seconds all the searches of one batch may take, at most (``WALL_FACTOR`` times
#: as long on the clock).
BATCH_SECONDS = 10.0
#: Seconds a probe job may take besides its tests and its searches (imports, doctests).
JOB_ALLOWANCE = 20.0


def probe(
    engine: object,
    tests: RunRequest,
    candidates: Sequence[RunRequest],
    *,
    seconds: float = SEARCH_SECONDS,
    expecting: Sequence[str] | None = None,
    compare_only: bool = False,
) -> tuple[list[list[Concern]], list[Disagreement]]:
    """Check ``candidates`` (runs of the same tests on each alternative, in rank order).

    ``tests`` is a run of the tests on the original code (no files): their calls of the
    changed functions are the recorded inputs; ``expecting`` are the tests whose
    expected exceptions (``pytest.raises``) are no new crash (default: all of
    ``tests``). Each search takes at most ``seconds``; all of them at most
    :data:`BATCH_SECONDS`. Returns, per candidate, its concerns, and the disagreements
    between the first candidate and each other one. With ``compare_only``, only the
    disagreements are looked for (the candidates' concerns are known already).
    """
    from pytest_trace.checks.answer import from_answer
    from pytest_trace.runner.forked import CHILD_ALLOWANCE, ForkEngine

    if not candidates or (compare_only and len(candidates) < 2):
        return [[] for _ in candidates], []
    if not isinstance(engine, ForkEngine) or engine.broken or engine.process is None:
        return _skipped(len(candidates), "they run only in a forked child of the fork server")
    functions: list[str] = []
    payloads = []
    for candidate in candidates:
        changes = {m: list(q) for m, q in candidate.changes.items()}
        functions += [f"{m}.{q}" for m, qualnames in changes.items() for q in qualnames]
        files = {str((engine.runner.worktree / p).resolve()): t for p, t in candidate.files.items()}
        payloads.append({"files": files, "changes": changes})
    functions = list(dict.fromkeys(functions))
    searches = len(candidates) * len(functions) * (1 if compare_only else 2)
    budget = min(BATCH_SECONDS, seconds * searches + 1.0)
    per_test = tests.timeout or engine.runner.timeout or 0.0
    job = {
        "tests": list(tests.tests),
        "functions": functions,
        "candidates": payloads,
        "seconds": seconds,
        "budget": budget,
        "timeout": per_test,
        "cpu_timeout": tests.cpu_timeout,
        "cpu_tests": list(tests.cpu_tests),
        "expecting": list(tests.tests if expecting is None else expecting),
        "compare_only": compare_only,
    }
    limit = per_test * len(tests.tests) + budget * WALL_FACTOR + CHILD_ALLOWANCE + JOB_ALLOWANCE
    answer = engine.probe(job, limit)
    if answer is None:
        return _skipped(len(candidates), "the checking child gave no answer")
    concerns, disagreements, _notes = from_answer(answer)
    if len(concerns) != len(candidates):
        return _skipped(len(candidates), "the checking child's answer is malformed")
    return concerns, disagreements


def _skipped(count: int, why: str) -> tuple[list[list[Concern]], list[Disagreement]]:
    note = Concern("nearby", f"generated inputs and docstring examples not tried: {why}", False)
    return [[note] for _ in range(count)], []
