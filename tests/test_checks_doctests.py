"""Docstring examples as specifications (``checks.doctests``), on plain functions."""

from __future__ import annotations

from pytest_trace.checks import Concern
from pytest_trace.checks.doctests import Examples, docstring_test, example_concerns, failures

RATE = 20

DOC = """Add the rate (a module global) in percent.

>>> with_rate(100)
120.0
>>> with_rate(0)
0.0
>>> with_rate(-1)  # wrong since ever
0
"""


def with_rate(price):
    return price * (100 + RATE) / 100


def run_with(function, doc=DOC):
    """The examples of ``doc`` with ``function`` as ``with_rate`` in the module's globals:
    which fail, which call it."""
    test = docstring_test(doc, "with_rate", globals())
    assert test is not None
    return test, failures(test, {**globals(), "with_rate": function}, code=function.__code__)


def test_an_example_that_passed_and_now_fails_is_broken():
    test, before = run_with(with_rate)
    _, after = run_with(lambda price: price * 1.2 if price else 1.0)

    assert before.failed == {2}
    assert after.failed == {1, 2}
    assert example_concerns(test, before, after) == [
        Concern("doctest", "breaks its docstring example: >>> with_rate(0)")
    ]


def test_an_example_that_failed_before_and_still_fails_is_named():
    # The candidate may be right and the example stale, or the candidate wrong: not
    # shown right either way, and the reason lets the reader judge.
    test, before = run_with(with_rate)
    _, after = run_with(lambda price: price + price * RATE / 100)

    assert after.failed == before.failed == {2}
    assert before.reached == {0, 1, 2}
    assert example_concerns(test, before, after) == [
        Concern(
            "doctest", "its docstring example still fails: >>> with_rate(-1)  # wrong since ever"
        )
    ]


def test_a_candidate_that_passes_every_example_has_no_concern():
    test, before = run_with(with_rate)
    _, after = run_with(lambda price: price * (100 + RATE) / 100 if price >= 0 else 0)

    assert after.failed == set()
    assert example_concerns(test, before, after) == []


def test_an_example_that_fails_without_calling_the_function_tells_nothing():
    # Here, as in many real docstrings, the example needs a name the module's globals
    # lack (a conftest gives it to pytest's doctests): it fails before the call.
    doc = "Add the rate.\n\n>>> shop.with_rate(100)\n120.0\n"
    test, before = run_with(with_rate, doc)
    _, after = run_with(lambda price: price * 1.2, doc)

    assert before == after == Examples(failed=frozenset({0}), reached=frozenset())
    assert example_concerns(test, before, after) == []


def test_an_example_that_raises_or_hangs_fails():
    def hangs(price):
        while True:
            pass

    test, raising = run_with(lambda price: 1 / 0)
    timed = failures(test, {**globals(), "with_rate": hangs}, limit=0.2)

    assert raising.failed == timed.failed == {0, 1, 2}
    before = Examples(failed=frozenset({2}), reached=frozenset({0, 1, 2}))
    more = example_concerns(test, before, timed)
    assert more[0].reason == "breaks its docstring example: >>> with_rate(100) (and 1 more)"


def test_no_examples_no_test():
    assert docstring_test(None, "f", {}) is None
    assert docstring_test("Just words.", "f", {}) is None
    assert docstring_test(">>>f(1)\n", "f", {}) is None  # doctest would refuse it
