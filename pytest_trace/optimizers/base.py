"""The one interface between the optimization loop and an optimizer."""

from __future__ import annotations

from typing import Protocol

from pytest_trace.model import Problem, Proposal


class Optimizer(Protocol):
    """Proposes new values for the parameters of a problem.

    ``propose`` never raises for a bad answer: it returns a :class:`Proposal` with
    ``rejected`` set, which the loop counts as an iteration and feeds back. It raises
    :class:`OptimizerError` only when it cannot go on at all (the LLM endpoint failed
    for good), which ends the optimization of that group.
    """

    name: str

    def propose(self, problem: Problem) -> Proposal: ...


class OptimizerError(Exception):
    """The optimizer cannot go on; the message says why, for the user."""
