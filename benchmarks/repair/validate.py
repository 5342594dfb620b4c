"""Check the repair benchmark's corpus: every seeded bug must be a fair test case.

Run it from anywhere (about half a minute on two cores)::

    python benchmarks/repair/validate.py [--jobs N] [--only ID ...] [--json PATH]

For every ``bugs/<id>/``:

static
    ``bug.toml`` has id (= the directory name), a known category and domain, description,
    file and functions; ``project/pyproject.toml`` sets ``testpaths = ["tests"]`` and
    ``pythonpath = ["."]``; there are visible tests (``project/tests/test_*.py``), held-out
    tests (``heldout/test_heldout_*.py``) and a reference fix (``fixed/``, files laid out
    as in ``project/``); the module holding the bug has 20 to 80 lines; the functions
    named in ``functions`` are ``@trainable``, and the reference fix changes exactly those
    functions and nothing outside functions (the optimizer may only change trainables).
dynamic
    in a temporary copy of the project with the held-out tests added to ``tests/``:
    on the bug, at least one visible test fails, at least two pass, and at least one
    held-out test fails; with the reference fix every visible and held-out test passes,
    in less than 0.1 s each; there are 4 to 10 visible and 5 to 15 held-out tests.
    Each decoy (``decoys/<name>/``, optional: a plausible but wrong fix of trainable
    functions) passes the visible tests and fails at least one held-out test.

Prints a table and exits 1 if any bug is invalid (or, for the whole corpus, a category
has fewer than 3 bugs), else 0.
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import shutil
import sys
import tempfile
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from corpus import (
    BUGS_DIR,
    CATEGORIES,
    DOMAINS,
    HELDOUT_PREFIX,
    Bug,
    CorpusError,
    TestRun,
    changed_functions,
    copy_tree,
    load_bugs,
    run_tests,
    tomllib,
    trainables_of,
)

MODULE_LINES = (20, 80)
VISIBLE_TESTS = (4, 10)
HELDOUT_TESTS = (5, 15)
MAX_TEST_SECONDS = 0.1
MIN_PER_CATEGORY = 3


@dataclass
class Verdict:
    bug: Bug
    problems: list[str] = field(default_factory=list)
    visible: int = 0
    heldout: int = 0
    buggy_visible_failed: int = 0
    buggy_heldout_failed: int = 0
    fixed_ok: bool = False
    decoys: int = 0
    decoys_caught: int = 0
    slowest: float = 0.0

    @property
    def valid(self) -> bool:
        return not self.problems

    def to_json(self) -> dict[str, object]:
        return {
            "id": self.bug.id,
            "category": self.bug.category,
            "domain": self.bug.domain,
            "valid": self.valid,
            "problems": self.problems,
            "visible_tests": self.visible,
            "heldout_tests": self.heldout,
            "buggy_visible_failed": self.buggy_visible_failed,
            "buggy_heldout_failed": self.buggy_heldout_failed,
            "fixed_passes": self.fixed_ok,
            "decoys": self.decoys,
            "decoys_caught": self.decoys_caught,
            "slowest_test_seconds": round(self.slowest, 4),
        }


def check_static(bug: Bug, verdict: Verdict) -> None:
    problems = verdict.problems
    if bug.id != bug.path.name:
        problems.append(f"id {bug.id!r} is not the directory name {bug.path.name!r}")
    if bug.category not in CATEGORIES:
        problems.append(f"unknown category {bug.category!r} (one of: {', '.join(CATEGORIES)})")
    if bug.domain not in DOMAINS:
        problems.append(f"unknown domain {bug.domain!r} (one of: {', '.join(DOMAINS)})")
    if not bug.functions:
        problems.append("functions is empty")

    pyproject = bug.project / "pyproject.toml"
    try:
        ini = tomllib.loads(pyproject.read_text(encoding="utf-8"))["tool"]["pytest"]["ini_options"]
        if ini.get("testpaths") != ["tests"] or ini.get("pythonpath") != ["."]:
            problems.append('pyproject.toml: want testpaths = ["tests"], pythonpath = ["."]')
    except (OSError, KeyError, tomllib.TOMLDecodeError) as error:
        problems.append(f"project/pyproject.toml: no [tool.pytest.ini_options] ({error})")
    if not list((bug.project / "tests").glob("test_*.py")):
        problems.append("no visible tests (project/tests/test_*.py)")
    if list((bug.project / "tests").glob(f"{HELDOUT_PREFIX}*.py")):
        problems.append(f"project/tests/ must not hold {HELDOUT_PREFIX}*.py files")
    if not bug.heldout_files():
        problems.append(f"no held-out tests (heldout/{HELDOUT_PREFIX}*.py)")

    module = bug.project / bug.file
    if not module.is_file():
        problems.append(f"file {bug.file!r} is not in project/")
        return
    source = module.read_text(encoding="utf-8")
    lines = len(source.splitlines())
    if not MODULE_LINES[0] <= lines <= MODULE_LINES[1]:
        problems.append(f"{bug.file} has {lines} lines (want {MODULE_LINES[0]}-{MODULE_LINES[1]})")
    try:
        trainables = trainables_of_project(bug.project)
    except SyntaxError as error:
        problems.append(f"syntax error in the project: {error}")
        return
    module_key = bug.file
    for name in bug.functions:
        if (module_key, name) not in trainables:
            problems.append(f"{bug.file}: {name} is not a @trainable function")

    fixed_files = [p for p in bug.fixed.rglob("*.py")] if bug.fixed.is_dir() else []
    if not fixed_files:
        problems.append("no reference fix (fixed/<file>)")
    changed: set[tuple[str, str]] = set()
    for path in fixed_files:
        rel = path.relative_to(bug.fixed).as_posix()
        original = bug.project / rel
        if not original.is_file():
            problems.append(f"fixed/{rel} has no counterpart in project/")
            continue
        funcs, outside = changed_functions(original.read_text(encoding="utf-8"), path.read_text())
        if outside:
            problems.append(f"fixed/{rel} changes code outside functions")
        changed |= {(rel, name) for name in funcs}
    wanted = {(bug.file, name) for name in bug.functions}
    if fixed_files and changed != wanted:
        show = sorted(f"{f}:{n}" for f, n in changed)
        problems.append(f"the fix changes {show or 'nothing'}, bug.toml says {bug.functions}")

    for decoy in bug.decoys():
        for path in decoy.rglob("*.py"):
            rel = path.relative_to(decoy).as_posix()
            original = bug.project / rel
            if not original.is_file():
                problems.append(f"decoy {decoy.name}: {rel} has no counterpart in project/")
                continue
            funcs, outside = changed_functions(
                original.read_text(encoding="utf-8"), path.read_text()
            )
            not_trainable = sorted(name for name in funcs if (rel, name) not in trainables)
            if outside or not_trainable:
                problems.append(
                    f"decoy {decoy.name} changes what the optimizer cannot: "
                    f"{not_trainable or 'code outside functions'}"
                )


def trainables_of_project(project: Path) -> set[tuple[str, str]]:
    found = set()
    for path in project.rglob("*.py"):
        rel = path.relative_to(project).as_posix()
        if rel.startswith("tests/"):
            continue
        found |= {(rel, name) for name in trainables_of_file(path)}
    return found


def trainables_of_file(path: Path) -> set[str]:
    return trainables_of(ast.parse(path.read_text(encoding="utf-8")))


def prepare(bug: Bug, work: Path, overlay: Path | None) -> Path:
    """A fresh copy of the project with the held-out tests, and `overlay` copied over it."""
    project = work / "project"
    if project.exists():
        shutil.rmtree(project)
    copy_tree(bug.project, project)
    for path in bug.heldout_files():
        (project / "tests" / path.name).write_bytes(path.read_bytes())
    if overlay is not None:
        copy_tree(overlay, project)
    return project


def describe_failure(run: TestRun) -> str:
    if run.timed_out:
        return "timed out"
    return f"pytest exit {run.returncode}: {run.tail(6)}"


def check_dynamic(bug: Bug, verdict: Verdict, python: str) -> None:
    problems = verdict.problems
    with tempfile.TemporaryDirectory(prefix=f"repair-validate-{bug.id}-") as tmp:
        work = Path(tmp)
        buggy = run_tests(prepare(bug, work, None), python=python)
        if buggy.returncode not in (0, 1):
            problems.append(f"buggy project: {describe_failure(buggy)}")
        verdict.visible = buggy.total(heldout=False)
        verdict.heldout = buggy.total(heldout=True)
        verdict.buggy_visible_failed = buggy.failed(heldout=False)
        verdict.buggy_heldout_failed = buggy.failed(heldout=True)
        if verdict.buggy_visible_failed < 1:
            problems.append("no visible test fails on the bug")
        if buggy.passed(heldout=False) < 2:
            problems.append(f"only {buggy.passed(heldout=False)} visible tests pass on the bug")
        if verdict.buggy_heldout_failed < 1:
            problems.append("no held-out test fails on the bug")
        if not VISIBLE_TESTS[0] <= verdict.visible <= VISIBLE_TESTS[1]:
            problems.append(f"{verdict.visible} visible tests (want {VISIBLE_TESTS})")
        if not HELDOUT_TESTS[0] <= verdict.heldout <= HELDOUT_TESTS[1]:
            problems.append(f"{verdict.heldout} held-out tests (want {HELDOUT_TESTS})")

        if bug.fixed.is_dir():
            fixed = run_tests(prepare(bug, work, bug.fixed), python=python)
            verdict.fixed_ok = (
                fixed.returncode == 0 and fixed.all_pass(False) and fixed.all_pass(True)
            )
            if not verdict.fixed_ok:
                failing = sorted(t for t, o in fixed.outcomes.items() if o != "passed")
                problems.append(
                    f"the reference fix fails {failing[:4]}"
                    if failing
                    else f"the reference fix: {describe_failure(fixed)}"
                )
            durations = list(fixed.durations.values()) + list(buggy.durations.values())
            verdict.slowest = max(durations, default=0.0)
            slow = sorted(t for t, s in fixed.durations.items() if s >= MAX_TEST_SECONDS)
            if slow:
                problems.append(f"tests slower than {MAX_TEST_SECONDS} s: {slow[:3]}")

        for decoy in bug.decoys():
            verdict.decoys += 1
            run = run_tests(prepare(bug, work, decoy), python=python)
            if not run.all_pass(heldout=False):
                problems.append(f"decoy {decoy.name} fails visible tests: not a plausible fix")
            elif run.failed(heldout=True) == 0:
                problems.append(f"decoy {decoy.name} passes every held-out test")
            else:
                verdict.decoys_caught += 1


def validate(bug: Bug, python: str) -> Verdict:
    verdict = Verdict(bug)
    try:
        check_static(bug, verdict)
        check_dynamic(bug, verdict, python)
    except Exception as error:  # a broken bug must not hide the others
        verdict.problems.append(f"validation crashed: {type(error).__name__}: {error}")
    return verdict


def table(verdicts: list[Verdict]) -> str:
    head = (
        "bug",
        "category",
        "domain",
        "visible",
        "fail",
        "held-out",
        "fail",
        "fix",
        "decoys",
        "verdict",
    )
    rows = [head]
    for v in verdicts:
        rows.append(
            (
                v.bug.id,
                v.bug.category,
                v.bug.domain,
                str(v.visible),
                str(v.buggy_visible_failed),
                str(v.heldout),
                str(v.buggy_heldout_failed),
                "pass" if v.fixed_ok else "FAIL",
                f"{v.decoys_caught}/{v.decoys}" if v.decoys else "-",
                "ok" if v.valid else "INVALID",
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(head))]
    lines = [
        "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip()
        for row in rows
    ]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1, metavar="N")
    parser.add_argument("--only", nargs="+", default=[], metavar="ID", help="just these bugs")
    parser.add_argument("--json", type=Path, metavar="PATH", help="also write the verdicts here")
    parser.add_argument("--python", default=sys.executable, help="interpreter that runs pytest")
    parser.add_argument("--bugs", type=Path, default=BUGS_DIR, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    try:
        bugs = load_bugs(args.bugs, args.only)
    except CorpusError as error:
        print(f"validate: {error}", file=sys.stderr)
        return 2
    if not bugs:
        print(f"validate: no bugs in {args.bugs}", file=sys.stderr)
        return 2
    with ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        verdicts = list(pool.map(lambda bug: validate(bug, args.python), bugs))

    print(table(verdicts))
    print()
    invalid = [v for v in verdicts if not v.valid]
    for v in invalid:
        print(f"INVALID {v.bug.id}:")
        for problem in v.problems:
            print(f"  - {problem}")
    corpus_problems = []
    categories = Counter(v.bug.category for v in verdicts)
    domains = Counter(v.bug.domain for v in verdicts)
    if not args.only:
        for category in CATEGORIES:
            if categories[category] < MIN_PER_CATEGORY:
                corpus_problems.append(
                    f"category {category}: {categories[category]} bugs (want {MIN_PER_CATEGORY}+)"
                )
    for problem in corpus_problems:
        print(f"INVALID corpus: {problem}")
    print(
        f"{len(verdicts)} bugs, {len(verdicts) - len(invalid)} valid; "
        f"{sum(v.decoys_caught for v in verdicts)}/{sum(v.decoys for v in verdicts)} decoys "
        f"caught by the held-out tests; slowest test "
        f"{max((v.slowest for v in verdicts), default=0.0) * 1000:.1f} ms"
    )
    print("categories: " + ", ".join(f"{c} {categories[c]}" for c in CATEGORIES))
    print("domains:    " + ", ".join(f"{d} {domains[d]}" for d in DOMAINS))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(
            json.dumps(
                {
                    "valid": not invalid and not corpus_problems,
                    "corpus_problems": corpus_problems,
                    "bugs": [v.to_json() for v in verdicts],
                },
                indent=2,
            )
            + "\n"
        )
    return 1 if invalid or corpus_problems else 0


if __name__ == "__main__":
    sys.exit(main())
