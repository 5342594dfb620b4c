"""Bad options are refused before the tests run, with a message that says what is wrong."""

from __future__ import annotations

import pytest

from pytest_trace.settings import DEFAULT_LLM_TIMEOUT, Settings

FAILING_TEST = "def test_fails():\n    assert 1 == 2\n"


@pytest.fixture
def failing(pytester: pytest.Pytester) -> pytest.Pytester:
    pytester.makepyfile(test_it=FAILING_TEST)
    return pytester


def refused(pytester: pytest.Pytester, *args: str) -> str:
    result = pytester.runpytest("--trace-optimize", *args)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert "collected" not in result.stdout.str()  # refused before collection
    assert "test_fails" not in result.stdout.str()
    return result.stderr.str()


def test_an_unknown_optimizer_is_refused_before_the_tests_run(failing):
    error = refused(failing, "--trace-optimizer=nope")
    assert "--trace-optimizer nope: there is no such optimizer; the optimizers are auto, " in error
    assert "optoprime, search" in error


def test_an_unknown_optimizer_in_the_ini_file_is_refused_too(failing):
    failing.makeini("[pytest]\ntrace_optimizer = simulated-annealing\n")
    assert "there is no such optimizer" in refused(failing)


def test_an_optimizer_a_conftest_offers_is_accepted(failing):
    failing.makeconftest(
        "from pytest_trace.optimizers.base import OptimizerSpec\n\n"
        "class Nothing:\n"
        "    name = 'nothing'\n"
        "    def propose(self, problem):\n"
        "        return []\n\n"
        "def pytest_trace_optimizers():\n"
        "    return [OptimizerSpec('nothing', 'proposes nothing', lambda context: Nothing())]\n"
    )
    result = failing.runpytest("--trace-optimize", "--trace-optimizer=nothing", "--co")
    assert result.ret == pytest.ExitCode.OK


@pytest.mark.parametrize(
    "option, message",
    [
        ("--trace-llm-timeout=soon", "'soon' is not a number of seconds"),
        ("--trace-llm-timeout=-1", "must be 0 (no limit) or more seconds"),
        ("--trace-time-budget=inf", "must be 0 (no limit) or more seconds"),
        ("--trace-model=gpt 4", "is not a name"),
        ("--trace-optimizer=", "must not be empty"),
        ("--trace-report=.", "is a directory; give the path of a file"),
        ("--trace-report-md=test_it.py/report.md", "test_it.py is a file"),
        ("--trace-graph-dot=test_it.py", "is a file, not a directory"),
    ],
)
def test_bad_values_are_refused_when_parsed(failing, option, message):
    error = refused(failing, option)
    assert option.split("=")[0] in error
    assert message in error


def test_the_llm_timeout_is_read_from_the_command_line_and_the_ini_file(pytester):
    config = pytester.parseconfig("--trace-llm-timeout=7.5")
    assert Settings.from_config(config).llm_timeout == 7.5
    pytester.makeini("[pytest]\ntrace_llm_timeout = 30\n")
    assert Settings.from_config(pytester.parseconfig()).llm_timeout == 30.0
    pytester.makeini("[pytest]\n")
    assert Settings.from_config(pytester.parseconfig()).llm_timeout == DEFAULT_LLM_TIMEOUT


def test_a_bad_ini_llm_timeout_is_a_usage_error(failing):
    failing.makeini("[pytest]\ntrace_llm_timeout = forever\n")
    assert "ini key trace_llm_timeout: 'forever' is not a number of seconds" in refused(failing)
