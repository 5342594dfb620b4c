"""Fault campaign, LLM side: answers with every kind of bad byte and shape, endpoints that
stall, refuse, reset or fail, and candidates that tamper with the tests.

Each run is a real ``pytest --trace-optimize`` in a git repository, against
``fake_openai.ScriptedServer`` through the real ``openai`` client. Each asserts that the
run ends normally (no INTERNALERROR, the exit status still says tests failed), that the
user's tree is untouched, that a later group is still optimized, and that the summary
says what happened.
"""

from __future__ import annotations

import json
import socket

import pytest
from conftest import Project, answer, git
from fake_openai import Reply

NAME = "pricing.cart.apply_discount"
SIGNATURE = "def apply_discount(price: float, percent: float) -> float:\n"
FIX = SIGNATURE + "    return price * (100 - percent) / 100\n"
TAX = "pricing.tax.add_tax"
TAX_FIX = "def add_tax(price: float) -> float:\n    return price * 1.2\n"
TRIES = 4  # a request and its three retries
TIMES = "\N{MULTIPLICATION SIGN}"


def add_second_group(project: Project) -> None:
    """A second trainable with its own failing test: a later group of the run."""
    (project.path / "pricing" / "tax.py").write_text(
        "from pytest_trace import trainable\n\n\n"
        "@trainable\n"
        "def add_tax(price: float) -> float:\n"
        "    return price * 0.2\n"
    )
    (project.path / "tests" / "test_tax.py").write_text(
        "from pricing.tax import add_tax\n\n\n"
        "def test_add_tax():\n    assert add_tax(100) == 120.0\n"
    )
    git(project.path, "add", "-A")
    git(project.path, "commit", "-qm", "tax")


def run(project: Project, *args: str) -> pytest.RunResult:
    before = project.state()
    result = project.run("--trace-max-iterations=1", *args)
    output = result.stdout.str() + result.stderr.str()
    assert "INTERNALERROR" not in output
    assert "Traceback" not in output
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    assert project.state() == before
    result.stdout.fnmatch_lines(["*= pytest-trace =*"])
    return result


def completion_bytes(content: bytes) -> bytes:
    body = json.dumps(
        {"object": "chat.completion", "choices": [{"message": {"content": "@@"}}]}
    ).encode()
    return body.replace(b"@@", content)


HUGE = SIGNATURE + "    return " + " + ".join(["price"] * 10_000) + "\n"

#: Answers the model reads back as feedback: (the answer, the summary's reason). Every
#: kind of unusable answer is rejected and named in process (test_unusable_answers.py);
#: these runs prove, for one the optimizer rejects and one the loop's checks reject, that
#: the terminal summary says why and a later group is still optimized.
BAD_ANSWERS = {
    "10,000-term expression": (answer({NAME: HUGE}), "code too deeply nested (x1)"),
    "no JSON": ("Sorry, I cannot help with that.", "no JSON object (x1)"),
}


@pytest.mark.parametrize("bad, reason", BAD_ANSWERS.values(), ids=BAD_ANSWERS.keys())
def test_a_bad_answer_is_explained_and_later_groups_go_on(project, llm, bad, reason):
    add_second_group(project)
    llm([bad, answer({TAX: TAX_FIX})])

    result = run(project)

    result.stdout.fnmatch_lines(
        [
            f"UNFIXED: {NAME} (5 tests)",
            "  1 iteration, 0 candidates tested*",
            f"  the only answer was unusable: {reason.replace('(x', '(' + TIMES)}*",
            "*",
            f"FIXED: {TAX} (1 test)",
        ]
    )
    assert project.branches() == ["trace-fix/add_tax"]


#: Bodies the client cannot read: retried, then an ERROR for the group. Every kind of
#: unreadable body and error status is an LLMError that is tried again in process
#: (test_llm_faults.py); these runs prove, for a bad body, an error status and a broken
#: connection, that the session's retries end the group alone and later groups go on.
BAD_BODIES = {
    "invalid JSON body": Reply(raw=b'{"choices": [{"message": '),
    "429": Reply(status=429),
    "connection reset mid-answer": Reply(fault="reset"),
}


@pytest.mark.parametrize("bad", BAD_BODIES.values(), ids=BAD_BODIES.keys())
def test_an_unreadable_body_ends_its_group_only(project, llm, bad):
    add_second_group(project)
    server = llm([bad] * TRIES + [answer({TAX: TAX_FIX})])

    result = run(project)

    result.stdout.fnmatch_lines(
        [f"ERROR: {NAME} (5 tests)", f"  *{server.base_url}*(tried 4 times)*"]
    )
    result.stdout.fnmatch_lines([f"FIXED: {TAX} (1 test)"])
    [first, second] = project.report()["groups"]
    assert (first["status"], second["status"]) == ("error", "fixed")


def test_nul_and_lone_surrogates_in_the_reasoning_leave_a_clean_commit(project, llm):
    reasoning = "the discount\x00 is \ud800 subtracted\x1b[31m twice \udfff"
    llm([answer({NAME: FIX}, reasoning)])

    result = run(project)

    result.stdout.fnmatch_lines([f"FIXED: {NAME} (5 tests)"])
    message = git(project.path, "log", "-1", "--format=%B", "trace-fix/apply_discount")
    assert message.startswith("fix(apply_discount): the discount is \ufffd subtracted[31m twice")
    assert "\x00" not in message and "\x1b" not in message
    report = json.loads(project.report_path.read_text(encoding="utf-8"))
    assert report["groups"][0]["status"] == "fixed"


def test_a_stalled_endpoint_ends_quickly_naming_the_option(project, llm):
    add_second_group(project)
    llm([Reply(fault="stall")] * TRIES + [answer({TAX: TAX_FIX})])

    result = run(project, "--trace-llm-timeout=0.4")

    result.stdout.fnmatch_lines(
        [
            f"ERROR: {NAME} (5 tests)",
            "  *did not answer within 0.4 s*--trace-llm-timeout*(tried 4 times)",
        ]
    )
    result.stdout.fnmatch_lines([f"FIXED: {TAX} (1 test)"])


def test_a_stalled_endpoint_stops_at_the_time_budget(project, llm):
    server = llm([Reply(fault="stall")] * TRIES)

    result = run(project, "--trace-time-budget=3")

    # The request was cut to what was left of the budget, or (on a slow machine, where
    # localization took the budget) never sent: either way the message names the option.
    result.stdout.fnmatch_lines([f"ERROR: {NAME} (5 tests)", "  *--trace-time-budget*"])
    assert len(server.requests) <= 1


def test_a_refused_connection_is_an_error_of_each_group(project, monkeypatch):
    add_second_group(project)
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    monkeypatch.setenv("OPENAI_BASE_URL", f"http://127.0.0.1:{port}/v1")

    result = run(project)

    result.stdout.fnmatch_lines(
        [
            f"ERROR: {NAME} (5 tests)",
            "  could not connect to the LLM endpoint*is the server running?*",
            f"ERROR: {TAX} (1 test)",
        ]
    )


# --- tampering ------------------------------------------------------------------------

REBINDS_THE_TEST = (
    SIGNATURE + "    import sys\n"
    "    sys._getframe(1).f_globals['apply_discount'] = lambda price, percent: 0\n"
    "    return price * percent / 100\n"
)
EQUAL_TO_EVERYTHING = (
    SIGNATURE + "    class Anything(float):\n"
    "        def __eq__(self, other):\n"
    "            return True\n"
    "        __hash__ = float.__hash__\n"
    "    return Anything(price * percent / 100)\n"
)


@pytest.mark.parametrize(
    "tampering, named",
    [(REBINDS_THE_TEST, "`sys._getframe`"), (EQUAL_TO_EVERYTHING, "class Anything")],
    ids=["rebinds the test's globals", "int subclass equal to everything"],
)
def test_tampering_is_refused_and_explained(project, llm, tampering, named):
    server = llm([answer({NAME: tampering}), answer({NAME: FIX})])

    result = run(project, "--trace-max-iterations=2")

    result.stdout.fnmatch_lines([f"FIXED: {NAME} (5 tests)"])
    second = server.requests[1]["messages"][-1]["content"]
    assert "Your previous answer was rejected" in second
    assert named in second
    assert "which the original did not" in second
    assert project.file_on("trace-fix/apply_discount", "pricing/cart.py").count("Anything") == 0
    [group] = project.report()["groups"]
    assert (group["iterations"], group["candidates"]) == (2, 1)


def test_tampering_alone_is_unfixed_and_the_summary_says_why(project, llm):
    llm([answer({NAME: EQUAL_TO_EVERYTHING})])

    result = run(project)

    result.stdout.fnmatch_lines(
        [
            f"UNFIXED: {NAME} (5 tests)",
            "  1 iteration, 0 candidates tested*",
            f"  the only answer was unusable: tampering ({TIMES}1)",
        ]
    )
    assert project.branches() == []


def test_an_optimizer_that_raises_ends_its_group_only(project):
    add_second_group(project)
    (project.path / "conftest.py").write_text(
        "from pytest_trace.model import Proposal\n"
        "from pytest_trace.optimizers.base import OptimizerSpec\n\n\n"
        "class Brittle:\n"
        "    name = 'brittle'\n\n"
        "    def propose(self, problem):\n"
        f"        if problem.parameters[0].name == {NAME!r}:\n"
        "            raise RuntimeError('the optimizer broke')\n"
        f"        return [Proposal({{{TAX!r}: {TAX_FIX!r}}})]\n\n\n"
        "def pytest_trace_optimizers():\n"
        "    return [OptimizerSpec('brittle', 'raises', lambda context: Brittle())]\n"
    )
    git(project.path, "add", "conftest.py")
    git(project.path, "commit", "-qm", "a brittle optimizer")

    result = run(project, "--trace-optimizer=brittle")

    result.stdout.fnmatch_lines(
        [
            f"ERROR: {NAME} (5 tests)",
            "  *this group ended on an error: RuntimeError: the optimizer broke",
        ]
    )
    result.stdout.fnmatch_lines([f"FIXED: {TAX} (1 test)"])
