"""Tests of pytest_trace.vcs.git against real git repositories in temporary directories.

Every test runs with an isolated git configuration (no global or system config, no
identity in the environment) and checks that the user's repository state is unchanged.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from pytest_trace.vcs.git import (
    SNAPSHOT_MESSAGE,
    Base,
    Identity,
    Signature,
    VcsError,
    branch_name,
    commit_files,
    identity,
    open_repo,
    set_branch,
    snapshot,
)
from pytest_trace.vcs.worktree import Worktree, remove_abandoned

TOOL = Identity("pytest-trace", "pytest-trace@localhost")
ALICE = Identity("Alice Example", "alice@example.com")


def git(cwd: Path, *args: str, check: bool = True) -> str:
    result = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=False)
    if check and result.returncode != 0:
        raise AssertionError(f"git {' '.join(args)} failed: {result.stderr}")
    return result.stdout.strip()


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.exists() else "-"


def state(repo: Path) -> tuple[object, ...]:
    """Everything of the user's that pytest-trace must leave alone."""
    files = {
        str(path.relative_to(repo)): (digest(path), path.stat().st_mode)
        for path in sorted(repo.rglob("*"))
        if ".git" not in path.relative_to(repo).parts and path.is_file()
    }
    refs = [
        line
        for line in git(repo, "for-each-ref").splitlines()
        if "refs/heads/trace-fix/" not in line
    ]
    return (
        git(repo, "--no-optional-locks", "status", "--porcelain=v1", "-uall", "--ignored"),
        files,
        git(repo, "rev-parse", "HEAD"),
        git(repo, "symbolic-ref", "HEAD", check=False),
        digest(repo / ".git" / "index"),
        git(repo, "stash", "list"),
        refs,
        digest(repo / ".git" / "logs" / "HEAD"),
    )


@pytest.fixture(autouse=True)
def isolated_git(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """No global/system git config and no identity from the environment."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(home / ".gitconfig"))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path))
    for name in (
        "GIT_AUTHOR_NAME",
        "GIT_AUTHOR_EMAIL",
        "GIT_COMMITTER_NAME",
        "GIT_COMMITTER_EMAIL",
        "EMAIL",
        "GIT_DIR",
        "GIT_WORK_TREE",
        "GIT_INDEX_FILE",
        "GIT_CONFIG_COUNT",
    ):
        monkeypatch.delenv(name, raising=False)
    temp = tmp_path / "temp"
    temp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(temp))
    yield temp


@pytest.fixture
def temp_dir(isolated_git: Path) -> Path:
    """Where pytest-trace's temporary directories go during a test."""
    return isolated_git


@pytest.fixture
def repo_path(tmp_path: Path) -> Path:
    """A repository with a few commits, a branch, a tag, a stash and ignored files."""
    path = tmp_path / "project"
    path.mkdir()
    git(path, "init", "-q", "-b", "main")
    git(path, "config", "user.name", ALICE.name)
    git(path, "config", "user.email", ALICE.email)
    (path / "pkg").mkdir()
    (path / "pkg" / "__init__.py").write_text("")
    (path / "pkg" / "mod.py").write_text("def f():\n    return 1\n")
    (path / "docs").mkdir()
    (path / "docs" / "guide.md").write_text("# Guide\n")
    (path / "README.md").write_text("hello\n")
    (path / "run.sh").write_text("#!/bin/sh\necho run\n")
    (path / "run.sh").chmod(0o755)
    (path / ".gitignore").write_text("*.log\nbuild/\n")
    git(path, "add", "-A")
    git(path, "commit", "-q", "-m", "first")
    git(path, "branch", "feature")
    git(path, "tag", "v1")
    (path / "README.md").write_text("hello again\n")
    git(path, "commit", "-q", "-am", "second")
    (path / "README.md").write_text("stashed\n")
    git(path, "stash", "-q")
    (path / "debug.log").write_text("ignored\n")
    return path


def tree_of(repo: Path, sha: str) -> dict[str, tuple[str, str]]:
    """path -> (mode, blob) of a commit's tree."""
    entries = {}
    for line in git(repo, "ls-tree", "-r", sha).splitlines():
        info, path = line.split("\t", 1)
        mode, _, blob = info.split()
        entries[path] = (mode, blob)
    return entries


# --- open_repo ----------------------------------------------------------------------------


def test_open_repo_outside_a_repository(tmp_path: Path) -> None:
    plain = tmp_path / "plain"
    plain.mkdir()
    with pytest.raises(VcsError) as info:
        open_repo(plain)
    assert str(info.value) == (
        f"pytest-trace needs a git repository: {plain} is not inside one; "
        "run `git init` and commit your code first"
    )


def test_open_repo_of_a_missing_path(tmp_path: Path) -> None:
    with pytest.raises(VcsError, match="no such file or directory"):
        open_repo(tmp_path / "missing")


def test_open_repo_searches_parent_directories(repo_path: Path) -> None:
    for start in (repo_path, repo_path / "pkg", repo_path / "pkg" / "mod.py"):
        with open_repo(start) as repo:
            assert repo.working_tree_dir is not None
            assert Path(repo.working_tree_dir) == repo_path


def test_open_repo_without_commits(tmp_path: Path) -> None:
    path = tmp_path / "empty"
    path.mkdir()
    git(path, "init", "-q", "-b", "main")
    (path / "a.py").write_text("x = 1\n")
    with pytest.raises(VcsError) as info:
        open_repo(path)
    assert f"the git repository at {path} has no commits yet" in str(info.value)
    assert "commit your code first" in str(info.value)


def test_open_repo_of_a_bare_repository(tmp_path: Path) -> None:
    path = tmp_path / "bare.git"
    git(tmp_path, "init", "-q", "--bare", str(path))
    with pytest.raises(VcsError, match="is in a bare git repository"):
        open_repo(path)


def test_open_repo_inside_the_git_directory(repo_path: Path) -> None:
    with pytest.raises(VcsError, match=r"is inside a \.git directory"):
        open_repo(repo_path / ".git" / "refs")


# --- snapshot -----------------------------------------------------------------------------


def test_snapshot_of_a_clean_working_tree_is_head(repo_path: Path) -> None:
    before = state(repo_path)
    head = git(repo_path, "rev-parse", "HEAD")
    with open_repo(repo_path) as repo:
        tree = git(repo_path, "rev-parse", "HEAD^{tree}")
        assert snapshot(repo) == Base(
            sha=head, head_sha=head, includes_uncommitted=False, tree=tree
        )
    assert state(repo_path) == before


def test_snapshot_of_uncommitted_changes(repo_path: Path) -> None:
    (repo_path / "pkg" / "mod.py").write_text("def f():\n    return 2\n")  # unstaged
    (repo_path / "README.md").write_text("staged\n")
    git(repo_path, "add", "README.md")
    (repo_path / "docs" / "guide.md").write_text("staged\n")
    git(repo_path, "add", "docs/guide.md")
    (repo_path / "docs" / "guide.md").write_text("staged, then changed again\n")
    (repo_path / "new").mkdir()
    (repo_path / "new" / "helper.py").write_text("HELP = 1\n")  # untracked
    (repo_path / "build").mkdir()
    (repo_path / "build" / "out.py").write_text("ignored\n")  # ignored
    (repo_path / "pkg" / "__init__.py").unlink()  # deleted
    (repo_path / "run.sh").write_text("#!/bin/sh\necho changed\n")  # keeps its mode
    before = state(repo_path)
    head = git(repo_path, "rev-parse", "HEAD")

    with open_repo(repo_path) as repo:
        base = snapshot(repo)

    assert state(repo_path) == before
    assert base.head_sha == head
    assert base.includes_uncommitted
    assert base.sha != head
    assert git(repo_path, "rev-parse", f"{base.sha}^@") == head
    assert git(repo_path, "log", "-1", "--format=%B", base.sha) == SNAPSHOT_MESSAGE

    def show(path: str) -> str:
        return git(repo_path, "show", f"{base.sha}:{path}")

    assert show("pkg/mod.py") == "def f():\n    return 2"
    assert show("README.md") == "staged"
    assert show("docs/guide.md") == "staged, then changed again"
    assert show("new/helper.py") == "HELP = 1"
    tree = tree_of(repo_path, base.sha)
    assert set(tree) == {".gitignore", "README.md", "docs/guide.md", "new/helper.py"} | {
        "pkg/mod.py",
        "run.sh",
    }
    assert tree["run.sh"][0] == "100755"
    # The snapshot commit is not referenced by any ref.
    assert git(repo_path, "for-each-ref", "--contains", base.sha) == ""


def test_snapshot_leaves_out_the_reports_of_the_run(repo_path: Path, tmp_path: Path) -> None:
    (repo_path / "report.json").write_text("{}\n")
    (repo_path / "graphs").mkdir()
    (repo_path / "graphs" / "group-1.dot").write_text("digraph {}\n")
    (repo_path / "new.py").write_text("X = 1\n")
    before = state(repo_path)

    with open_repo(repo_path) as repo:
        outside = tmp_path / "elsewhere.md"
        base = snapshot(repo, exclude=[repo_path / "report.json", repo_path / "graphs", outside])

    assert state(repo_path) == before
    tree = tree_of(repo_path, base.sha)
    assert "new.py" in tree
    assert not any(path == "report.json" or path.startswith("graphs/") for path in tree)
    with open_repo(repo_path) as repo:
        assert "report.json" in tree_of(repo_path, snapshot(repo).sha)  # only when asked


def test_snapshot_author_without_any_configured_identity(repo_path: Path) -> None:
    git(repo_path, "config", "--unset", "user.name")
    git(repo_path, "config", "--unset", "user.email")
    (repo_path / "untracked.py").write_text("x = 1\n")
    before = state(repo_path)
    with open_repo(repo_path) as repo:
        base = snapshot(repo)
    assert state(repo_path) == before
    author = git(repo_path, "log", "-1", "--format=%an <%ae>|%cn <%ce>", base.sha)
    assert author == "pytest-trace <pytest-trace@localhost>|pytest-trace <pytest-trace@localhost>"


def test_snapshot_of_a_sparse_checkout_keeps_the_files_outside_it(repo_path: Path) -> None:
    git(repo_path, "sparse-checkout", "set", "pkg")
    assert not (repo_path / "docs").exists()
    head = git(repo_path, "rev-parse", "HEAD")
    with open_repo(repo_path) as repo:
        assert snapshot(repo).sha == head
        (repo_path / "pkg" / "mod.py").write_text("changed\n")
        base = snapshot(repo)
    assert "docs/guide.md" in tree_of(repo_path, base.sha)
    assert git(repo_path, "show", f"{base.sha}:pkg/mod.py") == "changed"


def test_snapshot_sees_a_change_made_in_the_same_clock_tick_as_the_index(
    repo_path: Path,
) -> None:
    """Git's racy-clean check: an edit that keeps size and mtime is still seen.

    When a file is rewritten within the timestamp granularity of the index write, its stat
    data matches the index entry; git then compares contents because the entry is not
    older than the index. The private copy of the index must keep the index's own mtime
    for that check to work, as it does for the user's ``git status``.
    """
    git(repo_path, "config", "core.trustctime", "false")
    module = repo_path / "pkg" / "mod.py"
    tick = 1_700_000_000
    os.utime(module, (tick, tick))
    git(repo_path, "add", "pkg/mod.py")
    index = repo_path / ".git" / "index"
    os.utime(index, (tick, tick))
    module.write_text("def f():\n    return 3\n")
    os.utime(module, (tick, tick))
    with open_repo(repo_path) as repo:
        base = snapshot(repo)
    assert git(repo_path, "show", f"{base.sha}:pkg/mod.py") == "def f():\n    return 3"
    assert index.stat().st_mtime == tick


def test_snapshot_in_a_repository_opened_from_a_subdirectory(repo_path: Path) -> None:
    (repo_path / "pkg" / "extra.py").write_text("y = 2\n")
    with open_repo(repo_path / "pkg") as repo:
        base = snapshot(repo)
    assert git(repo_path, "show", f"{base.sha}:pkg/extra.py") == "y = 2"


# --- Worktree -----------------------------------------------------------------------------


def worktree_admin(repo: Path) -> list[str]:
    admin = repo / ".git" / "worktrees"
    return sorted(os.listdir(admin)) if admin.exists() else []


def test_worktree_is_created_and_removed(repo_path: Path, temp_dir: Path) -> None:
    (repo_path / "pkg" / "mod.py").write_text("def f():\n    return 3\n")
    with open_repo(repo_path) as repo:
        base = snapshot(repo)
        before = state(repo_path)
        with Worktree(repo, base.sha) as worktree:
            path = worktree.path
            assert path.name == repo_path.name
            assert path.is_relative_to(temp_dir)
            assert (path / "pkg" / "mod.py").read_text() == "def f():\n    return 3\n"
            assert not (path / "debug.log").exists()
            assert os.access(path / "run.sh", os.X_OK)
            assert git(path, "rev-parse", "HEAD") == base.sha
            assert git(path, "symbolic-ref", "-q", "HEAD", check=False) == ""
            (path / "pkg" / "mod.py").write_text("candidate\n")
            (path / "scratch.txt").write_text("left behind\n")
            assert state(repo_path) == before
        assert not path.exists()
    assert state(repo_path) == before
    assert os.listdir(temp_dir) == []
    assert worktree_admin(repo_path) == []
    assert git(repo_path, "worktree", "list", "--porcelain").count("worktree ") == 1


def test_worktree_is_removed_after_keyboard_interrupt(repo_path: Path, temp_dir: Path) -> None:
    before = state(repo_path)
    head = git(repo_path, "rev-parse", "HEAD")
    with (
        open_repo(repo_path) as repo,
        pytest.raises(KeyboardInterrupt),
        Worktree(repo, head) as worktree,
    ):
        path = worktree.path
        assert (path / "README.md").is_file()
        raise KeyboardInterrupt
    assert not path.exists()
    assert os.listdir(temp_dir) == []
    assert worktree_admin(repo_path) == []
    assert state(repo_path) == before


@pytest.mark.parametrize("spoil", ["delete", "lock"])
def test_worktree_cleanup_after_the_body_spoiled_it(
    repo_path: Path, temp_dir: Path, spoil: str
) -> None:
    head = git(repo_path, "rev-parse", "HEAD")
    before = state(repo_path)
    with open_repo(repo_path) as repo, Worktree(repo, head) as worktree:
        assert worktree_admin(repo_path) != []
        if spoil == "delete":
            shutil.rmtree(worktree.path)
        else:  # locked again with another reason
            git(repo_path, "worktree", "unlock", str(worktree.path))
            git(repo_path, "worktree", "lock", "--reason", "mine", str(worktree.path))
    assert os.listdir(temp_dir) == []
    assert worktree_admin(repo_path) == []
    assert git(repo_path, "worktree", "list", "--porcelain").count("worktree ") == 1
    assert state(repo_path) == before


def test_worktree_does_not_run_hooks(repo_path: Path) -> None:
    marker = repo_path.parent / "hook-ran"
    hook = repo_path / ".git" / "hooks" / "post-checkout"
    hook.write_text(f"#!/bin/sh\ntouch '{marker}'\n")
    hook.chmod(0o755)
    plain = repo_path.parent / "plain-worktree"
    git(repo_path, "worktree", "add", "-q", "--detach", str(plain), "HEAD")
    git(repo_path, "worktree", "remove", str(plain))
    assert marker.exists()  # the hook runs for `git worktree add`...
    marker.unlink()
    with open_repo(repo_path) as repo, Worktree(repo, git(repo_path, "rev-parse", "HEAD")):
        pass
    assert not marker.exists()  # ...but not for pytest-trace's worktrees


def test_worktree_of_an_unknown_commit(repo_path: Path, temp_dir: Path) -> None:
    before = state(repo_path)
    with open_repo(repo_path) as repo, pytest.raises(VcsError, match="worktree add"):
        Worktree(repo, "0" * 40).__enter__()
    assert os.listdir(temp_dir) == []
    assert worktree_admin(repo_path) == []
    assert state(repo_path) == before


def test_worktree_path_only_inside_the_with_block(repo_path: Path) -> None:
    with open_repo(repo_path) as repo:
        worktree = Worktree(repo, git(repo_path, "rev-parse", "HEAD"))
        with pytest.raises(RuntimeError, match="only inside its `with` block"):
            _ = worktree.path


def test_the_worktree_of_a_killed_run_is_removed_by_the_next(
    repo_path: Path, temp_dir: Path
) -> None:
    head = git(repo_path, "rev-parse", "HEAD")
    before = state(repo_path)
    code = (
        "import sys, time\n"
        "from pytest_trace.vcs.git import open_repo\n"
        "from pytest_trace.vcs.worktree import Worktree\n"
        "with open_repo(sys.argv[1]) as repo, Worktree(repo, sys.argv[2]) as worktree:\n"
        "    print(worktree.path, flush=True)\n"
        "    time.sleep(60)\n"
    )
    child = subprocess.Popen(
        [sys.executable, "-c", code, str(repo_path), head],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "TMPDIR": str(temp_dir)},
    )
    assert child.stdout is not None
    path = Path(child.stdout.readline().strip())
    assert path.is_dir()
    with open_repo(repo_path) as repo:
        assert remove_abandoned(repo) == []  # its process is alive: not abandoned
    child.kill()  # SIGKILL: no clean-up of its own
    child.wait()
    child.stdout.close()
    assert path.is_dir()
    git(repo_path, "worktree", "prune")
    assert worktree_admin(repo_path) != []  # locked: git's own prune keeps it

    with open_repo(repo_path) as repo:
        assert remove_abandoned(repo) == [path]

    assert not path.exists()
    assert os.listdir(temp_dir) == []
    assert worktree_admin(repo_path) == []
    assert state(repo_path) == before


# --- identity -----------------------------------------------------------------------------


def test_identity_from_the_environment(repo_path: Path) -> None:
    with open_repo(repo_path) as repo:
        environ = {"GIT_AUTHOR_NAME": "Bob", "GIT_AUTHOR_EMAIL": "bob@example.org"}
        assert identity(repo, environ) == Identity("Bob", "bob@example.org")


def test_identity_from_the_repository_config(repo_path: Path) -> None:
    with open_repo(repo_path) as repo:
        assert identity(repo, {}) == ALICE
        git(repo_path, "config", "author.name", "Alice Author")
        assert identity(repo, {}) == Identity("Alice Author", ALICE.email)


def test_identity_from_the_global_config(repo_path: Path, tmp_path: Path) -> None:
    git(repo_path, "config", "--unset", "user.name")
    git(repo_path, "config", "--unset", "user.email")
    (tmp_path / "home" / ".gitconfig").write_text(
        "[user]\n\tname = Global Person\n\temail = global@example.net\n"
    )
    with open_repo(repo_path) as repo:
        assert identity(repo, {}) == Identity("Global Person", "global@example.net")


def test_identity_when_none_is_configured(repo_path: Path) -> None:
    git(repo_path, "config", "--unset", "user.name")
    git(repo_path, "config", "--unset", "user.email")
    with open_repo(repo_path) as repo:
        assert identity(repo, {}) == TOOL
        assert identity(repo, {"EMAIL": "me@example.com"}) == Identity(
            "pytest-trace", "me@example.com"
        )
        assert identity(repo, {"GIT_AUTHOR_NAME": "Carol"}) == Identity(
            "Carol", "pytest-trace@localhost"
        )


IDENTITY_CASES = [
    pytest.param({}, {}, id="user.*"),
    pytest.param({"GIT_AUTHOR_NAME": "Bob", "GIT_AUTHOR_EMAIL": "bob@example.org"}, {}, id="env"),
    pytest.param({"GIT_COMMITTER_NAME": "Cy", "GIT_COMMITTER_EMAIL": "cy@example.org"}, {}, id="c"),
    pytest.param({}, {"author.name": "Ann", "committer.email": "ci@example.org"}, id="role.*"),
    pytest.param({"GIT_AUTHOR_NAME": "Env"}, {"author.name": "Config"}, id="env-wins"),
    pytest.param({"EMAIL": "mail@example.org"}, {"author.email": "a@example.org"}, id="EMAIL"),
    pytest.param(
        {"GIT_CONFIG_COUNT": "1", "GIT_CONFIG_KEY_0": "user.name", "GIT_CONFIG_VALUE_0": "Dee"},
        {},
        id="config-env",
    ),
]


@pytest.mark.parametrize(("environ", "config"), IDENTITY_CASES)
def test_identity_is_the_one_git_uses(
    repo_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    environ: dict[str, str],
    config: dict[str, str],
) -> None:
    for key, value in config.items():
        git(repo_path, "config", key, value)
    for key, value in environ.items():
        monkeypatch.setenv(key, value)
    with open_repo(repo_path) as repo:
        for role in ("author", "committer"):
            ident = git(repo_path, "var", f"GIT_{role.upper()}_IDENT")
            expected = ident.rsplit(" ", 2)[0]
            got = identity(repo, os.environ, role)  # type: ignore[arg-type]
            assert f"{got.name} <{got.email}>" == expected, role


def test_without_user_email_the_address_comes_from_EMAIL(repo_path: Path) -> None:
    git(repo_path, "config", "--unset", "user.email")
    with open_repo(repo_path) as repo:
        assert identity(repo, {"EMAIL": "me@example.com"}, "committer") == Identity(
            ALICE.name, "me@example.com"
        )
        # Where git would make an address up from the account and host, the tool is named.
        assert identity(repo, {}, "committer") == Identity(ALICE.name, TOOL.email)


def test_commit_files_records_author_and_committer(repo_path: Path) -> None:
    bob = Identity("Bob", "bob@example.org")
    with open_repo(repo_path) as repo:
        sha = commit_files(repo, "HEAD", {"x.py": "x = 1\n"}, "x", Signature(ALICE, bob))
        root = commit_files(repo, None, {"record.json": "{}\n"}, "root", ALICE)
    assert git(repo_path, "log", "-1", "--format=%an <%ae>|%cn <%ce>", sha) == (
        "Alice Example <alice@example.com>|Bob <bob@example.org>"
    )
    assert git(repo_path, "rev-list", "--parents", "-n", "1", root) == root
    assert git(repo_path, "ls-tree", "--name-only", root) == "record.json"


# --- commit_files -------------------------------------------------------------------------


def test_commit_files(repo_path: Path) -> None:
    head = git(repo_path, "rev-parse", "HEAD")
    (repo_path / "pkg" / "mod.py").write_text("uncommitted work\n")
    before = state(repo_path)
    files = {
        "pkg/mod.py": "def f():\n    return 42\n",
        "run.sh": "#!/bin/sh\necho fixed\n",
        "pkg/sub/new.py": "NEW = 'é'\n",
    }
    with open_repo(repo_path) as repo:
        sha = commit_files(repo, head, files, "Fix f\n\nDetails.", ALICE)

    assert state(repo_path) == before
    assert git(repo_path, "rev-parse", f"{sha}^@") == head
    assert git(repo_path, "log", "-1", "--format=%B", sha) == "Fix f\n\nDetails."
    people = git(repo_path, "log", "-1", "--format=%an <%ae>|%cn <%ce>", sha)
    assert people == "Alice Example <alice@example.com>|Alice Example <alice@example.com>"
    old, new = tree_of(repo_path, head), tree_of(repo_path, sha)
    assert set(new) == set(old) | {"pkg/sub/new.py"}
    assert {path: new[path] for path in old if path not in files} == {
        path: entry for path, entry in old.items() if path not in files
    }
    assert new["run.sh"][0] == "100755"
    assert new["pkg/mod.py"][0] == "100644"
    assert new["pkg/sub/new.py"][0] == "100644"
    for path, text in files.items():
        blob = subprocess.run(
            ["git", "cat-file", "blob", new[path][1]], cwd=repo_path, capture_output=True
        ).stdout
        assert blob == text.encode("utf-8")
    assert git(repo_path, "for-each-ref", "--contains", sha) == ""


def test_commit_files_applies_the_clean_filters_of_the_path(repo_path: Path) -> None:
    (repo_path / ".gitattributes").write_text("*.py text eol=lf\n")
    git(repo_path, "add", ".gitattributes")
    git(repo_path, "commit", "-q", "-m", "attributes")
    head = git(repo_path, "rev-parse", "HEAD")
    with open_repo(repo_path) as repo:
        sha = commit_files(repo, head, {"pkg/mod.py": "a = 1\r\nb = 2\r\n"}, "crlf", ALICE)
    blob = subprocess.run(
        ["git", "cat-file", "-p", f"{sha}:pkg/mod.py"], cwd=repo_path, capture_output=True
    ).stdout
    assert blob == b"a = 1\nb = 2\n"


@pytest.mark.parametrize("path", ["../outside.py", "/abs.py", ".git/config", "a\\b.py", "", "a//b"])
def test_commit_files_rejects_bad_paths(repo_path: Path, path: str) -> None:
    head = git(repo_path, "rev-parse", "HEAD")
    with open_repo(repo_path) as repo, pytest.raises(VcsError, match="POSIX path"):
        commit_files(repo, head, {path: "x"}, "bad", ALICE)


def test_commit_files_refuses_symlinks_and_directories(repo_path: Path) -> None:
    (repo_path / "link.py").symlink_to("pkg/mod.py")
    git(repo_path, "add", "link.py")
    git(repo_path, "commit", "-q", "-m", "link")
    head = git(repo_path, "rev-parse", "HEAD")
    with open_repo(repo_path) as repo:
        with pytest.raises(VcsError, match=r"link\.py: it is a symbolic link"):
            commit_files(repo, head, {"link.py": "x = 1\n"}, "bad", ALICE)
        with pytest.raises(VcsError, match="pkg: it is a tree"):
            commit_files(repo, head, {"pkg": "x = 1\n"}, "bad", ALICE)
        with pytest.raises(VcsError, match="not-a-commit"):
            commit_files(repo, "not-a-commit", {"a.py": "x = 1\n"}, "bad", ALICE)


# --- branch_name and set_branch -------------------------------------------------------------


@pytest.mark.parametrize(
    ("slug", "expected"),
    [
        ("apply_discount", "trace-fix/apply_discount"),
        ("Fix pricing.cart.Apply_Discount!", "trace-fix/fix-pricing.cart.apply_discount"),
        ("a..b", "trace-fix/a.b"),
        ("..hidden/x~y^z:w?*[", "trace-fix/hidden-x-y-z-w"),
        ("name.lock", "trace-fix/name"),
        ("name.lock.lock.", "trace-fix/name"),
        ("-dash-", "trace-fix/dash"),
        ("@{}", "trace-fix/fix"),
        ("", "trace-fix/fix"),
        ("x" * 100, "trace-fix/" + "x" * 60),
        ("y" * 59 + ".lock", "trace-fix/" + "y" * 59),
    ],
)
def test_branch_name_sanitizes(repo_path: Path, slug: str, expected: str) -> None:
    with open_repo(repo_path) as repo:
        name = branch_name(repo, slug)
    assert name == expected
    assert git(repo_path, "check-ref-format", "--branch", name) == name


def test_branch_name_avoids_existing_branches(repo_path: Path) -> None:
    with open_repo(repo_path) as repo:
        git(repo_path, "branch", "trace-fix/fix-f")
        assert branch_name(repo, "fix-f") == "trace-fix/fix-f-2"
        git(repo_path, "branch", "trace-fix/fix-f-2")
        assert branch_name(repo, "Fix F") == "trace-fix/fix-f-3"
        git(repo_path, "branch", "trace-fix/other/deeper")
        assert branch_name(repo, "other") == "trace-fix/other-2"
        git(repo_path, "branch", "trace-fix/Upper")
        assert branch_name(repo, "upper") == "trace-fix/upper-2"


def test_branch_name_with_a_trace_fix_branch(repo_path: Path) -> None:
    git(repo_path, "branch", "trace-fix")
    with open_repo(repo_path) as repo, pytest.raises(VcsError, match="named trace-fix exists"):
        branch_name(repo, "anything")


def test_set_branch_creates_and_moves(repo_path: Path) -> None:
    head = git(repo_path, "rev-parse", "HEAD")
    first = git(repo_path, "rev-parse", "HEAD~1")
    before = state(repo_path)
    with open_repo(repo_path) as repo:
        set_branch(repo, "trace-fix/f", head)
        assert git(repo_path, "rev-parse", "refs/heads/trace-fix/f") == head
        set_branch(repo, "trace-fix/f", first)
        assert git(repo_path, "rev-parse", "refs/heads/trace-fix/f") == first
    assert state(repo_path) == before


def test_set_branch_refuses_the_checked_out_branch(repo_path: Path) -> None:
    first = git(repo_path, "rev-parse", "HEAD~1")
    before = state(repo_path)
    with open_repo(repo_path) as repo:
        message = f"branch main: it is checked out in {repo_path}"
        with pytest.raises(VcsError, match=re.escape(message)):
            set_branch(repo, "main", first)
        other = repo_path.parent / "other-worktree"
        git(repo_path, "worktree", "add", "-q", str(other), "feature")
        message = f"branch feature: it is checked out in {other}"
        with pytest.raises(VcsError, match=re.escape(message)):
            set_branch(repo, "feature", first)
        git(repo_path, "worktree", "remove", str(other))
    assert state(repo_path) == before


def test_set_branch_validates_its_arguments(repo_path: Path) -> None:
    before = state(repo_path)
    with open_repo(repo_path) as repo:
        with pytest.raises(VcsError, match="not a valid branch name"):
            set_branch(repo, "trace-fix/bad..name", git(repo_path, "rev-parse", "HEAD"))
        with pytest.raises(VcsError, match="rev-parse"):
            set_branch(repo, "trace-fix/x", "0" * 40)
    assert state(repo_path) == before
    assert git(repo_path, "branch", "--list", "trace-fix/*") == ""


def test_state_notices_what_it_guards(repo_path: Path) -> None:
    """The helper itself: each kind of change to the user's repository shows."""
    changes: list[Callable[[], object]] = [
        lambda: (repo_path / "debug.log").write_text("changed\n"),
        lambda: git(repo_path, "add", "-f", "debug.log"),
        lambda: git(repo_path, "stash", "drop", "-q"),
        lambda: git(repo_path, "branch", "another"),
        lambda: git(repo_path, "update-ref", "refs/heads/feature", "HEAD"),
        lambda: git(repo_path, "checkout", "-q", "--detach"),
        lambda: git(repo_path, "commit", "-q", "--allow-empty", "-m", "more"),
    ]
    for change in changes:
        before = state(repo_path)
        change()
        assert state(repo_path) != before
    before = state(repo_path)
    git(repo_path, "branch", "trace-fix/ours")
    assert state(repo_path) == before
