"""The names and lines of a rendering of traces (pure): the variable of each call and of
each input argument (``apply_discount0``, ``apply_discount0_price``), a call's line in
#Code, a value's line in #Inputs, #Others and #Outputs, the summary of omitted calls.
``render`` puts them together into sections within a budget."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence

from pytest_trace.model import CallNode, TraceGraph, Value
from pytest_trace.text.clip import clip

#: Calls nested deeper than this are not indented further.
MAX_INDENT_LEVELS = 8


class Names:
    """Variable names of calls and of their input arguments, fixed for all budget levels."""

    def __init__(self, traces: Sequence[TraceGraph]) -> None:
        functions = list(dict.fromkeys(call.function for trace in traces for call in trace.calls))
        short = _short_names(functions)
        counters: Counter[str] = Counter()
        used: set[str] = set()
        self.calls: dict[tuple[int, int], str] = {}
        self.inputs: dict[tuple[int, int, str], str] = {}
        for number, trace in enumerate(traces):
            for call in trace.calls:
                base = short[call.function]
                separator = "_" if base[-1].isdigit() else ""
                name = f"{base}{separator}{counters[base]}"
                counters[base] += 1
                name = _unique(name, used)
                self.calls[number, call.id] = name
        for number, trace in enumerate(traces):
            known = {call.id for call in trace.calls}
            for call in trace.calls:
                for arg in call.args:
                    source = call.inputs_from.get(arg)
                    if source not in known or source == call.id:
                        input_name = f"{self.calls[number, call.id]}_{_identifier(arg)}"
                        self.inputs[number, call.id, arg] = _unique(input_name, used)


def _short_names(functions: Sequence[str]) -> dict[str, str]:
    """The shortest dotted suffix of each function name that no other function shares,
    as an identifier (``total``, or ``Cart_total`` when ``Order.total`` is traced too)."""
    parts = {function: function.split(".") for function in functions}
    result: dict[str, str] = {}
    for function, pieces in parts.items():
        for size in range(1, len(pieces) + 1):
            suffix = pieces[-size:]
            clashes = [
                other
                for other, others in parts.items()
                if other != function and others[-size:] == suffix
            ]
            if not clashes:
                break
        result[function] = "_".join(_identifier(piece) for piece in suffix)
    return result


def _identifier(text: str) -> str:
    name = re.sub(r"\W+", "_", text).strip("_") or "value"
    return f"_{name}" if name[0].isdigit() else name


def _unique(name: str, used: set[str]) -> str:
    candidate = name
    number = 2
    while candidate in used:
        candidate = f"{name}_{number}"
        number += 1
    used.add(candidate)
    return candidate


def summary(gap: Sequence[CallNode], number: int, names: Names) -> str:
    counts = Counter(call.function for call in gap)
    first, last = names.calls[number, gap[0].id], names.calls[number, gap[-1].id]
    if len(counts) == 1:
        (function,) = counts
        return f"... {len(gap):,} similar calls of {function} omitted ({first} to {last}) ..."
    parts = ", ".join(f"{count:,} of {function}" for function, count in counts.most_common())
    return f"... {len(gap):,} calls omitted ({first} to {last}): {parts} ..."


def code_line(call: CallNode, number: int, names: Names, by_id: dict[int, CallNode]) -> str:
    arguments = []
    for arg in call.args:
        # an argument is either an input or the value of another recorded call
        variable = names.inputs.get((number, call.id, arg))
        if variable is None:
            variable = names.calls[number, call.inputs_from[arg]]
        arguments.append(f"{arg}={variable}")
    line = f"{names.calls[number, call.id]} = {call.function}({', '.join(arguments)})"
    notes = []
    depth = _depth(call, by_id)
    if call.parent is not None:
        caller = names.calls.get((number, call.parent))
        notes.append(f"in {caller}" if caller else f"in an unrecorded call #{call.parent}")
    if call.exception is not None:
        notes.append(f"raised {call.exception.type}")
    indent = "    " * min(depth, MAX_INDENT_LEVELS)
    return f"{indent}{line}" + (f"  # {'; '.join(notes)}" if notes else "")


def _depth(call: CallNode, by_id: dict[int, CallNode]) -> int:
    depth = 0
    seen = {call.id}
    parent = call.parent
    while parent is not None:
        depth += 1
        node = by_id.get(parent)
        if node is None or node.parent in seen:
            break
        seen.add(node.id)
        parent = node.parent
    return depth


def value_line(value: Value, name: str, limit: int) -> str:
    return f"({value.type}) {name}={shorten(value.repr, limit)}"


def result_line(call: CallNode, name: str, limit: int) -> str:
    if call.exception is not None:
        return f"({call.exception.type}) {name} raised: {shorten(call.exception.repr, limit)}"
    if call.result is not None:
        return value_line(call.result, name, limit)
    return f"(no value) {name}: no return value was recorded"


def shorten(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters (at a line end when one is near), with a count."""
    return clip(text, limit, at="line")
