"""The one interface between the optimization loop and an optimizer."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from pytest_trace.model import Problem, Proposal, TokenUsage

if TYPE_CHECKING:
    from pytest_trace.llm.client import LLM
    from pytest_trace.settings import Settings


class Optimizer(Protocol):
    """Proposes new values for the parameters of a problem.

    ``propose`` returns the candidates of one iteration, best first: OptoPrime one, the
    search a batch, tested at once. An empty list means the optimizer has nothing more
    to propose. It never raises for a bad answer: it returns a :class:`Proposal` with
    ``rejected`` set, which the loop counts and feeds back. It raises
    :class:`OptimizerError` only when it cannot go on at all (the LLM endpoint failed
    for good), which ends the optimization of that group.
    """

    name: str

    def propose(self, problem: Problem) -> list[Proposal]: ...


@dataclass(frozen=True)
class OptimizerContext:
    """What an optimizer factory gets: the settings and, when one is configured, an LLM."""

    settings: Settings
    llm: LLM | None


@dataclass(frozen=True)
class OptimizerSpec:
    """An optimizer a plugin offers (``pytest_trace_optimizers`` hook).

    ``needs_llm`` optimizers are chosen by ``--trace-optimizer auto`` only when an LLM
    endpoint is configured; ``factory`` builds one for each group of failing tests.
    ``fail_fast``: the optimizer needs only whether a candidate passes, not the feedback
    of every failing test, so a candidate's run stops at its first failing test.
    ``accept_partial``: a candidate that makes only some of the failing tests pass is
    kept (and committed) as progress; without it, only complete fixes are.
    ``batches``: each call of ``propose`` is a batch of candidates, not a step, so the
    optimizer is bounded by ``--trace-max-candidates`` and ``--trace-time-budget`` but
    not by ``--trace-max-iterations``.
    ``preference``: of the offers it can use, ``--trace-optimizer auto`` takes the one with
    the highest preference (the first offered on a tie).
    """

    name: str
    description: str
    factory: Callable[[OptimizerContext], Optimizer]
    needs_llm: bool = False
    fail_fast: bool = False
    accept_partial: bool = True
    batches: bool = False
    preference: int = 0


class OptimizerError(Exception):
    """The optimizer cannot go on; the message says why, for the user."""


class Metered:
    """An optimizer that counts the tokens its proposals cost (for the commit messages)."""

    def __init__(self, optimizer: Optimizer) -> None:
        self.inner = optimizer
        self.name = optimizer.name
        self.tokens = TokenUsage()

    def propose(self, problem: Problem) -> list[Proposal]:
        proposals = self.inner.propose(problem)
        for proposal in proposals:
            self.tokens = self.tokens + proposal.usage
        return proposals
