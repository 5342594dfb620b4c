"""What a whole ``--trace-optimize`` run costs against the plain run of the same suite.

Run it from the repository root::

    python benchmarks/optimize_overhead.py [--sizes 10 100 1000] [--large] [-n N] [--reached]
        [--repeats K] [--hang]

For each size N it writes a synthetic project in a temporary git repository: a module
with two ``@trainable`` functions, one of them with a one-token bug (``a - b`` for
``a + b``), N trivial passing tests in files of 100 (one in ten calls the buggy function
in a way the bug does not show, so that it guards the fix), and one failing test. It
then runs, side by side, ``python -m pytest -q`` and
``python -m pytest -q --trace-optimize --trace-optimizer search`` (no LLM) in that
repository, and prints the CPU time (user + system of the process and all its
descendants: ``resource.getrusage(RUSAGE_CHILDREN)``) and the wall time of each, and
their ratios; and the ratio of the CPU times of the same two commands when no test
fails (``watched``: the cost of the user's run under ``--trace-optimize`` alone).
``--large`` adds 5,000 tests; ``-n N`` runs them all under pytest-xdist. ``--reached``
adds, side by side, the optimize run with ``--trace-validate reached`` (the validation
of the fix runs only the tests that may reach it) and its CPU ratio. ``--repeats K``
measures each size K times, the commands alternating, and prints the medians and each
run's CPU ratio (a plain run's CPU varies by 20 % on a shared machine).

``--hang`` measures instead a bug whose code loops forever in three tests: the wall
time of the optimize run against the budget of three time limits (the user's run pays
them) plus 10 s (``--repeats K``: K runs and their median).

The fix must be found (the ``trace-fix/...`` branch exists), else the script exits 1.
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

MODULE = '''\
from pytest_trace import trainable


@trainable
def add(a, b):
    """Return the sum of a and b."""
    return a - b


@trainable
def double(x):
    """Return twice x."""
    return 2 * x


def label(x):
    return f"item-{x}"
'''

HANGING_MODULE = '''\
from pytest_trace import trainable


@trainable
def digit_sum(n):
    """Return the sum of the decimal digits of the non-negative integer n."""
    total = 0
    while n > 0:
        total += n % 10
        n %= 10
    return total
'''

HANGING_TESTS = """\
from calc.digits import digit_sum


def test_zero():
    assert digit_sum(0) == 0


def test_two_digits():
    assert digit_sum(42) == 6


def test_three_digits():
    assert digit_sum(123) == 6


def test_many_digits():
    assert digit_sum(9999) == 36
"""

TESTS_PER_FILE = 100


def _test_file(first: int, count: int) -> str:
    lines = ["from calc.core import add, double, label", ""]
    for number in range(first, first + count):
        lines.append(f"def test_{number}():")
        if number % 10 == 3:
            lines.append(f"    assert add({number}, 0) == {number}")
        elif number % 10 == 7:
            lines.append(f"    assert double({number}) == {2 * number}")
        else:
            lines.append(f'    assert label({number}) == "item-{number}"')
        lines += ["", ""]
    return "\n".join(lines)


def _git(repo: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True)


def _commit(repo: Path) -> None:
    _git(repo, "init", "-q", "-b", "main")
    _git(repo, "config", "user.email", "bench@example.com")
    _git(repo, "config", "user.name", "bench")
    (repo / ".gitignore").write_text("__pycache__/\n.pytest_cache/\n")
    _git(repo, "add", "-A")
    _git(repo, "commit", "-q", "-m", "project")


def make_project(repo: Path, tests: int) -> None:
    (repo / "calc").mkdir(parents=True)
    (repo / "calc" / "__init__.py").write_text("")
    (repo / "calc" / "core.py").write_text(MODULE)
    (repo / "tests").mkdir()
    for first in range(0, tests, TESTS_PER_FILE):
        count = min(TESTS_PER_FILE, tests - first)
        (repo / "tests" / f"test_many_{first // TESTS_PER_FILE:03d}.py").write_text(
            _test_file(first, count)
        )
    (repo / "tests" / "test_bug.py").write_text(
        "from calc.core import add\n\n\ndef test_add():\n    assert add(2, 3) == 5\n"
    )
    (repo / "pyproject.toml").write_text(
        textwrap.dedent(
            """\
            [tool.pytest.ini_options]
            testpaths = ["tests"]
            pythonpath = ["."]
            """
        )
    )
    _commit(repo)


def make_hanging_project(repo: Path, tests: int) -> None:
    make_project(repo, tests)
    (repo / "tests" / "test_bug.py").unlink()
    (repo / "calc" / "digits.py").write_text(HANGING_MODULE)
    (repo / "tests" / "test_digits.py").write_text(HANGING_TESTS)
    _git(repo, "add", "-A")
    _git(repo, "commit", "-q", "-m", "digits")


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run(repo: Path, args: list[str]) -> tuple[float, float, int]:
    """CPU seconds (the process and its descendants), wall seconds, exit code."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("OPENAI_")}
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    cpu, wall = _children_cpu(), time.perf_counter()
    completed = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:randomly", *args],
        cwd=repo,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        check=False,
    )
    wall = time.perf_counter() - wall
    cpu = _children_cpu() - cpu
    if os.environ.get("BENCH_VERBOSE"):
        print(completed.stdout.decode(errors="replace")[-3000:])
    return cpu, wall, completed.returncode


def _forget_fixes(repo: Path) -> None:
    refs = subprocess.run(
        ["git", "for-each-ref", "--format=%(refname)", "refs/heads/trace-fix/", "refs/trace/"],
        cwd=repo,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    for ref in refs:
        _git(repo, "update-ref", "-d", ref)


def fixed(repo: Path) -> bool:
    branches = subprocess.run(
        ["git", "branch", "--list", "trace-fix/*"],
        cwd=repo,
        capture_output=True,
        text=True,
        check=False,
    )
    return bool(branches.stdout.strip())


def measure(repo: Path, xdist: list[str], reached: bool) -> dict[str, float]:
    """One side-by-side measure in ``repo``: CPU and wall seconds of each command."""
    plain_cpu, plain_wall, _ = run(repo, xdist)
    _forget_fixes(repo)  # each optimize run from scratch
    opt_cpu, opt_wall, _ = run(repo, [*xdist, "--trace-optimize", "--trace-optimizer", "search"])
    figures = {
        "plain_cpu": plain_cpu,
        "plain_wall": plain_wall,
        "opt_cpu": opt_cpu,
        "opt_wall": opt_wall,
        "fixed": float(fixed(repo)),
    }
    if reached:
        _forget_fixes(repo)
        optimize = ["--trace-optimize", "--trace-optimizer", "search"]
        figures["reached_cpu"], _, _ = run(repo, [*xdist, *optimize, "--trace-validate", "reached"])
        figures["fixed"] = min(figures["fixed"], float(fixed(repo)))
    # The user's run alone: no test fails, so nothing happens after it.
    passing = [*xdist, "--deselect", "tests/test_bug.py::test_add"]
    figures["alone_cpu"], _, _ = run(repo, passing)
    figures["watched_cpu"], _, _ = run(repo, [*passing, "--trace-optimize"])
    return figures


def overhead(sizes: list[int], xdist: list[str], reached: bool, repeats: int) -> bool:
    print(
        f"{'tests':>6}  {'plain cpu s':>11}  {'optimize cpu s':>14}  {'cpu ratio':>9}  "
        f"{'plain wall s':>12}  {'optimize wall s':>15}  {'wall ratio':>10}  fixed  "
        f"{'watched cpu':>11}" + ("  reached cpu ratio" if reached else "")
    )
    ok = True
    ratios: dict[int, list[float]] = {}
    for size in sizes:
        with tempfile.TemporaryDirectory(prefix="pytest-trace-overhead-") as tmp:
            repo = Path(tmp) / "project"
            make_project(repo, size)
            run(repo, ["--co", *xdist])  # warm the file system caches
            runs = [measure(repo, xdist, reached) for _ in range(repeats)]
        done = all(figures["fixed"] for figures in runs)
        ok &= done
        ratios[size + 1] = [figures["opt_cpu"] / figures["plain_cpu"] for figures in runs]
        middle = {key: statistics.median(figures[key] for figures in runs) for key in runs[0]}
        extra = f"  {middle['reached_cpu'] / middle['plain_cpu']:>16.2f}x" if reached else ""
        print(
            f"{size + 1:>6}  {middle['plain_cpu']:>11.2f}  {middle['opt_cpu']:>14.2f}  "
            f"{middle['opt_cpu'] / middle['plain_cpu']:>8.2f}x  {middle['plain_wall']:>12.2f}  "
            f"{middle['opt_wall']:>15.2f}  {middle['opt_wall'] / middle['plain_wall']:>9.2f}x  "
            f"{'yes' if done else 'NO':>5}  "
            f"{middle['watched_cpu'] / middle['alone_cpu']:>10.2f}x{extra}",
            flush=True,
        )
    if repeats > 1:
        print(f"medians of {repeats} side-by-side runs; the cpu ratio of each run:")
        for tests, values in ratios.items():
            print(f"{tests:>6}  " + "  ".join(f"{value:.2f}x" for value in values))
    return ok


def hanging(limit: float, xdist: list[str], repeats: int) -> bool:
    budget = 3 * limit + 10
    walls: list[float] = []
    done = True
    for _ in range(repeats):
        with tempfile.TemporaryDirectory(prefix="pytest-trace-hang-") as tmp:
            repo = Path(tmp) / "project"
            make_hanging_project(repo, 100)
            cpu, wall, _ = run(
                repo,
                [
                    *xdist,
                    "--trace-optimize",
                    "--trace-optimizer",
                    "search",
                    f"--trace-timeout={limit:g}",
                ],
            )
            fixed_now = fixed(repo)
        done &= fixed_now
        walls.append(wall)
        print(
            f"a bug that hangs 3 tests, --trace-timeout {limit:g}: optimize run "
            f"{wall:.1f} s wall ({cpu:.1f} s CPU); budget 3 x {limit:g} + 10 = {budget:g} s: "
            f"{'met' if wall <= budget else 'not met'}; fixed: {'yes' if fixed_now else 'NO'}",
            flush=True,
        )
    if repeats > 1:
        met = sum(wall <= budget for wall in walls)
        print(
            f"median of {repeats} runs {statistics.median(walls):.1f} s wall; "
            f"the budget met in {met} of {repeats}"
        )
    return done


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10, 100, 1000])
    parser.add_argument("--large", action="store_true", help="add 5,000 tests")
    parser.add_argument("-n", dest="processes", default="", help="pytest-xdist processes")
    parser.add_argument("--hang", action="store_true", help="the hanging-bug measure only")
    parser.add_argument("--limit", type=float, default=3.0, help="--trace-timeout of --hang")
    parser.add_argument("--reached", action="store_true", help="also with --trace-validate reached")
    parser.add_argument(
        "--repeats", type=int, default=1, help="runs per size, or of --hang (medians printed)"
    )
    options = parser.parse_args()
    xdist = ["-n", options.processes] if options.processes else ["-p", "no:xdist"]
    print(
        f"Python {platform.python_version()} on {platform.machine()}, "
        f"{os.cpu_count()} CPUs, load {os.getloadavg()[0]:.1f}"
    )
    if options.hang:
        return 0 if hanging(options.limit, xdist, max(options.repeats, 1)) else 1
    sizes = [*options.sizes, *([5000] if options.large else [])]
    ok = overhead([size - 1 for size in sizes], xdist, options.reached, max(options.repeats, 1))
    print(
        "ratios: the optimize run over the plain run of the same tests, side by side; "
        "watched cpu: pytest --trace-optimize over pytest when no test fails (the cost of "
        "watching which trainables each test reaches)"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
