"""Bugs seeded into real libraries from PyPI: does the search heal code it has never seen?

Run it from the repository root (it downloads two source distributions from the package
index pip is configured with, so it needs that index; nothing else does)::

    python benchmarks/real_libraries.py [--only BUG ...] [--keep]

For each library (a pinned sdist: its own code and its own tests, unchanged) and each bug
below, exactly what a user would do without touching the code: the sdist is unpacked
into a fresh git repository, the bug is written in and committed, and
``python -m pytest --trace-optimize --trace-trainable '<module>:*' -q`` runs on the
library's tests with no LLM. The fix branch is then checked against the library's whole
test selection (doctests included) on the original code. A bug is **fixed** when that
passes, **plausible** when the branch passes only the tests the optimizer ran, **unfixed**
without a branch. Prints one line per bug and the totals; exits 0 (it is a measurement),
1 if a library cannot be downloaded or a bug no longer applies to it.

The bugs of ``humanize`` were chosen before the search was ever run on it; two of the
search's operators (a missing method call, a missing ``abs``) were added after it failed
on the ``inflection`` bugs ``ordinal-abs`` and ``underscore-lower``.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Library:
    sdist: str  # name==version
    tests: tuple[str, ...]  # what the optimizer runs
    checks: tuple[str, ...]  # what judges the fix: tests and doctests
    pythonpath: str = ""  # for a src layout without installing
    bugs: tuple[tuple[str, str, str, str], ...] = ()  # (id, file, correct, buggy)


LIBRARIES = (
    Library(
        "inflection==0.5.1",
        tests=("test_inflection.py",),
        checks=("test_inflection.py",),
        bugs=(
            ("ordinal-modulus", "inflection/__init__.py",
             "if number % 100 in (11, 12, 13):", "if number % 10 in (11, 12, 13):"),
            ("camelize-lower", "inflection/__init__.py",
             "return string[0].lower() + camelize(string)[1:]",
             "return string[0].upper() + camelize(string)[1:]"),
            ("parameterize-not", "inflection/__init__.py",
             "    if separator:\n        re_sep", "    if not separator:\n        re_sep"),
            ("dasherize-args", "inflection/__init__.py",
             "return word.replace('_', '-')", "return word.replace('-', '_')"),
            ("humanize-upper", "inflection/__init__.py",
             'lambda m: m.group(0).upper(), word)', 'lambda m: m.group(0).lower(), word)'),
            ("ordinal-abs", "inflection/__init__.py",
             "number = abs(int(number))", "number = int(number)"),
            ("underscore-lower", "inflection/__init__.py",
             "    return word.lower()\n\n\n_irregular", "    return word\n\n\n_irregular"),
        ),
    ),
    Library(
        "humanize==4.17.0",
        tests=("tests/test_filesize.py", "tests/test_lists.py", "tests/test_number.py"),
        checks=(
            "tests/test_filesize.py", "tests/test_lists.py", "tests/test_number.py",
            "src/humanize/filesize.py", "src/humanize/lists.py", "src/humanize/number.py",
        ),
        pythonpath="src",
        bugs=(
            ("size-base-and", "src/humanize/filesize.py",
             "base = 1024 if (gnu or binary) else 1000",
             "base = 1024 if (gnu and binary) else 1000"),
            ("size-bytes-le", "src/humanize/filesize.py",
             "    if abs_bytes < base:", "    if abs_bytes <= base:"),
            ("size-suffix-index", "src/humanize/filesize.py",
             "_(suffix[exp - 1])", "_(suffix[exp])"),
            ("list-join-slice", "src/humanize/lists.py",
             '", ".join(item_list[:-1])', '", ".join(item_list[:-2])'),
            ("clamp-token", "src/humanize/number.py",
             "        value = floor\n        token = floor_token",
             "        value = floor\n        token = ceil_token"),
            ("apnumber-bound", "src/humanize/number.py",
             "if not 0 <= value < 10:", "if not 0 <= value <= 10:"),
        ),
    ),
)  # fmt: skip


def git(cwd: Path, *args: str) -> str:
    done = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True)
    return done.stdout.strip()


def download(sdist: str, into: Path) -> Path:
    """The unpacked source distribution ``name==version``."""
    subprocess.run(
        [sys.executable, "-m", "pip", "download", "-q", "--no-deps", "--no-binary", ":all:",
         "-d", str(into), sdist],
        check=True,
    )  # fmt: skip
    [archive] = into.glob("*.tar.gz")
    with tarfile.open(archive) as tar:
        tar.extractall(into, filter="data")
    archive.unlink()
    [root] = [path for path in into.iterdir() if path.is_dir()]
    return root


def pytest(cwd: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *args]
    return subprocess.run(command, cwd=cwd, capture_output=True, text=True, env=env)


def run_bug(library: Library, source: Path, bug: tuple[str, str, str, str], work: Path) -> str:
    name, path, correct, buggy = bug
    project = work / name
    shutil.copytree(source, project)
    text = (project / path).read_text()
    if text.count(correct) != 1:
        raise SystemExit(f"{name}: the code to replace is not in {library.sdist} once")
    (project / path).write_text(text.replace(correct, buggy))
    git(project, "init", "-q")
    git(project, "add", "-A")
    git(project, "-c", "user.name=bench", "-c", "user.email=bench@localhost", "commit", "-qm", "x")
    env = {k: v for k, v in os.environ.items() if not k.startswith("OPENAI_")}
    if library.pythonpath:
        env["PYTHONPATH"] = library.pythonpath
    module = path.removeprefix("src/").removesuffix(".py").removesuffix("/__init__")
    module = module.replace("/", ".")
    start = time.monotonic()
    run = pytest(project, env, "--trace-optimize", f"--trace-trainable={module}:*", *library.tests)
    seconds = time.monotonic() - start
    lines = run.stdout.splitlines()
    summary = next((x for x in lines if x.startswith(("FIXED", "PARTIAL", "UNFIXED", "ERROR",
                                                      "nothing"))), "no summary")  # fmt: skip
    tried = next((x.strip().split(",")[1].strip() for x in lines if "candidates tested" in x), "")
    branches = git(project, "branch", "--list", "trace-fix/*").split()
    if not branches:
        return f"{name:20} unfixed    {seconds:6.1f} s  {tried:24} {summary[:70]}"
    check = work / f"{name}-check"
    shutil.copytree(source, check)
    (check / path).write_text(git(project, "show", f"{branches[-1]}:{path}") + "\n")
    judged = pytest(check, env, *library.checks)
    verdict = "fixed" if judged.returncode == 0 else "plausible"
    diff = git(project, "diff", "HEAD", branches[-1], "--", path).splitlines()
    change = " ".join(
        x[0] + x[1:].strip() for x in diff if x[:1] in "+-" and x[:3] not in ("+++", "---")
    )
    return f"{name:20} {verdict:10} {seconds:6.1f} s  {tried:24} {change[:90]}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--only", nargs="+", default=[], metavar="BUG")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    options = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="pytest-trace-real-"))
    results: list[str] = []
    try:
        for library in LIBRARIES:
            bugs = [b for b in library.bugs if not options.only or b[0] in options.only]
            if not bugs:
                continue
            source = download(library.sdist, work / library.sdist)
            print(f"{library.sdist}: {len(bugs)} bugs", flush=True)
            for bug in bugs:
                line = run_bug(library, source, bug, work)
                results.append(line)
                print(f"  {line}", flush=True)
    finally:
        if options.keep:
            print(f"kept: {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    fixed = sum(" fixed " in line for line in results)
    plausible = sum(" plausible " in line for line in results)
    print(f"{len(results)} bugs: fixed {fixed}, plausible but wrong {plausible}, "
          f"unfixed {len(results) - fixed - plausible}")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
