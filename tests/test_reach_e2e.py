"""End to end: the user's run tells which trainables each test reaches, also under
pytest-xdist, so that only the failing tests are run again before the candidates."""

from __future__ import annotations

import pytest
from conftest import answer, branch_passes, git

NAME = "pricing.cart.apply_discount"
SIGNATURE = "def apply_discount(price: float, percent: float) -> float:\n"
FIX = SIGNATURE + "    return price * (100 - percent) / 100\n"
WRONG = SIGNATURE + "    return price - percent\n"
# Makes every failing test pass, but a free item of price 0 now costs 1.
BREAKS_OTHERS = SIGNATURE + "    return price * (100 - percent) / 100 if price else 1\n"
FAILING = [
    "tests/test_cart.py::test_apply_discount",
    "tests/test_cart.py::test_no_discount",
    "tests/test_cart.py::test_cart_total",
    "tests/test_cart.py::test_full_discount_is_free[1]",
    "tests/test_cart.py::test_full_discount_is_free[99.5]",
]
XDIST = [
    pytest.param([], id="one process"),
    pytest.param(["-n", "2"], id="xdist"),
]


@pytest.mark.parametrize("args", XDIST)
def test_the_passing_tests_that_reach_a_change_guard_it(project, llm, args):
    # The same results with and without xdist: a wrong fix and one that breaks a test
    # that passed are caught by the passing tests that reach the change, in forked runs,
    # rejected and explained; the fix is accepted, alone on the branch.
    if args:
        pytest.importorskip("xdist")
    server = llm([answer({NAME: WRONG}), answer({NAME: BREAKS_OTHERS}), answer({NAME: FIX})])
    before = project.state()

    result = project.run(*args)

    result.assert_outcomes(passed=2, failed=5)
    result.stdout.fnmatch_lines(
        [
            *(["*2 workers*"] if args else []),
            # the 5 failing tests and the one passing test that reaches apply_discount;
            # not test_cart_total_of_nothing, which reaches no trainable
            "pytest-trace: collecting 6 tests in a worker process",
            "pytest-trace: recording the trace of 5 failing test(s)",
            f"FIXED: {NAME} (5 tests)",
        ]
    )
    assert project.state() == before
    [group] = project.report()["groups"]
    assert sorted(group["tests"]) == sorted(FAILING)
    assert (group["status"], group["iterations"], group["candidates"]) == ("fixed", 3, 3)
    # The wrong fix: rolled back, and remembered in the next prompt.
    second = server.requests[1]["messages"][-1]["content"]
    assert "rolled back" in second
    assert "return price - percent" in second
    # The fix that breaks a test that passed: the next prompt says which.
    third = server.requests[2]["messages"][-1]["content"]
    assert "passed before" in third
    assert "test_full_discount_is_free[0]" in third
    # Only the fix is on the branch, one commit on the base, and it is a real fix.
    branch = "trace-fix/apply_discount"
    assert len(git(project.path, "log", "--format=%s", f"HEAD..{branch}").splitlines()) == 1
    fixed = project.file_on(branch, "pricing/cart.py")
    assert "if price else 1" not in fixed and "return price - percent" not in fixed
    checked = branch_passes(project, branch)
    assert checked.returncode == 0, checked.stdout
    # Both bad candidates were caught in forked runs: the only fresh process is the
    # validation of the fix.
    assert project.report()["runs"]["fresh_process"] == 1


def test_a_hanging_test_times_out_is_recorded_under_a_short_limit_and_becomes_feedback(
    project, llm
):
    cart = project.path / "pricing" / "cart.py"
    cart.write_text(
        cart.read_text().replace(
            "    return price * percent / 100\n",
            "    while percent == 10:\n        pass\n    return price * percent / 100\n",
        )
    )
    git(project.path, "commit", "-qam", "hang")
    server = llm([answer({NAME: FIX})])

    result = project.run("--trace-timeout=3")

    # in the user's run it hit the 3 s limit ...
    result.stdout.fnmatch_lines(["*TestTimeout: test timed out after 3.0 s"])
    result.stdout.fnmatch_lines([f"FIXED: {NAME} (5 tests)"])
    prompt = server.requests[0]["messages"][-1]["content"]
    assert "test_apply_discount" in prompt
    # ... recorded again, the short one, and that is its feedback
    feedback = prompt[prompt.index("#Feedback") :]
    assert "test_apply_discount timed out after 0.2 s of CPU time" in feedback, feedback


def test_a_guard_that_fails_without_the_users_ignored_files_does_not_block_a_fix(project, llm):
    # It passes in the user's tree and reaches apply_discount, but it reads a file git
    # ignores, which the snapshot lacks: it fails there whatever the candidate.
    (project.path / "tests" / "test_local.py").write_text(
        "from pathlib import Path\n\nfrom pricing.cart import apply_discount\n\n\n"
        "def test_price_from_a_local_file():\n"
        '    price = float((Path(__file__).parent / "local.txt").read_text())\n'
        "    assert apply_discount(price, 100) == 0\n"
    )
    (project.path / "tests" / "local.txt").write_text("0\n")
    with (project.path / ".git" / "info" / "exclude").open("a") as exclude:
        exclude.write("local.txt\n")
    git(project.path, "add", "tests/test_local.py")
    git(project.path, "commit", "-qm", "a test of a local file")
    llm([answer({NAME: FIX})])

    result = project.run()

    result.assert_outcomes(passed=3, failed=5)
    result.stdout.fnmatch_lines([f"FIXED: {NAME} (5 tests)"])
