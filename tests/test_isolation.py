"""Untrusted candidates: whatever a candidate does, the run goes on, the feedback says
what happened, and nothing outside the candidate's own process changes."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import Project, answer, git

NAME = "pricing.cart.apply_discount"
SIGNATURE = "def apply_discount(price: float, percent: float) -> float:\n"
FIX = SIGNATURE + "    return price * (100 - percent) / 100\n"


def body(*lines: str) -> str:
    return SIGNATURE + "".join(f"    {line}\n" for line in lines)


def second_prompt(server) -> str:  # type: ignore[no-untyped-def]
    assert len(server.requests) >= 2, "the run did not go on after the bad candidate"
    return str(server.requests[1]["messages"][-1]["content"])


def heal(project: Project, llm, bad: str, *args: str) -> str:  # type: ignore[no-untyped-def]
    """Run with a bad candidate first, then the fix; return the second prompt."""
    server = llm([answer({NAME: bad}), answer({NAME: FIX})])
    before = project.state()
    result = project.run(*args)
    result.stdout.fnmatch_lines([f"FIXED: {NAME} (5 tests)"])
    assert project.state() == before
    [group] = project.report()["groups"]
    assert group["candidates"] == 2
    return second_prompt(server)


def test_a_candidate_that_loops_forever_times_out(project, llm):
    prompt = heal(project, llm, body("while True:", "    pass"), "--trace-candidate-timeout=0.5")
    assert "timed out after 0.5 s" in prompt


def test_a_candidate_that_exits_the_process(project, llm):
    prompt = heal(project, llm, body("import os", "os._exit(3)"))
    assert "the test process exited with status 3" in prompt


def test_a_candidate_that_segfaults(project, llm):
    # (not through ctypes: a candidate that introduces ctypes is refused before it runs)
    bad = body("import os, signal", "os.kill(os.getpid(), signal.SIGSEGV)", "return 0.0")
    prompt = heal(project, llm, bad)
    assert "died with signal 11 (SIGSEGV)" in prompt


def test_a_candidate_that_allocates_without_bound(project, llm):
    bad = body("hog = []", "while True:", "    hog.append(bytearray(50_000_000))")
    prompt = heal(project, llm, bad, "--trace-memory-limit=300")
    assert "MemoryError" in prompt


def test_a_candidate_that_writes_files_cannot_reach_the_project(project, llm):
    bad = body(
        "from pathlib import Path",
        "Path('written-by-candidate.txt').write_text('x')",
        "Path(__file__).with_name('also-written.txt').write_text('x')",
        "return 0.0",
    )
    heal(project, llm, bad)  # the state of the user's repository is compared inside
    assert not list(project.path.rglob("*written*"))
    for name in ("written-by-candidate.txt", "pricing/also-written.txt"):
        tree = git(project.path, "ls-tree", "-r", "--name-only", "trace-fix/apply_discount")
        assert name not in tree.split()


def test_a_candidate_that_rewrites_builtins_is_refused_before_it_runs(project, llm):
    # cart_total rounds; a candidate that breaks round() for everyone is tampering: it
    # is refused before it runs (docs/security.md), and the next candidate is tested.
    bad = body("import builtins", "builtins.round = lambda *args: -1", "return price - percent")
    server = llm([answer({NAME: bad}), answer({NAME: FIX})])
    result = project.run()
    result.stdout.fnmatch_lines([f"FIXED: {NAME} (5 tests)"])
    [group] = project.report()["groups"]
    assert group["candidates"] == 1
    assert "the module `builtins`" in server.requests[1]["messages"][-1]["content"]


def worker_pids(parent: int) -> list[int]:
    """Processes started by ``parent`` (any depth) that are pytest-trace workers."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes()
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        if b"--trace-worker-request" in cmdline and ppid == parent:
            found.append(int(entry.name))
    return found


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="needs /proc to find processes")
def test_ctrl_c_during_a_hanging_candidate_leaves_no_process(project, llm):
    llm([answer({NAME: body("while True:", "    pass")}), answer({NAME: FIX})])
    before = project.state()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "pytest",
            "--trace-optimize",
            "--trace-candidate-timeout=60",
            "-p",
            "no:cacheprovider",
        ],
        cwd=project.path,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 120  # generous: a loaded machine is slow, not wrong
    servers: list[int] = []
    children: list[int] = []
    while time.monotonic() < deadline and not children and process.poll() is None:
        servers = worker_pids(process.pid)
        children = [pid for server in servers for pid in worker_pids(server)]
        time.sleep(0.05)
    if not children:
        process.kill()
    assert children, process.communicate()[0].decode()
    process.send_signal(signal.SIGINT)
    try:
        process.communicate(timeout=120)
    except subprocess.TimeoutExpired:
        process.kill()
        pytest.fail("still running after Ctrl-C:\n" + process.communicate()[0].decode())

    for pid in servers + children:
        assert _ends(pid), f"process {pid} still runs"
    assert project.state() == before


def _ends(pid: int, within: float = 10.0) -> bool:
    """Whether ``pid`` is gone (or a zombie) within ``within`` seconds."""
    deadline = time.monotonic() + within
    while Path(f"/proc/{pid}").exists() and not _zombie(pid):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True


def _zombie(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"
    except OSError:
        return True


def test_files_a_candidate_wrote_are_gone_before_the_next_one(project, llm):
    (project.path / "tests" / "test_litter.py").write_text(
        "from pathlib import Path\n\nfrom pricing.cart import apply_discount\n\n\n"
        "def test_no_litter():\n"
        "    apply_discount(1, 0)\n"
        "    assert not Path('litter.txt').exists()\n"
    )
    git(project.path, "add", "tests/test_litter.py")
    git(project.path, "commit", "-qm", "a test that minds litter")
    bad = body("from pathlib import Path", "Path('litter.txt').write_text('x')", "return 0.0")
    heal(project, llm, bad)
