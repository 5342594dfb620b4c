"""Containment of the processes a candidate starts, however they detach.

A process that forks a child and ends, or whose child calls ``setsid``, leaves an
orphan that neither a process-group kill nor a parent's exit reaches. On Linux a
*child subreaper* (``prctl(PR_SET_CHILD_SUBREAPER)``) gets every orphan of its subtree
re-parented to itself instead of to init, so it can find them among its own children
and kill them. :func:`kill_orphans` walks the tree one generation at a time: it kills
each child it may kill and waits for it, and since the kernel re-parents a process's
children at its exit, the next pass finds the generation below. No process of the
subtree survives the walk, whatever it did to its process group or session.

Run as a program (``python -m pytest_trace.runner.reaper [--memory BYTES] [--parent PID] --
COMMAND...``), this module is the wrapper of the fresh pytest processes that test
candidates: it becomes a subreaper, caps its address space (inherited by the command), runs the
command, then kills whatever the command left; on SIGTERM (sent by the controller at
a deadline, or on the controller's death through ``PR_SET_PDEATHSIG``) it kills the
command and its subtree before it ends. It exits as the command did (the same status,
or the same signal).

Elsewhere than on Linux the subreaper call is a no-op and only the process group is
killed; nothing here needs pytest.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import subprocess
import sys
from collections.abc import Callable, Sequence

try:
    import resource
except ImportError:  # Windows
    resource = None  # type: ignore[assignment]

_PR_SET_PDEATHSIG = 1
_PR_SET_CHILD_SUBREAPER = 36
#: Passes of the walk: each kills a generation; more means a fork bomb outran it.
_MAX_PASSES = 10_000


def _prctl(option: int, value: int) -> bool:
    if not sys.platform.startswith("linux"):
        return False
    try:
        prctl = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return False
    return bool(prctl(option, value, 0, 0, 0) == 0)


def become_subreaper() -> bool:
    """Make orphaned descendants of this process its children (Linux); True if so."""
    return _prctl(_PR_SET_CHILD_SUBREAPER, 1)


def die_with_parent(signum: int = signal.SIGKILL) -> bool:
    """Have the kernel send ``signum`` to this process when its parent ends (Linux)."""
    return _prctl(_PR_SET_PDEATHSIG, int(signum))


def alive(pid: int) -> bool:
    """Whether process ``pid`` exists (it may be another user's)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def children(pid: int | None = None) -> list[int]:
    """The live (or not yet reaped) children of ``pid`` (default: this process)."""
    pid = os.getpid() if pid is None else pid
    found: list[int] = []
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
        for task in tasks:
            with open(f"/proc/{pid}/task/{task}/children", encoding="ascii") as f:
                found += [int(word) for word in f.read().split()]
    except (OSError, ValueError):
        return _children_by_scan(pid)
    return found


def _children_by_scan(pid: int) -> list[int]:
    """The children of ``pid`` found by reading every process's ``stat`` (slower)."""
    try:
        entries = [int(name) for name in os.listdir("/proc") if name.isdigit()]
    except OSError:
        return []
    return [entry for entry in entries if (info := _stat(entry)) is not None and info[0] == pid]


def _stat(pid: int) -> tuple[int, int, int] | None:
    """The parent, process group and session of ``pid``, from ``/proc`` (Linux)."""
    try:
        with open(f"/proc/{pid}/stat", encoding="utf-8", errors="replace") as f:
            text = f.read()
    except OSError:
        return None
    fields = text[text.rfind(")") + 2 :].split()  # after "pid (comm) "
    try:
        return int(fields[1]), int(fields[2]), int(fields[3])
    except (IndexError, ValueError):
        return None


def group_and_session(pid: int) -> tuple[int, int] | None:
    """The process group and session of ``pid``, or None when it is gone."""
    info = _stat(pid)
    return None if info is None else (info[1], info[2])


def kill_orphans(keep: Callable[[int], bool] = lambda pid: False) -> list[int]:
    """Kill and reap every child of this process that ``keep`` does not keep, then the
    children those leave behind, until none is left; returns the pids killed.

    Meant for a subreaper, whose children include every orphan of its subtree."""
    killed: list[int] = []
    for _ in range(_MAX_PASSES):
        victims = [pid for pid in children() if not keep(pid)]
        if not victims:
            break
        for pid in victims:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(pid, signal.SIGKILL)
        for pid in victims:
            with contextlib.suppress(ChildProcessError):
                os.waitpid(pid, 0)  # once reaped, its own children are ours
        killed += victims
    return killed


def address_space() -> int | None:
    """This process's virtual memory size in bytes (Linux), else None."""
    try:
        with open("/proc/self/status", encoding="ascii") as f:
            for line in f:
                if line.startswith("VmSize:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        return None
    return None


def _limit_address_space(limit: int) -> None:
    if limit > 0 and resource is not None:
        with contextlib.suppress(ValueError, OSError):
            resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


def run(command: Sequence[str], memory: int = 0, parent: int = 0) -> int:
    """Run ``command`` as a contained child; the status to exit with (-N: signal N).

    ``parent``: the pid of the process that started this one, which it must not
    outlive."""
    become_subreaper()
    die_with_parent(signal.SIGTERM)
    stopping: list[int] = []

    def stop(signum: int, frame: object) -> None:
        stopping.append(signum)
        raise KeyboardInterrupt

    for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(signum, stop)
    if parent and os.getppid() != parent:  # it ended before the death signal was set
        return -signal.SIGTERM
    _limit_address_space(memory)
    child: subprocess.Popen[bytes] | None = None
    try:
        child = subprocess.Popen(list(command))
        status = child.wait()
    except KeyboardInterrupt:
        status = -(stopping[0] if stopping else signal.SIGTERM)
    finally:
        for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
            signal.signal(signum, signal.SIG_IGN)
        if child is not None and child.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                child.kill()
            child.wait()
        kill_orphans()
    return status


def stop(process: subprocess.Popen[bytes], grace: float) -> int:
    """End a process run under the reaper: SIGTERM (the reaper kills everything the
    command started, then itself), and after ``grace`` seconds SIGKILL to its process
    group. Returns its status."""
    try:
        process.send_signal(signal.SIGTERM if os.name == "posix" else signal.SIGINT)
        return process.wait(timeout=grace)
    except (subprocess.TimeoutExpired, OSError):
        pass
    finally:
        if process.returncode is None:
            try:
                os.killpg(process.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError, AttributeError):
                process.kill()
    return process.wait()


def main(argv: Sequence[str] | None = None) -> None:
    args = list(sys.argv[1:] if argv is None else argv)
    options = {"--memory": 0, "--parent": 0}
    while args[:1] and args[0] in options:
        options[args[0]], args = int(args[1]), args[2:]
    if args[:1] == ["--"]:
        args = args[1:]
    if not args:
        sys.exit("usage: reaper.py [--memory BYTES] [--parent PID] -- COMMAND...")
    status = run(args, options["--memory"], options["--parent"])
    sys.stdout.flush()
    if status < 0:  # end the way the command did, so the controller reads the signal
        if resource is not None:
            with contextlib.suppress(ValueError, OSError):
                resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
        with contextlib.suppress(OSError, ValueError):  # SIGKILL has no handler to reset
            signal.signal(-status, signal.SIG_DFL)
        os.kill(os.getpid(), -status)
    os._exit(status & 0xFF)


if __name__ == "__main__":
    main()
