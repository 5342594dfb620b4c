"""The picture of a group's trace, independent of its language (pure): nodes, edges,
clusters; ``graph_formats`` writes it as a Mermaid flowchart or as Graphviz DOT.

What the picture shows:

- each trainable parameter as a hexagon, with its name and ``def`` line, and a dotted
  edge to every call of it;
- each test as a box (a Mermaid subgraph, a DOT cluster) holding its recorded calls, one
  node per call: ``name(arg=value, ...)`` and ``→ result`` or ``raised Type: message``;
- a thick edge, labelled with the argument, where one call's value was passed to another
  (``inputs_from``: the data flow), and a ``calls`` edge from a caller to the calls made
  inside it;
- the feedback (the failing assertion of each test) as a final flag-shaped node (a note
  in DOT), reached from the calls whose values the test itself saw.

Both are bounded: at most ``max_nodes`` (3 or more) nodes of calls, summaries included,
and as many parameters. Beyond that, the first and last calls of each trace, the first
call of each function and the first call that raised are kept, and each run of omitted
calls becomes one node (``… 9,980 more calls: 9,980 of apply_discount``); tests beyond
``max_nodes // 3`` are counted in one node. Values are shortened, and labels escaped for
their language (Mermaid entity codes, DOT backslash escapes), so no value can break the
diagram.
"""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from pytest_trace.model import CallNode, Parameter, TraceGraph, Value
from pytest_trace.text.clip import clip

DEFAULT_MAX_NODES = 40
#: The smallest bound honoured: a trace's calls, a run of omitted calls, a note.
MIN_NODES = 3
#: Characters of one value, of a call's arguments together, of a line of feedback.
VALUE_CHARS = 40
ARGS_CHARS = 120
FEEDBACK_LINE_CHARS = 120
#: Tests of the feedback node shown (each by its header and error line).
FEEDBACK_TESTS = 4

# --- the graph, independent of the output language ----------------------------------------


@dataclass(frozen=True)
class Node:
    id: str
    kind: str  # "parameter", "call", "error", "omitted", "feedback"
    label: str


@dataclass(frozen=True)
class Edge:
    source: str
    target: str
    kind: str  # "parameter", "data", "calls", "feedback"
    label: str = ""


@dataclass
class Cluster:
    id: str
    label: str
    nodes: list[Node] = field(default_factory=list)


@dataclass
class Graph:
    parameters: list[Node] = field(default_factory=list)
    clusters: list[Cluster] = field(default_factory=list)
    free: list[Node] = field(default_factory=list)  # nodes outside every cluster
    edges: list[Edge] = field(default_factory=list)


def build_graph(
    traces: Sequence[TraceGraph],
    parameters: Sequence[Parameter] = (),
    feedback: str = "",
    *,
    max_nodes: int = DEFAULT_MAX_NODES,
) -> Graph:
    """The nodes and edges both renderings draw (see the module's docstring)."""
    max_nodes = max(max_nodes, MIN_NODES)
    graph = Graph()
    called = list(dict.fromkeys(call.function for trace in traces for call in trace.calls))
    known = {parameter.name: parameter for parameter in parameters}
    names = [p.name for p in parameters] + [f for f in called if f not in known]
    parameter_ids: dict[str, str] = {}
    for index, name in enumerate(names[:max_nodes]):
        parameter_ids[name] = f"p{index}"
        parameter = known.get(name)
        first_line = parameter.source.strip().splitlines()[0] if parameter else ""
        label = name + (f"\n{_shorten(first_line.rstrip(':'), ARGS_CHARS)}" if first_line else "")
        graph.parameters.append(Node(f"p{index}", "parameter", label))
    labels = {p.name: p.qualname for p in parameters}

    shown = list(traces[: max(1, max_nodes // 3)]) if traces else []
    hidden = traces[len(shown) :]
    budget = max_nodes - (1 if hidden else 0)
    outputs: list[str] = []
    for number, trace in enumerate(shown):
        slots = max(1, budget // len(shown) - (1 if trace.dropped_calls else 0))
        cluster = Cluster(f"t{number}", trace.test)
        graph.clusters.append(cluster)
        node_of: dict[int, str] = {}  # call id -> node id (its own, or its omitted run's)
        for item_index, item in enumerate(_select(trace.calls, slots)):
            if isinstance(item, list):
                node_id = f"t{number}_g{item_index}"
                cluster.nodes.append(Node(node_id, "omitted", _omitted(item, labels)))
                node_of.update((call.id, node_id) for call in item)
                continue
            node_id = f"t{number}_c{item.id}"
            kind = "error" if item.exception is not None else "call"
            cluster.nodes.append(Node(node_id, kind, _call_label(item, labels)))
            node_of[item.id] = node_id
        if trace.dropped_calls:
            node_id = f"t{number}_dropped"
            label = f"… {trace.dropped_calls:,} further calls not recorded"
            cluster.nodes.append(Node(node_id, "omitted", label))
        _add_edges(graph, trace, node_of, parameter_ids)
        outputs += _outputs(trace, node_of)
    if hidden:
        calls = sum(len(trace.calls) for trace in hidden)
        label = f"… {len(hidden)} more tests ({calls:,} calls) not shown"
        graph.free.append(Node("more", "omitted", label))
    if feedback.strip():
        graph.free.append(Node("feedback", "feedback", _feedback_label(feedback)))
        for node_id in dict.fromkeys(outputs):
            graph.edges.append(Edge(node_id, "feedback", "feedback"))
    return graph


def _add_edges(
    graph: Graph, trace: TraceGraph, node_of: dict[int, str], parameter_ids: dict[str, str]
) -> None:
    seen: set[tuple[str, str, str, str]] = set()

    def add(edge: Edge) -> None:
        key = (edge.source, edge.target, edge.kind, edge.label)
        if edge.source != edge.target and key not in seen:
            seen.add(key)
            graph.edges.append(edge)

    for call in trace.calls:
        target = node_of.get(call.id)
        if target is None:
            continue
        parameter = parameter_ids.get(call.function)
        if parameter is not None:
            add(Edge(parameter, target, "parameter"))
        if call.parent is not None and call.parent in node_of:
            add(Edge(node_of[call.parent], target, "calls", "calls"))
        for arg, source in call.inputs_from.items():
            if source in node_of and source != call.id:
                add(Edge(node_of[source], target, "data", arg))


def _outputs(trace: TraceGraph, node_of: dict[int, str]) -> list[str]:
    """Nodes of the values the test itself saw: top-level calls no other call consumed,
    and the first call that raised."""
    consumed = {s for call in trace.calls for s in call.inputs_from.values() if s != call.id}
    ids = [
        node_of[call.id]
        for call in trace.calls
        if call.parent is None and call.id not in consumed and call.id in node_of
    ]
    raising = next((call for call in trace.calls if call.exception is not None), None)
    if raising is not None and raising.id in node_of:
        ids.append(node_of[raising.id])
    return ids


def _select(calls: Sequence[CallNode], slots: int) -> list[CallNode | list[CallNode]]:
    """The calls shown, in order, each run of omitted calls as one list; at most ``slots``
    items. Kept first: the first call that raised, the first call of each function, then
    calls from both ends."""
    count = len(calls)
    if count <= slots:
        return list(calls)
    priority: list[int] = []
    raising = next((p for p, call in enumerate(calls) if call.exception is not None), None)
    if raising is not None:
        priority.append(raising)
    first_of: dict[str, int] = {}
    for position, call in enumerate(calls):
        first_of.setdefault(call.function, position)
    priority += sorted(first_of.values())
    for step in range(count):
        priority += [step, count - 1 - step]
    kept: set[int] = set()
    for position in priority:
        if position in kept:
            continue
        trial = kept | {position}
        if len(trial) + _gaps(trial, count) > slots:
            break  # a new call adds at most one node and one run of omitted calls
        kept = trial
    items: list[CallNode | list[CallNode]] = []
    gap: list[CallNode] = []
    for position, call in enumerate(calls):
        if position in kept:
            if gap:
                items.append(gap)
                gap = []
            items.append(call)
        else:
            gap.append(call)
    if gap:
        items.append(gap)
    return items


def _gaps(kept: set[int], count: int) -> int:
    """How many runs of omitted positions ``kept`` leaves in ``range(count)``."""
    positions = sorted(kept)
    gaps = sum(1 for a, b in itertools.pairwise(positions) if b > a + 1)
    if not positions:
        return 1 if count else 0
    return gaps + (positions[0] > 0) + (positions[-1] < count - 1)


def _name(function: str, labels: dict[str, str]) -> str:
    return labels.get(function) or function.rsplit(".", 1)[-1]


def _call_label(call: CallNode, labels: dict[str, str]) -> str:
    args = ", ".join(f"{name}={_value(value)}" for name, value in call.args.items())
    head = f"{_name(call.function, labels)}({_shorten(args, ARGS_CHARS)})"
    if call.exception is not None:
        return f"{head}\nraised {call.exception.type}: {_shorten(call.exception.repr, 80)}"
    if call.result is not None:
        return f"{head}\n→ {_value(call.result)}"
    return head


def _value(value: Value) -> str:
    return _shorten(" ".join(value.repr.split()), VALUE_CHARS)


def _omitted(calls: Sequence[CallNode], labels: dict[str, str]) -> str:
    counts = Counter(_name(call.function, labels) for call in calls)
    parts = ", ".join(f"{n:,} of {name}" for name, n in counts.most_common(3))
    others = len(counts) - 3
    more = f", {others} more functions" if others > 0 else ""
    noun = "call" if len(calls) == 1 else "calls"
    return f"… {len(calls):,} more {noun}: {parts}{more}"


def _feedback_label(feedback: str) -> str:
    """Per failing test, its header and its error line; at most ``FEEDBACK_TESTS`` tests."""
    blocks = [b for b in _blocks(feedback) if b]
    lines: list[str] = []
    for block in blocks[:FEEDBACK_TESTS]:
        lines.append(block[0])
        message = next(
            (
                line
                for line in block[1:]
                if line.strip() and not line.startswith((" ", "\t", "Traceback", "Captured"))
            ),
            None,
        )
        if message is not None:
            lines.append(message)
    if len(blocks) > FEEDBACK_TESTS:
        lines.append(f"… {len(blocks) - FEEDBACK_TESTS} more")
    return "\n".join(_shorten(line.strip(), FEEDBACK_LINE_CHARS) for line in lines)


def _blocks(text: str) -> list[list[str]]:
    """The feedback of each test: blocks separated by empty lines (a line of spaces, as in
    an assertion's diff, belongs to its block)."""
    blocks: list[list[str]] = [[]]
    for line in text.strip("\n").splitlines():
        if line:
            blocks[-1].append(line)
        elif blocks[-1]:
            blocks.append([])
    return blocks


def _shorten(text: str, limit: int) -> str:
    return clip(text, limit)
