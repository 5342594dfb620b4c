"""Running tests on a candidate: a worker pytest process in the temporary worktree.

Each run writes the candidate's files into the worktree, starts
``python -m pytest --trace-worker=REQUEST`` there (in its own process group, with a
time limit), reads the JSON lines the worker wrote, and resets the worktree so that
whatever the candidate or the tests wrote is gone before the next run. Nothing here
touches the user's working tree: the worker's current directory, the files it imports
and the files it writes are in the worktree.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from pytest_trace.model import TestResult, result_from_json
from pytest_trace.worker import WorkerRequest

#: Seconds a worker may take beyond the per-test limits (start-up, collection).
STARTUP_ALLOWANCE = 60.0


@dataclass(frozen=True)
class ParameterLocation:
    """Where the worker found a trainable function."""

    name: str
    module: str
    qualname: str
    file: str
    inside: bool
    description: str = ""


@dataclass
class RunOutcome:
    """What one worker run found out."""

    results: dict[str, TestResult] = field(default_factory=dict)
    parameters: dict[str, ParameterLocation] = field(default_factory=dict)
    collection_errors: list[str] = field(default_factory=list)
    problem: str = ""

    def passed(self, nodeid: str) -> bool:
        result = self.results.get(nodeid)
        return result is not None and result.ok

    def failing(self, nodeids: Sequence[str]) -> list[str]:
        return [nodeid for nodeid in nodeids if not self.passed(nodeid)]


def _signal_name(code: int) -> str:
    try:
        return signal.Signals(code).name
    except ValueError:
        return f"signal {code}"


def test_files(nodeids: Sequence[str]) -> list[str]:
    """The files to give pytest on the command line for these test ids."""
    return list(dict.fromkeys(nodeid.split("::", 1)[0] for nodeid in nodeids))


test_files.__test__ = False  # type: ignore[attr-defined]


class WorkerRunner:
    """Runs tests on candidates in a worktree, one worker process per run."""

    def __init__(
        self,
        *,
        root: Path,
        worktree: Path,
        user_root: Path,
        pythonpath: Sequence[str] = (),
        timeout: float = 0.0,
        extra_args: Sequence[str] = (),
        python: str = sys.executable,
    ) -> None:
        self.root = root
        self.worktree = worktree
        self.user_root = user_root
        self.pythonpath = list(pythonpath)
        self.timeout = timeout
        self.extra_args = list(extra_args)
        self.python = python
        self.runs = 0

    def _environ(self) -> dict[str, str]:
        env = dict(os.environ)
        paths = [*self.pythonpath, *filter(None, env.get("PYTHONPATH", "").split(os.pathsep))]
        env["PYTHONPATH"] = os.pathsep.join(dict.fromkeys(paths))
        # Bytecode caches are keyed by mtime and size: two candidates of the same size
        # written within one second would share a stale cache.
        env["PYTHONDONTWRITEBYTECODE"] = "1"
        return env

    def _command(self, request_path: Path, nodeids: Sequence[str]) -> list[str]:
        command = [self.python, "-m", "pytest", f"--trace-worker={request_path}"]
        if os.environ.get("PYTEST_DISABLE_PLUGIN_AUTOLOAD"):
            command += ["-p", "pytest_trace.plugin"]
        command += ["--rootdir", str(self.root), "-q", "--no-header", *self.extra_args]
        return command + test_files(nodeids)

    def run(
        self,
        nodeids: Sequence[str],
        *,
        files: Mapping[str, str] | None = None,
        record: bool = False,
        stop_at_first_failure: bool = False,
    ) -> RunOutcome:
        """Run ``nodeids`` (in that order) with ``files`` (repo-relative path → text) applied."""
        self.runs += 1
        with tempfile.TemporaryDirectory(prefix="pytest-trace-run-") as tmp:
            request_path = Path(tmp) / "request.json"
            output = Path(tmp) / "results.jsonl"
            log = Path(tmp) / "output.txt"
            WorkerRequest(
                output=str(output),
                root=str(self.worktree),
                tests=list(nodeids),
                record=record,
                timeout=self.timeout,
                user_root=str(self.user_root),
                stop_at_first_failure=stop_at_first_failure,
            ).dump(request_path)
            try:
                for path, text in (files or {}).items():
                    (self.worktree / path).write_text(text, encoding="utf-8", newline="")
                returncode, killed = self._execute(request_path, nodeids, log)
            finally:
                self._reset()
            outcome = _read_output(output)
            _explain_missing(
                outcome,
                nodeids,
                returncode,
                killed,
                self.timeout,
                _tail(log),
                stop_at_first_failure,
            )
            return outcome

    def _execute(self, request_path: Path, nodeids: Sequence[str], log: Path) -> tuple[int, bool]:
        limit = None if self.timeout <= 0 else self.timeout * (len(nodeids) + 1) + STARTUP_ALLOWANCE
        with log.open("wb") as out:
            process = subprocess.Popen(
                self._command(request_path, nodeids),
                cwd=self.root,
                env=self._environ(),
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
            try:
                return process.wait(timeout=limit), False
            except subprocess.TimeoutExpired:
                _kill_group(process)
                return process.wait(), True
            except BaseException:
                _kill_group(process)
                process.wait()
                raise

    def _reset(self) -> None:
        """Put the worktree back to its commit: candidate files and test litter go."""
        for args in (["reset", "--hard", "-q"], ["clean", "-fdq"]):
            subprocess.run(
                ["git", *args],
                cwd=self.worktree,
                check=False,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )


def _kill_group(process: subprocess.Popen[bytes]) -> None:
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        process.kill()


def _tail(log: Path, limit: int = 2000) -> str:
    try:
        text = log.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""
    return text[-limit:]


def _read_output(output: Path) -> RunOutcome:
    outcome = RunOutcome()
    try:
        lines = output.read_text(encoding="utf-8").splitlines()
    except OSError:
        return outcome
    for line in lines:
        try:
            event = json.loads(line)
        except json.JSONDecodeError:
            continue  # a line cut short by a crash
        kind = event.pop("kind", "")
        if kind == "result":
            result = result_from_json(event)
            outcome.results[result.nodeid] = result
        elif kind == "parameter":
            location = ParameterLocation(**event)
            outcome.parameters[location.name] = location
        elif kind == "collection_error":
            outcome.collection_errors.append(f"{event['nodeid']}: {event['text']}")
    return outcome


def _explain_missing(
    outcome: RunOutcome,
    nodeids: Sequence[str],
    returncode: int,
    killed: bool,
    timeout: float,
    log_tail: str,
    stopped_early: bool,
) -> None:
    """Turn a worker that died, hung or could not collect into feedback.

    The test that was running when the process died or was killed (the first one
    without a result, as the worker runs them in order) gets the explanation; the tests
    after it have no result, which counts as not passing.
    """
    missing = [nodeid for nodeid in nodeids if nodeid not in outcome.results]
    if not missing:
        return
    if outcome.collection_errors:
        outcome.problem = "collection failed:\n" + "\n".join(outcome.collection_errors)[-3000:]
        for nodeid in missing:
            outcome.results[nodeid] = TestResult(nodeid, "error", feedback=outcome.problem)
        return
    if killed:
        outcome.problem = (
            f"timed out after {timeout:g} s: the test process did not finish; "
            "possible infinite loop"
        )
    elif returncode < 0:
        outcome.problem = f"the test process died with {_signal_name(-returncode)}"
    elif stopped_early and returncode in (1, 2):
        return
    else:
        outcome.problem = f"the test process exited with status {returncode}"
        if log_tail.strip():
            outcome.problem += f"; its last output:\n{log_tail}"
    running = missing[0]
    outcome.results[running] = TestResult(
        running,
        "timeout" if killed else "error",
        feedback=f"{running}: {outcome.problem} while running this test",
    )
