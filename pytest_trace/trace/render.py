"""Rendering traces as the OptoPrime sections #Code, #Documentation, #Inputs, #Others, #Outputs.

How a model reads the result:

- Every recorded call gets a variable named after its function and an index, in call order:
  ``apply_discount0``, ``apply_discount1``. The short name is the function's own name,
  lengthened with its class or module only when two traced functions share it
  (``Cart_total`` and ``Order_total``); an index follows an underscore when the name ends in
  a digit (``step2_0``). Indices run on across all the traces of a problem, so every name
  is unique in the prompt.
- #Code has one line per call, ``apply_discount0 = pricing.cart.apply_discount(price=...,
  percent=...)``. An argument that was the return value of another recorded call is that
  call's variable (the data flow); any other argument is an input named
  ``<call variable>_<argument>`` (``apply_discount0_price``). Calls made inside another
  trainable call are indented under it and end with ``# in <caller>``; calls that raised
  end with ``# raised <exception type>``.
- #Documentation has ``[pricing.cart.apply_discount] description`` for each function called:
  the parameter's description, else the first line of its docstring.
- #Inputs has, for each test, its source as ``(test code) <test id>:<source>`` (read-only:
  it says what is expected) and then ``(type) name=repr`` for each input argument.
- #Others has the values of intermediate calls: calls made inside other calls, and calls
  whose value was passed to another call. #Outputs has the values of the other calls, the
  top-level ones the test itself saw, or ``(ValueError) apply_discount0 raised: ...``
  followed by the line it raised at, marked ``# <- raised ValueError here``.
- #Others also has, for the calls on the failing path, their locals line by line, and for
  methods the attributes of ``self`` before and after (:mod:`~pytest_trace.trace.details`).
  Operators (the project's own functions) are documented as not changeable.
- In every section, each test's part is a block that starts with ``--- test <test id> ---``
  (also when there is a single test, so the format does not change with the count).

Rendering is bounded by ``max_chars``: long traces keep their first and last calls, the
first call of each function, the first call that raised and the calls on the failing
path; the calls in between are summarized (``... 9,980 similar calls of pricing.cart.f
omitted (f10 to f9989) ...``). When that is not enough, values, test sources and locals
are shortened, and at last each section is clipped with a marker. The names of the
variables and the format of each line are ``render_lines``'s.
"""

from __future__ import annotations

import ast
from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass

from pytest_trace.model import CallNode, Parameter, TraceGraph
from pytest_trace.text.clip import clip
from pytest_trace.trace import details
from pytest_trace.trace.render_lines import (
    Names,
    code_line,
    result_line,
    shorten,
    summary,
    value_line,
)

DEFAULT_MAX_CHARS = 20_000

#: (calls kept at each end of a trace, characters per value, characters per test source,
#: line steps shown per call), tried in order until the sections fit in the budget.
_LEVELS: tuple[tuple[int, int, int, int], ...] = (
    (20, 2_000, 4_000, 40),
    (10, 1_000, 3_000, 20),
    (5, 300, 2_000, 12),
    (2, 120, 1_000, 6),
    (1, 60, 400, 0),
)
#: Calls on the failing path kept (and shown in detail), per call kept at each end.
_PATH_PER_KEEP = 4
_NO_DESCRIPTION = "(no description)"
_OPERATOR = "(operator: the project's own function, not in #Variables)"


@dataclass(frozen=True)
class TraceSections:
    """The rendered sections, each without its ``#`` header."""

    code: str
    documentation: str
    inputs: str
    others: str
    outputs: str

    @property
    def total_chars(self) -> int:
        return sum(len(section) for section in self._all())

    def _all(self) -> tuple[str, str, str, str, str]:
        return (self.code, self.documentation, self.inputs, self.others, self.outputs)


def render_traces(
    traces: Sequence[TraceGraph],
    parameters: Sequence[Parameter],
    *,
    max_chars: int = DEFAULT_MAX_CHARS,
) -> TraceSections:
    """Render the traces of one problem; the sections together have at most ``max_chars``
    characters (for any ``max_chars`` of a few hundred or more)."""
    names = Names(traces)
    descriptions = {parameter.name: describe(parameter) for parameter in parameters}
    for trace in traces:
        for function, doc in trace.docs.items():
            descriptions.setdefault(function, f"{_OPERATOR} {doc or _NO_DESCRIPTION}")
    sources = {parameter.name: parameter.source for parameter in parameters}
    sections = _render(traces, names, descriptions, sources, *_LEVELS[0])
    for level in _LEVELS[1:]:
        if sections.total_chars <= max_chars:
            return sections
        sections = _render(traces, names, descriptions, sources, *level)
    if sections.total_chars <= max_chars:
        return sections
    return _clip(sections, max_chars)


def describe(parameter: Parameter) -> str:
    """The parameter's description, else the first line of its docstring, else ``""``."""
    if parameter.description.strip():
        return " ".join(parameter.description.split())
    try:
        tree = ast.parse(parameter.source)
    except (SyntaxError, ValueError):
        return ""
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            docstring = ast.get_docstring(node)
            if docstring and docstring.strip():
                return docstring.strip().splitlines()[0].strip()
            return ""
    return ""


# --- one rendering -------------------------------------------------------------------------


@dataclass
class _Blocks:
    code: list[str]
    inputs: list[str]
    others: list[str]
    outputs: list[str]


def _render(
    traces: Sequence[TraceGraph],
    names: Names,
    descriptions: dict[str, str],
    sources: dict[str, str],
    keep: int,
    value_chars: int,
    source_chars: int,
    steps: int,
) -> TraceSections:
    code: list[str] = []
    inputs: list[str] = []
    others: list[str] = []
    outputs: list[str] = []
    for number, trace in enumerate(traces):
        shown = _Shown(keep, value_chars, source_chars, steps)
        blocks = _render_trace(number, trace, names, sources, shown)
        label = f"--- test {trace.test} ---"
        for section, lines in (
            (code, blocks.code),
            (inputs, blocks.inputs),
            (others, blocks.others),
            (outputs, blocks.outputs),
        ):
            if lines:
                section.append("\n".join([label, *lines]))
    functions = dict.fromkeys(call.function for trace in traces for call in trace.calls)
    documentation = [
        f"[{function}] {shorten(descriptions.get(function) or _NO_DESCRIPTION, value_chars)}"
        for function in functions
    ]
    return TraceSections(
        code=_join(code, "(no trace was recorded)"),
        documentation=_join(documentation, "(no function was called)"),
        inputs=_join(inputs, "(none)"),
        others=_join(others, "(none)"),
        outputs=_join(outputs, "(none)"),
    )


def _join(blocks: list[str], empty: str) -> str:
    return "\n".join(blocks) if blocks else empty


@dataclass(frozen=True)
class _Shown:
    """How much one rendering shows (a budget level)."""

    keep: int
    value_chars: int
    source_chars: int
    steps: int


def _render_trace(
    number: int,
    trace: TraceGraph,
    names: Names,
    sources: dict[str, str],
    shown: _Shown,
) -> _Blocks:
    keep, value_chars, source_chars = shown.keep, shown.value_chars, shown.source_chars
    blocks = _Blocks(code=[], inputs=[], others=[], outputs=[])
    if trace.test_source.strip():
        source = shorten(trace.test_source.strip("\n"), source_chars)
        blocks.inputs.append(f"(test code) {trace.test}:{source}")
    if not trace.calls:
        blocks.code.append("(no trainable function was called before the test ended)")
    by_id = {call.id: call for call in trace.calls}
    consumed = {
        source_id
        for call in trace.calls
        for source_id in call.inputs_from.values()
        if source_id in by_id and source_id != call.id
    }
    omitted: set[str] = set()  # the sections that omitted calls would have added to
    path = details.failing_path(trace.calls, _PATH_PER_KEEP * keep)
    on_path = set(path)
    # locals: of the trainable calls nearest to the failure, half as many as calls kept
    kinds = {call.id: call.kind for call in trace.calls}
    with_locals = set([i for i in path if kinds[i] == "trainable"][: max(1, keep // 2)])
    dropped_at = trace.dropped_at if trace.dropped_calls else None
    position = 0  # of the item in trace.calls
    for item in _select(trace.calls, keep, on_path):
        size = len(item) if isinstance(item, list) else 1
        split = dropped_at - position if dropped_at is not None else -1
        if 0 <= split < size:  # the calls not recorded came here
            if isinstance(item, list) and split:
                blocks.code.append(summary(item[:split], number, names))
                item = item[split:]
            blocks.code.append(_dropped_note(trace))
            dropped_at = None
        position += size
        if isinstance(item, list):
            blocks.code.append(summary(item, number, names))
            for call in item:
                omitted.add(_section_of(call, consumed))
                if any((number, call.id, arg) in names.inputs for arg in call.args):
                    omitted.add("inputs")
            continue
        call = item
        name = names.calls[number, call.id]
        blocks.code.append(code_line(call, number, names, by_id))
        for arg, value in call.args.items():
            input_name = names.inputs.get((number, call.id, arg))
            if input_name is not None:
                blocks.inputs.append(value_line(value, input_name, value_chars))
        target = blocks.outputs if _section_of(call, consumed) == "outputs" else blocks.others
        target.append(result_line(call, name, value_chars))
        if (marker := details.raised_line(call, sources, value_chars)) is not None:
            target.append(marker)
        blocks.others.extend(details.self_lines(call, name, value_chars))
        if call.id in with_locals:
            blocks.others.extend(
                details.locals_block(call, name, sources, shown.steps, value_chars)
            )
    if trace.dropped_calls and (trace.dropped_at is None or dropped_at is not None):
        blocks.code.append(_dropped_note(trace))
    note = "... the values of the omitted calls are not shown ..."
    for section, lines in (
        ("inputs", blocks.inputs),
        ("others", blocks.others),
        ("outputs", blocks.outputs),
    ):
        if section in omitted:
            lines.append(note)
    return blocks


def _dropped_note(trace: TraceGraph) -> str:
    calls = "calls here" if trace.dropped_at is not None else "further calls"
    return f"... {trace.dropped_calls:,} {calls} were not recorded (recording limit) ..."


def _section_of(call: CallNode, consumed: set[int]) -> str:
    """Where a call's value goes: ``outputs`` for a top-level call whose value no other
    recorded call received, ``others`` for the rest."""
    return "outputs" if call.parent is None and call.id not in consumed else "others"


def _select(
    calls: Sequence[CallNode], keep: int, on_path: Collection[int] = ()
) -> Iterator[CallNode | list[CallNode]]:
    """The calls to show, in order, with each run of omitted calls as one list.

    Kept: the first and last ``keep`` calls, the first call of each function, the first
    call that raised, and the calls on the failing path (``on_path``, ids).
    """
    count = len(calls)
    if count <= 2 * keep + 1:
        yield from calls
        return
    kept = set(range(keep)) | set(range(count - keep, count))
    kept.update(position for position, call in enumerate(calls) if call.id in on_path)
    first_of: dict[str, int] = {}
    for position, call in enumerate(calls):
        first_of.setdefault(call.function, position)
    kept.update(first_of.values())
    raising = next((p for p, call in enumerate(calls) if call.exception is not None), None)
    if raising is not None:
        kept.add(raising)
    gap: list[CallNode] = []
    for position, call in enumerate(calls):
        if position in kept:
            if gap:
                yield gap
                gap = []
            yield call
        else:
            gap.append(call)
    if gap:
        yield gap


def _clip(sections: TraceSections, max_chars: int) -> TraceSections:
    """Clip sections to fit ``max_chars`` together: short sections stay whole, the budget
    left is shared evenly by the long ones, and what is cut is marked."""
    texts = list(sections._all())
    limits = [0] * len(texts)
    remaining = max_chars
    order = sorted(range(len(texts)), key=lambda index: len(texts[index]))
    for position, index in enumerate(order):
        share = remaining // (len(order) - position)
        limits[index] = min(len(texts[index]), share)
        remaining -= limits[index]
    clipped = [_clip_one(text, limit) for text, limit in zip(texts, limits, strict=True)]
    return TraceSections(*clipped)


def _clip_one(text: str, limit: int) -> str:
    return clip(text, limit, at="line")
