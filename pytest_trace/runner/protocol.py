"""The controller-worker protocol: the typed requests and events both sides import.

The controller (``fresh``, ``forked``) asks for runs of tests; the worker (``worker``, a
pytest plugin in another process) answers with one JSON line per event. Everything that
crosses the process boundary is defined, encoded and decoded here, so that both sides
agree by construction:

- :class:`RunRequest`: one run of tests on a candidate, in the controller's terms
  (repository-relative paths). It is the only description of a run: the worker receives
  the same type in its *resolved* form (:meth:`RunRequest.resolved`: absolute paths in
  the worktree, the default time limit filled in, the candidate's text carried only when
  it is swapped in memory), wrapped in a :class:`WorkerRun` with the file it writes its
  events to. One type carried inside the other, rather than two twins of nine fields.
- :class:`WorkerRequest`: how a worker process is started (a JSON file named on its
  command line): ``run`` mode with one :class:`WorkerRun`, or ``serve`` mode (the fork
  server), which answers :class:`ServerReady` and then takes jobs from a pipe
  (:func:`job_line`).
- Events, one JSON line each, ``{"kind": ..., ...}``: ``parameter``
  (:class:`ParameterLocation`), ``result`` (:class:`~pytest_trace.model.TestResult`),
  ``collection_error``, ``swap_error``, ``coverage``, ``probe`` and ``done``;
  :func:`read_output` turns a run's lines into a :class:`RunOutcome`.

Pure data: no pytest, no processes.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from pytest_trace.model import TestResult, result_from_json


@dataclass(frozen=True)
class RunRequest:
    """One run of tests on a candidate (or on the unchanged code: no ``files``).

    ``files`` maps repository-relative paths to the candidate's text; ``changes`` maps
    module names to the qualnames of the functions changed in them. ``trace`` lists the
    tests whose full trace is recorded; with ``reach``, the others record which
    trainables they reach. The run stops after a test in ``stop_on_failure`` fails.
    ``timeout`` is the time limit per test (0: the runner's default); the tests in
    ``cpu_tests`` (those that hung in the user's run) also get ``cpu_timeout`` seconds
    of CPU time (``runner.timeout``). ``coverage``
    lists repository-relative files whose line coverage is measured per test. Without
    ``feedback`` only outcomes are reported, and pytest is spared the work of rendering
    failures (the search optimizer needs only pass or fail).

    In its resolved form (what the worker receives), paths are absolute, ``timeout`` is
    set, and ``files``/``changes`` are present only when the candidate is swapped in
    memory (in a fresh process, the files are on disk).
    """

    tests: tuple[str, ...]
    files: Mapping[str, str] = field(default_factory=dict)
    changes: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    trace: tuple[str, ...] = ()
    reach: bool = False
    stop_on_failure: tuple[str, ...] = ()
    timeout: float = 0.0
    coverage: tuple[str, ...] = ()
    feedback: bool = True
    cpu_timeout: float = 0.0
    cpu_tests: tuple[str, ...] = ()

    def resolved(self, worktree: Path, default_timeout: float, *, in_memory: bool) -> RunRequest:
        """The worker's view. ``in_memory`` (serve mode): the files travel with the request."""
        return RunRequest(
            tests=self.tests,
            files={str((worktree / p).resolve()): t for p, t in self.files.items()}
            if in_memory
            else {},
            changes=dict(self.changes) if in_memory else {},
            trace=self.trace,
            reach=self.reach,
            stop_on_failure=self.stop_on_failure,
            timeout=self.timeout or default_timeout,
            coverage=tuple(str((worktree / path).resolve()) for path in self.coverage),
            feedback=self.feedback,
            cpu_timeout=self.cpu_timeout,
            cpu_tests=self.cpu_tests,
        )

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["files"] = dict(self.files)
        data["changes"] = {module: list(names) for module, names in self.changes.items()}
        return data

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> RunRequest:
        return cls(
            tests=tuple(data.get("tests", ())),
            files=dict(data.get("files", {})),
            changes={m: tuple(q) for m, q in data.get("changes", {}).items()},
            trace=tuple(data.get("trace", ())),
            reach=bool(data.get("reach", False)),
            stop_on_failure=tuple(data.get("stop_on_failure", ())),
            timeout=float(data.get("timeout", 0.0)),
            coverage=tuple(data.get("coverage", ())),
            feedback=bool(data.get("feedback", True)),
            cpu_timeout=float(data.get("cpu_timeout", 0.0)),
            cpu_tests=tuple(data.get("cpu_tests", ())),
        )


@dataclass(frozen=True)
class WorkerRun:
    """A resolved :class:`RunRequest` and the file the worker appends its events to."""

    output: str
    request: RunRequest

    def to_json(self) -> dict[str, Any]:
        return {"output": self.output, "request": self.request.to_json()}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> WorkerRun:
        return cls(output=data["output"], request=RunRequest.from_json(data["request"]))


@dataclass
class WorkerRequest:
    """What the controller asks a worker process to do (read from a JSON file)."""

    root: str
    user_root: str = ""
    mode: str = "run"
    run: WorkerRun | None = None
    tests: list[str] | None = None
    jobs_fd: int = -1
    answers_fd: int = -1
    workers: int = 1
    memory_mb: float = 0.0
    timeout: float = 0.0
    #: ``--trace-trainable`` patterns (``module:qualname``): trainable without the decorator.
    patterns: list[str] = field(default_factory=list)
    #: The keys of the parametrized tests of the user's run (``selection.item_key``).
    keys: dict[str, str] = field(default_factory=dict)

    @classmethod
    def load(cls, path: str) -> WorkerRequest:
        with open(path, encoding="utf-8") as f:
            data = json.load(f)
        run = data.pop("run", None)
        return cls(**data, run=None if run is None else WorkerRun.from_json(run))

    def dump(self, path: Path) -> None:
        data = {**vars(self), "run": None if self.run is None else self.run.to_json()}
        path.write_text(json.dumps(data), encoding="utf-8")


@dataclass(frozen=True)
class ParameterLocation:
    """Where the worker found a trainable function (or a trainable ``constant``).

    ``constants`` names the constant parameters a function declared
    (``@trainable(constants=...)``).
    """

    name: str
    module: str
    qualname: str
    file: str
    inside: bool
    description: str = ""
    global_names: tuple[str, ...] = ()
    constant: bool = False
    constants_only: bool = False
    constants: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ParameterLocation:
        fields = dict(data)
        fields["global_names"] = tuple(fields.get("global_names", ()))
        fields["constants"] = tuple(fields.get("constants", ()))
        return cls(**fields)


@dataclass(frozen=True)
class ServerReady:
    """The fork server's first answer, once it has collected the suite: the tests it
    collected, the trainables it found, the collection errors (``{"nodeid", "text"}``),
    and its address space in bytes (which the server itself adds to the answer)."""

    tests: tuple[str, ...] = ()
    parameters: tuple[ParameterLocation, ...] = ()
    collection_errors: tuple[Mapping[str, str], ...] = ()
    address_space: int = 0

    def to_json(self) -> dict[str, Any]:
        """The answer without ``address_space``, for ``forkserver.serve``."""
        return {
            "tests": list(self.tests),
            "parameters": [parameter.to_json() for parameter in self.parameters],
            "collection_errors": [dict(error) for error in self.collection_errors],
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ServerReady:
        return cls(
            tests=tuple(data.get("tests", ())),
            parameters=tuple(ParameterLocation.from_json(p) for p in data.get("parameters", ())),
            collection_errors=tuple(data.get("collection_errors", ())),
            address_space=int(data.get("address_space") or 0),
        )


# -- events -----------------------------------------------------------------------------


def event(kind: str, data: Mapping[str, Any]) -> dict[str, Any]:
    """One event of a run, ready for :func:`encode` (after redaction, on the worker's side)."""
    return {"kind": kind, **data}


def encode(event: Mapping[str, Any]) -> str:
    """One event as one line."""
    return json.dumps(event) + "\n"


def result_line(result: TestResult) -> str:
    """``result`` as one line, its trace included: the model's dataclasses are encoded
    from their ``__dict__`` as they are, without ``asdict``'s deep copies."""
    return json.dumps({"kind": "result", **vars(result)}, default=vars) + "\n"


def job_line(job_id: int, timeout: float, payload: Mapping[str, Any]) -> bytes:
    """A job for the fork server: a :class:`WorkerRun` (``WorkerRun.to_json()``) or a
    probe of the checks (``{"probe": ...}``), killed after ``timeout`` seconds."""
    return (json.dumps({"id": job_id, "timeout": timeout, "payload": payload}) + "\n").encode()


@dataclass
class RunOutcome:
    """What one worker run found out."""

    results: dict[str, TestResult] = field(default_factory=dict)
    parameters: dict[str, ParameterLocation] = field(default_factory=dict)
    collection_errors: list[str] = field(default_factory=list)
    problem: str = ""
    swap_error: str = ""
    finished: bool = False
    #: The tests the worker could not find among those it collected (``selection``).
    unselected: list[str] = field(default_factory=list)
    #: For each measured file (absolute path): line number → tests that ran it.
    coverage: dict[str, dict[int, list[str]]] = field(default_factory=dict)

    def passed(self, nodeid: str) -> bool:
        result = self.results.get(nodeid)
        return result is not None and result.ok

    def failing(self, nodeids: Sequence[str]) -> list[str]:
        return [nodeid for nodeid in nodeids if not self.passed(nodeid)]


def read_events(output: Path) -> list[dict[str, Any]]:
    """The events of a run's output file; a line cut short by a crash is skipped."""
    try:
        lines = output.read_text(encoding="utf-8").splitlines()
    except OSError:
        return []
    events = []
    for line in lines:
        try:
            events.append(json.loads(line))
        except json.JSONDecodeError:
            continue
    return events


def read_output(output: Path) -> RunOutcome:
    """The outcome of a run from the events its worker wrote."""
    outcome = RunOutcome()
    for data in read_events(output):
        kind = data.pop("kind", "")
        if kind == "result":
            result = result_from_json(data)
            outcome.results[result.nodeid] = result
        elif kind == "parameter":
            location = ParameterLocation.from_json(data)
            outcome.parameters[location.name] = location
        elif kind == "collection_error":
            outcome.collection_errors.append(f"{data['nodeid']}: {data['text']}")
        elif kind == "swap_error":
            outcome.swap_error = data["message"]
        elif kind == "done":
            outcome.finished = True
        elif kind == "unselected":
            outcome.unselected += data["tests"]
            outcome.problem = outcome.problem or data["message"]
        elif kind == "coverage":
            outcome.coverage[data["file"]] = {int(k): v for k, v in data["lines"].items()}
    return outcome


def read_probe(output: Path) -> dict[str, Any] | None:
    """The answer of a probe job (the last ``probe`` event), if any."""
    found = None
    for data in read_events(output):
        if data.pop("kind", "") == "probe":
            found = data
    return found
