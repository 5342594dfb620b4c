"""Fast candidate evaluation: the controller's side of the fork server.

:class:`ForkEngine` starts one worker process in ``serve`` mode in the worktree: it
imports the project and collects the suite once. Each run is then a job for that
server, which forks a child that swaps the candidate's functions in memory and runs
the already collected tests (see ``worker`` and ``forkserver``). Several jobs run at
once, up to ``workers``. A candidate that cannot be swapped in memory (say, a method
whose closure would change), and every run after the server died, goes to the
:class:`~pytest_trace.runner.fresh.WorkerRunner`, a fresh pytest process per run.
"""

from __future__ import annotations

import contextlib
import json
import os
import select
import subprocess
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from pytest_trace.runner.fresh import WorkerRunner, explain_missing
from pytest_trace.runner.protocol import (
    RunOutcome,
    RunRequest,
    ServerReady,
    WorkerRun,
    job_line,
    read_output,
    read_probe,
)
from pytest_trace.runner.tempdirs import OwnedTempDir

#: Seconds the server may take to start and collect the suite.
STARTUP_TIMEOUT = 300.0
#: Seconds a child may take beyond its tests' time limits (fixtures, teardown).
CHILD_ALLOWANCE = 2.0


class EngineError(Exception):
    """The fork server could not start or died; the message says why."""


def fork_available() -> bool:
    return hasattr(os, "fork") and hasattr(os, "setpgid")


class ForkEngine:
    """Runs candidates as forked children of one long-lived worker process."""

    def __init__(
        self,
        runner: WorkerRunner,
        tests: Sequence[str],
        *,
        workers: int,
        memory_mb: float,
    ) -> None:
        self.runner = runner
        self.tests = list(tests)
        self.workers = max(1, workers)
        self.memory_mb = memory_mb
        self.process: subprocess.Popen[bytes] | None = None
        self.ready = ServerReady()
        self.broken = ""
        self.fallbacks = 0
        self.forked = 0
        self.jobs = 0
        # Owned: a later run removes it if this one is killed (SIGKILL) before its end.
        self._tmp = OwnedTempDir("engine")
        self._dir = self._tmp.path
        self._jobs_fd = -1
        self._answers_fd = -1
        self._buffer = b""

    # -- life cycle -------------------------------------------------------------------

    def __enter__(self) -> ForkEngine:
        try:
            self.start()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def start(self) -> None:
        jobs_read, jobs_write = os.pipe()
        answers_read, answers_write = os.pipe()
        request_path = self._dir / "serve.json"
        self.runner.worker_request(
            mode="serve",
            tests=self.tests,
            jobs_fd=jobs_read,
            answers_fd=answers_write,
            workers=self.workers,
            memory_mb=self.memory_mb,
        ).dump(request_path)
        log = (self._dir / "server.log").open("wb")
        try:
            self.process = subprocess.Popen(
                self.runner.command(request_path, self.tests),
                cwd=self.runner.root,
                env=self.runner.environ(),
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                pass_fds=(jobs_read, answers_write),
                start_new_session=True,
            )
        finally:
            log.close()
            os.close(jobs_read)
            os.close(answers_write)
        self._jobs_fd, self._answers_fd = jobs_write, answers_read
        answer = self._next_answer(time.monotonic() + STARTUP_TIMEOUT)
        if answer is None or answer.get("kind") != "ready":
            raise EngineError(
                "the worker process did not start: " + (self._log_tail() or "no output")
            )
        self.ready = ServerReady.from_json(answer)
        # The fresh processes get the same memory limit: the budget beyond this size.
        self.runner.baseline = max(self.runner.baseline, self.ready.address_space)

    def close(self) -> None:
        if self.process is not None:
            with contextlib.suppress(OSError):
                os.write(self._jobs_fd, b'{"kind": "quit"}\n')
            for fd in (self._jobs_fd, self._answers_fd):
                with contextlib.suppress(OSError):
                    os.close(fd)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.killpg(self.process.pid, 9)
                self.process.wait()
            except BaseException:
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.killpg(self.process.pid, 9)
                self.process.wait()
                raise
            self.process = None
        self._tmp.cleanup()

    # -- talking to the server --------------------------------------------------------

    def _log_tail(self, limit: int = 3000) -> str:
        try:
            return (self._dir / "server.log").read_text(errors="replace")[-limit:]
        except OSError:
            return ""

    def _next_answer(self, deadline: float) -> dict[str, Any] | None:
        """The next answer of the server, or None if it died or took past ``deadline``."""
        while b"\n" not in self._buffer:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return None
            ready, _, _ = select.select([self._answers_fd], [], [], min(remaining, 1.0))
            if not ready:
                if self.process is not None and self.process.poll() is not None:
                    return None
                continue
            chunk = os.read(self._answers_fd, 1 << 16)
            if not chunk:
                return None
            self._buffer += chunk
        line, self._buffer = self._buffer.split(b"\n", 1)
        answer: dict[str, Any] = json.loads(line)
        return answer

    # -- runs -------------------------------------------------------------------------

    def run(self, request: RunRequest) -> RunOutcome:
        return self.run_many([request])[0]

    def run_many(self, requests: Sequence[RunRequest]) -> list[RunOutcome]:
        """Run several requests at once (up to ``workers`` children); results in order."""
        if self.broken or self.process is None:
            return [self._fallback(request) for request in requests]
        outcomes: dict[int, RunOutcome] = {}
        pending: dict[int, tuple[RunRequest, Path, float]] = {}
        longest = 0.0
        for request in requests:
            self.jobs += 1
            job_id = self.jobs
            output = self._dir / f"job-{job_id}.jsonl"
            spec = request.resolved(self.runner.worktree, self.runner.timeout, in_memory=True)
            limit = spec.timeout * max(1, len(request.tests)) + CHILD_ALLOWANCE
            longest = max(longest, limit)
            payload = WorkerRun(str(output), spec).to_json()
            try:
                _write_all(self._jobs_fd, job_line(job_id, limit, payload))
            except OSError as error:
                self.broken = f"the worker process stopped taking jobs ({error})"
                break
            pending[job_id] = (request, output, spec.timeout)
        deadline = time.monotonic() + longest * (len(requests) // self.workers + 1) + 60
        while pending and not self.broken:
            answer = self._next_answer(deadline)
            if answer is None:
                self.broken = "the worker process died: " + (self._log_tail() or "no output")
                break
            if answer.get("kind") != "done" or answer.get("id") not in pending:
                continue
            request, output, timeout = pending.pop(answer["id"])
            outcomes[answer["id"]] = self._outcome(request, output, timeout, answer)
        # Files the candidates' tests wrote in the worktree must not meet the next ones.
        self.runner.reset_if_dirty()
        ordered = []
        first = self.jobs - len(requests) + 1
        for job_id, request in enumerate(requests, start=first):
            outcome = outcomes.get(job_id)
            ordered.append(outcome if outcome is not None else self._fallback(request))
        return ordered

    def _outcome(
        self, request: RunRequest, output: Path, timeout: float, answer: dict[str, Any]
    ) -> RunOutcome:
        outcome = read_output(output)
        with contextlib.suppress(OSError):
            output.unlink()
        if outcome.swap_error:
            return self._fallback(request)
        self.forked += 1
        collected = set(self.ready.tests)
        if any(nodeid not in collected for nodeid in request.tests):  # "test not found"
            errors = self.ready.collection_errors
            texts = [f"{error['nodeid']}: {error['text']}" for error in errors]
            if texts and not outcome.problem:
                outcome.problem = "collection failed:\n" + "\n".join(texts)[-3000:]
        explain_missing(
            outcome,
            request.tests,
            int(answer["returncode"]),
            bool(answer["killed"]),
            timeout,
            "",
        )
        return outcome

    def probe(self, job: dict[str, Any], timeout: float) -> dict[str, Any] | None:
        """Run one job of the checks that run candidate code (``checks.child.ProbeJob``
        without its ``output``) in a forked child; the child's answer, or None when the
        server cannot take jobs or the child answered nothing (killed at ``timeout``)."""
        if self.broken or self.process is None:
            return None
        self.jobs += 1
        job_id = self.jobs
        output = self._dir / f"job-{job_id}.jsonl"
        payload = {"probe": {**job, "output": str(output)}}
        try:
            _write_all(self._jobs_fd, job_line(job_id, timeout, payload))
        except OSError as error:
            self.broken = f"the worker process stopped taking jobs ({error})"
            return None
        deadline = time.monotonic() + timeout + 60
        while True:
            answer = self._next_answer(deadline)
            if answer is None:
                self.broken = "the worker process died: " + (self._log_tail() or "no output")
                return None
            if answer.get("kind") == "done" and answer.get("id") == job_id:
                break
        self.runner.reset_if_dirty()
        found = read_probe(output)
        with contextlib.suppress(OSError):
            output.unlink()
        return found

    def _fallback(self, request: RunRequest) -> RunOutcome:
        self.fallbacks += 1
        return self.runner.run(request)


def _write_all(fd: int, data: bytes) -> None:
    while data:
        data = data[os.write(fd, data) :]
