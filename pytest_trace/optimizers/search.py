"""The search optimizer: automated program repair by small edits, no LLM needed.

Many real bugs are one or two small edits away from correct: a wrong comparison, an
off-by-one, swapped arguments, a wrong variable, a missing base case, a wrong constant.
This optimizer enumerates such edits of the group's trainable functions
(``mutations``), guided by fault localization (the smallest edits first, but larger
edits of the most suspicious lines before smaller edits of lines blamed much less, in
whichever function: :func:`rank_key`), by the failing inputs recorded in the trace and
by the numbers in the failing assertions (``hints``), and hands them to the loop in
batches, which tests each batch at once. Single edits come first, then pairs of edits in one
function, then pairs across two functions of the group. Candidates are deduplicated by
normalized syntax tree, so no two identical programs are tested.

When the loop accepts an improvement, the next problem has new current values, and the
search starts again from them: a hill climb, one accepted edit at a time.
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass

from pytest_trace.model import Parameter, Problem, Proposal, TraceGraph
from pytest_trace.optimizers.hints import expected_values, numbers_from_feedback
from pytest_trace.optimizers.mutations import Edit, Hints, double_edits, normalized, single_edits
from pytest_trace.optimizers.mutations.context import module_context
from pytest_trace.optimizers.mutations.registry import OPERATORS, Operator
from pytest_trace.optimizers.tuning import constant_edits, literal_only, literal_pairs

#: Single edits considered per function (generation is lazy; this bounds the sort).
MAX_SINGLES = 20_000
#: Best single edits per function that pairs are built from, and pairs per function.
PAIR_POOL = 60
MAX_PAIRS = 4_000
#: Best single edits per function combined across two functions.
CROSS_POOL = 25


#: What full blame is worth, in tokens of edit size: an edit of the most suspicious line
#: of the group costs its size, one of a line no failing test ran its size plus this.
#: So a two-token edit (swap two arguments) of the most blamed line comes before the
#: one-token edits of lines blamed less than a third as much, in any function.
BLAME_WEIGHT = 1.5


@dataclass(frozen=True)
class _Ranked:
    key: tuple[float, float, int]
    name: str
    edit: Edit


def rank_key(
    edit: Edit, suspicious: Mapping[int, float], index: int, top: float | None = None
) -> tuple[float, float, int]:
    """The cheapest edit first, then the most suspicious line, then the generator's own
    order. The cost is the edit's size plus :data:`BLAME_WEIGHT` times how much less
    suspicious its line is than ``top``, the most suspicious line of the group (of
    ``suspicious`` when not given): small edits first (bigger edits, guards and inserted
    statements, overfit weak tests more easily), but the budget goes where the fault
    is, larger edits of the most blamed lines interleaved with smaller edits of lines
    blamed less. Without localization, the smallest first."""
    score = max((suspicious.get(line, 0.0) for line in edit.lines), default=0.0)
    if top is None:
        top = max(suspicious.values(), default=0.0)
    relative = min(score / top, 1.0) if top > 0 else 0.0
    cost = edit.size + BLAME_WEIGHT * (1.0 - relative)
    return (round(cost, 1), -round(score, 1), index)


class SearchOptimizer:
    """Proposes batches of small edits; see the module docstring. ``operators`` make the
    edits of functions (``mutations.registry.OPERATORS`` by default; a plugin may offer a
    search with more, ``docs/extending.md``)."""

    name = "search"

    def __init__(self, *, batch_size: int = 16, operators: Sequence[Operator] = OPERATORS) -> None:
        self.batch_size = batch_size
        self.operators = tuple(operators)
        self._key: tuple[tuple[str, str], ...] | None = None
        self._queue: Iterator[Proposal] = iter(())

    def propose(self, problem: Problem) -> list[Proposal]:
        key = tuple((p.name, p.source) for p in problem.parameters)
        if key != self._key:  # a new group, or an improvement was accepted
            self._key = key
            self._queue = self._candidates(problem)
        return list(itertools.islice(self._queue, self.batch_size))

    def _candidates(self, problem: Problem) -> Iterator[Proposal]:
        numbers = tuple(numbers_from_feedback(problem.feedback))
        expected = tuple(expected_values(problem.feedback))
        constants = {p.name for p in problem.parameters if p.kind == "constant"}
        seen = {_form(p.name, p.source, constants) for p in problem.parameters}
        pools: list[tuple[Parameter, Hints, list[_Ranked]]] = []
        top = max((v for lines in problem.suspicious.values() for v in lines.values()), default=0.0)
        for parameter in problem.parameters:
            context = module_context(
                parameter.module_text, parameter.qualname, parameter.description
            )
            hints = Hints(
                suspicious=problem.suspicious.get(parameter.name, {}),
                global_names=parameter.global_names,
                inputs=_inputs(problem.traces, parameter.name),
                types=_types(problem.traces, parameter.name),
                expected=expected,
                numbers=numbers,
                known_numbers=context.numbers,
                documented=context.documented,
                ingredients=context.ingredients,
                methods=context.methods,
            )
            try:
                if parameter.kind == "constant":
                    generated = constant_edits(parameter, hints)
                elif parameter.constants_only:
                    generated = literal_only(
                        parameter, single_edits(parameter.source, hints, self.operators)
                    )
                else:
                    generated = single_edits(parameter.source, hints, self.operators)
                edits = list(itertools.islice(generated, MAX_SINGLES))
            except ValueError:  # not one function definition: nothing to edit
                continue
            ranked = sorted(
                (
                    _Ranked(rank_key(edit, hints.suspicious, index, top), parameter.name, edit)
                    for index, edit in enumerate(edits)
                ),
                key=lambda r: r.key,
            )
            pools.append((parameter, hints, ranked))

        for best in heapq.merge(*(pool for _, _, pool in pools), key=lambda r: r.key):
            yield from _proposal({best.name: best.edit}, seen, constants)
        for parameter, hints, pool in pools:
            if parameter.kind == "constant":
                continue
            singles = [r.edit for r in pool[:PAIR_POOL]]
            pairs = (
                literal_pairs(parameter, hints, singles, limit=MAX_PAIRS)
                if parameter.constants_only
                else double_edits(
                    parameter.source, hints, singles, limit=MAX_PAIRS, operators=self.operators
                )
            )
            for edit in pairs:
                yield from _proposal({parameter.name: edit}, seen, constants)
        for (_, _, first), (_, _, second) in itertools.combinations(pools, 2):
            for a, b in itertools.product(first[:CROSS_POOL], second[:CROSS_POOL]):
                yield from _proposal({a.name: a.edit, b.name: b.edit}, seen, constants)


def _form(name: str, source: str, constants: Collection[str]) -> str:
    """What tells two values of a parameter apart; a constant's carries its name (two
    constants may have the same value)."""
    return f"{name}={normalized(source)}" if name in constants else normalized(source)


def _proposal(
    edits: Mapping[str, Edit], seen: set[str], constants: Collection[str] = ()
) -> Iterator[Proposal]:
    """A proposal for ``edits`` unless an identical program was proposed already."""
    forms = [_form(name, edit.source, constants) for name, edit in edits.items()]
    key = "\0".join(forms)
    if key in seen or any(form in seen for form in forms if len(edits) == 1):
        return
    seen.add(key)
    yield Proposal(
        updates={name: edit.source for name, edit in edits.items()},
        reasoning="; ".join(
            f"{name.rsplit('.', 1)[-1]}: {edit.description}" for name, edit in edits.items()
        ),
        operators=tuple(op for edit in edits.values() for op in edit.operators),
    )


def _inputs(traces: Sequence[TraceGraph], name: str) -> tuple[Mapping[str, str], ...]:
    """The arguments of the calls of ``name`` in the failing tests' traces."""
    calls = [
        {arg: value.repr for arg, value in call.args.items()}
        for trace in traces
        for call in trace.calls
        if call.function == name
    ]
    unique = {tuple(sorted(call.items())): call for call in calls}
    return tuple(unique.values())[:20]


def _types(traces: Sequence[TraceGraph], name: str) -> dict[str, frozenset[str]]:
    """The type names each argument and local variable of ``name`` was seen holding in
    the failing tests' traces (arguments of every call; locals of the calls recorded
    line by line)."""
    seen: dict[str, set[str]] = {}
    for trace in traces:
        for call in trace.calls:
            if call.function != name:
                continue
            for arg, value in call.args.items():
                seen.setdefault(arg, set()).add(value.type)
            for step in call.lines:
                for local, value in step.changes.items():
                    seen.setdefault(local, set()).add(value.type)
    return {variable: frozenset(kinds) for variable, kinds in seen.items()}
