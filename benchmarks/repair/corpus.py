"""The repair benchmark's corpus: the seeded bugs, and running a project's tests.

Shared by ``validate.py`` (is every bug well formed?) and ``../repair_benchmark.py``
(does pytest-trace heal them?). Standard library only; pytest runs in a subprocess.
"""

from __future__ import annotations

import ast
import contextlib
import copy
import os
import shutil
import signal
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10: pytest depends on tomli there
    import tomli as tomllib

HERE = Path(__file__).resolve().parent
BUGS_DIR = HERE / "bugs"

#: Bug categories, each with what it means.
CATEGORIES = {
    "comparison": "a wrong comparison operator (< for <=, == for !=, ...)",
    "arithmetic": "a wrong arithmetic or bitwise operator (+ for -, / for //, & for |, ...)",
    "off-by-one": "an index, range or slice bound one too far or too short",
    "swapped-arguments": "arguments or operands in the wrong order",
    "wrong-variable": "a variable used where another one was meant",
    "boolean-logic": "and/or, a missing or extra not, any/all, min/max",
    "missing-guard": "a missing base case or guard (recursion, empty input, None)",
    "wrong-constant": "a wrong numeric constant",
    "wrong-method": "a wrong attribute or method (split/rsplit, append/extend, ...)",
    "missing-statement": "a missing statement (an increment, an append, a call) or an extra one",
    "two-edits": "needs two edits, in one function or in two",
}

#: The kind of code a bug lives in.
DOMAINS = {
    "strings": "string handling: slugs, parsing, formatting, tokenizing",
    "numeric": "numeric code: statistics, conversions, money, clamping",
    "data-structures": "stacks, queues, intervals, binary search, caches, linked lists",
    "classes": "classes with state and methods: accounts, inventories, matrices",
    "multi-function": "several trainable functions; the bug is upstream of the failing assertion",
}

#: Keys every bug.toml has.
REQUIRED_KEYS = ("id", "category", "domain", "description", "file", "functions")

#: Environment variables that would make a run depend on the caller's setup.
NOISY_ENV = ("PYTEST_ADDOPTS", "PYTEST_PLUGINS", "PYTHONPATH")

HELDOUT_PREFIX = "test_heldout_"


@dataclass(frozen=True)
class Bug:
    """One seeded bug: ``bugs/<id>/`` with bug.toml, project/, heldout/, fixed/, decoys/."""

    id: str
    category: str
    domain: str
    description: str
    file: str
    functions: tuple[str, ...]
    path: Path

    @property
    def project(self) -> Path:
        return self.path / "project"

    @property
    def heldout(self) -> Path:
        return self.path / "heldout"

    @property
    def fixed(self) -> Path:
        return self.path / "fixed"

    def heldout_files(self) -> list[Path]:
        return sorted(self.heldout.glob(f"{HELDOUT_PREFIX}*.py"))

    def decoys(self) -> list[Path]:
        """Plausible but wrong fixes (optional): visible tests pass, held-out ones must not."""
        decoys = self.path / "decoys"
        return sorted(p for p in decoys.iterdir() if p.is_dir()) if decoys.is_dir() else []


class CorpusError(Exception):
    """A bug directory that cannot even be loaded."""


def load_bug(path: Path) -> Bug:
    meta_path = path / "bug.toml"
    try:
        meta = tomllib.loads(meta_path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as error:
        raise CorpusError(f"{meta_path}: {error}") from None
    missing = [key for key in REQUIRED_KEYS if key not in meta]
    if missing:
        raise CorpusError(f"{meta_path}: missing {', '.join(missing)}")
    functions = meta["functions"]
    if isinstance(functions, str):
        functions = [functions]
    return Bug(
        id=str(meta["id"]),
        category=str(meta["category"]),
        domain=str(meta["domain"]),
        description=str(meta["description"]),
        file=str(meta["file"]),
        functions=tuple(str(name) for name in functions),
        path=path,
    )


def load_bugs(root: Path = BUGS_DIR, only: Sequence[str] = ()) -> list[Bug]:
    """Every bug under `root`, sorted by id; with `only`, just those (unknown ids: error)."""
    paths = sorted(p for p in root.iterdir() if (p / "bug.toml").is_file())
    if only:
        known = {p.name for p in paths}
        unknown = [bug_id for bug_id in only if bug_id not in known]
        if unknown:
            raise CorpusError(f"no such bug: {', '.join(unknown)} (see {root})")
        paths = [p for p in paths if p.name in set(only)]
    return [load_bug(p) for p in paths]


_IGNORE = shutil.ignore_patterns("__pycache__", "*.pyc", ".pytest_cache")


def copy_tree(src: Path, dest: Path) -> None:
    """Copy `src` into `dest` (created if needed), overwriting files, skipping caches."""
    shutil.copytree(src, dest, ignore=_IGNORE, dirs_exist_ok=True)


def clean_env(drop: Iterable[str] = ()) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in NOISY_ENV and k not in set(drop)}
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    return env


# ----------------------------------------------------------------------------- processes


@dataclass
class Completed:
    returncode: int | None  # None: timed out
    stdout: str
    stderr: str
    seconds: float

    @property
    def timed_out(self) -> bool:
        return self.returncode is None


def run(
    cmd: Sequence[str],
    cwd: Path,
    env: dict[str, str],
    timeout: float,
    grace: float = 5.0,
) -> Completed:
    """Run `cmd` in its own session; at `timeout` send SIGINT to its process group (so
    pytest can clean up), then SIGKILL after `grace` seconds."""
    start = time.monotonic()
    proc = subprocess.Popen(
        list(cmd),
        cwd=cwd,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        errors="replace",
        start_new_session=True,
    )
    try:
        out, err = proc.communicate(timeout=timeout)
        code: int | None = proc.returncode
    except subprocess.TimeoutExpired:
        _signal_group(proc.pid, signal.SIGINT)
        try:
            out, err = proc.communicate(timeout=grace)
        except subprocess.TimeoutExpired:
            _signal_group(proc.pid, signal.SIGKILL)
            out, err = proc.communicate()
        code = None
    finally:
        # Whatever the run left behind in its process group goes too.
        _signal_group(proc.pid, signal.SIGKILL)
    return Completed(code, out, err, time.monotonic() - start)


def _signal_group(pgid: int, sig: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, sig)


# ----------------------------------------------------------------------------- test runs


@dataclass
class TestRun:
    """The outcome of one pytest run, per test id (from pytest's JUnit XML)."""

    returncode: int | None
    outcomes: dict[str, str] = field(default_factory=dict)  # nodeid-ish -> passed/failed/...
    durations: dict[str, float] = field(default_factory=dict)
    output: str = ""
    seconds: float = 0.0

    @property
    def timed_out(self) -> bool:
        return self.returncode is None

    def select(self, heldout: bool) -> dict[str, str]:
        return {t: o for t, o in self.outcomes.items() if (HELDOUT_PREFIX in t) == heldout}

    def passed(self, heldout: bool) -> int:
        return sum(o == "passed" for o in self.select(heldout).values())

    def failed(self, heldout: bool) -> int:
        return sum(o != "passed" for o in self.select(heldout).values())

    def total(self, heldout: bool) -> int:
        return len(self.select(heldout))

    def all_pass(self, heldout: bool) -> bool:
        return self.total(heldout) > 0 and self.failed(heldout) == 0

    def tail(self, lines: int = 15) -> str:
        return "\n".join(self.output.rstrip().splitlines()[-lines:])


def run_tests(
    project: Path,
    args: Sequence[str] = (),
    timeout: float = 120.0,
    python: str = sys.executable,
    xml_path: Path | None = None,
) -> TestRun:
    """Run pytest in `project` (its own configuration) and read the outcome of each test."""
    xml_path = xml_path or project.parent / f"junit-{time.monotonic_ns()}.xml"
    cmd = [
        python,
        "-m",
        "pytest",
        "-q",
        "-p",
        "no:cacheprovider",
        f"--junitxml={xml_path}",
        "-o",
        "junit_family=xunit1",
        *args,
    ]
    done = run(cmd, project, clean_env(), timeout)
    result = TestRun(done.returncode, output=done.stdout + done.stderr, seconds=done.seconds)
    if xml_path.is_file():
        try:
            root = ET.parse(xml_path).getroot()
        except ET.ParseError:
            root = None
        for case in root.iter("testcase") if root is not None else ():
            name = f"{case.get('classname', '')}::{case.get('name', '')}"
            kinds = {child.tag for child in case}
            if kinds & {"failure", "error"}:
                outcome = "failed"
            elif "skipped" in kinds:
                outcome = "skipped"
            else:
                outcome = "passed"
            # A test that fails in teardown appears twice: the worse outcome wins.
            if result.outcomes.get(name) != "failed":
                result.outcomes[name] = outcome
            result.durations[name] = result.durations.get(name, 0.0) + float(
                case.get("time") or 0.0
            )
        xml_path.unlink()
    return result


# ----------------------------------------------------------------------------- source


def is_trainable_decorator(node: ast.expr) -> bool:
    target = node.func if isinstance(node, ast.Call) else node
    if isinstance(target, ast.Name):
        return target.id == "trainable"
    return isinstance(target, ast.Attribute) and target.attr == "trainable"


def functions_of(tree: ast.Module) -> dict[str, ast.FunctionDef | ast.AsyncFunctionDef]:
    """Module-level functions and methods (also of nested classes) by qualified name."""
    found: dict[str, ast.FunctionDef | ast.AsyncFunctionDef] = {}

    def walk(body: list[ast.stmt], prefix: str) -> None:
        for node in body:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                found[prefix + node.name] = node
            elif isinstance(node, ast.ClassDef):
                walk(node.body, f"{prefix}{node.name}.")

    walk(tree.body, "")
    return found


def trainables_of(tree: ast.Module) -> set[str]:
    return {
        name
        for name, node in functions_of(tree).items()
        if any(is_trainable_decorator(d) for d in node.decorator_list)
    }


def changed_functions(before: str, after: str) -> tuple[set[str], bool]:
    """The functions whose code differs, and whether anything outside functions differs."""
    old, new = ast.parse(before), ast.parse(after)
    old_funcs, new_funcs = functions_of(old), functions_of(new)
    changed = {
        name
        for name in old_funcs.keys() | new_funcs.keys()
        if name not in old_funcs
        or name not in new_funcs
        or ast.dump(old_funcs[name]) != ast.dump(new_funcs[name])
    }
    return changed, _skeleton(old) != _skeleton(new)


def _skeleton(tree: ast.Module) -> str:
    """The module with every function reduced to its name (body, signature, decorators gone)."""

    class Hollow(ast.NodeTransformer):
        def visit_FunctionDef(self, node: ast.FunctionDef) -> ast.AST:
            node.args = ast.arguments(
                posonlyargs=[], args=[], kwonlyargs=[], kw_defaults=[], defaults=[]
            )
            node.body = [ast.Pass()]
            node.decorator_list = []
            node.returns = None
            return node

        def visit_AsyncFunctionDef(self, node: ast.AsyncFunctionDef) -> ast.AST:
            return self.visit_FunctionDef(node)  # type: ignore[arg-type]

    return ast.dump(Hollow().visit(copy.deepcopy(tree)))
