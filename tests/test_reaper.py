"""The reaper on its own: a command's detached descendants die with it, its status and
signal come back, its memory is capped, and SIGTERM stops it with all it started."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="needs Linux")

#: Leaves two sleepers: a forked child, and a grandchild in its own session whose
#: parent has gone; writes their pids, then exits with the status given.
LEAVER = textwrap.dedent(
    """
    import os, sys, time
    pids = []
    child = os.fork()
    if child == 0:
        time.sleep(300)
        os._exit(0)
    read, write = os.pipe()
    if os.fork() == 0:
        os.setsid()
        grandchild = os.fork()
        if grandchild == 0:
            time.sleep(300)
            os._exit(0)
        os.write(write, str(grandchild).encode())
        os._exit(0)
    os.close(write)
    detached = int(os.read(read, 32))
    open(sys.argv[1], "w").write(f"{child} {detached}")
    if sys.argv[2] == "hang":
        print("ready", flush=True)
        time.sleep(300)
    sys.exit(int(sys.argv[2]))
    """
)


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (ProcessLookupError, FileNotFoundError):
        return False
    return state != "Z"


def reaped(*command: str, memory: int = 0) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest_trace.runner.reaper",
            "--memory",
            str(memory),
            "--",
            *command,
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_descendants_die_with_the_command_and_its_status_comes_back(tmp_path):
    pids = tmp_path / "pids"

    result = reaped(sys.executable, "-c", LEAVER, str(pids), "3")

    assert result.returncode == 3, result.stderr
    leaked = [int(pid) for pid in pids.read_text().split()]
    assert len(leaked) == 2
    assert [pid for pid in leaked if alive(pid)] == []


def test_a_command_killed_by_a_signal_is_reported_as_such():
    result = reaped(sys.executable, "-c", "import os, signal; os.kill(os.getpid(), signal.SIGSEGV)")

    assert result.returncode == -signal.SIGSEGV


def test_the_address_space_is_capped():
    hog = "bytearray(1_000_000_000)"
    result = reaped(sys.executable, "-c", hog, memory=500 * 1024 * 1024)

    assert result.returncode == 1
    assert "MemoryError" in result.stderr


def test_sigterm_stops_the_command_and_everything_it_started(tmp_path):
    pids = tmp_path / "pids"
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "pytest_trace.runner.reaper",
            "--",
            sys.executable,
            "-c",
            LEAVER,
            str(pids),
            "hang",
        ],
        stdout=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    assert process.stdout is not None
    assert process.stdout.readline() == "ready\n"
    command = [
        int(pid)
        for pid in Path(f"/proc/{process.pid}/task/{process.pid}/children").read_text().split()
    ]

    process.send_signal(signal.SIGTERM)

    process.communicate(timeout=60)
    assert process.returncode == -signal.SIGTERM
    leaked = [int(pid) for pid in pids.read_text().split()]
    assert [pid for pid in [*command, *leaked] if alive(pid)] == []
