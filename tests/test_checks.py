"""The checks of candidates that pass the tests: test literals, ranking, disagreements."""

from __future__ import annotations

from pytest_trace.checks import Concern
from pytest_trace.checks.ambiguity import Disagreement, ambiguous, describe
from pytest_trace.checks.candidates import GroupChecks
from pytest_trace.checks.literals import literal_concerns, seen_values
from pytest_trace.checks.ranking import blame, call_depths, changed_tokens, depth, rank_key
from pytest_trace.model import CallNode, Parameter, TraceGraph, Value

OLD = """def join(names):
    return ", ".join(names)
"""
GUARD = """def join(names):
    if len(names) == 2:
        return "Ann and Bob"
    return ", ".join(names)
"""
GENERAL = """def join(names):
    if len(names) == 2:
        return " and ".join(names)
    return ", ".join(names)
"""
TEST = """def test_two():
    assert join(["Ann", "Bob"]) == "Ann and Bob"
"""
MODULE = '"""Names."""\n\n\n' + OLD


def concerns(new: str, **evidence: object) -> list[Concern]:
    options: dict[str, object] = {"tests": [TEST], "modules": [MODULE], "seen": set()}
    options.update(evidence)
    return literal_concerns(OLD, new, **options)  # type: ignore[arg-type]


def test_a_literal_copied_from_the_test_is_a_blocking_concern() -> None:
    [concern] = concerns(GUARD)
    assert concern == Concern(
        "test-literal", "returns a literal that appears only in the test: 'Ann and Bob'"
    )


def test_a_general_fix_has_no_concern() -> None:
    assert concerns(GENERAL) == []


def test_a_literal_the_module_or_its_docs_or_the_trace_know_is_no_concern() -> None:
    assert concerns(GUARD, modules=[MODULE + '\nDEFAULT = "Ann and Bob"\n']) == []
    documented = '"""Joins names.\n\n>>> join(["Ann", "Bob"])\n\'Ann and Bob\'\n"""\n' + OLD
    assert concerns(GUARD, modules=[documented]) == []
    assert concerns(GUARD, seen={"['Ann and Bob', 'Cy']"}) == []
    assert concerns(GUARD, tests=["def test_other():\n    assert join([]) == ''\n"]) == []


def test_numbers_containers_and_what_the_literal_does() -> None:
    old = "def area(w, h):\n    return w * h\n"
    compared = "def area(w, h):\n    if w == 7:\n        return 42\n    return w * h\n"
    test = "def test_area():\n    assert area(7, 6) == 42\n"
    [concern] = literal_concerns(old, compared, tests=[test], modules=[old], seen={"7", "6"})
    assert concern.reason == "returns a literal that appears only in the test: 42"
    # The trace saw 42 flow through a call: no evidence of copying.
    seen = {"7", "(42, 1)"}
    assert literal_concerns(old, compared, tests=[test], modules=[old], seen=seen) == []
    listed = "def area(w, h):\n    return [3, 4] if w else w * h\n"
    test = "def test_area():\n    assert area(1, 1) == [3, 4]\n"
    [concern] = literal_concerns(old, listed, tests=[test], modules=[old], seen=set())
    assert concern.reason.endswith(": [3, 4]")
    compares = "def area(w, h):\n    return w * h if w != 13 else 0\n"
    test = "def test_area():\n    assert area(13, 1) == 0\n"
    [concern] = literal_concerns(old, compares, tests=[test], modules=[old], seen=set())
    assert concern.reason == "compares with a literal that appears only in the test: 13"


def test_trivial_literals_and_literals_already_there_are_never_reported() -> None:
    old = "def last(items):\n    return items[len(items)]\n"
    new = "def last(items):\n    return items[len(items) - 1]\n"
    test = "def test_last():\n    assert last([1]) == 1\n"
    assert literal_concerns(old, new, tests=[test], modules=[old], seen=set()) == []
    old = "def f(x):\n    return x + 'ab'\n"
    new = "def f(x):\n    return 'ab' + x\n"
    assert literal_concerns(old, new, tests=["f('ab')"], modules=[old], seen=set()) == []


def test_seen_values_gathers_every_recorded_repr() -> None:
    call = CallNode(1, "m.f", {"x": Value("int", "3")}, result=Value("str", "'x'"))
    assert seen_values([TraceGraph("t", calls=[call])]) == {"3", "'x'"}


def test_group_checks_run_the_literal_check_on_changed_parameters() -> None:
    parameter = Parameter("m.join", "m", "join", "m.py", OLD)
    trace = TraceGraph("t::two", test_source=TEST)
    checks = GroupChecks({"m.join": parameter}, [trace], [MODULE])
    found = checks.check([{"m.join": GUARD}, {"m.join": GENERAL}, {"m.join": OLD}])
    assert [[c.check for c in concerns] for concerns in found] == [["test-literal"], [], []]
    assert checks.compare([{"m.join": GUARD}, {"m.join": GENERAL}]) == []


def test_ranking_tokens_and_blame() -> None:
    old = {"f": "def f(x):\n    y = x + 1\n    return y\n"}
    one = {"f": "def f(x):\n    y = x - 1\n    return y\n"}
    two = {"f": "def f(x):\n    y = x + 1\n    return y - 2\n"}
    assert changed_tokens(old, one) == 1
    assert changed_tokens(old, two) == 2
    assert changed_tokens(old, old) == 0
    # two swapped arguments count 2, whether or not they are next to each other
    call = {"g": "def g(a, b, c):\n    return h(a, b, c)\n"}
    assert changed_tokens(call, {"g": "def g(a, b, c):\n    return h(b, a, c)\n"}) == 2
    assert changed_tokens(call, {"g": "def g(a, b, c):\n    return h(c, b, a)\n"}) == 2
    suspicious = {"f": {2: 0.4, 3: 0.9}}
    assert blame(old, one, suspicious) == 0.4
    assert blame(old, two, suspicious) == 0.9
    blocked = [Concern("test-literal", "returns ...")]
    assert sorted(
        [
            rank_key(blocked, 1, 0.9, 0),
            rank_key([], 2, 0.9, 1),
            rank_key([], 1, 0.4, 2),
            rank_key([], 1, 0.9, 3),
            rank_key([Concern("x", "advice", blocking=False)], 1, 0.9, 4),
            rank_key([], 1, 0.9, 5, depth=1),
        ]
    ) == [
        (False, 1, -0.9, -1, 5),  # blamed alike, deeper in the calls: the callee's edit
        (False, 1, -0.9, 0, 3),
        (False, 1, -0.9, 0, 4),
        (False, 1, -0.4, 0, 2),
        (False, 2, -0.9, 0, 1),
        (True, 1, -0.9, 0, 0),
    ]


def test_call_depths_count_the_trainable_calls_above_each_function() -> None:
    value = Value("int", "1")
    calls = [
        CallNode(1, "m.public", {"x": value}),
        CallNode(2, "m.helper", {"x": value}, kind="operator", parent=1),
        CallNode(3, "m._private", {"x": value}, parent=2),
        CallNode(4, "m._private", {"x": value}, parent=None),
    ]
    other = TraceGraph(
        "t2", calls=[CallNode(1, "m.public", {}), CallNode(2, "m.inner", {}, parent=1)]
    )
    depths = call_depths([TraceGraph("t", calls=calls), other])
    # the operator between them is not counted; a function called at several depths
    # takes the shallowest
    assert depths == {"m.public": 0, "m._private": 0, "m.inner": 1}
    assert call_depths([TraceGraph("t", calls=calls[:3])])["m._private"] == 1
    old = {"m.public": "a", "m.inner": "b"}
    assert depth(old, {"m.public": "a", "m.inner": "B"}, depths) == 1
    assert depth(old, {"m.public": "A", "m.inner": "B"}, depths) == 0  # as deep as the caller
    assert depth(old, old, depths) == 0


def test_a_disagreement_reads_as_the_test_that_settles_it() -> None:
    disagreement = Disagreement("m.f", "f(3, [])", ("4", "5"), "assert f(3, []) == ...")
    assert describe(disagreement) == (
        "2 alternatives pass the tests and disagree on f(3, []): 4 vs 5 — "
        "a test that settles it: assert f(3, []) == ..."
    )


def test_an_ambiguous_fix_names_the_result_of_the_alternative_that_disagrees() -> None:
    # The second alternative agrees with the first; the third does not.
    disagreement = Disagreement(
        "m.f", "f([])", ("True", "True", "False"), "assert f([]) == True", other=2
    )
    assert ambiguous(disagreement).reason == (
        "disagrees with 2 other fixes as good on f([]) (True vs False): "
        "a test that settles it: assert f([]) == True"
    )
