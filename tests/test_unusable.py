"""Why no candidate was tested: the rejections of a group's answers, counted."""

from __future__ import annotations

from pytest_trace.repair.unusable import reason, summary

REJECTED = "Your previous answer was rejected: "


def test_reasons_are_short_and_counted_most_common_first() -> None:
    verdicts = [
        ("rejected", REJECTED + "The answer contains no JSON object. Answer with one..."),
        ("rejected", REJECTED + "The answer's JSON object is invalid: Expecting ','."),
        ("rejected", REJECTED + "The answer contains no JSON object. Answer with one..."),
    ]
    assert summary(verdicts) == (
        "all 3 answers were unusable: no JSON object (\u00d72), invalid JSON (\u00d71)"
    )


def test_one_answer_and_other_verdicts() -> None:
    assert summary([("unchanged", "Your previous answer changed nothing")]) == (
        "the only answer was unusable: changed nothing (\u00d71)"
    )
    assert summary([]) == ""


def test_each_kind_of_rejection_has_a_name() -> None:
    assert reason(REJECTED + "the new code for m.f does not compile: invalid syntax") == (
        "code that does not compile"
    )
    assert (
        reason(REJECTED + "the new code of m.f uses `sys._getframe`, which the original did not")
        == "tampering"
    )
    assert reason(REJECTED + "Your answer suggested `m.g`, which is not a variable") == (
        "unknown variable"
    )
    assert reason(REJECTED + "Something nobody foresaw. More.") == "Something nobody foresaw"
