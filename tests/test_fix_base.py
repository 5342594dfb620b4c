"""The fix branch carries the fix alone: untracked files the user had not committed
(``.env``, a log, bytecode) are tested with, but never committed into the branch."""

from __future__ import annotations

from conftest import answer, git

NAME = "pricing.cart.apply_discount"
FIX = "def apply_discount(price: float, percent: float) -> float:\n" + (
    "    return price * (100 - percent) / 100\n"
)


def test_untracked_files_are_tested_with_but_never_committed(project, llm):
    llm([answer({NAME: FIX})])
    path = project.path
    (path / ".env").write_text("AWS_SECRET_ACCESS_KEY=not-for-the-branch\n")
    (path / "run.log").write_text("a log the user redirected here\n")
    (path / "pricing" / "__pycache__").mkdir(exist_ok=True)
    (path / "pricing" / "__pycache__" / "stale.cpython-311.pyc").write_bytes(b"\0bytecode")
    # An untracked test the run sees (so the snapshot holds uncommitted work):
    (path / "tests" / "test_extra.py").write_text(
        "from pricing.cart import cart_total\n\n\ndef test_new():\n"
        "    assert cart_total([], percent=5) == 0\n"
    )
    before = project.state()

    result = project.run()

    result.stdout.fnmatch_lines([f"FIXED: {NAME} (5 tests)"])
    assert project.state() == before
    head = git(path, "rev-parse", "HEAD").strip()
    assert git(path, "rev-parse", "trace-fix/apply_discount~1").strip() == head
    changed = git(path, "diff", "--name-only", f"{head}..trace-fix/apply_discount")
    assert changed.split() == ["pricing/cart.py"]
    tree = git(path, "ls-tree", "-r", "--name-only", "trace-fix/apply_discount").split()
    for name in (".env", "run.log", "tests/test_extra.py"):
        assert name not in tree
    assert not [name for name in tree if "__pycache__" in name]
    assert "carries the uncommitted changes" not in result.stdout.str()
    message = git(path, "log", "-1", "--format=%B", "trace-fix/apply_discount")
    assert f"Built on: HEAD {head}" in message
    assert "Also carries" not in message
    report = project.report()
    assert (report["base_commit"], report["includes_uncommitted"]) == (head, True)
    assert git(path, "diff", f"{head}..trace-fix/apply_discount") in report["groups"][0]["diff"]
