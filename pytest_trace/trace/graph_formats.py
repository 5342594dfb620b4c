"""A group's trace picture (``graph.build_graph``) as a Mermaid flowchart or as Graphviz
DOT (pure), every label escaped for its language (Mermaid entity codes, DOT backslash
escapes) so that no value can break the diagram."""

from __future__ import annotations

from collections.abc import Sequence

from pytest_trace.model import Parameter, TraceGraph
from pytest_trace.trace.graph import DEFAULT_MAX_NODES, Graph, Node, build_graph

# --- Mermaid ----------------------------------------------------------------------------

_MERMAID_ENTITIES = {
    '"': "#quot;",
    "#": "#35;",
    "&": "#amp;",
    "<": "#lt;",
    ">": "#gt;",
    "`": "#96;",
    "\\": "#92;",
    "|": "#124;",
    "%": "#37;",
    "[": "#91;",
    "]": "#93;",
    "{": "#123;",
    "}": "#125;",
}


def mermaid_escape(text: str) -> str:
    """``text`` for a quoted Mermaid label: ``"``, ``#``, ``&``, ``<``, ``>``, backticks,
    backslashes, ``|``, ``%`` and brackets as entity codes (``#quot;``, ``#35;``, …; Mermaid
    decodes them when it draws), line breaks as ``<br>``, other control characters as
    spaces."""
    out: list[str] = []
    for char in text.replace("\r\n", "\n"):
        if char in _MERMAID_ENTITIES:
            out.append(_MERMAID_ENTITIES[char])
        elif char == "\n":
            out.append("<br>")
        elif ord(char) < 32 or 0x7F <= ord(char) < 0xA0 or char in "\u2028\u2029":
            out.append(" ")
        else:
            out.append(char)
    return "".join(out)


_MERMAID_SHAPES = {
    "parameter": ('{{"', '"}}'),
    "call": ('["', '"]'),
    "error": ('["', '"]'),
    "omitted": ('("', '")'),
    "feedback": ('>"', '"]'),
}
_MERMAID_ARROWS = {"parameter": "-.->", "data": "==>", "calls": "-->", "feedback": "-->"}
_MERMAID_STYLES = (
    "classDef parameter fill:#eef,stroke:#447",
    "classDef error fill:#fee,stroke:#c00",
    "classDef omitted fill:#f6f6f6,stroke:#999,stroke-dasharray:3 3",
    "classDef feedback fill:#fee,stroke:#c00,stroke-width:2px",
)


def to_mermaid(
    traces: Sequence[TraceGraph],
    parameters: Sequence[Parameter] = (),
    feedback: str = "",
    *,
    max_nodes: int = DEFAULT_MAX_NODES,
) -> str:
    """A Mermaid flowchart of the traces (``flowchart TD``), without a code fence."""
    graph = build_graph(traces, parameters, feedback, max_nodes=max_nodes)

    def node(item: Node) -> str:
        opening, closing = _MERMAID_SHAPES[item.kind]
        return f"{item.id}{opening}{mermaid_escape(item.label)}{closing}"

    lines = ["flowchart TD"]
    lines += [f"    {node(item)}" for item in graph.parameters]
    for cluster in graph.clusters:
        lines.append(f'    subgraph {cluster.id}["{mermaid_escape(cluster.label)}"]')
        lines += [f"        {node(item)}" for item in cluster.nodes]
        lines.append("    end")
    lines += [f"    {node(item)}" for item in graph.free]
    for edge in graph.edges:
        arrow = _MERMAID_ARROWS[edge.kind]
        label = f'|"{mermaid_escape(edge.label)}"|' if edge.label else ""
        lines.append(f"    {edge.source} {arrow}{label} {edge.target}")
    lines += [f"    {style}" for style in _MERMAID_STYLES]
    by_kind: dict[str, list[str]] = {}
    for item in _all_nodes(graph):
        if item.kind in ("parameter", "error", "omitted", "feedback"):
            by_kind.setdefault(item.kind, []).append(item.id)
    lines += [f"    class {','.join(ids)} {kind}" for kind, ids in by_kind.items()]
    return "\n".join(lines) + "\n"


def _all_nodes(graph: Graph) -> list[Node]:
    return [
        *graph.parameters,
        *(item for cluster in graph.clusters for item in cluster.nodes),
        *graph.free,
    ]


# --- Graphviz DOT -----------------------------------------------------------------------


def dot_escape(text: str) -> str:
    """``text`` for a double-quoted DOT string: backslashes doubled, ``"`` escaped, line
    breaks as ``\\n`` (centered lines), other control characters as spaces."""
    out: list[str] = []
    for char in text.replace("\r\n", "\n"):
        if char == "\\":
            out.append("\\\\")
        elif char == '"':
            out.append('\\"')
        elif char == "\n":
            out.append("\\n")
        elif ord(char) < 32 or 0x7F <= ord(char) < 0xA0:
            out.append(" ")
        else:
            out.append(char)
    return "".join(out)


_DOT_NODES = {
    "parameter": 'shape=hexagon, style=filled, fillcolor="#eeeeff"',
    "call": "shape=box, style=rounded",
    "error": 'shape=box, style="rounded,filled", fillcolor="#ffeeee", color="#cc0000"',
    "omitted": 'shape=box, style="rounded,dashed", color="#999999"',
    "feedback": 'shape=note, style=filled, fillcolor="#ffeeee", color="#cc0000"',
}
_DOT_EDGES = {
    "parameter": "style=dotted, arrowhead=none",
    "data": "penwidth=2",
    "calls": "style=dashed",
    "feedback": 'color="#cc0000"',
}


def to_dot(
    traces: Sequence[TraceGraph],
    parameters: Sequence[Parameter] = (),
    feedback: str = "",
    *,
    max_nodes: int = DEFAULT_MAX_NODES,
) -> str:
    """A Graphviz digraph of the traces (render it with ``dot -Tsvg``)."""
    graph = build_graph(traces, parameters, feedback, max_nodes=max_nodes)

    def quote(text: str) -> str:
        return f'"{dot_escape(text)}"'

    def node(item: Node) -> str:
        return f"{item.id} [label={quote(item.label)}, {_DOT_NODES[item.kind]}];"

    lines = [
        "digraph trace {",
        '    graph [rankdir=TB, fontname="Helvetica"];',
        '    node [fontname="Helvetica", fontsize=11];',
        '    edge [fontname="Helvetica", fontsize=10];',
    ]
    lines += [f"    {node(item)}" for item in graph.parameters]
    for number, cluster in enumerate(graph.clusters):
        lines.append(f"    subgraph cluster_{number} {{")
        lines.append(f'        label={quote(cluster.label)}; style=rounded; color="#888888";')
        lines += [f"        {node(item)}" for item in cluster.nodes]
        lines.append("    }")
    lines += [f"    {node(item)}" for item in graph.free]
    for edge in graph.edges:
        attributes = _DOT_EDGES[edge.kind] + (f", label={quote(edge.label)}" if edge.label else "")
        lines.append(f"    {edge.source} -> {edge.target} [{attributes}];")
    lines.append("}")
    return "\n".join(lines) + "\n"
