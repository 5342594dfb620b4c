"""Fixtures shared by the tests: git projects in temporary directories, a scripted LLM."""

from __future__ import annotations

import hashlib
import importlib.util
import json
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from fnmatch import fnmatch
from pathlib import Path

import pytest
from fake_openai import Reply, ScriptedServer

SAMPLES = Path(__file__).resolve().parent.parent / "sample_projects"
#: What pytester's runpytest_subprocess writes into the project directory.
PYTESTER_FILES = ("runpytest-*", "stdout", "stderr")


@pytest.fixture(scope="session", autouse=True)
def _bytecode_caches() -> Iterator[None]:
    """The pytest processes the tests start keep bytecode caches, as on a user's machine.

    With ``PYTHONDONTWRITEBYTECODE`` set (some CI images set it), each of them would
    compile the plugin's modules and rewrite their asserts again, about a second apiece.
    The plugin's own fresh test processes still write none (``runner/fresh.py``).
    """
    with pytest.MonkeyPatch.context() as patch:
        patch.delenv("PYTHONDONTWRITEBYTECODE", raising=False)
        yield


@pytest.fixture(autouse=True)
def _only_the_plugins_the_tests_use(monkeypatch: pytest.MonkeyPatch) -> None:
    """The pytest processes the tests start load pytest-trace and pytest-xdist only.

    Every pytest process loads the plugins installed beside it (here Hypothesis's and
    anyio's too), about 0.3 s apiece, and an end-to-end run starts several: its own, the
    fork server, the validation. With autoloading off, the plugin's worker processes
    name the plugin themselves (``runner/fresh.py``). The documents' examples run as a
    user's would, with autoloading (``doc_examples.example_env``).
    """
    plugins = ["pytest_trace.plugin"]
    if importlib.util.find_spec("xdist") is not None:
        plugins.append("xdist.plugin")
    monkeypatch.setenv("PYTEST_DISABLE_PLUGIN_AUTOLOAD", "1")
    monkeypatch.setenv("PYTEST_PLUGINS", ",".join(plugins))


def pytest_configure(config: pytest.Config) -> None:
    # With pytest-xdist, hand out tests a few at a time (its default sends each worker a
    # quarter of its share at once), so that the slowest, which start first (below),
    # spread over the workers and no worker is left with a queue of slow ones at the end.
    if getattr(config.option, "numprocesses", None) and config.option.maxschedchunk is None:
        config.option.maxschedchunk = 2


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The slowest tests first, so that ``-n 2`` ends with short tests on both workers:
    the documents' examples (the more ``$ pytest`` commands, the longer), then the tests
    that run pytest in a subprocess (``project``, or ``pytester`` in a module that runs
    it out of process), then the others, each in its order."""
    subprocess_modules: dict[str, bool] = {}

    def out_of_process(item: pytest.Item) -> bool:
        path = str(item.path)
        if path not in subprocess_modules:
            subprocess_modules[path] = "runpytest_subprocess" in item.path.read_text("utf-8")
        return subprocess_modules[path]

    def cost(item: pytest.Item) -> int:
        fixtures = getattr(item, "fixturenames", ())
        callspec = getattr(item, "callspec", None)
        path = callspec.params.get("path") if callspec is not None else None
        if getattr(item, "originalname", "") == "test_doc_examples_run" and path is not None:
            return 1000 + Path(path).read_text(encoding="utf-8").count("\n$ pytest")
        if "project" in fixtures or ("pytester" in fixtures and out_of_process(item)):
            return 1
        return 0

    items.sort(key=cost, reverse=True)


def git(path: Path, *args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=path, check=True, capture_output=True, text=True
    ).stdout


def tree_state(path: Path) -> dict[str, object]:
    """Everything of a repository the user owns: files, index, HEAD, stashes, refs."""
    files = {
        str(p.relative_to(path)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(path.rglob("*"))
        if p.is_file()
        and ".git" not in p.relative_to(path).parts
        and "__pycache__" not in p.parts
        and ".pytest_cache" not in p.parts
        and not any(fnmatch(p.relative_to(path).parts[0], f) for f in PYTESTER_FILES)
    }
    refs = [
        line
        for line in git(path, "for-each-ref", "--format=%(refname) %(objectname)").splitlines()
        if not line.startswith(("refs/heads/trace-fix/", "refs/trace/"))
    ]
    return {
        "files": files,
        "status": git(path, "--no-optional-locks", "status", "--porcelain=v1", "-uall"),
        "index": hashlib.sha256((path / ".git" / "index").read_bytes()).hexdigest(),
        "head": git(path, "rev-parse", "HEAD"),
        "branch": git(path, "symbolic-ref", "-q", "HEAD"),
        "stash": git(path, "stash", "list"),
        "refs": refs,
    }


def commit_new_repository(path: Path, message: str) -> None:
    """A fresh git repository on ``main`` at ``path``, everything in it committed."""
    git(path, "init", "-q", "-b", "main")
    git(path, "config", "user.name", "Test Author")
    git(path, "config", "user.email", "author@example.com")
    # runpytest_subprocess keeps its --basetemp and output files inside the project;
    # Python its bytecode caches, which real projects ignore too.
    ignored = [*PYTESTER_FILES, "__pycache__/"]
    (path / ".git" / "info" / "exclude").write_text("\n".join(ignored) + "\n")
    git(path, "add", "-A")
    git(path, "commit", "-qm", message)


class Project:
    """A sample project copied into a pytester directory and committed to a fresh repo."""

    def __init__(self, pytester: pytest.Pytester, sample: str) -> None:
        self.pytester = pytester
        self.path = pytester.path
        shutil.copytree(SAMPLES / sample, self.path, dirs_exist_ok=True)
        commit_new_repository(self.path, f"sample {sample}")

    def state(self) -> dict[str, object]:
        return tree_state(self.path)

    def run(self, *args: str) -> pytest.RunResult:
        return self.pytester.runpytest_subprocess(
            "--trace-optimize", f"--trace-report={self.report_path}", *args
        )

    @property
    def report_path(self) -> Path:
        return self.path.parent / f"{self.path.name}-report.json"

    def report(self) -> dict[str, object]:
        data: dict[str, object] = json.loads(self.report_path.read_text())
        return data

    def branches(self) -> list[str]:
        out = git(self.path, "for-each-ref", "--format=%(refname:short)", "refs/heads/trace-fix/")
        return out.split()

    def file_on(self, ref: str, path: str) -> str:
        return git(self.path, "show", f"{ref}:{path}")


def branch_passes(project: Project, branch: str) -> subprocess.CompletedProcess[str]:
    """Run the project's tests on a fresh checkout of the branch."""
    checkout = project.path.parent / "checkout"
    git(project.path, "worktree", "add", "-q", "--detach", str(checkout), branch)
    try:
        return subprocess.run(
            [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"],
            cwd=checkout,
            capture_output=True,
            text=True,
        )
    finally:
        git(project.path, "worktree", "remove", "--force", str(checkout))


@pytest.fixture
def project(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> Project:
    for name in ("OPENAI_API_KEY", "OPENAI_BASE_URL"):
        monkeypatch.delenv(name, raising=False)
    return Project(pytester, "pricing")


@pytest.fixture
def llm(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[..., ScriptedServer]]:
    """Start a scripted OpenAI-compatible server and point the environment at it."""
    with ExitStack() as stack:

        def serve(answers: list[str | Reply], **options: object) -> ScriptedServer:
            server = stack.enter_context(ScriptedServer(answers, **options))  # type: ignore[arg-type]
            monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
            monkeypatch.setenv("OPENAI_API_KEY", "test-key")
            return server

        yield serve


def answer(suggestion: dict[str, str], reasoning: str = "the fix") -> str:
    """An answer in the format OptoPrime asks for."""
    return json.dumps({"reasoning": reasoning, "answer": "", "suggestion": suggestion})
