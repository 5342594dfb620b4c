"""The search optimizer's driver: ranking, batches, deduplication, restarts, pairs."""

from __future__ import annotations

from pytest_trace.model import CallNode, LineStep, Parameter, Problem, TraceGraph, Value
from pytest_trace.optimizers.mutations import Edit, normalized
from pytest_trace.optimizers.search import SearchOptimizer, rank_key

ADULT = "def is_adult(age):\n    return age > 18\n"
FIXED_ADULT = "def is_adult(age):\n    return age >= 18\n"
TOTAL = "def total(xs):\n    n = 0\n    for x in xs:\n        n -= x\n    return n\n"


def parameter(name: str, source: str) -> Parameter:
    module, qualname = name.rsplit(".", 1)
    return Parameter(name, module, qualname, f"{module}.py", source)


def problem(*parameters: Parameter, feedback: str = "", **extra: object) -> Problem:
    extra.setdefault("traces", [])
    return Problem(list(parameters), feedback=feedback, **extra)  # type: ignore[arg-type]


def drain(
    optimizer: SearchOptimizer, current: Problem, limit: int = 10_000
) -> list[dict[str, str]]:
    found: list[dict[str, str]] = []
    while len(found) < limit and (batch := optimizer.propose(current)):
        found += [proposal.updates for proposal in batch]
    return found


def test_batches_of_the_requested_size_until_exhausted() -> None:
    optimizer = SearchOptimizer(batch_size=5)
    current = problem(parameter("m.is_adult", ADULT))
    first = optimizer.propose(current)
    assert len(first) == 5
    everything = [p.updates for p in first] + drain(optimizer, current)
    assert optimizer.propose(current) == []
    forms = [normalized(updates["m.is_adult"]) for updates in everything]
    assert len(forms) == len(set(forms)), "a program was proposed twice"
    assert normalized(ADULT) not in forms, "the unchanged program was proposed"
    assert normalized(FIXED_ADULT) in forms


def test_the_smallest_edit_of_the_most_suspicious_line_comes_first() -> None:
    edits = [
        Edit("a", ("insert guard",), (2,), 4, ""),
        Edit("b", ("comparison swap",), (2,), 1, ""),
        Edit("c", ("comparison swap",), (3,), 1, ""),
    ]
    suspicious = {2: 0.3, 3: 0.9}
    order = sorted(range(3), key=lambda i: rank_key(edits[i], suspicious, i))
    assert [edits[i].source for i in order] == ["c", "b", "a"]


def test_proposals_name_their_operators_and_describe_the_edit() -> None:
    optimizer = SearchOptimizer(batch_size=1000)
    found = optimizer.propose(problem(parameter("m.is_adult", ADULT)))
    [fix] = [p for p in found if normalized(p.updates["m.is_adult"]) == normalized(FIXED_ADULT)]
    assert fix.operators == ("comparison swap",)
    assert "is_adult" in fix.reasoning and ">=" in fix.reasoning


def test_a_new_current_value_restarts_the_search_from_it() -> None:
    optimizer = SearchOptimizer(batch_size=3)
    optimizer.propose(problem(parameter("m.is_adult", ADULT)))
    restarted = optimizer.propose(problem(parameter("m.is_adult", FIXED_ADULT)))
    assert restarted
    assert all(p.updates["m.is_adult"] != FIXED_ADULT for p in restarted)


def test_localization_decides_among_edits_of_the_same_size() -> None:
    optimizer = SearchOptimizer(batch_size=1)
    loop_line = {4: 1.0}  # `n -= x`
    [first] = optimizer.propose(
        problem(parameter("m.total", TOTAL), suspicious={"m.total": loop_line})
    )
    assert first.updates["m.total"].splitlines()[3] != "        n -= x"


def test_several_functions_are_searched_and_then_paired() -> None:
    optimizer = SearchOptimizer(batch_size=100_000)
    current = problem(parameter("m.is_adult", ADULT), parameter("m.total", TOTAL))
    found = drain(optimizer, current)
    names = {tuple(sorted(updates)) for updates in found}
    assert ("m.is_adult",) in names and ("m.total",) in names
    assert ("m.is_adult", "m.total") in names  # pairs across the two functions


def test_failing_inputs_and_expected_values_guide_guards() -> None:
    fact = "def fact(n):\n    return n * fact(n - 1)\n"
    call = CallNode(0, "m.fact", {"n": Value("int", "0")})
    current = problem(
        parameter("m.fact", fact),
        feedback="AssertionError: assert 0 == 1\n +  where 0 = fact(0)",
        traces=[TraceGraph("t::fact", calls=[call])],
    )
    found = drain(SearchOptimizer(batch_size=500), current)
    guarded = [u["m.fact"] for u in found if "if" in u["m.fact"] and "return 1" in u["m.fact"]]
    assert guarded, "no guard returning the expected value for the failing input"


def test_a_parameter_that_is_not_one_function_is_skipped() -> None:
    optimizer = SearchOptimizer(batch_size=50)
    current = problem(parameter("m.broken", "x = 1\n"), parameter("m.is_adult", ADULT))
    assert optimizer.propose(current)


WRAP = (
    "def wrap(words, width):\n"
    "    lines = []\n"
    "    for word in words:\n"
    "        lines.append(word[:width])\n"
    "    return lines\n"
)


def test_the_types_seen_in_the_trace_rule_out_swaps_that_cannot_run() -> None:
    call = CallNode(
        0,
        "m.wrap",
        {"words": Value("list", "['ab', 'cd']"), "width": Value("int", "1")},
        lines=[
            LineStep(2, {"lines": Value("list", "[]")}),
            LineStep(3, {"word": Value("str", "'ab'")}),
        ],
    )
    traced = problem(parameter("m.wrap", WRAP), traces=[TraceGraph("t::wrap", calls=[call])])
    untraced = problem(parameter("m.wrap", WRAP))
    with_types = [u["m.wrap"] for u in drain(SearchOptimizer(batch_size=500), traced)]
    without = [u["m.wrap"] for u in drain(SearchOptimizer(batch_size=500), untraced)]

    # an int and a str have no .append; a list has no .appendleft; an int cannot be sliced
    for impossible in ("width.append(", "word.append(", "lines.appendleft(", "width[:width]"):
        assert any(impossible in source for source in without), impossible
        assert not any(impossible in source for source in with_types), impossible
    # values of a type that can: still swapped in
    assert any("words.append(word[:width])" in source for source in with_types)
    assert any("lines.append(words[:width])" in source for source in with_types)
    assert len(with_types) < len(without)


INTEREST = "def interest(rate, years):\n    return compound(years, rate)\n"
REPORT = (
    "def report(rows, width):\n"
    "    lines = []\n"
    "    for row in rows:\n"
    "        label = row[0].ljust(width - 10)\n"
    "        value = round(row[1], 2)\n"
    "        lines.append(label + str(value))\n"
    "    total = sum(row[1] for row in rows)\n"
    "    lines.append('total'.ljust(width - 10) + str(round(total, 2)))\n"
    "    return '\\n'.join(lines)\n"
)


def test_a_two_token_edit_of_the_blamed_line_comes_before_unblamed_one_token_edits() -> None:
    swapped = "def interest(rate, years):\n    return compound(rate, years)\n"
    current = problem(
        parameter("m.report", REPORT),
        parameter("m.interest", INTEREST),
        suspicious={"m.interest": {2: 1.0}, "m.report": {n: 0.1 for n in range(2, 10)}},
    )
    found = drain(SearchOptimizer(batch_size=50), current, limit=300)
    first_swap = next(
        i for i, u in enumerate(found) if normalized(u.get("m.interest", "")) == normalized(swapped)
    )
    report_edits = [i for i, u in enumerate(found) if set(u) == {"m.report"}]
    assert len(report_edits) > 20
    assert first_swap < report_edits[0]
    # Without localization, the smallest edits first, as before.
    plain = drain(
        SearchOptimizer(batch_size=50),
        problem(parameter("m.report", REPORT), parameter("m.interest", INTEREST)),
        limit=300,
    )
    unlocalized = next(
        i for i, u in enumerate(plain) if normalized(u.get("m.interest", "")) == normalized(swapped)
    )
    assert unlocalized > [i for i, u in enumerate(plain) if set(u) == {"m.report"}][20]
