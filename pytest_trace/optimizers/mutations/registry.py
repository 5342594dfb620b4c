"""The edit operators of the search, in one list: :data:`OPERATORS`.

An operator is one kind of edit (or a few closely related kinds): its ``name``, its
``priority`` and ``generate(function)``, which yields the candidates (:class:`Raw`) it
makes of the function under edit (:class:`~.function.Function`, what the operators read:
its syntax tree, text, sites, blocks and names, and the builders of candidates). A new
kind of edit is one module with its operator, and one entry here (``docs/extending.md``).

**Priorities** are on one scale, lower first: ``documented constant`` 8, ``comparison
swap`` 10, ``off by one`` 12, ... ``wrap call`` 40; an operator's less likely
alternatives add ``RARE`` (6). Each candidate carries its own priority, usually its
operator's. The candidates of a function are ordered by how suspicious their lines are,
then by priority, then by size, then by their place in the generated sequence: the
operators in the order of this list, each in its own order.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol

from pytest_trace.optimizers.mutations.constants import LiteralSwap, NumberEdits, OffByOne
from pytest_trace.optimizers.mutations.function import Function
from pytest_trace.optimizers.mutations.guards import GuardInsertion
from pytest_trace.optimizers.mutations.model import Raw
from pytest_trace.optimizers.mutations.names import (
    AttributeSwap,
    FunctionSwap,
    ReplaceWithVariable,
    VariableSwap,
)
from pytest_trace.optimizers.mutations.operands import (
    OperandDeletion,
    OperandInsertion,
    OperandSwap,
)
from pytest_trace.optimizers.mutations.operators import (
    AndOrSwap,
    AssignmentSwap,
    BinaryOperatorSwap,
    ComparisonSwap,
    Negation,
)
from pytest_trace.optimizers.mutations.statements import (
    StatementDeletion,
    StatementInsertion,
    StatementMove,
    StatementSwap,
)
from pytest_trace.optimizers.mutations.unused import UnusedParameter
from pytest_trace.optimizers.mutations.wrapping import SliceEdits, Unwrap, Wrap


class Operator(Protocol):
    """One kind of edit of the search.

    ``name`` names the operator (its candidates name the edit they make in
    ``Raw.operator``, which goes into commit messages: usually the same name, or a more
    specific one, ``bitwise swap`` for the arithmetic swap's edits of ``&``);
    ``priority`` ranks its edits (lower first, see the module docstring); ``generate``
    yields its candidates for ``function``, lazily or not, in a deterministic order.
    Candidates that do not compile, or compile to the same code as the original or an
    earlier candidate, are dropped after generation: an operator need not check.
    """

    @property
    def name(self) -> str: ...

    @property
    def priority(self) -> int: ...

    def generate(self, function: Function) -> Iterable[Raw]: ...


#: The operators of the search, in the order that breaks ties between their candidates.
OPERATORS: tuple[Operator, ...] = (
    ComparisonSwap(),
    BinaryOperatorSwap(),
    AndOrSwap(),
    Negation(),
    NumberEdits(),
    OffByOne(),
    LiteralSwap(),
    VariableSwap(),
    FunctionSwap(),
    AttributeSwap(),
    OperandSwap(),
    OperandDeletion(),
    OperandInsertion(),
    Unwrap(),
    SliceEdits(),
    ReplaceWithVariable(),
    Wrap(),
    AssignmentSwap(),
    GuardInsertion(),
    StatementDeletion(),
    StatementInsertion(),
    StatementMove(),
    StatementSwap(),
    UnusedParameter(),
)
