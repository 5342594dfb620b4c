"""The repair benchmark: does ``pytest --trace-optimize`` heal real-looking bugs?

Run it from the repository root::

    python benchmarks/repair_benchmark.py [--jobs N] [--optimizer search] [--json PATH]
                                          [--only ID ...] [--timeout SECONDS] [--keep]
    python benchmarks/repair_benchmark.py --validate    # check the corpus instead

The corpus is ``benchmarks/repair/bugs/<id>/`` (see ``benchmarks/repair/README.md``). For
each bug, in parallel across ``--jobs`` processes, exactly what a user would do:

1. ``project/`` is copied into a fresh git repository in a temporary directory and
   committed (a local identity, no hooks);
2. ``python -m pytest --trace-optimize --trace-optimizer <optimizer> --trace-report
   <tmp>/report.json -p no:cacheprovider -q`` runs there, with ``--trace-workers 1`` when
   several bugs run at once, without ``OPENAI_API_KEY`` / ``OPENAI_BASE_URL`` for the
   search optimizer, and at most ``--timeout`` seconds (then SIGINT, then SIGKILL);
3. every ``trace-fix/*`` branch is checked out in a separate worktree, where the visible
   tests run, then the held-out tests (``heldout/``, never shown to the optimizer).

Each bug is then **fixed** (a branch passes the visible and the held-out tests),
**plausible** (a branch passes the visible tests only: a wrong fix was accepted),
**unfixed** (no branch passes the visible tests) or **error** (the run crashed, timed out,
or the optimizer reported an error). The table shows per bug the candidates tested, the
seconds of the run and the changed lines; then the totals: fixed %, plausible-but-wrong %
(of all bugs), median seconds per bug. Everything goes to ``--json`` (default
``benchmarks/repair/results.json``).

Exits 0 whatever the results (it is a measurement); 1 if the harness itself failed on a
bug (git, file system), 2 on bad arguments or a corpus that cannot be loaded.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import traceback
from collections import Counter
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import asdict, dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE / "repair"))

import validate  # noqa: E402
from corpus import (  # noqa: E402
    BUGS_DIR,
    CATEGORIES,
    Bug,
    CorpusError,
    clean_env,
    copy_tree,
    load_bugs,
    run,
    run_tests,
)

DEFAULT_JSON = HERE / "repair" / "results.json"
DEFAULT_TIMEOUT = 300.0
CHECK_TIMEOUT = 120.0  # per pytest run on a fix branch
LLM_ENV = ("OPENAI_API_KEY", "OPENAI_BASE_URL")
GIT_ENV = ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_OBJECT_DIRECTORY")
IDENTITY = {
    "GIT_AUTHOR_NAME": "repair benchmark",
    "GIT_AUTHOR_EMAIL": "repair-benchmark@localhost",
    "GIT_COMMITTER_NAME": "repair benchmark",
    "GIT_COMMITTER_EMAIL": "repair-benchmark@localhost",
}
STATUSES = ("fixed", "plausible", "unfixed", "error")


class HarnessError(Exception):
    """The benchmark itself failed (not pytest-trace): git, the file system."""


@dataclass
class BranchCheck:
    branch: str
    commit: str
    visible_passed: int = 0
    visible_failed: int = 0
    heldout_passed: int = 0
    heldout_failed: int = 0
    visible_ok: bool = False
    heldout_ok: bool = False
    changed: str = ""
    diff: str = ""
    note: str = ""


@dataclass
class BugResult:
    id: str
    category: str
    domain: str
    status: str = "error"
    message: str = ""
    seconds: float = 0.0
    candidates: int | None = None
    iterations: int | None = None
    report_statuses: list[str] = field(default_factory=list)
    returncode: int | None = None
    branches: list[BranchCheck] = field(default_factory=list)
    changed: str = ""
    output_tail: str = ""
    harness_error: str = ""
    workdir: str = ""


# ----------------------------------------------------------------------------- git


def git(repo: Path, *args: str, env: dict[str, str]) -> str:
    cmd = ["git", "-c", "core.hooksPath=/dev/null", "-c", "commit.gpgsign=false", *args]
    done = subprocess.run(cmd, cwd=repo, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise HarnessError(f"git {' '.join(args)}: {done.stderr.strip() or done.stdout.strip()}")
    return done.stdout


def git_env() -> dict[str, str]:
    env = clean_env(drop=GIT_ENV)
    env.update(IDENTITY)
    return env


def make_repo(bug: Bug, repo: Path, env: dict[str, str]) -> str:
    """The project in a new git repository, committed; returns the commit."""
    copy_tree(bug.project, repo)
    gitignore = repo / ".gitignore"
    if not gitignore.exists():
        gitignore.write_text("__pycache__/\n.pytest_cache/\n")
    git(repo, "init", "-q", env=env)
    git(repo, "add", "-A", env=env)
    git(repo, "commit", "-q", "-m", f"{bug.id}: {bug.description}", env=env)
    return git(repo, "rev-parse", "HEAD", env=env).strip()


def fix_branches(repo: Path, env: dict[str, str]) -> list[tuple[str, str]]:
    out = git(
        repo,
        "for-each-ref",
        "--format=%(refname:short) %(objectname)",
        "refs/heads/trace-fix/",
        env=env,
    )
    return [tuple(line.split(" ", 1)) for line in out.splitlines() if line.strip()]  # type: ignore[misc]


def one_line_diff(diff: str, width: int = 72) -> str:
    """'-old line +new line ...' from a -U0 diff, squeezed into `width` characters; code
    lines first (changed comments and docstrings only when nothing else changed)."""
    entries = []
    for line in diff.splitlines():
        if line.startswith(("+++", "---")) or not line.startswith(("+", "-")):
            continue
        text = " ".join(line[1:].split())
        if text:
            entries.append(f"{line[0]}{text}")
    code = [e for e in entries if not e[1:].startswith(("#", '"""', "'''"))]
    joined = " ".join(code or entries)
    return joined if len(joined) <= width else joined[: width - 1] + "…"


# ----------------------------------------------------------------------------- one bug


@dataclass(frozen=True)
class Options:
    optimizer: str
    timeout: float
    workers: int | None
    python: str
    extra: tuple[str, ...]
    keep: bool


def check_branch(
    bug: Bug, repo: Path, base: str, branch: str, commit: str, where: Path, opts: Options
) -> BranchCheck:
    env = git_env()
    check = BranchCheck(branch=branch, commit=commit)
    check.diff = git(repo, "diff", "-U0", "--no-color", base, commit, "--", ".", env=env)
    check.changed = one_line_diff(check.diff)
    git(repo, "worktree", "add", "--detach", "-q", str(where), commit, env=env)
    try:
        visible = run_tests(where, timeout=CHECK_TIMEOUT, python=opts.python)
        check.visible_passed = visible.passed(heldout=False)
        check.visible_failed = visible.failed(heldout=False)
        check.visible_ok = visible.returncode == 0 and visible.all_pass(heldout=False)
        if visible.timed_out:
            check.note = "visible tests timed out"
        names = []
        for path in bug.heldout_files():
            (where / "tests" / path.name).write_bytes(path.read_bytes())
            names.append(f"tests/{path.name}")
        heldout = run_tests(where, args=names, timeout=CHECK_TIMEOUT, python=opts.python)
        check.heldout_passed = heldout.passed(heldout=True)
        check.heldout_failed = heldout.failed(heldout=True)
        check.heldout_ok = heldout.returncode == 0 and heldout.all_pass(heldout=True)
        if heldout.timed_out:
            check.note = (check.note + "; " if check.note else "") + "held-out tests timed out"
        elif heldout.returncode not in (0, 1):
            check.note = f"held-out run: pytest exit {heldout.returncode}"
    finally:
        git(repo, "worktree", "remove", "--force", str(where), env=env)
    return check


def optimize_command(report: Path, opts: Options) -> list[str]:
    cmd = [opts.python, "-m", "pytest", "--trace-optimize"]
    cmd += ["--trace-optimizer", opts.optimizer, "--trace-report", str(report)]
    cmd += ["-p", "no:cacheprovider", "-q"]
    if opts.workers is not None:
        cmd += ["--trace-workers", str(opts.workers)]
    return cmd + list(opts.extra)


def run_bug(bug: Bug, opts: Options) -> BugResult:
    result = BugResult(bug.id, bug.category, bug.domain)
    tmp = Path(tempfile.mkdtemp(prefix=f"repair-{bug.id}-"))
    result.workdir = str(tmp)
    try:
        env = git_env()
        repo = tmp / "repo"
        base = make_repo(bug, repo, env)

        report_path = tmp / "report.json"
        run_env = clean_env(drop=GIT_ENV + (LLM_ENV if opts.optimizer == "search" else ()))
        done = run(optimize_command(report_path, opts), repo, run_env, opts.timeout)
        result.seconds = round(done.seconds, 2)
        result.returncode = done.returncode
        output = (done.stdout + done.stderr).rstrip()
        result.output_tail = "\n".join(output.splitlines()[-25:])

        report = None
        if report_path.is_file():
            try:
                report = json.loads(report_path.read_text())
            except json.JSONDecodeError as error:
                result.message = f"unreadable report: {error}"
        groups = report.get("groups", []) if isinstance(report, dict) else []
        if report is not None:
            result.candidates = sum(int(g.get("candidates") or 0) for g in groups)
            result.iterations = sum(int(g.get("iterations") or 0) for g in groups)
            result.report_statuses = [str(g.get("status")) for g in groups]

        for n, (branch, commit) in enumerate(fix_branches(repo, env)):
            result.branches.append(
                check_branch(bug, repo, base, branch, commit, tmp / f"fix-{n}", opts)
            )
        classify(result, done.timed_out, report, groups, output, opts)
    except HarnessError as error:
        result.status, result.harness_error = "error", str(error)
        result.message = f"harness: {error}"
    except Exception as error:  # keep measuring the other bugs; reported as a harness error
        result.status, result.harness_error = "error", traceback.format_exc()
        result.message = f"harness: {type(error).__name__}: {error}"
    finally:
        if not opts.keep:
            shutil.rmtree(tmp, ignore_errors=True)
    return result


def classify(
    result: BugResult,
    timed_out: bool,
    report: object,
    groups: list[dict[str, object]],
    output: str,
    opts: Options,
) -> None:
    correct = [b for b in result.branches if b.visible_ok and b.heldout_ok]
    plausible = [b for b in result.branches if b.visible_ok and not b.heldout_ok]
    best = (correct or plausible or result.branches or [None])[0]
    result.changed = best.changed if best else ""
    if timed_out:
        result.status = "error"
        result.message = f"timed out after {opts.timeout:g} s"
    elif correct:
        result.status = "fixed"
    elif plausible:
        result.status = "plausible"
        b = plausible[0]
        total = b.heldout_failed + b.heldout_passed
        result.message = f"held-out tests: {b.heldout_failed} of {total} fail"
    elif result.returncode not in (0, 1):
        result.status = "error"
        result.message = f"pytest exit {result.returncode}: {crash_line(output)}"
    elif report is None:
        result.status = "error"
        result.message = f"pytest exit {result.returncode} and no report"
    elif any(g.get("status") == "error" for g in groups):
        result.status = "error"
        messages = [str(g.get("message") or "") for g in groups if g.get("status") == "error"]
        result.message = "optimizer error: " + ("; ".join(m for m in messages if m) or "?")
    elif not groups:
        result.status = "error"
        assert isinstance(report, dict)
        result.message = str(report.get("message") or "") or (
            f"no group to optimize (unreached: {report.get('unreached_tests')}, "
            f"not reproduced: {report.get('not_reproduced_tests')})"
        )
    else:
        result.status = "unfixed"
        if result.branches:
            result.message = "report: " + ", ".join(result.report_statuses)


def crash_line(output: str) -> str:
    """The most telling line of a crashed run: the exception of an INTERNALERROR, or the
    last line (a usage error)."""
    lines = [line.strip() for line in output.splitlines() if line.strip()]
    errors = [
        line.removeprefix("INTERNALERROR>").strip()
        for line in lines
        if line.startswith("INTERNALERROR>") and not line.endswith("^")
    ]
    pick = errors[-1] if errors else (lines[-1] if lines else "no output")
    return pick[:200]


# ----------------------------------------------------------------------------- output


def table(results: list[BugResult]) -> str:
    head = ("bug", "category", "status", "cand.", "seconds", "change")
    rows = [head]
    for r in results:
        rows.append(
            (
                r.id,
                r.category,
                r.status,
                "-" if r.candidates is None else str(r.candidates),
                f"{r.seconds:.1f}",
                r.changed or (r.message[:100] if r.status != "fixed" else ""),
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(head) - 1)]
    lines = []
    for row in rows:
        cells = [cell.ljust(w) for cell, w in zip(row[:-1], widths, strict=True)]
        lines.append("  ".join([*cells, row[-1]]).rstrip())
    lines.insert(1, "  ".join("-" * w for w in [*widths, 6]))
    return "\n".join(lines)


def totals(results: list[BugResult], wall: float) -> dict[str, object]:
    n = len(results)
    counts = Counter(r.status for r in results)
    by_category = {
        category: {
            "bugs": sum(r.category == category for r in results),
            "fixed": sum(r.category == category and r.status == "fixed" for r in results),
        }
        for category in CATEGORIES
        if any(r.category == category for r in results)
    }
    return {
        "bugs": n,
        **{status: counts[status] for status in STATUSES},
        "fixed_percent": round(100 * counts["fixed"] / n, 1) if n else 0.0,
        "plausible_percent": round(100 * counts["plausible"] / n, 1) if n else 0.0,
        "median_seconds": round(statistics.median(r.seconds for r in results), 2) if n else 0.0,
        "wall_seconds": round(wall, 1),
        "by_category": by_category,
    }


def summary_lines(t: dict[str, object]) -> list[str]:
    by_category = t["by_category"]
    assert isinstance(by_category, dict)
    return [
        f"{t['bugs']} bugs: fixed {t['fixed']} ({t['fixed_percent']}%), "
        f"plausible but wrong {t['plausible']} ({t['plausible_percent']}%), "
        f"unfixed {t['unfixed']}, error {t['error']}",
        f"median {t['median_seconds']} s per bug; wall time {t['wall_seconds']} s",
        "fixed by category: "
        + ", ".join(f"{c} {v['fixed']}/{v['bugs']}" for c, v in by_category.items()),
    ]


def provenance() -> dict[str, object]:
    info: dict[str, object] = {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
    }
    try:
        import pytest_trace

        info["pytest_trace"] = getattr(pytest_trace, "__version__", "?")
    except ImportError:
        info["pytest_trace"] = None
    root = HERE.parent
    try:
        env = clean_env(drop=GIT_ENV)
        info["commit"] = git(root, "rev-parse", "HEAD", env=env).strip()
        info["dirty"] = bool(git(root, "status", "--porcelain", "--", "pytest_trace", env=env))
    except (HarnessError, OSError):
        info["commit"] = None
    return info


# ----------------------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Measure how many seeded bugs pytest --trace-optimize heals.",
        epilog="Corpus and details: benchmarks/repair/README.md",
    )
    parser.add_argument(
        "--jobs",
        type=int,
        default=os.cpu_count() or 1,
        metavar="N",
        help="bugs run at once (default: the number of cores)",
    )
    parser.add_argument(
        "--optimizer", default="search", help="value of --trace-optimizer (default: search)"
    )
    parser.add_argument(
        "--json",
        type=Path,
        default=DEFAULT_JSON,
        metavar="PATH",
        help="write the results here (default: %(default)s)",
    )
    parser.add_argument("--only", nargs="+", default=[], metavar="ID", help="just these bugs")
    parser.add_argument(
        "--timeout",
        type=float,
        default=DEFAULT_TIMEOUT,
        metavar="SECONDS",
        help="time limit of one bug's optimization run (default: %(default)g)",
    )
    parser.add_argument(
        "--pytest-args",
        default="",
        metavar="ARGS",
        help="more arguments for the optimization run, e.g. '--trace-max-iterations 20'",
    )
    parser.add_argument(
        "--python",
        default=sys.executable,
        help="interpreter with pytest-trace installed (default: this one)",
    )
    parser.add_argument(
        "--keep",
        action="store_true",
        help="keep the temporary repositories (their paths are in the JSON)",
    )
    parser.add_argument(
        "--validate",
        action="store_true",
        help="check the corpus (benchmarks/repair/validate.py) and exit",
    )
    args = parser.parse_args(argv)
    if args.jobs < 1 or args.timeout <= 0:
        parser.error("--jobs and --timeout must be positive")

    if args.validate:
        forwarded = ["--jobs", str(args.jobs), "--python", args.python]
        if args.only:
            forwarded += ["--only", *args.only]
        return validate.main(forwarded)

    if shutil.which("git") is None:
        print("repair_benchmark: git is not installed", file=sys.stderr)
        return 2
    try:
        bugs = load_bugs(BUGS_DIR, args.only)
    except CorpusError as error:
        print(f"repair_benchmark: {error}", file=sys.stderr)
        return 2
    opts = Options(
        optimizer=args.optimizer,
        timeout=args.timeout,
        workers=1 if args.jobs > 1 else None,
        python=args.python,
        extra=tuple(shlex.split(args.pytest_args)),
        keep=args.keep,
    )
    jobs = min(args.jobs, len(bugs))
    print(
        f"repair benchmark: {len(bugs)} bugs, optimizer {opts.optimizer}, {jobs} at once, "
        f"time limit {opts.timeout:g} s each",
        file=sys.stderr,
    )
    started = datetime.datetime.now(datetime.timezone.utc)
    start = time.monotonic()
    results: dict[str, BugResult] = {}
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        futures = {pool.submit(run_bug, bug, opts): bug for bug in bugs}
        for future in as_completed(futures):
            result = future.result()
            results[result.id] = result
            print(
                f"[{len(results)}/{len(bugs)}] {result.id}: {result.status} "
                f"({result.seconds:.1f} s){' - ' + result.message if result.message else ''}",
                file=sys.stderr,
            )
    wall = time.monotonic() - start
    ordered = [results[bug.id] for bug in bugs]

    t = totals(ordered, wall)
    print(table(ordered))
    print()
    for line in summary_lines(t):
        print(line)

    harness_errors = [r for r in ordered if r.harness_error]
    document = {
        "version": 1,
        "started": started.isoformat(timespec="seconds"),
        "optimizer": opts.optimizer,
        "jobs": jobs,
        "timeout": opts.timeout,
        "pytest_args": list(opts.extra),
        "environment": provenance(),
        "totals": t,
        "bugs": [asdict(r) for r in ordered],
    }
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(document, indent=2) + "\n")
    print(f"results: {args.json}")
    for r in harness_errors:
        print(f"harness error on {r.id}:\n{r.harness_error}", file=sys.stderr)
    return 1 if harness_errors else 0


if __name__ == "__main__":
    sys.exit(main())
