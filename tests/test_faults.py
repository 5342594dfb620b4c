"""A fault campaign with real processes: signals at each phase of a run, and candidates
that leave processes behind, detach with ``setsid``, allocate without bound on the
fresh-process path, or litter ignored paths. After each run the user's repository is
byte-identical, no process of the run survives, no temporary directory or worktree is
left, and the summary says what happened.

Evil candidates come from a plugin optimizer (the ``pytest_trace_optimizers`` hook in
the project's ``conftest.py``); they learn the controller's pid from an environment
variable the conftest sets in the controller, which the worker processes inherit.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import Project, git

pytestmark = [
    pytest.mark.skipif(not sys.platform.startswith("linux"), reason="needs Linux (/proc)"),
]

NAME = "pricing.cart.apply_discount"
SIGNATURE = "def apply_discount(price: float, percent: float) -> float:\n"
FIX = SIGNATURE + "    return price * (100 - percent) / 100\n"
WRONG = SIGNATURE + "    return price\n"

CONFTEST = """
import json, os, signal
from pytest_trace.model import Proposal
from pytest_trace.optimizers.base import OptimizerSpec

os.environ.setdefault("FAULT_CONTROLLER", str(os.getpid()))
CANDIDATES = {candidates!r}
SIGNAL_AT = {signal_at!r}
LOG = {log!r}


CALLS = [0]  # over all groups


class Evil:
    name = "evil"

    def propose(self, problem):
        CALLS[0] += 1
        with open(LOG, "a") as f:
            f.write(json.dumps([h.feedback for h in problem.history]) + "\\n")
        if SIGNAL_AT and CALLS[0] == SIGNAL_AT[0]:
            os.kill(os.getpid(), SIGNAL_AT[1])
        source = CANDIDATES[min(CALLS[0], len(CANDIDATES)) - 1]
        return [Proposal({{{name!r}: source}})]


def pytest_trace_optimizers():
    return [OptimizerSpec("evil", "evil candidates", lambda context: Evil())]
"""


def body(*lines: str) -> str:
    return SIGNATURE + "".join(f"    {line}\n" for line in lines)


class Campaign:
    """The sample project with an evil optimizer, a private TMPDIR and a pid directory."""

    def __init__(self, project: Project) -> None:
        self.project = project
        self.outside = project.path.parent / f"{project.path.name}-outside"
        self.tmp = self.outside / "tmp"
        self.pids = self.outside / "pids"
        self.log = self.outside / "feedback.jsonl"
        self.tmp.mkdir(parents=True)
        self.pids.mkdir()

    def optimizer(self, candidates: list[str], signal_at: tuple[int, int] | None = None) -> None:
        conftest = CONFTEST.format(
            candidates=candidates, signal_at=signal_at, log=str(self.log), name=NAME
        )
        (self.project.path / "conftest.py").write_text(conftest)
        git(self.project.path, "add", "conftest.py")
        git(self.project.path, "commit", "-qm", "an optimizer")

    def pidfile(self, name: str) -> str:
        return str(self.pids / name)

    def run(self, *args: str) -> subprocess.CompletedProcess[str]:
        env = {**os.environ, "TMPDIR": str(self.tmp)}
        env.pop("FAULT_CONTROLLER", None)
        return subprocess.run(
            [
                sys.executable,
                "-m",
                "pytest",
                "--trace-optimize",
                "--trace-optimizer=evil",
                "-p",
                "no:cacheprovider",
                f"--trace-report={self.project.report_path}",
                *args,
            ],
            cwd=self.project.path,
            env=env,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )

    def feedback(self) -> list[list[str]]:
        return [json.loads(line) for line in self.log.read_text().splitlines()]

    def assert_clean(self, before: dict[str, object]) -> None:
        """The user's repository as it was, nothing of the run left, no process alive."""
        assert self.project.state() == before
        worktrees = git(self.project.path, "worktree", "list", "--porcelain")
        assert worktrees.count("worktree ") == 1, worktrees
        assert not [p.name for p in self.tmp.iterdir() if p.name.startswith("pytest-trace-")]
        pids = [int(n) for f in self.pids.iterdir() for n in f.read_text().split()]
        assert [pid for pid in pids if alive(pid)] == []


def alive(pid: int) -> bool:
    """Whether ``pid`` runs (a zombie waiting for a careless init does not)."""
    try:
        os.kill(pid, 0)
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (ProcessLookupError, FileNotFoundError):
        return False
    return state != "Z"


@pytest.fixture
def campaign(project: Project) -> Campaign:
    return Campaign(project)


def sleeper(pidfile: str, *, detach: bool) -> tuple[str, ...]:
    """Lines that leave a sleeping process behind (``detach``: in its own session, its
    parent gone, so that neither a process-group kill nor the parent's end reaches it),
    its pid written to ``pidfile``."""
    if not detach:
        return (
            "import os, time",
            "if os.fork() == 0:",
            f"    open({pidfile!r}, 'a').write(f'{{os.getpid()}} ')",
            "    time.sleep(300)",
            "    os._exit(0)",
        )
    return (
        "import os, time",
        "if os.fork() == 0:",
        "    os.setsid()",
        "    if os.fork() == 0:",
        f"        open({pidfile!r}, 'a').write(f'{{os.getpid()}} ')",
        "        time.sleep(300)",
        "    os._exit(0)",
        "time.sleep(0.05)",  # (the pid is written before the test ends, usually)
    )


# -- candidates that leave processes behind ------------------------------------------------


def test_a_candidate_leaves_no_process_behind(campaign):
    # A fix that also leaves two sleeping processes, a forked child and one in its own
    # session: it runs in forked children (the candidate runs) and in a fresh pytest
    # process (the validation of the fix).
    leaky = body(
        *sleeper(campaign.pidfile("forked-child"), detach=False),
        *sleeper(campaign.pidfile("setsid"), detach=True),
        "return price * (100 - percent) / 100",
    )
    campaign.optimizer([leaky])
    before = campaign.project.state()

    result = campaign.run()

    assert result.returncode == 1, result.stdout + result.stderr
    assert f"FIXED: {NAME} (5 tests)" in result.stdout, result.stdout
    for kind in ("forked-child", "setsid"):
        assert (campaign.pids / kind).read_text().split(), f"the candidate left no {kind}"
    campaign.assert_clean(before)


def test_a_candidate_that_allocates_on_the_fresh_process_path_gets_the_memory_limit(campaign):
    # A method that starts calling super() cannot be swapped in memory (its closure
    # changes): it runs in a fresh pytest process, which has the same memory limit.
    project = campaign.project
    (project.path / "pricing" / "shelf.py").write_text(
        "from pytest_trace import trainable\n\n\n"
        "class Base:\n"
        "    def price(self) -> int:\n"
        "        return 10\n\n\n"
        "class Shelf(Base):\n"
        "    @trainable\n"
        "    def price(self) -> int:\n"
        "        return 0\n"
    )
    (project.path / "tests" / "test_shelf.py").write_text(
        "from pricing.shelf import Shelf\n\n\ndef test_price():\n    assert Shelf().price() == 10\n"
    )
    git(project.path, "add", "-A")
    git(project.path, "commit", "-qm", "a shelf")
    hog = (
        "def price(self) -> int:\n"
        "    hog = [bytearray(50_000_000) for _ in range(40)]\n"  # 2 GB, bounded
        "    return super().price() + len(hog)\n"
    )
    fix = "def price(self) -> int:\n    return super().price()\n"
    conftest = CONFTEST.format(
        candidates=[hog, fix],
        signal_at=None,
        log=str(campaign.log),
        name="pricing.shelf.Shelf.price",
    )
    (project.path / "conftest.py").write_text(conftest)
    git(project.path, "add", "conftest.py")
    git(project.path, "commit", "-qm", "an optimizer")
    before = project.state()

    result = campaign.run("--trace-memory-limit=200", "-k", "shelf")

    assert "FIXED: pricing.shelf.Shelf.price (1 test)" in result.stdout, result.stdout
    [_, [feedback]] = campaign.feedback()
    assert "MemoryError" in feedback
    campaign.assert_clean(before)


def test_each_candidate_starts_without_the_litter_of_the_one_before(campaign):
    # The first candidate writes into an ignored directory of the worktree; the second
    # looks for that file. An ignored module the tests import stays for both.
    project = campaign.project
    (project.path / ".gitignore").write_text("build/\n_generated.py\n")
    (project.path / "pricing" / "_generated.py").write_text("HUNDRED = 100\n")
    cart = project.path / "pricing" / "cart.py"
    cart.write_text(
        cart.read_text().replace(
            "from __future__ import annotations\n",
            "from __future__ import annotations\n\nfrom pricing._generated import HUNDRED\n",
            1,
        )
    )
    git(project.path, "add", "-A")
    git(project.path, "commit", "-qm", "a generated module")
    seen = campaign.pidfile("seen")  # (not pids: what the second candidate saw)
    litter = body(
        "from pathlib import Path",
        "build = Path(__file__).resolve().parent.parent / 'build'",
        "build.mkdir(exist_ok=True)",
        "(build / 'litter.txt').write_text('x')",
        "return price",
    )
    look = body(
        "from pathlib import Path",
        "build = Path(__file__).resolve().parent.parent / 'build'",
        f"open({seen!r}, 'a').write(str((build / 'litter.txt').exists()))",
        "return price * (HUNDRED - percent) / HUNDRED",
    )
    campaign.optimizer([litter, look])
    before = project.state()

    result = campaign.run()

    assert f"FIXED: {NAME} (5 tests)" in result.stdout, result.stdout
    seen_text = Path(seen).read_text()
    Path(seen).unlink()
    assert seen_text and "True" not in seen_text
    campaign.assert_clean(before)


# -- signals at each phase -----------------------------------------------------------------


def test_sigterm_during_the_test_run(campaign):
    project = campaign.project
    (project.path / "tests" / "test_zz_last.py").write_text(
        "import os, signal\n\n\ndef test_last():\n    os.kill(os.getpid(), signal.SIGTERM)\n"
    )
    campaign.optimizer([FIX])
    git(project.path, "add", "-A")
    git(project.path, "commit", "-qm", "a test that ends the run")
    before = project.state()

    result = campaign.run()

    assert result.returncode == pytest.ExitCode.INTERRUPTED, result.stdout + result.stderr
    assert "interrupted by SIGTERM during the test run: nothing was optimized" in result.stdout
    campaign.assert_clean(before)


def test_sigterm_during_the_recording_run(campaign):
    # A failing test that, run anywhere but in the controller, signals the controller
    # and sleeps: the recording run is the first run in the worker process.
    project = campaign.project
    pidfile = campaign.pidfile("recording")
    (project.path / "tests" / "test_signal.py").write_text(
        "import os, signal, time\n\n\ndef test_signals_the_controller():\n"
        "    controller = int(os.environ['FAULT_CONTROLLER'])\n"
        "    if controller != os.getpid():\n"
        f"        open({pidfile!r}, 'w').write(f'{{os.getpid()}} {{os.getppid()}}')\n"
        "        os.kill(controller, signal.SIGTERM)\n"
        "        time.sleep(300)\n"
        "    assert False\n"
    )
    campaign.optimizer([FIX])
    before = project.state()

    result = campaign.run()

    assert result.returncode == pytest.ExitCode.INTERRUPTED, result.stdout + result.stderr
    assert "interrupted by SIGTERM during the recording run; committed: nothing." in result.stdout
    assert (campaign.pids / "recording").read_text()
    assert project.branches() == []
    campaign.assert_clean(before)


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_a_signal_during_a_candidate_run(campaign, signum):
    pidfile = campaign.pidfile("candidate")
    evil = body(
        "import os, signal, time",
        f"open({pidfile!r}, 'w').write(str(os.getpid()))",
        f"os.kill(int(os.environ['FAULT_CONTROLLER']), {int(signum)})",
        "time.sleep(300)",
    )
    campaign.optimizer([evil])
    before = campaign.project.state()

    result = campaign.run()

    assert result.returncode == pytest.ExitCode.INTERRUPTED, result.stdout + result.stderr
    name = signal.Signals(signum).name
    assert (
        f"interrupted by {name} during group 1 of 1 (apply_discount); committed: nothing."
        in result.stdout
    )
    assert campaign.project.branches() == []
    campaign.assert_clean(before)


def test_sigterm_in_a_later_group_keeps_and_names_the_fixes_committed(campaign):
    # Two groups: the first is fixed and committed, then SIGTERM arrives while the
    # optimizer works on the second.
    project = campaign.project
    (project.path / "pricing" / "tax.py").write_text(
        "from pytest_trace import trainable\n\n\n@trainable\n"
        "def with_tax(price: float) -> float:\n    return price\n"
    )
    (project.path / "tests" / "test_tax.py").write_text(
        "from pricing.tax import with_tax\n\n\ndef test_with_tax():\n"
        "    assert with_tax(100) == 120\n"
    )
    git(project.path, "add", "-A")
    git(project.path, "commit", "-qm", "a tax")
    campaign.optimizer([FIX], signal_at=(2, int(signal.SIGTERM)))
    before = project.state()

    result = campaign.run()

    assert result.returncode == pytest.ExitCode.INTERRUPTED, result.stdout + result.stderr
    assert (
        "interrupted by SIGTERM during group 2 of 2 (with_tax); "
        "committed: trace-fix/apply_discount (new)." in result.stdout
    ), result.stdout
    assert project.branches() == ["trace-fix/apply_discount"]
    campaign.assert_clean(before)


def test_after_a_sigkill_the_processes_end_and_the_next_run_removes_what_was_left(campaign):
    # (what makes a directory abandoned, its owner's pid gone, is tested in process in
    # test_vcs.py; this is the real thing)
    project = campaign.project
    pidfile = campaign.pids / "hanging"
    hang = body(  # in the first run only
        "import os, time",
        "if os.environ.get('FAULT_HANG'):",
        f"    open({str(pidfile)!r}, 'a').write(f'{{os.getpid()}} ')",
        "    time.sleep(300)",
        "return price",
    )
    campaign.optimizer([hang, FIX])
    before = project.state()
    env = {**os.environ, "TMPDIR": str(campaign.tmp), "FAULT_HANG": "1"}
    process = subprocess.Popen(
        [sys.executable, "-m", "pytest", "--trace-optimize", "--trace-optimizer=evil"],
        cwd=project.path,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 300  # generous: a loaded machine is slow, not wrong
    while not (pidfile.exists() and pidfile.read_text()) and time.monotonic() < deadline:
        time.sleep(0.05)
    process.kill()  # SIGKILL: no clean-up
    process.wait()
    assert pidfile.read_text(), "the hanging candidate never ran"
    left = sorted(p.name for p in campaign.tmp.iterdir() if p.name.startswith("pytest-trace-"))
    assert any(name.startswith("pytest-trace-engine-") for name in left)
    for pid in [int(n) for n in pidfile.read_text().split()]:
        while alive(pid) and time.monotonic() < deadline:  # the server sees the run gone
            time.sleep(0.05)
        assert not alive(pid)

    result = campaign.run()

    assert f"FIXED: {NAME} (5 tests)" in result.stdout, result.stdout
    assert "removed the worktree of a run that was killed" in result.stdout
    assert "removed the temporary directory of a killed run" in result.stdout
    campaign.assert_clean(before)


def test_sigterm_during_the_snapshot(campaign):
    # A clean filter (run by `git add` while the snapshot of uncommitted work is taken)
    # signals the controller.
    project = campaign.project
    campaign.optimizer([FIX])
    (project.path / ".gitattributes").write_text("*.dat filter=signal\n")
    git(project.path, "add", ".gitattributes")
    git(project.path, "commit", "-qm", "a filter")
    clean = 'sh -c \'test -n "$FAULT_CONTROLLER" && kill -TERM "$FAULT_CONTROLLER"; cat\''
    git(project.path, "config", "filter.signal.clean", clean)
    (project.path / "data.dat").write_text("uncommitted\n")
    before = project.state()

    result = campaign.run()

    assert result.returncode == pytest.ExitCode.INTERRUPTED, result.stdout + result.stderr
    assert (
        "interrupted by SIGTERM during the snapshot of the working tree; committed: nothing."
        in result.stdout
    ), result.stdout
    campaign.assert_clean(before)
