"""The fork server on its own: jobs in forked children, limits, and clean endings."""

from __future__ import annotations

import contextlib
import json
import os
import select
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")

SERVER = textwrap.dedent(
    """
    import json, os, signal, subprocess, sys, time
    from pytest_trace.runner.forkserver import serve

    def run_job(payload):
        action, arg = payload["action"], payload.get("arg")
        if action == "ok":
            return 0
        if action == "record":  # note when it ran, for the overlap check
            with open(arg, "w") as f:
                f.write(f"{time.monotonic()} ")
                time.sleep(0.3)
                f.write(f"{time.monotonic()}")
            return 0
        if action == "spawn-and-hang":  # a grandchild, then hang
            child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
            with open(arg, "w") as f:
                f.write(f"{os.getpid()} {child.pid}")
            time.sleep(60)
        if action in ("daemon", "daemon-and-check"):  # a setsid'd grandchild, orphaned
            read, write = os.pipe()
            if os.fork() == 0:
                os.setsid()
                grandchild = os.fork()
                if grandchild == 0:
                    time.sleep(300)
                    os._exit(0)
                os.write(write, str(grandchild).encode())
                os._exit(0)
            daemon = int(os.read(read, 32))
            with open(arg, "w") as f:
                f.write(str(daemon))
            if action == "daemon":
                return 0
            time.sleep(1.0)  # meanwhile another job ends, and the server sweeps
            os.kill(daemon, 0)  # the daemon is still there: its job runs
            return 0
        if action == "segv":
            os.kill(os.getpid(), signal.SIGSEGV)
        if action == "raise":
            raise ValueError("boom")
        if action == "alloc":
            try:
                hog = bytearray(2 * 1024**3)
            except MemoryError:
                return 5
            return 0
        return 99

    jobs, answers, workers = (int(x) for x in sys.argv[1:4])
    serve(jobs, answers, run_job, workers=workers, memory_mb=200, ready={"hello": 1})
    """
)


class Server:
    def __init__(self, tmp_path: Path, workers: int = 1) -> None:
        script = tmp_path / "server.py"
        script.write_text(SERVER)
        jobs_read, self.jobs = os.pipe()
        self.answers, answers_write = os.pipe()
        self.process = subprocess.Popen(
            [sys.executable, str(script), str(jobs_read), str(answers_write), str(workers)],
            pass_fds=(jobs_read, answers_write),
        )
        os.close(jobs_read)
        os.close(answers_write)
        self.buffer = b""
        self.next_id = 0

    def send(self, action: str, arg: str = "", timeout: float = 30.0) -> int:
        self.next_id += 1
        job = {"id": self.next_id, "timeout": timeout, "payload": {"action": action, "arg": arg}}
        os.write(self.jobs, (json.dumps(job) + "\n").encode())
        return self.next_id

    def answer(self, wait: float = 30.0) -> dict[str, Any]:
        deadline = time.monotonic() + wait
        while b"\n" not in self.buffer:
            ready, _, _ = select.select([self.answers], [], [], deadline - time.monotonic())
            assert ready, "no answer from the server"
            chunk = os.read(self.answers, 65536)
            assert chunk, "the server closed its answers"
            self.buffer += chunk
        line, self.buffer = self.buffer.split(b"\n", 1)
        return dict(json.loads(line))

    def close(self) -> None:
        for fd in (self.jobs, self.answers):
            with contextlib.suppress(OSError):
                os.close(fd)
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    server = Server(tmp_path)
    ready = server.answer()
    assert isinstance(ready.pop("address_space"), int)  # the size the memory limit adds to
    assert ready == {"kind": "ready", "hello": 1}
    yield server
    server.close()


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def ends(pid: int, within: float = 10.0) -> bool:
    """Whether ``pid`` is gone (or a zombie) within ``within`` seconds (kills take a moment)."""
    deadline = time.monotonic() + within
    while alive(pid):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True


def test_a_job_runs_and_answers(server: Server) -> None:
    job = server.send("ok")
    answer = server.answer()
    assert answer["kind"] == "done"
    assert (answer["id"], answer["returncode"], answer["killed"]) == (job, 0, False)


def test_a_crash_and_an_exception_are_exit_statuses(server: Server) -> None:
    server.send("segv")
    assert server.answer()["returncode"] == -signal.SIGSEGV
    server.send("raise")
    assert server.answer()["returncode"] == 70
    server.send("ok")  # the server goes on
    assert server.answer()["returncode"] == 0


def test_memory_is_limited(server: Server) -> None:
    server.send("alloc")
    assert server.answer()["returncode"] == 5


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="needs /proc")
def test_a_job_past_its_deadline_is_killed_with_what_it_started(
    server: Server, tmp_path: Path
) -> None:
    pids = tmp_path / "pids"
    server.send("spawn-and-hang", str(pids), timeout=1.0)
    answer = server.answer()
    assert answer["killed"] is True
    assert answer["returncode"] == -signal.SIGKILL
    child, grandchild = (int(x) for x in pids.read_text().split())
    assert ends(child)
    assert ends(grandchild)


def test_jobs_run_at_once_up_to_the_number_of_workers(tmp_path: Path) -> None:
    server = Server(tmp_path, workers=2)
    try:
        server.answer()
        first, second = tmp_path / "first", tmp_path / "second"
        server.send("record", str(first))
        server.send("record", str(second))
        assert {server.answer()["returncode"], server.answer()["returncode"]} == {0}
        a_start, a_end = (float(x) for x in first.read_text().split())
        b_start, b_end = (float(x) for x in second.read_text().split())
        assert a_start < b_end and b_start < a_end  # they overlapped
    finally:
        server.close()


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="needs /proc")
@pytest.mark.parametrize("ending", ["quit", "close", "sigterm"])
def test_the_server_ends_and_kills_its_children(
    server: Server, tmp_path: Path, ending: str
) -> None:
    pids = tmp_path / "pids"
    server.send("spawn-and-hang", str(pids))
    deadline = time.monotonic() + 30
    while not pids.exists() or not pids.read_text():
        assert time.monotonic() < deadline
        time.sleep(0.02)
    child, _ = (int(x) for x in pids.read_text().split())
    if ending == "quit":  # then the controller goes away, as ForkEngine.close() does
        os.write(server.jobs, b'{"kind": "quit"}\n')
        os.close(server.jobs)
    elif ending == "close":  # the controller died
        os.close(server.jobs)
    else:
        server.process.send_signal(signal.SIGTERM)
    server.process.wait(timeout=10)
    assert ends(child)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="needs a subreaper (Linux)")
def test_an_orphan_that_left_its_session_dies_when_its_job_ends(
    server: Server, tmp_path: Path
) -> None:
    pid = tmp_path / "pid"
    server.send("daemon", str(pid))
    assert server.answer()["returncode"] == 0
    daemon = int(pid.read_text())
    assert ends(daemon)
    server.send("ok")  # the server goes on
    assert server.answer()["returncode"] == 0


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="needs a subreaper (Linux)")
def test_an_orphan_of_a_running_job_outlives_the_end_of_another_job(tmp_path: Path) -> None:
    server = Server(tmp_path, workers=2)
    try:
        server.answer()
        pid = tmp_path / "pid"
        first = server.send("daemon-and-check", str(pid))
        server.send("ok")
        both = (server.answer(), server.answer())
        answers = {answer["id"]: answer["returncode"] for answer in both}
        assert answers[first] == 0  # its daemon was alive when it looked
        assert ends(int(pid.read_text()))  # and is gone once its job ended
    finally:
        server.close()
