"""Pictures of traces: Mermaid and Graphviz DOT, parsed back line by line."""

from __future__ import annotations

import html
import os
import random
import re
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from test_render import DISCOUNT, RATE, TEST, nested_trace, v

from pytest_trace.model import CallNode, Parameter, TraceGraph, Value
from pytest_trace.trace.graph_formats import dot_escape, mermaid_escape, to_dot, to_mermaid

FEEDBACK = (
    "tests/test_cart.py::test_discount failed\n"
    "AssertionError: assert 20.0 == 180.0\n"
    "Traceback (user code, most recent call last):\n"
    "  tests/test_cart.py:3 in test_discount: assert apply_discount(200, 10) == 180.0\n"
)
NASTY = 'a "quoted" #1; <b>&amp; `tick` back\\slash |pipe| 100% [x] {y} end\nline 2\r\nline 3'


def parameter(name: str, source: str) -> Parameter:
    module, _, qualname = name.rpartition(".")
    return Parameter(name, module, qualname, module.replace(".", "/") + ".py", source)


PARAMETERS = [
    parameter(DISCOUNT, "def apply_discount(price, percent):\n    return price\n"),
    parameter(RATE, "def rate(percent):\n    return percent / 100\n"),
]


# --- strict parsers of the two outputs --------------------------------------------------


@dataclass
class Parsed:
    nodes: dict[str, tuple[str, str, str | None]] = field(default_factory=dict)  # shape, label
    clusters: dict[str, str] = field(default_factory=dict)
    edges: list[tuple[str, str, str, str]] = field(default_factory=list)  # src, dst, style, label
    classes: dict[str, str] = field(default_factory=dict)


MERMAID_LABEL = r'((?:[^"<\n]|<br>)*)'  # no raw quote, no tag but <br>
MERMAID_NODE = re.compile(rf'^(\w+)(\{{\{{"|\["|\("|>"){MERMAID_LABEL}("\}}\}}|"\]|"\))$')
MERMAID_EDGE = re.compile(rf'^(\w+) (-\.->|==>|-->)(?:\|"{MERMAID_LABEL}"\|)? (\w+)$')
SHAPES = {'{{"': "hexagon", '["': "box", '("': "rounded", '>"': "flag"}


def mermaid_unescape(text: str) -> str:
    text = text.replace("<br>", "\n")
    assert not re.search(r"#(?!\w+;)", text), f"a bare # in {text!r}"
    return re.sub(
        r"#(\w+);",
        lambda m: chr(int(m[1])) if m[1].isdigit() else html.unescape(f"&{m[1]};"),
        text,
    )


def parse_mermaid(text: str) -> Parsed:
    lines = text.splitlines()
    assert lines[0] == "flowchart TD"
    parsed = Parsed()
    cluster: str | None = None
    for raw in lines[1:]:
        line = raw.strip()
        if m := re.fullmatch(rf'subgraph (\w+)\["{MERMAID_LABEL}"\]', line):
            assert cluster is None, "nested subgraph"
            cluster = m[1]
            parsed.clusters[m[1]] = mermaid_unescape(m[2])
        elif line == "end":
            assert cluster is not None
            cluster = None
        elif m := MERMAID_NODE.fullmatch(line):
            assert m[1] not in parsed.nodes, f"node {m[1]} twice"
            closing = {'{{"': '"}}', '["': '"]', '("': '")', '>"': '"]'}[m[2]]
            assert m[4] == closing, line
            parsed.nodes[m[1]] = (SHAPES[m[2]], mermaid_unescape(m[3]), cluster)
        elif m := MERMAID_EDGE.fullmatch(line):
            parsed.edges.append((m[1], m[4], m[2], mermaid_unescape(m[3] or "")))
        elif m := re.fullmatch(r"classDef (\w+) [\w:#,.\- ]+", line):
            pass
        elif m := re.fullmatch(r"class ([\w,]+) (\w+)", line):
            for node in m[1].split(","):
                parsed.classes[node] = m[2]
        else:
            raise AssertionError(f"unexpected Mermaid line: {raw!r}")
    assert cluster is None, "subgraph not closed"
    for source, target, _, _ in parsed.edges:
        assert source in parsed.nodes and target in parsed.nodes, (source, target)
    return parsed


DOT_STRING = r'"((?:[^"\\\n]|\\.)*)"'


def dot_unescape(text: str) -> str:
    return re.sub(r"\\(.)", lambda m: "\n" if m[1] == "n" else m[1], text)


def parse_dot(text: str) -> Parsed:
    lines = text.splitlines()
    assert lines[0] == "digraph trace {" and lines[-1] == "}"
    parsed = Parsed()
    cluster: str | None = None
    for raw in lines[1:-1]:
        line = raw.strip()
        if re.fullmatch(r"(graph|node|edge) \[.*\];", line):
            continue
        if m := re.fullmatch(r"subgraph (cluster_\d+) \{", line):
            assert cluster is None
            cluster = m[1]
        elif m := re.fullmatch(rf"label={DOT_STRING}; style=rounded; color=\"#\w+\";", line):
            assert cluster is not None
            parsed.clusters[cluster] = dot_unescape(m[1])
        elif line == "}":
            assert cluster is not None
            cluster = None
        elif m := re.fullmatch(rf"(\w+) \[label={DOT_STRING}, shape=(\w+)(.*)\];", line):
            assert m[1] not in parsed.nodes
            parsed.nodes[m[1]] = (m[3], dot_unescape(m[2]), cluster)
        elif m := re.fullmatch(rf"(\w+) -> (\w+) \[([^\]]*?)(?:, label={DOT_STRING})?\];", line):
            parsed.edges.append((m[1], m[2], m[3], dot_unescape(m[4] or "")))
        else:
            raise AssertionError(f"unexpected DOT line: {raw!r}")
    assert cluster is None
    for source, target, _, _ in parsed.edges:
        assert source in parsed.nodes and target in parsed.nodes
    return parsed


def edge_set(parsed: Parsed) -> set[tuple[str, str, str]]:
    return {(source, target, label) for source, target, _, label in parsed.edges}


# --- structure --------------------------------------------------------------------------


def test_mermaid_has_parameters_calls_data_flow_and_the_feedback():
    parsed = parse_mermaid(to_mermaid([nested_trace()], PARAMETERS, FEEDBACK))

    assert parsed.nodes["p0"] == (
        "hexagon",
        f"{DISCOUNT}\ndef apply_discount(price, percent)",
        None,
    )
    assert parsed.nodes["p1"][0] == "hexagon"
    assert parsed.clusters == {"t0": TEST}
    assert parsed.nodes["t0_c1"] == ("box", "apply_discount(price=200, percent=10)\n→ 20.0", "t0")
    assert parsed.nodes["t0_c2"] == ("box", "rate(percent=10)\n→ 0.1", "t0")
    assert parsed.nodes["t0_c3"] == (
        "box",
        "apply_discount(price=20.0, percent=200)\nraised ValueError: ValueError('percent > 100')",
        "t0",
    )
    assert parsed.nodes["feedback"] == (
        "flag",
        "tests/test_cart.py::test_discount failed\nAssertionError: assert 20.0 == 180.0",
        None,
    )
    assert parsed.edges == [
        ("p0", "t0_c1", "-.->", ""),
        ("p1", "t0_c2", "-.->", ""),
        ("t0_c1", "t0_c2", "-->", "calls"),
        ("p0", "t0_c3", "-.->", ""),
        ("t0_c1", "t0_c3", "==>", "price"),  # the data flow
        # the value the test saw (the first call's went on to the second call)
        ("t0_c3", "feedback", "-->", ""),
    ]
    assert parsed.classes == {"p0": "parameter", "p1": "parameter", "t0_c3": "error"} | {
        "feedback": "feedback"
    }


def test_dot_draws_the_same_graph_as_mermaid():
    traces = [nested_trace(), nested_trace("tests/test_cart.py::test_other")]
    mermaid = parse_mermaid(to_mermaid(traces, PARAMETERS, FEEDBACK))
    dot = parse_dot(to_dot(traces, PARAMETERS, FEEDBACK))

    assert edge_set(dot) == edge_set(mermaid)
    assert {n: label for n, (_, label, _) in dot.nodes.items()} == {
        n: label for n, (_, label, _) in mermaid.nodes.items()
    }
    assert sorted(dot.clusters.values()) == sorted(mermaid.clusters.values())
    assert dot.nodes["p0"][0] == "hexagon"
    assert dot.nodes["t1_c1"][0] == "box"
    assert dot.nodes["feedback"][0] == "note"
    assert ("t1_c3", "feedback", "") in edge_set(dot)  # each test's outcome reaches it


def test_parameters_that_were_not_given_still_get_a_node():
    parsed = parse_mermaid(to_mermaid([nested_trace()]))
    assert {parsed.nodes[n][1] for n in ("p0", "p1")} == {DISCOUNT, RATE}
    assert "feedback" not in parsed.nodes


def test_no_trace_at_all_draws_the_parameters_and_the_feedback():
    parsed = parse_mermaid(to_mermaid([], PARAMETERS, "x failed\nboom"))
    assert set(parsed.nodes) == {"p0", "p1", "feedback"}
    assert parsed.edges == []


def test_feedback_node_shows_each_tests_error_line_and_counts_the_rest():
    blocks = [
        f"t{i} failed\nAssertionError: assert {i} == 0\n  \n  - {i}\n  + 0\n  tests/t.py:1 in t"
        for i in range(6)
    ]
    parsed = parse_mermaid(to_mermaid([], (), "\n\n".join(blocks)))
    assert parsed.nodes["feedback"][1].splitlines() == [
        "t0 failed",
        "AssertionError: assert 0 == 0",
        "t1 failed",
        "AssertionError: assert 1 == 0",
        "t2 failed",
        "AssertionError: assert 2 == 0",
        "t3 failed",
        "AssertionError: assert 3 == 0",
        "… 2 more",
    ]


# --- escaping ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("char", "code"),
    [
        ('"', "#quot;"),
        ("#", "#35;"),
        ("<", "#lt;"),
        (">", "#gt;"),
        ("&", "#amp;"),
        ("`", "#96;"),
        ("\\", "#92;"),
        ("|", "#124;"),
        ("[", "#91;"),
        ("}", "#125;"),
        ("\n", "<br>"),
    ],
)
def test_mermaid_escape_uses_entity_codes(char, code):
    assert mermaid_escape(f"a{char}b") == f"a{code}b"


def test_escaping_round_trips_through_both_languages():
    rng = random.Random(7)
    alphabet = 'ab "#;<>&`\\|%[]{}()\n\t\r\x00:-->|end°€ü'
    samples = [NASTY, "#quot;", "<br>", "&lt;", "\\n", "end", ""] + [
        "".join(rng.choice(alphabet) for _ in range(rng.randrange(1, 30))) for _ in range(300)
    ]
    for text in samples:
        expected = re.sub(r"[\x00-\x09\x0b-\x1f]", " ", text.replace("\r\n", "\n"))
        escaped = mermaid_escape(text)
        assert '"' not in escaped and "\n" not in escaped
        assert re.sub(r"<br>", "", escaped).count("<") == 0
        assert mermaid_unescape(escaped) == expected
        dotted = dot_escape(text)
        assert "\n" not in dotted and re.fullmatch(DOT_STRING, f'"{dotted}"')
        assert dot_unescape(dotted) == expected


def test_hostile_values_keep_both_diagrams_well_formed():
    trace = TraceGraph(
        test='tests/test_x.py::test_y[a"b#c<d>]',
        calls=[
            CallNode(1, DISCOUNT, {"price": v(NASTY, "str")}, v(NASTY[:30], "str")),
            CallNode(2, DISCOUNT, {'we"ird': v("1")}, v("2"), inputs_from={'we"ird': 1}),
        ],
    )
    feedback = f"{trace.test} failed\nAssertionError: {NASTY}"
    mermaid = parse_mermaid(to_mermaid([trace], PARAMETERS[:1], feedback))
    dot = parse_dot(to_dot([trace], PARAMETERS[:1], feedback))

    for parsed in (mermaid, dot):
        assert list(parsed.clusters.values()) == [trace.test]
        first = next(label for n, (_, label, _) in parsed.nodes.items() if n == "t0_c1")
        assert first.startswith('apply_discount(price=a "quoted" #1; <b>&amp; `tick`')
        assert ("t0_c1", "t0_c2", 'we"ird') in edge_set(parsed)
        assert parsed.nodes["feedback"][1].startswith(f"{trace.test} failed\nAssertionError: a ")


# --- bounds -----------------------------------------------------------------------------


def long_trace(count: int, raising_at: int) -> TraceGraph:
    calls = [
        CallNode(
            i,
            RATE if i % 2 else DISCOUNT,
            {"x": v(str(i))},
            None if i == raising_at else v(str(i)),
            exception=Value("ZeroDivisionError", "boom") if i == raising_at else None,
            inputs_from={"x": i - 1} if i else {},
        )
        for i in range(count)
    ]
    return TraceGraph(test=TEST, calls=calls)


def counted(label: str) -> int:
    m = re.match(r"… ([\d,]+) more calls?:", label)
    return int(m[1].replace(",", "")) if m else 1


@pytest.mark.parametrize("max_nodes", [3, 10, 40])
def test_a_long_trace_is_summarized_within_max_nodes(max_nodes):
    parsed = parse_mermaid(to_mermaid([long_trace(10_000, 5_001)], PARAMETERS, max_nodes=max_nodes))
    inside = {n: label for n, (_, label, cluster) in parsed.nodes.items() if cluster == "t0"}

    assert len(inside) <= max_nodes
    assert sum(counted(label) for label in inside.values()) == 10_000  # every call accounted
    if max_nodes >= 10:
        assert {"t0_c0", "t0_c5001", "t0_c1", "t0_c9999"} <= set(inside)  # ends, raising, rate
        assert parsed.classes["t0_c5001"] == "error"
    # the data flow into an omitted call arrives at its summary node
    gaps = [n for n in inside if "_g" in n]
    assert gaps and all(parsed.classes[g] == "omitted" for g in gaps)
    assert all(
        (source in inside and target in inside)
        for source, target, style, _ in parsed.edges
        if style == "==>"
    )


def test_many_tests_are_counted_beyond_max_nodes():
    traces = [nested_trace(f"tests/test_cart.py::test_{i}") for i in range(50)]
    parsed = parse_mermaid(to_mermaid(traces, PARAMETERS, FEEDBACK, max_nodes=40))
    calls = [n for n, (_, _, cluster) in parsed.nodes.items() if cluster is not None]

    assert len(calls) + 1 <= 40
    assert len(parsed.clusters) == 13
    assert parsed.nodes["more"][1] == "… 37 more tests (111 calls) not shown"


def test_dropped_calls_are_noted_within_the_bound():
    trace = long_trace(100, 50)
    trace.dropped_calls = 9_900
    parsed = parse_mermaid(to_mermaid([trace], max_nodes=10))
    inside = [label for _, label, cluster in parsed.nodes.values() if cluster == "t0"]
    assert len(inside) <= 10
    assert "… 9,900 further calls not recorded" in inside


# --- a real Mermaid parser, when one is installed ---------------------------------------

CHECKER = Path(__file__).with_name("mermaid_check.mjs")


def mermaid_parser() -> Path:
    """The directory holding ``node_modules/mermaid`` and ``jsdom`` (``npm install mermaid
    jsdom``), from ``PYTEST_TRACE_MERMAID``."""
    where = os.environ.get("PYTEST_TRACE_MERMAID")
    if not where or not shutil.which("node"):
        pytest.skip("set PYTEST_TRACE_MERMAID to a directory with `npm install mermaid jsdom`")
    return Path(where)


def test_mermaids_own_parser_accepts_the_diagrams(tmp_path):
    where = mermaid_parser()
    diagrams = {
        "nested": to_mermaid([nested_trace()], PARAMETERS, FEEDBACK),
        "long": to_mermaid([long_trace(500, 250)], PARAMETERS, max_nodes=12),
        "hostile": to_mermaid(
            [
                TraceGraph(
                    test=f"t[{NASTY}]",
                    calls=[CallNode(1, DISCOUNT, {"p": v(NASTY)}, v(NASTY))],
                )
            ],
            PARAMETERS,
            f"x failed\n{NASTY}",
        ),
    }
    files = []
    for name, text in diagrams.items():
        (tmp_path / f"{name}.mmd").write_text(text, encoding="utf-8")
        files.append(str(tmp_path / f"{name}.mmd"))
    (tmp_path / "broken.mmd").write_text('flowchart TD\n    a["x " y"]\n')
    run = subprocess.run(
        ["node", str(CHECKER), *files, str(tmp_path / "broken.mmd")],
        cwd=where,
        capture_output=True,
        text=True,
        timeout=120,
    )
    lines = run.stdout.splitlines()
    assert [line.split()[0] for line in lines] == ["OK", "OK", "OK", "FAIL"], run.stdout
