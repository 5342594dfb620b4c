"""Running tests on a candidate: a worker pytest process in the temporary worktree.

Each run writes the candidate's files into the worktree, starts
``python -m pytest --trace-worker-request=REQUEST`` there, reads the JSON lines the
worker wrote, and resets the worktree so that whatever the candidate or the tests
wrote, ignored files included, is gone before the next run (only the ignored files the
tests import, copied in at the start, stay). On POSIX the pytest process runs under
``python -m pytest_trace.runner.reaper``, in its own session: a subreaper (Linux) that caps
the address space at the memory limit and kills, when pytest ends or at the time
limit, everything pytest started, detached or not. Nothing here touches the user's
working tree: the worker's current directory, the files it imports and the files it
writes are in the worktree.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from pytest_trace.model import TestResult
from pytest_trace.runner import reaper
from pytest_trace.runner.protocol import RunOutcome as RunOutcome  # the runner's answer
from pytest_trace.runner.protocol import (
    RunRequest,
    WorkerRequest,
    WorkerRun,
    read_output,
)
from pytest_trace.runner.reaper import address_space
from pytest_trace.runner.selection import command_line
from pytest_trace.runner.tempdirs import OwnedTempDir
from pytest_trace.vcs import litter

#: Seconds a worker may take beyond the per-test limits (start-up, collection).
STARTUP_ALLOWANCE = 60.0
#: pytest's exit status when it refuses its command line (say, a test it cannot find).
USAGE_ERROR = 4
#: Seconds the reaper gets to kill a worker's processes before it is killed itself.
STOP_GRACE = 10.0
_MIB = 1024 * 1024


def _signal_name(code: int) -> str:
    try:
        return f"signal {code} ({signal.Signals(code).name})"
    except ValueError:
        return f"signal {code}"


class WorkerRunner:
    """Runs tests in a fresh worker pytest process in the worktree, one per run.

    Slow (a pytest start-up and a collection per run) but sees everything a user's run
    would: it is the final validation of an accepted candidate, and the fallback for
    candidates that cannot be swapped in memory.
    """

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
        patterns: Sequence[str] = (),
        memory_mb: float = 0.0,
        baseline: int | None = None,
        keep: Sequence[str] = (),
        keys: Mapping[str, str] | None = None,
    ) -> None:
        self.root = root
        self.worktree = worktree
        self.user_root = user_root
        self.pythonpath = list(pythonpath)
        self.timeout = timeout
        self.extra_args = list(extra_args)
        self.python = python
        #: ``--trace-trainable`` patterns: functions trainable without the decorator.
        self.patterns = list(patterns)
        #: The memory limit: ``memory_mb`` beyond ``baseline`` bytes of address space
        #: (this process's size by default, the fork server's once it is known).
        self.memory_mb = memory_mb
        self.baseline = (address_space() or 0) if baseline is None else baseline
        #: Ignored files copied into the worktree (relative paths): kept by resets.
        self.keep = list(keep)
        #: The keys of the user's parametrized tests (``selection.item_key``), by id.
        self.keys: dict[str, str] = dict(keys or {})
        #: Tests a worker process could not select, and why: no process is started
        #: again for them alone (the next would not find them either).
        self.unselectable: dict[str, str] = {}
        self.runs = 0

    def with_args(self, extra_args: Sequence[str]) -> WorkerRunner:
        """The same runner with other extra pytest options."""
        return WorkerRunner(
            root=self.root,
            worktree=self.worktree,
            user_root=self.user_root,
            pythonpath=self.pythonpath,
            timeout=self.timeout,
            extra_args=extra_args,
            python=self.python,
            patterns=self.patterns,
            memory_mb=self.memory_mb,
            baseline=self.baseline,
            keep=self.keep,
            keys=self.keys,
        )

    def memory_limit(self) -> int:
        """The address-space limit of a worker process in bytes (0: none)."""
        if self.memory_mb <= 0 or self.baseline <= 0:
            return 0
        return self.baseline + int(self.memory_mb * _MIB)

    def contained(self, command: list[str]) -> list[str]:
        """``command`` run under the reaper (POSIX), with the memory limit."""
        if os.name != "posix":
            return command
        # The file, without site (-S -E): it needs only the standard library, and an
        # interpreter start without site-packages costs half as much.
        script = ["-S", "-E", reaper.__file__] if reaper.__file__ else ["-m", reaper.__name__]
        return [
            self.python,
            *script,
            "--memory",
            str(self.memory_limit()),
            "--parent",
            str(os.getpid()),
            "--",
            *command,
        ]

    def environ(self) -> dict[str, str]:
        env = dict(os.environ)
        paths = [*self.pythonpath, *filter(None, env.get("PYTHONPATH", "").split(os.pathsep))]
        env["PYTHONPATH"] = os.pathsep.join(dict.fromkeys(paths))
        # Bytecode caches are keyed by mtime and size: two candidates of the same size
        # written within one second would share a stale cache.
        env["PYTHONDONTWRITEBYTECODE"] = "1"
        return env

    def command(self, request_path: Path, nodeids: Sequence[str]) -> list[str]:
        command = [self.python, "-m", "pytest", f"--trace-worker-request={request_path}"]
        if os.environ.get("PYTEST_DISABLE_PLUGIN_AUTOLOAD"):
            command += ["-p", "pytest_trace.plugin"]
        command += ["--rootdir", str(self.root), "-q", "--no-header", *self.extra_args]
        # Test functions, not ids: the worker picks the tests (``selection``).
        return command + command_line(nodeids)

    def worker_request(self, **fields: Any) -> WorkerRequest:
        run: WorkerRun | None = fields.get("run")
        tests = fields.get("tests") or (run.request.tests if run is not None else ())
        return WorkerRequest(
            root=str(self.worktree),
            user_root=str(self.user_root),
            timeout=self.timeout,
            patterns=list(self.patterns),
            keys={nodeid: self.keys[nodeid] for nodeid in tests if nodeid in self.keys},
            **fields,
        )

    def run(self, request: RunRequest) -> RunOutcome:
        """Write the candidate's files into the worktree and run a worker on them
        (none when no test of the request can be selected)."""
        wanted = list(dict.fromkeys(request.tests))
        if wanted and all(nodeid in self.unselectable for nodeid in wanted):
            return self.not_selected(wanted)
        self.runs += 1
        with OwnedTempDir("run") as tmp:
            request_path = tmp / "request.json"
            output = tmp / "results.jsonl"
            log = tmp / "output.txt"
            spec = request.resolved(self.worktree, self.timeout, in_memory=False)
            self.worker_request(mode="run", run=WorkerRun(str(output), spec)).dump(request_path)
            self.reset_if_dirty()  # whatever forked candidates left behind
            try:
                for path, text in request.files.items():
                    (self.worktree / path).write_text(text, encoding="utf-8", newline="")
                returncode, killed = self._execute(request_path, request.tests, log, spec.timeout)
            finally:
                self.reset()
            outcome = read_output(output)
            if returncode == USAGE_ERROR and not outcome.results:
                outcome.unselected = wanted
                outcome.problem = f"pytest refused the selection of the tests:\n{_tail(log)}"
            for nodeid in outcome.unselected:
                result = outcome.results.get(nodeid)
                self.unselectable[nodeid] = result.feedback if result else outcome.problem
            explain_missing(
                outcome,
                request.tests,
                returncode,
                killed,
                spec.timeout,
                _tail(log),
            )
            return outcome

    def not_selected(self, tests: Sequence[str]) -> RunOutcome:
        """The outcome of a run of ``tests`` that could not be selected before."""
        outcome = RunOutcome(finished=True, unselected=list(tests))
        for nodeid in tests:
            feedback = self.unselectable[nodeid]
            outcome.results[nodeid] = TestResult(nodeid, "error", feedback=feedback)
        outcome.problem = f"{len(tests)} of the tests could not be selected in a worker process"
        return outcome

    def run_many(self, requests: Sequence[RunRequest]) -> list[RunOutcome]:
        """One after the other: a fresh process each."""
        return [self.run(request) for request in requests]

    def _execute(
        self, request_path: Path, nodeids: Sequence[str], log: Path, timeout: float
    ) -> tuple[int, bool]:
        limit = None if timeout <= 0 else timeout * (len(nodeids) + 1) + STARTUP_ALLOWANCE
        with log.open("wb") as out:
            process = subprocess.Popen(
                self.contained(self.command(request_path, nodeids)),
                cwd=self.root,
                env=self.environ(),
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
            try:
                return process.wait(timeout=limit), False
            except subprocess.TimeoutExpired:
                return reaper.stop(process, STOP_GRACE), True
            except BaseException:
                reaper.stop(process, STOP_GRACE)
                raise

    def reset_if_dirty(self) -> None:
        """Reset the worktree if anything changed in it, ignored files included."""
        litter.reset_if_dirty(self.worktree, self.keep)

    def reset(self) -> None:
        """Put the worktree back to its commit: candidate files and test litter go,
        ignored files too, but for the ones copied in at the start (``keep``)."""
        litter.reset(self.worktree, self.keep)


def _tail(log: Path, limit: int = 2000) -> str:
    try:
        text = log.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""
    return text[-limit:]


def explain_missing(
    outcome: RunOutcome,
    nodeids: Sequence[str],
    returncode: int,
    killed: bool,
    timeout: float,
    log_tail: str,
) -> None:
    """Turn a worker that died, hung or could not collect into feedback.

    The test that was running when the process died or was killed (the first one
    without a result, as the worker runs them in order) gets the explanation; the tests
    after it have no result, which counts as not passing.
    """
    if outcome.collection_errors:
        outcome.problem = "collection failed:\n" + "\n".join(outcome.collection_errors)[-3000:]
    missing = [nodeid for nodeid in nodeids if nodeid not in outcome.results]
    if not missing:
        return
    if outcome.collection_errors:
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
    elif outcome.finished:
        return  # the worker ended normally: it stopped after a test that had to pass
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
