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
  its job pipe closes (the controller went away), and on SIGTERM;
- descendants: on Linux the server is a child subreaper (``reaper``), so whatever a
  child started and left behind (a forked child that sleeps, a daemon that called
  ``setsid``) becomes the server's child when its parent ends; when a child ends, the
  server kills its process group and every such orphan, generation by generation. An
  orphan that left its job's process group is killed as soon as no job that was
  running when it appeared still runs (with several jobs at once, the server cannot
  tell whose it is).

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

from pytest_trace.runner import reaper

try:
    import resource
except ImportError:  # not on Windows, which has no fork either
    resource = None  # type: ignore[assignment]

#: Exit code of a child whose job raised (the job reports its own errors otherwise).
JOB_CRASHED = 70
_PR_SET_PDEATHSIG = 1
_MIB = 1024 * 1024


@dataclass
class _Child:
    """A forked child: idle until it gets a job, then running it.

    The child reads its job from ``job_fd`` (the server's end) and, before it exits,
    writes its exit code to ``status_fd``, so that the server can answer without
    waiting for the exit itself. ``pidfd`` becomes readable when the child has ended.
    """

    pid: int
    job_fd: int
    status_fd: int
    pidfd: int = -1
    id: int = 0
    started: float = 0.0
    deadline: float = float("inf")
    answered: bool = False

    def fds(self) -> list[int]:
        return [fd for fd in (self.job_fd, self.status_fd, self.pidfd) if fd >= 0]

    def close(self) -> None:
        for fd in self.fds():
            with contextlib.suppress(OSError):
                os.close(fd)
        self.job_fd = self.status_fd = self.pidfd = -1


def _limit_memory(budget_mb: float) -> None:
    if budget_mb <= 0 or resource is None:
        return
    used = reaper.address_space()
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
    """The server loop. Children are forked ahead of their jobs (``workers`` of them
    idle and ready, besides the busy ones), so that a job starts without waiting for a
    fork, and a job is answered as soon as its child reports its exit code, before the
    exit itself."""

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
        self.idle: deque[_Child] = deque()
        self.running: dict[int, _Child] = {}
        self.buffer = b""
        self.quitting = False  # told to quit: finish the jobs under way, then end
        self.abandoned = False  # the job pipe closed: the controller went away
        self.subreaper = reaper.become_subreaper()
        #: Children the server had before its first job (started at collection): no
        #: job's orphans, left alone until the server ends.
        self.own = set(reaper.children()) if self.subreaper else set()
        #: Orphans that left their job's process group, with the jobs (their pids)
        #: running when they appeared: one of those, or an ended one, started them.
        self.suspects: dict[int, set[int]] = {}

    # -- the controller's pipes ----------------------------------------------------------

    def answer(self, message: dict[str, Any]) -> None:
        data = (json.dumps(message) + "\n").encode()
        while data:
            data = data[os.write(self.answers_fd, data) :]

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

    # -- children ------------------------------------------------------------------------

    def busy(self) -> list[_Child]:
        """Children running a job not answered yet: they count against ``workers``."""
        return [child for child in self.running.values() if not child.answered]

    def fork(self) -> _Child:
        """A child that waits for its job."""
        job_read, job_write = os.pipe()
        status_read, status_write = os.pipe()
        sys.stdout.flush()
        sys.stderr.flush()
        pid = os.fork()
        if pid == 0:  # the child
            self._child(job_read, status_write, [job_write, status_read])
        os.close(job_read)
        os.close(status_write)
        with contextlib.suppress(OSError):
            os.setpgid(pid, pid)  # also from here, so that killpg works from the start
        pidfd = -1
        if hasattr(os, "pidfd_open"):
            with contextlib.suppress(OSError):
                pidfd = os.pidfd_open(pid)
        return _Child(pid, job_write, status_read, pidfd)

    def _child(self, job_fd: int, status_fd: int, own: list[int]) -> None:
        code = JOB_CRASHED
        try:
            os.setpgid(0, 0)
            self.die_with_parent()
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
            signal.signal(signal.SIGINT, signal.SIG_DFL)
            others = [fd for child in (*self.idle, *self.running.values()) for fd in child.fds()]
            for fd in (self.jobs_fd, self.answers_fd, *own, *others):
                with contextlib.suppress(OSError):
                    os.close(fd)
            data = b""
            while not data.endswith(b"\n"):
                chunk = os.read(job_fd, 1 << 16)
                if not chunk:  # the server ended before giving a job
                    os._exit(0)
                data += chunk
            job = json.loads(data)
            _limit_memory(float(job.get("memory_mb", self.memory_mb)))
            code = self.run_job(job["payload"])
        except BaseException:  # the child must end here, whatever happened
            with contextlib.suppress(BaseException):
                import traceback

                traceback.print_exc()
        finally:
            with contextlib.suppress(BaseException):
                os.write(status_fd, f"{code}\n".encode())
            os._exit(code)

    def start(self, job: dict[str, Any]) -> None:
        child = self.idle.popleft() if self.idle else self.fork()
        data = (json.dumps(job) + "\n").encode()
        while data:
            data = data[os.write(child.job_fd, data) :]
        os.close(child.job_fd)
        child.job_fd = -1
        child.id = int(job["id"])
        child.started = time.monotonic()
        child.deadline = child.started + (float(job.get("timeout", 0)) or float("inf"))
        self.running[child.pid] = child

    def prepare(self) -> None:
        """Fork the children the next jobs will need, while nothing waits for them."""
        while len(self.idle) < self.workers and not self.quitting:
            self.idle.append(self.fork())

    def _answer(self, child: _Child, code: int, killed: bool) -> None:
        child.answered = True
        self.answer(
            {
                "kind": "done",
                "id": child.id,
                "returncode": code,
                "killed": killed,
                "seconds": time.monotonic() - child.started,
            }
        )

    def collect(self, ready: set[int]) -> None:
        """Answer the jobs whose child reported its exit code; reap ended children."""
        now = time.monotonic()
        for pid, child in list(self.running.items()):
            if not child.answered and child.status_fd in ready:
                report = os.read(child.status_fd, 64)
                if report.strip().lstrip(b"-").isdigit():
                    self._answer(child, int(report), killed=False)
                    os.close(child.status_fd)
                    child.status_fd = -1
            done, status = os.waitpid(pid, os.WNOHANG)
            if not done and not child.answered and now >= child.deadline:
                _kill(pid)
                _, status = os.waitpid(pid, 0)
                self._answer(child, -signal.SIGKILL, killed=True)
                done = pid
            if done:
                del self.running[pid]
                child.close()
                if not child.answered:
                    code = (
                        -os.WTERMSIG(status) if os.WIFSIGNALED(status) else os.WEXITSTATUS(status)
                    )
                    self._answer(child, code, killed=False)
                self.sweep(pid)

    def sweep(self, ended: int) -> None:
        """Kill what the child ``ended`` left: its process group, and the orphans (now
        the server's children) that no running job may own."""
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(ended, signal.SIGKILL)
        if self.subreaper:
            reaper.kill_orphans(self._keep)
            self.suspects = {pid: jobs for pid, jobs in self.suspects.items() if reaper.alive(pid)}

    def _keep(self, pid: int) -> bool:
        """Whether the server's child ``pid`` may live on: a job's child, one of the
        server's own, or an orphan that a running job may own."""
        if pid in self.own or pid in self.running or any(c.pid == pid for c in self.idle):
            return True
        ids = reaper.group_and_session(pid)
        if ids is None or ids == (0, 0):
            return False  # gone, or a zombie: reap it
        if ids[0] in self.running or ids[1] in self.running:
            return True  # still in a running job's process group or session
        jobs = self.suspects.setdefault(pid, set(self.running))
        return any(job in self.running for job in jobs)

    # -- the loop ------------------------------------------------------------------------

    def timeout(self) -> float | None:
        """How long to wait: until the next deadline, or a short poll without pidfds."""
        busy = self.busy()
        if any(child.pidfd < 0 for child in self.running.values()):
            return 0.0005
        if not busy:
            return 0 if self.queue else None
        soonest = min(child.deadline for child in busy)
        return None if soonest == float("inf") else max(0.0, soonest - time.monotonic())

    def loop(self) -> None:
        while not self.abandoned and not (self.quitting and not self.queue and not self.busy()):
            watched = [self.jobs_fd]
            for child in self.running.values():
                watched += [fd for fd in (child.status_fd, child.pidfd) if fd >= 0]
            ready, _, _ = select.select(watched, [], [], self.timeout())
            if self.jobs_fd in ready:
                self.read_jobs()
            while self.queue and len(self.busy()) < self.workers:
                self.start(self.queue.popleft())
            if self.running:
                self.collect(set(ready))
            self.prepare()

    def kill_all(self) -> None:
        for child in (*self.idle, *self.running.values()):
            _kill(child.pid)
            with contextlib.suppress(ChildProcessError):
                os.waitpid(child.pid, 0)
            child.close()
        self.idle.clear()
        self.running.clear()
        if self.subreaper:
            reaper.kill_orphans()


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
        server.prepare()
        server.answer({"kind": "ready", "address_space": reaper.address_space() or 0, **ready})
        server.loop()
    finally:
        server.kill_all()
        signal.signal(signal.SIGTERM, previous)
