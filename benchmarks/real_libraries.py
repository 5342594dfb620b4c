"""Bugs seeded into real libraries from PyPI: does the search heal code it has never seen,
and is a fix it calls ``fixed`` really one?

Run it from the repository root (it downloads source distributions from the package
index pip is configured with, so it needs that index; nothing else does; Hypothesis must
be installed)::

    python benchmarks/real_libraries.py [--only BUG ...] [--jobs N] [--keep]
    python benchmarks/real_libraries.py --check-seeds   # the bugs themselves, no search
    python benchmarks/real_libraries.py --rejudge DIR   # the fixes of a --keep run again
    python benchmarks/real_libraries.py --overhead --only BUG ...  # the cost of a heal

For each library (a pinned sdist: its own code and its own tests, unchanged) and each bug
of ``real_bugs.py``, exactly what a user would do without touching the code: the sdist is
unpacked into a fresh git repository, the bug is written in and committed, and
``python -m pytest --trace-optimize --trace-trainable '<module>:*' --trace-report R``
runs on the library's tests with no LLM. The tool's verdict is the ``status`` of the
report's groups (``fixed``, ``plausible``, ``partial``, ``unfixed``; ``error`` without a
report). Every fix branch is then judged on a copy of the original code with the branch's
files written in: the library's whole test suite and its doctests must pass, and the
original and the healed code must agree on every input Hypothesis draws for the bug's
probes (``real_diff.py``). A fix is **correct** only when all three agree with the
original.

``--check-seeds`` runs no search: it checks that the library's checks pass on the
original code, fail on each seeded bug, and that the bug's probes tell the seeded code
from the original. ``--rejudge DIR`` judges again the fix branches of a run kept with
``--keep`` in ``DIR`` (after a change of the checks or the probes), without a search.
``--overhead`` measures instead, one bug at a time, side by side on the seeded project,
the CPU time (with every process each command starts) and the wall time of the plain
run of the library's tests and of the optimize run: the cost of a heal against the cost
of the tests, on a real library's suite.

Prints one line per bug and the totals; exits 0 (it is a measurement), 1 if a library
cannot be downloaded or a bug no longer applies to it.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shlex
import shutil
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from real_bugs import LIBRARIES, Bug, Library

DIFF = Path(__file__).with_name("real_diff.py")
GIT_USER = ["-c", "user.name=bench", "-c", "user.email=bench@localhost"]


@dataclass
class Result:
    library: str
    bug: Bug
    verdict: str  # the tool's: fixed, plausible, partial, unfixed, error, timeout
    judged: str  # correct, wrong, or "-" without a fix branch
    reason: str
    seconds: float
    candidates: int
    change: str
    note: str = ""  # why the run ended without a fix, when it says


def git(cwd: Path, *args: str) -> str:
    done = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True)
    return done.stdout.strip()


def download(sdist: str, cache: Path, into: Path) -> Path:
    """The unpacked source distribution ``name==version``, downloaded once into ``cache``."""
    name, version = sdist.split("==")
    wanted = name.replace("-", "_").lower()

    def cached() -> list[Path]:
        return [
            path
            for path in cache.glob(f"*-{version}.tar.gz")
            if path.name[: -len(f"-{version}.tar.gz")].replace("-", "_").lower() == wanted
        ]

    if not cached():
        cache.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "-q", "--no-deps", "--no-binary",
             ":all:", "-d", str(cache), sdist],
            check=True,
        )  # fmt: skip
    [archive] = cached()
    into.mkdir(parents=True)
    with tarfile.open(archive) as tar:
        tar.extractall(into, filter="data")
    [root] = [path for path in into.iterdir() if path.is_dir()]
    return root


def environment(library: Library) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("OPENAI_")}
    env.pop("PYTHONPATH", None)
    if library.pythonpath:
        env["PYTHONPATH"] = library.pythonpath
    # In the environment, the options reach the runs pytest-trace starts too.
    env["PYTEST_ADDOPTS"] = shlex.join(library.pytest_args)
    return env


def pytest(
    cwd: Path, library: Library, *args: str, timeout: float | None = None
) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"]
    command += args
    return subprocess.run(
        command, cwd=cwd, capture_output=True, text=True, env=environment(library),
        timeout=timeout,
    )  # fmt: skip


def last_line(run: subprocess.CompletedProcess[str]) -> str:
    lines = [line for line in run.stdout.splitlines() if line.strip()]
    return lines[-1].strip("= ") if lines else (run.stderr.strip().splitlines() or [""])[-1]


def seed(library: Library, source: Path, bug: Bug, into: Path) -> None:
    shutil.copytree(source, into)
    text = (into / bug.file).read_text()
    if text.count(bug.correct) != 1:
        raise SystemExit(f"{bug.id}: the code to replace is not in {library.sdist} once")
    (into / bug.file).write_text(text.replace(bug.correct, bug.buggy))


def differential(library: Library, bug: Bug, original: Path, other: Path, examples: int) -> dict:
    job = {
        "original": str(original / library.pythonpath),
        "healed": str(other / library.pythonpath),
        "imports": list(library.imports),
        "probes": list(bug.probes),
        "given": bug.given,
        "examples": examples,
    }
    try:
        done = subprocess.run(
            [sys.executable, str(DIFF)], input=json.dumps(job), capture_output=True,
            text=True, timeout=600, cwd=other,
        )  # fmt: skip
    except subprocess.TimeoutExpired:
        return {"same": False, "error": "timed out"}
    try:
        return json.loads(done.stdout.strip().splitlines()[-1])
    except (IndexError, json.JSONDecodeError):
        return {"same": False, "error": (done.stderr.strip().splitlines() or ["?"])[-1]}


def describe(diff: dict) -> str:
    if "error" in diff:
        return f"differential check failed: {diff['error']}"
    return (f"{diff['probe']} with {diff['input']}: original {diff['original']}, "
            f"healed {diff['healed']}")  # fmt: skip


def judge(library: Library, bug: Bug, source: Path, healed: Path, examples: int) -> str:
    """Why the healed copy does not agree with the original, or "" when it does."""
    checks = pytest(healed, library, *library.checks)
    if checks.returncode != 0:
        return f"tests: {last_line(checks)}"
    diff = differential(library, bug, source, healed, examples)
    return "" if diff.get("same") else describe(diff)


def verdict_of(report: Path) -> tuple[str, int]:
    """The tool's verdict over the report's groups, and the candidates it tested."""
    try:
        groups = json.loads(report.read_text())["groups"]
    except (OSError, ValueError, KeyError):
        return "error", 0
    statuses = {group["status"] for group in groups}
    candidates = sum(group.get("candidates", 0) for group in groups)
    for verdict in ("error", "unfixed", "partial", "plausible", "fixed"):
        if verdict in statuses:
            return verdict, candidates
    return "unfixed", candidates


def seeded_project(library: Library, source: Path, bug: Bug, work: Path) -> tuple[Path, str]:
    """The library with ``bug`` written in, committed in a fresh git repository, and the
    module the bug is in."""
    project = work / bug.id
    seed(library, source, bug, project)
    git(project, "init", "-q")
    git(project, "add", "-A")
    git(project, *GIT_USER, "commit", "-qm", f"seed {bug.id}")
    module = bug.file.removeprefix(library.pythonpath + "/" if library.pythonpath else "")
    module = module.removesuffix(".py").removesuffix("/__init__").replace("/", ".")
    return project, module


def run_bug(library: Library, source: Path, bug: Bug, work: Path, examples: int) -> Result:
    project, module = seeded_project(library, source, bug, work)
    report = work / f"{bug.id}-report.json"
    start = time.monotonic()
    try:
        run = pytest(project, library, "--trace-optimize", f"--trace-trainable={module}:*",
                     f"--trace-report={report}", *library.tests, timeout=1800)  # fmt: skip
        verdict, candidates = verdict_of(report)
        note = run_note(run, report)
        if run.returncode == 3:  # an internal error of pytest or a plugin
            verdict = "error"
    except subprocess.TimeoutExpired:
        verdict, candidates, note = "timeout", 0, ""
    seconds = time.monotonic() - start
    judged, reason, change = judge_branches(library, source, bug, project, work, examples)
    result = Result(library.sdist, bug, verdict, judged, reason, seconds, candidates, change)
    result.note = note
    return result


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def measure(library: Library, source: Path, bug: Bug, work: Path, examples: int) -> str:
    """The plain run of the library's tests and the optimize run, side by side on the
    seeded project (one bug at a time: the CPU time is that of the waited-for children)."""
    project, module = seeded_project(library, source, bug, work)
    figures = []
    report = work / f"{bug.id}-report.json"
    for args in ([], ["--trace-optimize", f"--trace-trainable={module}:*",
                      f"--trace-report={report}"]):  # fmt: skip
        cpu, wall = _children_cpu(), time.monotonic()
        run = pytest(project, library, *args, *library.tests, timeout=1800)
        figures.append((_children_cpu() - cpu, time.monotonic() - wall))
    (plain_cpu, plain_wall), (cpu, wall) = figures
    verdict, candidates = verdict_of(report)
    tests = last_line(run)
    return (
        f"{bug.id:22} plain {plain_cpu:6.2f} s CPU {plain_wall:6.2f} s wall; optimize "
        f"{cpu:6.2f} s CPU {wall:6.2f} s wall; ratio {cpu / plain_cpu:.2f}x CPU "
        f"{wall / plain_wall:.2f}x wall; {verdict}, {candidates} cand.; {tests}"
    )


def run_note(run: subprocess.CompletedProcess[str], report: Path) -> str:
    """Why a run ended without a fix, when it says (its internal error or its message),
    or why its fix is only plausible."""
    errors = [line for line in run.stdout.splitlines() if line.startswith("INTERNALERROR> ")]
    if errors:
        return errors[-1].removeprefix("INTERNALERROR> ").strip()
    try:
        data = json.loads(report.read_text())
    except (OSError, ValueError):
        return ""
    groups = data.get("groups", ())
    reasons = [g.get("verdict_reason") for g in groups if g.get("status") == "plausible"]
    if any(reasons):
        return "why plausible: " + "; ".join(r for r in reasons if r)
    return str(data.get("message", "")).split("\n")[0]


def judge_branches(
    library: Library, source: Path, bug: Bug, project: Path, work: Path, examples: int
) -> tuple[str, str, str]:
    """Judged (correct, wrong or "-" without a fix branch), why wrong, and the change."""
    branches = sorted(git(project, "branch", "--list", "trace-fix/*").replace("*", "").split())
    if not branches:
        return "-", "", ""
    healed = work / f"{bug.id}-healed"
    shutil.rmtree(healed, ignore_errors=True)
    shutil.copytree(source, healed)
    changes = []
    for branch in branches:
        for path in git(project, "diff", "--name-only", "HEAD", branch).splitlines():
            blob = subprocess.run(["git", "show", f"{branch}:{path}"], cwd=project,
                                  capture_output=True, check=True).stdout  # fmt: skip
            (healed / path).write_bytes(blob)
        diff = git(project, "diff", "-U0", "HEAD", branch).splitlines()
        changes += [x[0] + x[1:].strip() for x in diff
                    if x[:1] in "+-" and x[:3] not in ("+++", "---")]  # fmt: skip
    reason = judge(library, bug, source, healed, examples)
    return ("wrong" if reason else "correct"), reason, " ".join(changes)


def rejudge(library: Library, source: Path, bug: Bug, work: Path, examples: int) -> str:
    """Judge again the fix branches of a run kept with ``--keep`` (in ``work``)."""
    project = work / bug.id
    if not project.is_dir():
        return f"{bug.id:22} not in {work}"
    verdict, _ = verdict_of(work / f"{bug.id}-report.json")
    judged, reason, change = judge_branches(library, source, bug, project, work, examples)
    line = f"{library.sdist.split('==')[0]:10} {bug.id:22} {verdict:9} {judged:7} {change[:80]}"
    return line + (f"\n{'':33}why wrong: {reason[:200]}" if reason else "")


def check_seed(library: Library, source: Path, bug: Bug, work: Path, examples: int) -> str:
    """What is wrong with a seeded bug as a benchmark entry, or ""."""
    seeded = work / f"{bug.id}-seeded"
    seed(library, source, bug, seeded)
    problems = []
    checks = pytest(seeded, library, *library.checks)
    if checks.returncode != 1:
        problems.append(f"checks do not fail ({last_line(checks)})")
    tests = pytest(seeded, library, *library.tests)
    if tests.returncode != 1:
        problems.append(f"the optimizer's tests do not fail ({last_line(tests)})")
    diff = differential(library, bug, source, seeded, examples)
    if diff.get("same"):
        problems.append("the probes do not tell it from the original")
    elif "error" in diff:
        problems.append(describe(diff))
    line = f"{library.sdist.split('==')[0]:10} {bug.id:22} {last_line(checks)[:40]:42}"
    return line + ("; ".join(problems) if problems else f"ok: {describe(diff)[:100]}")


def result_line(r: Result) -> str:
    line = (f"{r.library.split('==')[0]:10} {r.bug.id:22} {r.verdict:9} {r.judged:7} "
            f"{r.seconds:6.1f} s {r.candidates:5} cand.  {r.change[:80]}")  # fmt: skip
    if r.note and (r.judged == "-" or r.verdict == "plausible"):
        line += f"\n{'':33}{r.note[:200]}"
    return line + (f"\n{'':33}why wrong: {r.reason[:200]}" if r.reason else "")


def print_totals(results: list[Result]) -> None:
    fixed_ok = sum(r.verdict == "fixed" and r.judged == "correct" for r in results)
    fixed_wrong = sum(r.verdict == "fixed" and r.judged != "correct" for r in results)
    plausible = [r for r in results if r.verdict == "plausible"]
    plausible_ok = sum(r.judged == "correct" for r in plausible)
    rest = [r for r in results if r.verdict not in ("fixed", "plausible")]
    rest_branch = sum(r.judged != "-" for r in rest)
    libraries = len({r.library for r in results})
    median = statistics.median(r.seconds for r in results) if results else 0.0
    share = 100 * fixed_ok / len(results) if results else 0.0
    print(
        f"{len(results)} bugs in {libraries} libraries: fixed correctly {fixed_ok} "
        f"({share:.0f} %), wrong but labelled fixed {fixed_wrong}, labelled plausible "
        f"{len(plausible)} ({plausible_ok} of them correct), not fixed {len(rest)} "
        f"({rest_branch} with a partial branch); median {median:.1f} s per bug"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--only", nargs="+", default=[], metavar="BUG")
    parser.add_argument("--jobs", type=int, default=2, help="bugs healed at once (2)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    parser.add_argument("--examples", type=int, default=300,
                        help="inputs of the differential check per bug (300)")  # fmt: skip
    parser.add_argument("--cache", type=Path,
                        default=Path(tempfile.gettempdir()) / "pytest-trace-real-cache",
                        help="where the downloaded sdists are kept")  # fmt: skip
    parser.add_argument("--check-seeds", action="store_true",
                        help="check the bugs and their probes, run no search")  # fmt: skip
    parser.add_argument("--rejudge", type=Path, metavar="DIR",
                        help="judge the fixes of a run kept in DIR again, no search")  # fmt: skip
    parser.add_argument("--overhead", action="store_true",
                        help="the CPU and wall time of the optimize run against the plain "
                        "run, one bug at a time, no judging")  # fmt: skip
    options = parser.parse_args()
    known = {bug.id for library in LIBRARIES for bug in library.bugs}
    if unknown := set(options.only) - known:
        parser.error(f"unknown bugs: {', '.join(sorted(unknown))}")
    work = Path(tempfile.mkdtemp(prefix="pytest-trace-real-"))
    jobs = []
    started = time.monotonic()
    try:
        for library in LIBRARIES:
            bugs = [b for b in library.bugs if not options.only or b.id in options.only]
            if not bugs:
                continue
            source = download(library.sdist, options.cache, work / library.sdist)
            if options.check_seeds:
                clean = pytest(source, library, *library.checks)
                print(f"{library.sdist}: checks on the original: {last_line(clean)}", flush=True)
            jobs += [(library, source, bug) for bug in bugs]
        task = check_seed if options.check_seeds else rejudge if options.rejudge else run_bug
        task = measure if options.overhead else task
        where = options.rejudge or work
        with ThreadPoolExecutor(1 if options.overhead else max(1, options.jobs)) as pool:
            futures = [pool.submit(task, lib, src, bug, where, options.examples)
                       for lib, src, bug in jobs]  # fmt: skip
            outcomes = []
            for future in futures:
                outcomes.append(future.result())
                done = outcomes[-1]
                print(done if isinstance(done, str) else result_line(done), flush=True)
        if not (options.check_seeds or options.rejudge or options.overhead):
            print_totals(outcomes)
    finally:
        if options.keep:
            print(f"kept: {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    print(f"wall time {time.monotonic() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
