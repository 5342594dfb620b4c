"""What fix commits say and hold: file line numbers, and messages cleaned of what a commit
message cannot carry (NUL, lone surrogates, control characters), written through stdin."""

from __future__ import annotations

import subprocess
from pathlib import Path

import git

from pytest_trace.model import Parameter, TokenUsage
from pytest_trace.text.sanitize import printable, well_formed
from pytest_trace.vcs import git as vcs
from pytest_trace.vcs.git import Base, Identity
from pytest_trace.vcs.messages import CommitFacts, commit_message, file_lines, function_locations

FILE = '"""Cart."""\n\nimport math\n\n\n@trainable\ndef total(items):\n    s = 0\n    return s\n'


def parameter() -> Parameter:
    return Parameter("shop.cart.total", "shop.cart", "total", "shop/cart.py", "def total(items):\n")


def test_function_locations_are_def_lines_of_the_file() -> None:
    assert function_locations([parameter()], {"shop/cart.py": FILE}) == {
        "shop.cart.total": ("shop/cart.py", 7)
    }
    assert function_locations([parameter()], {}) == {}


def test_lines_counted_from_the_def_become_lines_of_the_file() -> None:
    locations = {"shop.cart.total": ("shop/cart.py", 7)}
    assert file_lines("total: line 3: `s` -> `s + 1`", locations) == (
        "total: line 9: `s` -> `s + 1`"
    )
    assert file_lines("total: lines 2-3: swapped; other: line 2: x", locations) == (
        "total: lines 8-9: swapped; other: line 2: x"
    )
    assert file_lines("total: line 3", {}) == "total: line 3"


def test_the_commit_message_gives_file_lines_and_says_of_which_file() -> None:
    message = commit_message(
        CommitFacts(
            changed=["shop.cart.total"],
            tests=["t::a"],
            passing=["t::a"],
            regression_run=3,
            iteration=1,
            candidates=4,
            optimizer="search",
            model="",
            tokens=TokenUsage(),
            base=Base(sha="a" * 40, head_sha="a" * 40, includes_uncommitted=False),
            reasoning="total: line 3: `s` → `sum(items)`",
            locations={"shop.cart.total": ("shop/cart.py", 7)},
        )
    )
    assert message.startswith("fix(total): line 9: `s` → `sum(items)`\n")
    assert "Reasoning (line numbers are those of shop/cart.py):\ntotal: line 9:" in message


def test_sanitizers() -> None:
    assert well_formed("a\x00b\ud800c\udfff") == "ab\ufffdc\ufffd"
    assert printable("a\x00\x1b[31mb\r\nc\rd\te\x7f\x85") == "a[31mb\nc\nd\te"


def test_a_commit_message_with_nul_surrogates_and_escapes_is_written_clean(
    tmp_path: Path,
) -> None:
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    repo = git.Repo(tmp_path)
    message = "fix(f): a\x00b \ud800 \x1b[2J" + "long line " * 20_000 + "\n\nbody\n"
    sha = vcs.commit_files(repo, None, {"a.py": "x = 1\n"}, message, Identity("n", "e@x"))
    written = repo.git.log("-1", "--format=%B", sha)
    assert written.startswith("fix(f): ab \ufffd [2Jlong line")
    assert "\x00" not in written and "\x1b" not in written
    assert written.rstrip().endswith("body")
    repo.close()
