"""End to end: pytest --trace-optimize on a sample project in a real git repository,
against a scripted OpenAI-compatible server on 127.0.0.1 through the real client."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from fnmatch import fnmatch

import pytest
from conftest import PYTESTER_FILES, SAMPLES, Project, answer, branch_passes, git

SIGNATURE = "def apply_discount(price: float, percent: float) -> float:\n"
FIX = SIGNATURE + "    return price * (100 - percent) / 100\n"
WRONG = "def apply_discount(price: float, percent: float) -> float:\n    return price - percent\n"
NAME = "pricing.cart.apply_discount"
FAILING = [
    "tests/test_cart.py::test_apply_discount",
    "tests/test_cart.py::test_no_discount",
    "tests/test_cart.py::test_cart_total",
    "tests/test_cart.py::test_full_discount_is_free[1]",
    "tests/test_cart.py::test_full_discount_is_free[99.5]",
]


def test_right_fix_on_first_answer(project, llm):
    server = llm([answer({NAME: FIX}, "apply_discount returns the discount, not the price")])
    before = project.state()

    result = project.run()

    result.assert_outcomes(passed=2, failed=5)  # the exit status speaks of the working tree
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines(
        [
            "*= pytest-trace =*",
            f"FIXED: {NAME} (5 tests)",
            "*branch trace-fix/apply_discount; review: git diff *..trace-fix/apply_discount",
        ]
    )
    assert project.state() == before
    assert project.branches() == ["trace-fix/apply_discount"]
    assert project.file_on("trace-fix/apply_discount", "pricing/cart.py") == (
        project.path / "pricing/cart.py"
    ).read_text().replace(
        "    # Seeded bug: this is the discount itself, not the discounted price.\n"
        "    return price * percent / 100\n",
        "    return price * (100 - percent) / 100\n",
    )
    checked = branch_passes(project, "trace-fix/apply_discount")
    assert checked.returncode == 0, checked.stdout
    report = project.report()
    head = git(project.path, "rev-parse", "HEAD").strip()
    assert report["version"] == 1
    assert report["base_commit"] == head
    [group] = report["groups"]
    assert group["status"] == "fixed"
    assert sorted(group["tests"]) == sorted(FAILING)
    assert group["parameters"] == [NAME]
    assert group["branch"] == "trace-fix/apply_discount"
    assert group["commit"] == git(project.path, "rev-parse", "trace-fix/apply_discount").strip()
    assert (group["iterations"], group["candidates"]) == (1, 1)
    assert group["tokens"] == {"prompt": 11, "completion": 7}
    assert group["seconds"] > 0
    # The prompt: OptoPrime's sections, the parameter by its qualified name, the test source.
    prompt = server.requests[0]["messages"][-1]["content"]
    sections = [
        "#Instruction",
        "#Code",
        "#Documentation",
        "#Variables",
        "#Constraints",
        "#Inputs",
        "#Others",
        "#Outputs",
        "#Feedback",
    ]
    lines = prompt.splitlines()
    positions = [lines.index(section) for section in sections]
    assert positions == sorted(positions)
    assert f"(code) {NAME}:def apply_discount(price: float, percent: float) -> float:" in prompt
    assert "assert apply_discount(200, 10) == 180.0" in prompt
    assert "where 20.0 = apply_discount(200, 10)" in prompt
    # The commit explains itself and names the base.
    message = git(project.path, "log", "-1", "--format=%B", "trace-fix/apply_discount")
    assert message.startswith("fix(apply_discount): apply_discount returns the discount")
    assert f"Base: {head}" in message
    assert "Optimized-by: pytest-trace " in message
    assert git(project.path, "rev-parse", "trace-fix/apply_discount~1").strip() == head


def test_malformed_answers_then_the_right_one(project, llm):
    server = llm(
        [
            "I think the discount is wrong, but here is no JSON at all.",
            answer({"pricing.cart.apply_dicsount": FIX}),
            answer({NAME: "def apply_discount(price, percent):\n    return (\n"}),
            answer({NAME: FIX}),
        ]
    )
    before = project.state()

    result = project.run()

    result.stdout.fnmatch_lines([f"FIXED: {NAME} (5 tests)"])
    assert project.state() == before
    [group] = project.report()["groups"]
    assert (group["status"], group["iterations"], group["candidates"]) == ("fixed", 4, 1)
    prompts = [request["messages"][-1]["content"] for request in server.requests]
    assert "rejected" in prompts[1]
    assert "pricing.cart.apply_dicsount" in prompts[2]
    assert "compile" in prompts[3] or "SyntaxError" in prompts[3]


def test_no_fix_found_leaves_no_branch_and_ini_settings_are_read(project, llm):
    server = llm([answer({NAME: WRONG})], repeat_last=True)
    with (project.path / "pyproject.toml").open("a") as f:
        f.write('trace_model = "my-local-model"\ntrace_max_iterations = "2"\n')

    result = project.run()

    result.stdout.fnmatch_lines([f"UNFIXED: {NAME} (5 tests)", "  2 iterations, 1 candidate*"])
    assert project.branches() == []
    report = project.report()
    [group] = report["groups"]
    assert (group["status"], group["branch"], group["commit"]) == ("unfixed", None, None)
    assert [r["model"] for r in server.requests] == ["my-local-model"] * 2
    assert report["model"] == "my-local-model"


def test_dirty_working_tree_stash_and_other_branches_are_preserved(project, llm):
    llm([answer({NAME: FIX})])
    cart = project.path / "pricing" / "cart.py"
    committed = cart.read_text()
    cart.write_text("# stashed change\n", encoding="utf-8")
    git(project.path, "stash", "push", "-q")
    git(project.path, "branch", "feature")
    assert cart.read_text() == committed
    cart.write_text(cart.read_text() + "\n\n# work in progress, not committed\n")
    extra = project.path / "tests" / "test_extra.py"
    extra.write_text(
        "from pricing.cart import cart_total\n\n\ndef test_new():\n"
        "    assert cart_total([], percent=5) == 0\n"
    )
    git(project.path, "add", "tests/test_extra.py")  # staged, not committed
    (project.path / "notes.txt").write_bytes(b"untracked\r\nbytes\x00\n")
    before = project.state()

    result = project.run()

    result.stdout.fnmatch_lines([f"FIXED: {NAME} (5 tests)"])
    assert project.state() == before  # files, index, HEAD, stash and branches
    assert project.branches() == ["trace-fix/apply_discount"]
    # The tests ran on the uncommitted state, but the fix is built on HEAD: it carries
    # the fix's file (with its uncommitted changes, said so) and nothing else.
    head = git(project.path, "rev-parse", "HEAD").strip()
    assert git(project.path, "rev-parse", "trace-fix/apply_discount~1").strip() == head
    changed = git(project.path, "diff", "--name-only", f"{head}..trace-fix/apply_discount")
    assert changed.split() == ["pricing/cart.py"]
    fixed = project.file_on("trace-fix/apply_discount", "pricing/cart.py")
    assert fixed.endswith("# work in progress, not committed\n")
    message = git(project.path, "log", "-1", "--format=%B", "trace-fix/apply_discount")
    assert "plus uncommitted changes" in message
    assert "Also carries the uncommitted changes of your working tree to: pricing/cart.py" in (
        message
    )
    result.stdout.fnmatch_lines(
        ["*also carries the uncommitted changes you had in pricing/cart.py*"]
    )
    report = project.report()
    assert report["includes_uncommitted"] is True
    assert report["base_commit"] == head


def test_no_git_repository_is_a_clear_error(pytester, llm):
    llm([answer({NAME: FIX})])
    pytester.makepyfile(
        mod="from pytest_trace import trainable\n\n@trainable\ndef f(x):\n    return x\n",
        test_mod="from mod import f\n\ndef test_f():\n    assert f(1) == 2\n",
    )

    def listing() -> list[str]:  # what the user made; tools' caches (.benchmarks) aside
        names = (
            p.name
            for p in pytester.path.iterdir()
            if not p.name.startswith(".") and p.name != "__pycache__"
        )
        return sorted(n for n in names if not any(fnmatch(n, f) for f in PYTESTER_FILES))

    before = listing()

    result = pytester.runpytest_subprocess("--trace-optimize", "-p", "no:cacheprovider")

    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        ["nothing was optimized: pytest-trace needs a git repository: * is not inside one*"]
    )
    assert listing() == before
    assert not (pytester.path / ".git").exists()


def test_optoprime_without_an_llm_says_how_to_configure_one(project):
    result = project.run("--trace-optimizer=optoprime")

    result.assert_outcomes(passed=2, failed=5)
    result.stdout.fnmatch_lines(
        ["*optoprime optimizer needs an LLM and none is configured*OPENAI_API_KEY*OPENAI_BASE_URL*"]
    )
    assert project.branches() == []


def test_an_unknown_optimizer_is_named(project):
    result = project.run("--trace-optimizer=simulated-annealing")

    assert result.ret == pytest.ExitCode.USAGE_ERROR  # before the tests ran
    result.stderr.fnmatch_lines(
        [
            "*--trace-optimizer simulated-annealing: there is no such optimizer; "
            "the optimizers are auto, optoprime, search"
        ]
    )


def test_api_failure_ends_the_group_with_a_clear_message(project, llm):
    from fake_openai import Reply

    llm([Reply(status=500)], repeat_last=True)
    before = project.state()

    result = project.run()

    result.stdout.fnmatch_lines([f"ERROR: {NAME} (5 tests)", "*500*"])
    assert project.state() == before
    [group] = project.report()["groups"]
    assert group["status"] == "error"


def test_nothing_to_optimize(project, llm):
    server = llm([])
    result = project.pytester.runpytest_subprocess(
        "--trace-optimize", "-k", "nothing or test_full_discount_is_free and 0"
    )
    result.assert_outcomes(passed=2, deselected=5)
    result.stdout.fnmatch_lines(["nothing to optimize: no test failed"])
    assert server.requests == []


def test_failing_tests_that_reach_no_trainable_are_listed(project, llm):
    server = llm([answer({NAME: FIX})])
    (project.path / "tests" / "test_other.py").write_text("def test_plain():\n    assert 1 == 2\n")

    result = project.run()

    result.stdout.fnmatch_lines(
        ["1 failing test reached no @trainable function:", "    tests/test_other.py::test_plain"]
    )
    assert project.report()["unreached_tests"] == ["tests/test_other.py::test_plain"]
    assert len(server.requests) == 1


def test_plugin_is_inert_without_the_flag(project):
    result = project.pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=2, failed=5)
    assert "pytest-trace" not in result.stdout.str()
    assert project.branches() == []


def test_pytests_own_trace_options_keep_working(project):
    result = project.pytester.runpytest_subprocess("--trace-config", "-k", "nothing")
    result.stdout.fnmatch_lines(["*active plugins:*", "*pytest_trace*"])
    help_text = project.pytester.runpytest_subprocess("--help").stdout.str()
    assert "--trace " in help_text and "--trace-optimize" in help_text
    assert "--trace-worker-request" not in help_text


def test_bad_option_values_are_usage_errors(project):
    result = project.pytester.runpytest_subprocess("--trace-optimize", "--trace-max-iterations=0")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*--trace-max-iterations*must be at least 1*"])


def test_ctrl_c_leaves_everything_as_it_was(project, llm):
    from fake_openai import Reply

    server = llm([Reply(content=answer({NAME: FIX}), delay=30)])
    before = project.state()
    process = subprocess.Popen(
        [sys.executable, "-m", "pytest", "--trace-optimize", "-p", "no:cacheprovider"],
        cwd=project.path,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 120  # generous: a loaded machine is slow, not wrong
    while not server.requests and time.monotonic() < deadline and process.poll() is None:
        time.sleep(0.05)
    if not server.requests:
        process.kill()
    assert server.requests, process.communicate()[0].decode()
    process.send_signal(signal.SIGINT)
    output = process.communicate(timeout=120)[0].decode()

    assert "KeyboardInterrupt" in output, output
    assert process.returncode == pytest.ExitCode.INTERRUPTED
    assert (
        "interrupted by SIGINT during group 1 of 1 (apply_discount); committed: nothing." in output
    )
    assert project.state() == before
    assert project.branches() == []
    worktrees = git(project.path, "worktree", "list", "--porcelain")
    assert worktrees.count("worktree ") == 1


def test_the_readme_demo_heals_with_no_llm(tmp_path, monkeypatch):
    for name in ("OPENAI_API_KEY", "OPENAI_BASE_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("PYTHON", sys.executable)
    monkeypatch.setenv("TMPDIR", str(tmp_path))

    result = subprocess.run(
        ["bash", str(SAMPLES / "demo.sh"), "thermo"], capture_output=True, text=True, timeout=300
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "FIXED: thermo.convert.to_fahrenheit (4 tests)" in result.stdout
    assert "optimizer search, because no LLM is configured" in result.stdout
    assert "+    freezing_point = 32.0" in result.stdout
    assert "demo: fix branch trace-fix/to_fahrenheit:" in result.stdout


def test_the_readme_demo_runs_offline(tmp_path, monkeypatch):
    for name in ("OPENAI_API_KEY", "OPENAI_BASE_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("PYTHON", sys.executable)
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    demo = SAMPLES / "demo.sh"

    result = subprocess.run(
        ["bash", str(demo), "pricing", "--scripted"], capture_output=True, text=True, timeout=300
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "FIXED: pricing.cart.apply_discount (5 tests)" in result.stdout
    assert "+    return price * (100 - percent) / 100" in result.stdout
    assert "demo: fix branch trace-fix/apply_discount:" in result.stdout


def test_a_trainable_method_is_fixed_in_place(pytester, llm, monkeypatch):
    pytester.makepyfile(
        shop="""
        from pytest_trace import trainable


        class Cart:
            def __init__(self):
                self.items = []

            def add(self, price):
                self.items.append(price)
                return self

            @trainable
            def total(self):
                \"\"\"Sum of the prices in the cart.\"\"\"
                return sum(self.items[1:])  # skips the first item
        """,
        test_shop="""
        from shop import Cart


        def test_total():
            assert Cart().add(2).add(3).total() == 5


        def test_empty():
            assert Cart().total() == 0
        """,
    )
    for args in (["init", "-q"], ["add", "-A"], ["commit", "-qm", "shop"]):
        git(pytester.path, "-c", "user.name=T", "-c", "user.email=t@example.com", *args)
    fix = "def total(self):\n    return sum(self.items)\n"
    server = llm([answer({"shop.Cart.total": fix})])

    result = pytester.runpytest_subprocess("--trace-optimize", "-p", "no:cacheprovider")

    result.stdout.fnmatch_lines(["FIXED: shop.Cart.total (1 test)"])
    prompt = server.requests[0]["messages"][-1]["content"]
    assert "(code) shop.Cart.total:def total(self):" in prompt
    fixed = git(pytester.path, "show", "trace-fix/total:shop.py")
    # makepyfile writes no final newline; the fix keeps it that way.
    assert fixed.endswith("    @trainable\n    def total(self):\n        return sum(self.items)")
    assert "def add(self, price):" in fixed


def test_partial_progress_is_committed_and_traced_in_memory(project, llm):
    half = SIGNATURE + (
        "    if percent == 100:\n"
        "        return price * 2\n"
        "    return price * (100 - percent) / 100\n"
    )
    server = llm([answer({NAME: half}, "most cases"), answer({NAME: FIX}, "all cases")])

    result = project.run()

    result.stdout.fnmatch_lines(
        [
            "*iteration 1/10: improved, 3/5 failing tests pass (best 3/5)",
            f"FIXED: {NAME} (5 tests)",
        ]
    )
    # The second prompt shows the trace of the first candidate, run in memory.
    second = server.requests[1]["messages"][-1]["content"]
    assert "199.0" in second  # apply_discount(99.5, 100) with the first candidate
    assert "3 of 5 failing tests pass now" in second
    subjects = git(project.path, "log", "--format=%s", "HEAD..trace-fix/apply_discount")
    assert subjects.splitlines() == [
        "fix(apply_discount): all cases",
        "fix(apply_discount): most cases",
    ]
    runs = project.report()["runs"]
    # The recording run, the fault localization of the code and of the improvement, and
    # the two candidates.
    assert runs["forked"] == 5
    assert runs["fresh_process"] == 2  # the final validation of each improvement


def add_optimizer(
    project: Project, name: str, source: str, operators: tuple[str, ...] = ()
) -> None:
    """Commit a conftest.py whose optimizer ``name`` always proposes ``source``."""
    (project.path / "conftest.py").write_text(
        "from pytest_trace.model import Proposal\n"
        "from pytest_trace.optimizers.base import OptimizerSpec\n\n\n"
        "class Fixed:\n"
        f"    name = {name!r}\n\n"
        "    def propose(self, problem):\n"
        f"        return [Proposal({{{NAME!r}: {source!r}}}, operators={operators!r})]\n\n\n"
        "def pytest_trace_optimizers():\n"
        f"    return [OptimizerSpec({name!r}, 'one answer', lambda context: Fixed())]\n"
    )
    git(project.path, "add", "conftest.py")
    git(project.path, "commit", "-qm", f"the optimizer {name}")


def test_a_plugin_adds_an_optimizer_through_the_hook(project):
    add_optimizer(project, "oracle", FIX, operators=("oracle",))

    result = project.run("--trace-optimizer=oracle")

    result.stdout.fnmatch_lines(
        [f"FIXED: {NAME} (5 tests)", "  edit: oracle", "optimizer oracle, because chosen with*"]
    )


def test_a_candidate_that_makes_the_tests_skip_is_not_a_fix(project):
    skipping = (
        "def apply_discount(price, percent):\n    import pytest\n    pytest.skip('not today')\n"
    )
    add_optimizer(project, "skipper", skipping)

    result = project.run("--trace-optimizer=skipper", "--trace-max-iterations=2")

    result.stdout.fnmatch_lines([f"UNFIXED: {NAME} (5 tests)"])
    assert "trace-fix/apply_discount" not in git(project.path, "branch", "--list")


def test_search_heals_without_an_llm_with_modules_git_ignores_copied(project):
    cart = project.path / "pricing" / "cart.py"
    cart.write_text(
        cart.read_text().replace(
            "    return price * percent / 100\n", "    return price * (100 + percent) / 100\n"
        )
    )
    # A version module generated at install time (setuptools-scm, hatch-vcs): ignored by git.
    (project.path / ".gitignore").write_text("pricing/_version.py\n")
    (project.path / "pricing" / "_version.py").write_text('version = "1.0"\n')
    init = project.path / "pricing" / "__init__.py"
    init.write_text(init.read_text() + "from pricing._version import version as __version__\n")
    git(project.path, "add", "-A")
    git(project.path, "commit", "-qm", "a sign error, and a generated version module")
    before = project.state()

    result = project.run()

    result.stdout.fnmatch_lines(
        ["*copied files the tests imported that git ignores: pricing/_version.py*"]
    )
    result.stdout.fnmatch_lines(
        [
            f"FIXED: {NAME} (4 tests)",
            "  edit: arithmetic*",
            "optimizer search, because no LLM is configured*",
        ]
    )
    assert project.state() == before
    assert "pricing/_version.py" not in git(
        project.path, "ls-tree", "-r", "--name-only", "trace-fix/apply_discount"
    )
    fixed = project.file_on("trace-fix/apply_discount", "pricing/cart.py")
    assert "return price * (100 - percent) / 100" in fixed
    [group] = project.report()["groups"]
    assert group["candidates"] >= 1
    message = git(project.path, "log", "-1", "--format=%B", "trace-fix/apply_discount")
    assert "Edit operators: " in message


def test_a_re_run_that_cannot_collect_says_why(project):
    # Tests that import only where pytest-trace does not run them: nothing reaches a
    # trainable there, and the run must say that the re-run failed, and why.
    (project.path / "tests" / "conftest.py").write_text(
        "import sys\n"
        "if any(arg.startswith('--trace-worker-request') for arg in sys.argv):\n"
        "    raise ImportError('only in the worktree')\n"
    )
    git(project.path, "add", "-A")
    git(project.path, "commit", "-qm", "a conftest that fails in the worktree")

    result = project.run("--trace-optimizer=search")

    result.stdout.fnmatch_lines(
        [
            "nothing to optimize: the re-run of the tests in a temporary worktree of the "
            "repository failed, *",
            "*only in the worktree*",
        ]
    )
