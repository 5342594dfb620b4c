"""The controller-worker protocol: what one side writes, the other reads back the same."""

from __future__ import annotations

import json
from pathlib import Path

from pytest_trace.model import TestResult
from pytest_trace.runner.protocol import (
    ParameterLocation,
    RunRequest,
    ServerReady,
    WorkerRequest,
    WorkerRun,
    encode,
    event,
    job_line,
    read_output,
    read_probe,
    result_line,
)


def test_a_request_resolved_in_memory_carries_absolute_files_and_the_default_limit(
    tmp_path: Path,
) -> None:
    request = RunRequest(
        ("tests/test_a.py::test_a",),
        files={"pkg/mod.py": "x = 1\n"},
        changes={"pkg.mod": ("f",)},
        coverage=("pkg/mod.py",),
    )
    resolved = request.resolved(tmp_path, 7.0, in_memory=True)
    absolute = str((tmp_path / "pkg/mod.py").resolve())
    assert resolved.files == {absolute: "x = 1\n"}
    assert resolved.changes == {"pkg.mod": ("f",)}
    assert resolved.coverage == (absolute,)
    assert resolved.timeout == 7.0
    assert resolved.tests == request.tests


def test_a_request_resolved_for_a_fresh_process_leaves_the_files_on_disk(tmp_path: Path) -> None:
    request = RunRequest(("t",), files={"m.py": "x = 1\n"}, changes={"m": ("f",)}, timeout=3.0)
    resolved = request.resolved(tmp_path, 7.0, in_memory=False)
    assert resolved.files == {} and resolved.changes == {}
    assert resolved.timeout == 3.0  # its own limit wins over the default


def test_a_worker_request_reads_back_what_was_written(tmp_path: Path) -> None:
    run = WorkerRun(
        str(tmp_path / "out.jsonl"),
        RunRequest(("t1", "t2"), trace=("t1",), stop_on_failure=("t2",), feedback=False),
    )
    written = WorkerRequest(root=str(tmp_path), mode="run", run=run, patterns=["m:f"])
    written.dump(tmp_path / "request.json")
    assert WorkerRequest.load(str(tmp_path / "request.json")) == written


def test_a_serve_job_carries_a_run_that_reads_back_the_same(tmp_path: Path) -> None:
    run = WorkerRun("out", RunRequest(("t",), files={"/a.py": "y = 2\n"}, changes={"a": ("g",)}))
    job = json.loads(job_line(4, 2.5, run.to_json()))
    assert (job["id"], job["timeout"]) == (4, 2.5)
    assert WorkerRun.from_json(job["payload"]) == run


def test_the_events_of_a_run_read_back_as_its_outcome(tmp_path: Path) -> None:
    location = ParameterLocation(
        "pkg.mod.f", "pkg.mod", "f", "/src/pkg/mod.py", True, global_names=("x",), constants=("C",)
    )
    lines = [
        encode(event("parameter", location.to_json())),
        result_line(TestResult("t1", "passed", 0.5, reached=["pkg.mod.f"])),
        encode(event("collection_error", {"nodeid": "t3", "text": "boom"})),
        encode(event("coverage", {"file": "/src/pkg/mod.py", "lines": {"3": ["t1"]}})),
        '{"kind": "result", "nodeid": "t2", "outc',  # cut short by a crash
    ]
    output = tmp_path / "out.jsonl"
    output.write_text("".join(lines) + "\n", encoding="utf-8")
    outcome = read_output(output)
    assert outcome.parameters == {"pkg.mod.f": location}
    assert list(outcome.results) == ["t1"] and outcome.passed("t1")
    assert outcome.results["t1"].reached == ["pkg.mod.f"]
    assert outcome.failing(["t1", "t2"]) == ["t2"]
    assert outcome.collection_errors == ["t3: boom"]
    assert outcome.coverage == {"/src/pkg/mod.py": {3: ["t1"]}}
    assert not outcome.finished
    output.write_text(encode(event("done", {})), encoding="utf-8")
    assert read_output(output).finished


def test_a_probe_answer_is_the_last_probe_event(tmp_path: Path) -> None:
    output = tmp_path / "out.jsonl"
    output.write_text(encode(event("probe", {"n": 1})) + encode(event("probe", {"n": 2})))
    assert read_probe(output) == {"n": 2}
    assert read_probe(tmp_path / "missing.jsonl") is None


def test_the_servers_ready_answer_reads_back_with_its_address_space() -> None:
    location = ParameterLocation("m.f", "m", "f", "/src/m.py", True)
    ready = ServerReady(("t1", "t2"), (location,), ({"nodeid": "t3", "text": "boom"},))
    answer = json.loads(json.dumps({"kind": "ready", "address_space": 4096, **ready.to_json()}))
    assert ServerReady.from_json(answer) == ServerReady(
        ready.tests, ready.parameters, ready.collection_errors, 4096
    )
