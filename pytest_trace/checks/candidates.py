"""The checks run on the candidates of one group that pass its tests (pure).

:class:`GroupChecks` is what the loop's one ``check`` callback calls: every check of a
candidate adds its concerns in :meth:`GroupChecks.check`. ``docs/verdicts.md`` says what
each check looks for and what it costs.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from pytest_trace.checks import Concern
from pytest_trace.checks.ambiguity import Disagreement
from pytest_trace.checks.literals import LiteralEvidence, literal_concerns
from pytest_trace.model import Parameter, TraceGraph


class GroupChecks:
    """The checks of one group's candidates: ``parameters`` with their original sources,
    the failing tests' ``traces`` as recorded, and the texts of the group's modules."""

    def __init__(
        self,
        parameters: Mapping[str, Parameter],
        traces: Sequence[TraceGraph],
        modules: Iterable[str],
    ) -> None:
        self.parameters = parameters
        self.literals = LiteralEvidence.of(traces, modules)

    def check(self, batch: Sequence[Mapping[str, str]]) -> list[list[Concern]]:
        """Per candidate, the concerns of every check: is it right, or only plausible?"""
        return [
            [
                *self.test_literals(values),
                # More checks of a candidate add their concerns here.
            ]
            for values in batch
        ]

    def compare(self, batch: Sequence[Mapping[str, str]]) -> list[Disagreement]:
        """Where candidates that pass the tests disagree (the committed one first)."""
        return []

    def test_literals(self, values: Mapping[str, str]) -> list[Concern]:
        """A literal the candidate copied from the failing tests (``checks.literals``)."""
        evidence = self.literals
        concerns: list[Concern] = []
        for name, source in values.items():
            original = self.parameters[name].source
            if source != original:
                concerns += literal_concerns(
                    original,
                    source,
                    tests=evidence.tests,
                    modules=evidence.modules,
                    seen=evidence.seen,
                )
        return concerns
