"""A fix branch as the review commands see it, and what its commits' messages say
(pure: no git; the git side is :mod:`pytest_trace.vcs.fixes`)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from pytest_trace.vcs import record as records

FIX_TRAILER = "Optimized-by: pytest-trace"
_PASSING = re.compile(r"^Tests passing now \((\d+) of (\d+)\):$", re.M)
_PARAMETERS = re.compile(r"^Parameters changed: (.*)$", re.M)
_VERDICT = re.compile(r"^Verdict: (\w+)(?: \((.*)\))?$", re.M)


@dataclass(frozen=True)
class MessageFacts:
    """What the message of a fix commit says about the fix."""

    message: str
    passing: list[str] = field(default_factory=list)
    total: int = 0
    parameters: list[str] = field(default_factory=list)
    #: The ``Verdict:`` trailer (``fixed``, ``plausible``, ``partial``) and its reason.
    verdict: str = ""
    reason: str = ""

    @property
    def status(self) -> str:
        if self.verdict:
            return self.verdict
        if not self.total:
            return "unknown"
        return "fixed" if len(self.passing) == self.total else "partial"


def is_fix_message(message: str) -> bool:
    """A commit pytest-trace made: its message ends with the ``Optimized-by`` trailer."""
    return any(line.startswith(FIX_TRAILER) for line in message.strip().splitlines())


def parse_message(message: str) -> MessageFacts:
    """The tests passing, their number, and the parameters changed, from a fix commit."""
    passing: list[str] = []
    total = 0
    if match := _PASSING.search(message):
        total = int(match.group(2))
        for line in message[match.end() :].splitlines()[1:]:
            if not line.startswith("  "):
                break
            passing.append(line.strip())
    parameters = []
    if match := _PARAMETERS.search(message):
        parameters = [name.strip() for name in match.group(1).split(",") if name.strip()]
    verdict = _VERDICT.search(message)
    return MessageFacts(
        message,
        passing,
        total,
        parameters,
        verdict.group(1) if verdict else "",
        (verdict.group(2) or "") if verdict else "",
    )


def subject(message: str) -> str:
    return message.strip().splitlines()[0] if message.strip() else ""


@dataclass
class FixBranch:
    """A fix branch as git has it, with its record when there is one."""

    name: str
    tip: str
    time: int
    facts: MessageFacts
    commits: list[str]
    base: str
    head: str
    includes_uncommitted: bool
    base_in_history: bool
    merged: bool
    record: records.FixRecord | None

    @property
    def status(self) -> str:
        if self.record is not None and self.record.commit == self.tip:
            return self.record.status
        return self.facts.status
