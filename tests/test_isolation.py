"""Untrusted candidates: whatever a candidate does, the run goes on, the feedback says
what happened, and nothing outside the candidate's own process changes."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import answer, git

NAME = "pricing.cart.apply_discount"
SIGNATURE = "def apply_discount(price: float, percent: float) -> float:\n"
FIX = SIGNATURE + "    return price * (100 - percent) / 100\n"


def body(*lines: str) -> str:
    return SIGNATURE + "".join(f"    {line}\n" for line in lines)


#: Candidates that misbehave, each with what the prompt after it must say.
BAD = {
    # cart_total rounds; a candidate that breaks round() for everyone is tampering: it is
    # refused before it runs (docs/security.md), and the next candidate is tested.
    "rewrites builtins": (
        body("import builtins", "builtins.round = lambda *args: -1", "return price - percent"),
        "the module `builtins`",
    ),
    "loops forever": (body("while True:", "    pass"), "timed out after 0.5 s"),
    "exits the process": (
        body("import os", "os._exit(3)"),
        "the test process exited with status 3",
    ),
    # (not through ctypes: a candidate that introduces ctypes is refused before it runs)
    "segfaults": (
        body("import os, signal", "os.kill(os.getpid(), signal.SIGSEGV)", "return 0.0"),
        "died with signal 11 (SIGSEGV)",
    ),
    "allocates without bound": (
        body("hog = []", "while True:", "    hog.append(bytearray(50_000_000))"),
        "MemoryError",
    ),
    "writes files": (
        body(
            "from pathlib import Path",
            "Path('written-by-candidate.txt').write_text('x')",
            "Path(__file__).with_name('also-written.txt').write_text('x')",
            "return 0.0",
        ),
        "",
    ),
}


def test_whatever_a_candidate_does_the_run_goes_on_and_the_next_prompt_says_what(project, llm):
    # One run, the bad candidates one after the other (each in its own forked child), then
    # the fix: the run goes on after each, and the prompt after each says what it did.
    # A passing test that reaches the function minds the files a candidate writes: those
    # of one candidate are gone before the next one runs, or the fix would fail it.
    (project.path / "tests" / "test_litter.py").write_text(
        "from pathlib import Path\n\nfrom pricing.cart import apply_discount\n\n\n"
        "def test_no_litter():\n"
        "    apply_discount(1, 0)\n"
        "    assert not Path('written-by-candidate.txt').exists()\n"
    )
    git(project.path, "add", "tests/test_litter.py")
    git(project.path, "commit", "-qm", "a test that minds litter")
    server = llm([*(answer({NAME: bad}) for bad, _ in BAD.values()), answer({NAME: FIX})])
    before = project.state()

    result = project.run("--trace-candidate-timeout=0.5", "--trace-memory-limit=300")

    result.stdout.fnmatch_lines([f"FIXED: {NAME} (5 tests)"])
    assert project.state() == before  # nothing written into the user's repository
    assert len(server.requests) == len(BAD) + 1, "the run did not go on after a bad candidate"
    for number, (what, (_, said)) in enumerate(BAD.items(), 1):
        prompt = str(server.requests[number]["messages"][-1]["content"])
        assert said in prompt, f"the prompt after the candidate that {what} does not say {said!r}"
    [group] = project.report()["groups"]
    assert group["candidates"] == len(BAD)  # all but the one refused before it ran, and the fix
    assert not list(project.path.rglob("*written*"))
    tree = git(project.path, "ls-tree", "-r", "--name-only", "trace-fix/apply_discount").split()
    assert "written-by-candidate.txt" not in tree and "pricing/also-written.txt" not in tree


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
