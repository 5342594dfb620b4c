"""The protocol between the controller and a worker process, in process: the request a run
becomes (``RunRequest.resolved`` in a ``WorkerRun``, ``WorkerRequest``), the JSON lines a
worker writes and the outcome read back from them (``read_output``), and a worker that
died, hung or could not collect turned into feedback (``explain_missing``)."""

from __future__ import annotations

import json
from pathlib import Path

from pytest_trace.model import CallNode, TestResult, TraceGraph, Value
from pytest_trace.runner.fresh import explain_missing
from pytest_trace.runner.protocol import (
    RunOutcome,
    RunRequest,
    WorkerRequest,
    WorkerRun,
    read_output,
)

TESTS = ("tests/test_a.py::test_one", "tests/test_a.py::test_two", "tests/test_a.py::test_three")


def test_a_run_request_becomes_the_workers_spec(tmp_path: Path) -> None:
    request = RunRequest(
        TESTS,
        files={"pkg/mod.py": "x = 2\n"},
        changes={"pkg.mod": ("f", "C.g")},
        trace=TESTS[:1],
        stop_on_failure=TESTS[1:],
        coverage=("pkg/mod.py",),
        feedback=False,
    )

    served = request.resolved(tmp_path, 7.0, in_memory=True)
    on_disk = request.resolved(tmp_path, 7.0, in_memory=False)

    module = str((tmp_path / "pkg" / "mod.py").resolve())
    assert served == RunRequest(
        tests=TESTS,
        trace=TESTS[:1],
        reach=False,
        stop_on_failure=TESTS[1:],
        timeout=7.0,  # the runner's default: the request gave none
        files={module: "x = 2\n"},
        changes={"pkg.mod": ("f", "C.g")},
        coverage=(module,),
        feedback=False,
    )
    # a fresh process finds the candidate's files written in the worktree
    assert (on_disk.files, on_disk.changes) == ({}, {})
    assert RunRequest(TESTS, timeout=2.5).resolved(tmp_path, 7.0, in_memory=True).timeout == 2.5


def test_a_worker_request_survives_its_json_file(tmp_path: Path) -> None:
    spec = RunRequest(TESTS, trace=TESTS).resolved(tmp_path, 3.0, in_memory=False)
    request = WorkerRequest(
        root=str(tmp_path),
        user_root="/home/user/project",
        mode="serve",
        run=WorkerRun(str(tmp_path / "o"), spec),
        tests=list(TESTS),
        jobs_fd=5,
        answers_fd=6,
        workers=2,
        memory_mb=512.0,
        timeout=3.0,
        patterns=["pkg.mod:*"],
    )
    request.dump(tmp_path / "request.json")

    loaded = WorkerRequest.load(str(tmp_path / "request.json"))

    assert loaded == request
    assert loaded.run is not None and loaded.run.request == spec


def emit(kind: str, **data: object) -> str:
    """One line as the worker writes it (``Worker._emit``, ``Worker._emit_result``)."""
    return json.dumps({"kind": kind, **data}, default=vars) + "\n"


def test_the_outcome_is_read_back_from_the_workers_lines(tmp_path: Path) -> None:
    trace = TraceGraph(
        test=TESTS[0],
        calls=[CallNode(1, "pkg.mod.f", {"x": Value("int", "1")}, result=Value("int", "2"))],
    )
    first = TestResult(TESTS[0], "failed", 0.25, "assert 2 == 3", trace, ["pkg.mod.f"])
    second = TestResult(TESTS[1], "passed", 0.5, reached=["pkg.mod.f"])
    output = tmp_path / "out.jsonl"
    output.write_text(
        emit(
            "parameter",
            name="pkg.mod.f",
            module="pkg.mod",
            qualname="f",
            file="/w/pkg/mod.py",
            inside=True,
            global_names=["math"],
            constants=["pkg.mod.RATE"],
        )
        + emit("result", **vars(first))
        + emit("result", **vars(second))
        + emit("coverage", file="/w/pkg/mod.py", lines={"3": [TESTS[0]], "4": []})
        + emit("collection_error", nodeid="tests/test_b.py", text="ImportError: no module b")
        + emit("swap_error", message="the closure of f changed")
        + emit("done")
        + '{"kind": "result", "nodeid": "cut sho'  # a crash in the middle of a line
    )

    outcome = read_output(output)

    assert outcome.results == {TESTS[0]: first, TESTS[1]: second}
    assert outcome.results[TESTS[0]].trace == trace
    location = outcome.parameters["pkg.mod.f"]
    assert (location.global_names, location.constants) == (("math",), ("pkg.mod.RATE",))
    assert outcome.coverage == {"/w/pkg/mod.py": {3: [TESTS[0]], 4: []}}
    assert outcome.collection_errors == ["tests/test_b.py: ImportError: no module b"]
    assert outcome.swap_error == "the closure of f changed"
    assert outcome.finished
    assert outcome.failing(TESTS) == [TESTS[0], TESTS[2]]  # no result: not passing


def test_no_output_file_is_an_empty_outcome(tmp_path: Path) -> None:
    outcome = read_output(tmp_path / "never-written.jsonl")
    assert (outcome.results, outcome.finished) == ({}, False)


def ran_first_only() -> RunOutcome:
    return RunOutcome(results={TESTS[0]: TestResult(TESTS[0], "passed")})


def test_a_killed_worker_times_out_the_test_it_was_running() -> None:
    outcome = ran_first_only()
    explain_missing(outcome, TESTS, -9, killed=True, timeout=2.5, log_tail="")
    running = outcome.results[TESTS[1]]
    assert running.outcome == "timeout"
    assert "timed out after 2.5 s" in running.feedback and "while running this test" in (
        running.feedback
    )
    assert TESTS[2] not in outcome.results  # after it: no result, not passing


def test_a_worker_that_died_or_exited_says_how() -> None:
    died = ran_first_only()
    explain_missing(died, TESTS, -11, killed=False, timeout=0, log_tail="")
    assert died.problem == "the test process died with signal 11 (SIGSEGV)"
    assert died.results[TESTS[1]].outcome == "error"

    exited = ran_first_only()
    explain_missing(exited, TESTS, 3, killed=False, timeout=0, log_tail="Fatal Python error\n")
    assert exited.problem == (
        "the test process exited with status 3; its last output:\nFatal Python error\n"
    )


def test_a_worker_that_stopped_after_a_failure_needs_no_explanation() -> None:
    outcome = ran_first_only()
    outcome.finished = True
    explain_missing(outcome, TESTS, 0, killed=False, timeout=0, log_tail="")
    assert (outcome.problem, list(outcome.results)) == ("", [TESTS[0]])


def test_a_collection_error_is_the_feedback_of_every_test_without_a_result() -> None:
    outcome = RunOutcome(collection_errors=["tests/test_a.py: SyntaxError: invalid syntax"])
    explain_missing(outcome, TESTS, 2, killed=False, timeout=0, log_tail="")
    assert outcome.problem == "collection failed:\ntests/test_a.py: SyntaxError: invalid syntax"
    assert {r.outcome for r in outcome.results.values()} == {"error"}
    assert all(r.feedback == outcome.problem for r in outcome.results.values())
