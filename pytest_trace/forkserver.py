"""A fork server: every job runs in a forked child, with limits, several at once.

The worker process that serves candidates has imported the project and collected its
tests once; :func:`serve` then reads jobs (one JSON object per line) from a pipe,
forks a child per job, and answers on another pipe when the child is done. Whatever
the job does to the process (globals, monkeypatching, a crash, ``os._exit``) dies with
the child. Limits per child:

- time: the child (and everything it started: it leads its own process group) is
  killed at its deadline;
- memory: ``RLIMIT_AS`` caps the address space at what the server used plus a budget,
  so unbounded allocation ends in ``MemoryError`` in the child;
- lifetime: on Linux the child asks to be killed when the server dies
  (``PR_SET_PDEATHSIG``); the server kills its children when it is told to stop, when
  its job pipe closes (the controller went away), and on SIGTERM.

Nothing here knows about pytest: the job itself is ``run_job(payload) -> exit code``.
"""

from __future__ import annotations

import contextlib
import ctypes
import gc
import json
import os
import select
import signal
import sys
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

try:
    import resource
except ImportError:  # not on Windows, which has no fork either
    resource = None  # type: ignore[assignment]

#: Exit code of a child whose job raised (the job reports its own errors otherwise).
JOB_CRASHED = 70
_PR_SET_PDEATHSIG = 1
_MIB = 1024 * 1024


@dataclass
class _Running:
    id: int
    pid: int
    started: float
    deadline: float
    pidfd: int = -1  # readable when the child ends (Linux), so no polling is needed


def _address_space() -> int | None:
    """This process's virtual memory size in bytes (Linux), else None."""
    try:
        with open("/proc/self/status", encoding="ascii") as f:
            for line in f:
                if line.startswith("VmSize:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        return None
    return None


def _limit_memory(budget_mb: float) -> None:
    if budget_mb <= 0 or resource is None:
        return
    used = _address_space()
    if used is None:
        return
    limit = used + int(budget_mb * _MIB)
    with contextlib.suppress(ValueError, OSError):
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


def _death_signal() -> Callable[[], None]:
    """A function that makes the calling process die with its parent (Linux), looked up
    once in the server so that each child only calls it."""
    if not sys.platform.startswith("linux"):
        return lambda: None
    try:
        prctl = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return lambda: None
    return lambda: prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)


def _kill(pid: int) -> None:
    """Kill a child and everything it started (it leads its own process group)."""
    try:
        os.killpg(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(pid, signal.SIGKILL)


class _Server:
    def __init__(
        self,
        jobs_fd: int,
        answers_fd: int,
        run_job: Callable[[dict[str, Any]], int],
        workers: int,
        memory_mb: float,
    ) -> None:
        self.jobs_fd = jobs_fd
        self.answers_fd = answers_fd
        self.run_job = run_job
        self.workers = max(1, workers)
        self.memory_mb = memory_mb
        self.die_with_parent = _death_signal()
        self.queue: deque[dict[str, Any]] = deque()
        self.running: dict[int, _Running] = {}
        self.buffer = b""
        self.quitting = False  # told to quit: finish the jobs under way, then end
        self.abandoned = False  # the job pipe closed: the controller went away

    def answer(self, message: dict[str, Any]) -> None:
        data = (json.dumps(message) + "\n").encode()
        while data:
            data = data[os.write(self.answers_fd, data) :]

    def wait(self, timeout: float | None) -> None:
        """Wait for a job, a child's end or ``timeout``; take the jobs that came."""
        watched = [self.jobs_fd, *(job.pidfd for job in self.running.values() if job.pidfd >= 0)]
        ready, _, _ = select.select(watched, [], [], timeout)
        if self.jobs_fd in ready:
            self.read_jobs()

    def read_jobs(self) -> None:
        chunk = os.read(self.jobs_fd, 1 << 16)
        if not chunk:  # the controller went away: nobody wants the answers
            self.abandoned = True
            return
        self.buffer += chunk
        *lines, self.buffer = self.buffer.split(b"\n")
        for line in lines:
            job = json.loads(line)
            if job.get("kind") == "quit":
                self.quitting = True
            elif not self.quitting:
                self.queue.append(job)

    def start(self, job: dict[str, Any]) -> None:
        sys.stdout.flush()
        sys.stderr.flush()
        pid = os.fork()
        if pid == 0:  # the child
            code = JOB_CRASHED
            try:
                os.setpgid(0, 0)
                self.die_with_parent()
                signal.signal(signal.SIGTERM, signal.SIG_DFL)
                signal.signal(signal.SIGINT, signal.SIG_DFL)
                os.close(self.jobs_fd)
                os.close(self.answers_fd)
                _limit_memory(float(job.get("memory_mb", self.memory_mb)))
                code = self.run_job(job["payload"])
            except BaseException:  # the child must end here, whatever happened
                with contextlib.suppress(BaseException):
                    import traceback

                    traceback.print_exc()
            finally:
                os._exit(code)
        with contextlib.suppress(OSError):
            os.setpgid(pid, pid)  # also from here, so that killpg works from the start
        pidfd = -1
        if hasattr(os, "pidfd_open"):
            with contextlib.suppress(OSError):
                pidfd = os.pidfd_open(pid)
        now = time.monotonic()
        timeout = float(job.get("timeout", 0)) or float("inf")
        self.running[pid] = _Running(int(job["id"]), pid, now, now + timeout, pidfd)

    def reap(self) -> None:
        now = time.monotonic()
        for pid, job in list(self.running.items()):
            done, status = os.waitpid(pid, os.WNOHANG)
            killed = False
            if not done:
                if now < job.deadline:
                    continue
                _kill(pid)
                _, status = os.waitpid(pid, 0)
                killed = True
            del self.running[pid]
            if job.pidfd >= 0:
                os.close(job.pidfd)
            code = -os.WTERMSIG(status) if os.WIFSIGNALED(status) else os.WEXITSTATUS(status)
            self.answer(
                {
                    "kind": "done",
                    "id": job.id,
                    "returncode": code,
                    "killed": killed,
                    "seconds": time.monotonic() - job.started,
                }
            )

    def timeout(self) -> float | None:
        """How long to wait: until the next deadline, or a short poll without pidfds."""
        if not self.running:
            return 0 if self.queue else None
        if any(job.pidfd < 0 for job in self.running.values()):
            return 0.0005
        soonest = min(job.deadline for job in self.running.values())
        return None if soonest == float("inf") else max(0.0, soonest - time.monotonic())

    def loop(self) -> None:
        while not self.abandoned and not (self.quitting and not self.queue and not self.running):
            self.wait(self.timeout())
            while self.queue and len(self.running) < self.workers:
                self.start(self.queue.popleft())
            if self.running:
                self.reap()

    def kill_all(self) -> None:
        for pid, job in list(self.running.items()):
            _kill(pid)
            with contextlib.suppress(ChildProcessError):
                os.waitpid(pid, 0)
            if job.pidfd >= 0:
                os.close(job.pidfd)
        self.running.clear()


def serve(
    jobs_fd: int,
    answers_fd: int,
    run_job: Callable[[dict[str, Any]], int],
    *,
    workers: int,
    memory_mb: float,
    ready: dict[str, Any],
) -> None:
    """Answer ``ready``, then run jobs until told to quit or the job pipe closes.

    A job is ``{"id": n, "timeout": seconds, "payload": {...}}``; its answer is
    ``{"kind": "done", "id": n, "returncode": code or -signal, "killed": bool,
    "seconds": float}``.
    """
    server = _Server(jobs_fd, answers_fd, run_job, workers, memory_mb)

    def stop(signum: int, frame: object) -> None:
        raise SystemExit(128 + signum)

    previous = signal.signal(signal.SIGTERM, stop)
    gc.collect()
    gc.freeze()  # what the server built stays shared with the children, not copied
    try:
        server.answer({"kind": "ready", **ready})
        server.loop()
    finally:
        server.kill_all()
        signal.signal(signal.SIGTERM, previous)
