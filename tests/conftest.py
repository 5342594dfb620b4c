"""Fixtures shared by the tests: git projects in temporary directories, a scripted LLM."""

from __future__ import annotations

import hashlib
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


class Project:
    """A sample project copied into a pytester directory and committed to a fresh repo."""

    def __init__(self, pytester: pytest.Pytester, sample: str) -> None:
        self.pytester = pytester
        self.path = pytester.path
        shutil.copytree(SAMPLES / sample, self.path, dirs_exist_ok=True)
        git(self.path, "init", "-q", "-b", "main")
        git(self.path, "config", "user.name", "Test Author")
        git(self.path, "config", "user.email", "author@example.com")
        # runpytest_subprocess keeps its --basetemp and output files inside the project.
        (self.path / ".git" / "info" / "exclude").write_text("\n".join(PYTESTER_FILES) + "\n")
        git(self.path, "add", "-A")
        git(self.path, "commit", "-qm", f"sample {sample}")

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
