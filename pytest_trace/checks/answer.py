"""The answer of the checks' forked child, as JSON-ready data: what ``checks.child``
writes and ``checks.probe`` reads (pure, and light: the controller imports it without
the generated-input machinery and Hypothesis)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict
from typing import Any

from pytest_trace.checks import Concern
from pytest_trace.checks.ambiguity import Disagreement


def to_answer(
    concerns: Sequence[Sequence[Concern]],
    disagreements: Sequence[Disagreement],
    notes: Sequence[str],
) -> dict[str, Any]:
    return {
        "concerns": [[asdict(c) for c in found] for found in concerns],
        "disagreements": [asdict(d) for d in disagreements],
        "notes": list(notes),
    }


def from_answer(
    answer: Mapping[str, Any],
) -> tuple[list[list[Concern]], list[Disagreement], list[str]]:
    concerns = [[Concern(**c) for c in found] for found in answer.get("concerns", [])]
    disagreements = [
        Disagreement(
            d["function"],
            d["call"],
            tuple(d["results"]),
            d["test"],
            d.get("other", 1),
            tuple(bool(k) for k in d.get("keeps", ())),
        )
        for d in answer.get("disagreements", [])
    ]
    return concerns, disagreements, list(answer.get("notes", []))
