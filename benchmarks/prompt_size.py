"""Prompt size against trace size, and what recording costs per call.

Run it from the repository root (no arguments; it takes about half a minute)::

    python benchmarks/prompt_size.py

Part 1 records real traces with :class:`~pytest_trace.trace.recorder.Recorder` (a loop of
10 to 10,000 calls, arguments of 1 KB to 4 MB, recursion 10 to 500 deep), builds
OptoPrime's prompt for each with the default ``--trace-max-prompt-tokens`` (8,000) and
prints: calls made, calls kept by the recorder, the size of the recorded trace as JSON,
the total size of the arguments passed, and the prompt's characters and estimated tokens
(characters / 3, as the budget counts them).

Part 2 times one small trainable call (``f(19.99, 3)``) with :func:`time.perf_counter`,
best of several repeats, garbage collection off, side by side in one process:

- nothing recording (the reference);
- recorded, stored among the first calls (the inline hot path);
- recorded, past the first half of ``max_calls`` (the ring of the latest calls);
- recorded with operators on (``project_root``), where ``f`` calls a helper of the project;
- recorded line by line (the first calls of each function).

and the memory the recorder holds (``tracemalloc``) after 10,000 and after 100,000
recorded calls, which should not grow with the count. Prints tables and exits 0.
"""

from __future__ import annotations

import contextlib
import gc
import json
import platform
import sys
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pytest_trace.model import Parameter, Problem, TraceGraph, to_json
from pytest_trace.optimizers.optoprime import OptoPrime, estimate_tokens
from pytest_trace.trace.recorder import Recorder

HERE = Path(__file__).resolve().parent


def price(amount: float, quantity: int) -> float:
    return amount * quantity


def scaled(amount: float, quantity: int) -> float:
    return helper(amount) * quantity


def helper(amount: float) -> float:
    """Round an amount to cents."""
    return round(amount, 2)


def looped(amount: float, quantity: int) -> float:
    total = 0.0
    for _ in range(quantity):
        total += amount
    return total


def size_of(text: str) -> int:
    return len(text)


def depth(n: int) -> int:
    return 0 if n == 0 else 1 + depth(n - 1)


def parameter(function: Callable[..., Any]) -> Parameter:
    import inspect

    name = f"bench.{function.__name__}"
    return Parameter(name, "bench", function.__name__, "bench.py", inspect.getsource(function))


class NoLLM:
    def complete(self, system: str, user: str) -> Any:  # pragma: no cover - never called
        raise AssertionError("build_prompt does not call the model")


def record(function: Callable[..., Any], run: Callable[[], object], **options: Any) -> TraceGraph:
    recorder = Recorder({function.__code__: f"bench.{function.__name__}"}, **options)
    with recorder, contextlib.suppress(Exception):
        run()
    return recorder.graph("tests/test_bench.py::test_case", "def test_case():\n    ...\n")


def prompt_table() -> None:
    optimizer = OptoPrime(NoLLM())  # type: ignore[arg-type]
    sys.setrecursionlimit(5_000)
    cases: list[tuple[str, Callable[..., Any], Callable[[], object], int, int]] = []
    for count in (10, 100, 1_000, 10_000):
        cases.append(
            (
                f"loop of {count:,} calls",
                price,
                lambda n=count: [price(1.5, i) for i in range(n)],
                count,
                8 * 2 * count,
            )
        )
    for size in (1_000, 100_000, 1_000_000, 4_000_000):
        text = "x" * size
        cases.append(
            (
                f"10 arguments of {size:,} chars",
                size_of,
                lambda t=text: [size_of(t) for _ in range(10)],
                10,
                10 * size,
            )
        )
    for levels in (10, 100, 500):
        cases.append(
            (f"recursion {levels} deep", depth, lambda n=levels: depth(n), levels + 1, 8 * levels)
        )
    print(
        f"{'trace':32} {'calls':>7} {'kept':>6} {'trace JSON':>11} {'arguments':>11}"
        f" {'prompt chars':>13} {'est. tokens':>12}"
    )
    for label, function, run, calls, argument_bytes in cases:
        trace = record(function, run)
        problem = Problem([parameter(function)], [trace], "AssertionError: assert 1 == 2")
        system, user = optimizer.build_prompt(problem)
        chars = len(system) + len(user)
        tokens = estimate_tokens(system) + estimate_tokens(user)
        size = len(json.dumps(to_json(trace)))
        print(
            f"{label:32} {calls:>7,} {len(trace.calls):>6,} {size:>11,} "
            f"{argument_bytes:>11,} {chars:>13,} {tokens:>12,}"
        )
    print(
        f"budget: {optimizer.max_prompt_chars:,} characters"
        " (8,000 tokens at 3 characters a token)\n"
    )


def per_call(
    setup: Callable[[], Recorder | None],
    function: Callable[..., Any],
    calls: int,
    skip: int = 0,
    repeats: int = 15,
) -> float:
    """Best seconds per call of ``function(19.99, 3)`` over ``calls`` calls, after ``skip``
    calls made under the same recorder (to time the ring, past the first calls)."""
    best = float("inf")
    for _ in range(repeats):
        recorder = setup()
        gc.disable()
        try:
            if recorder is not None:
                recorder.__enter__()
            for _ in range(skip):
                function(19.99, 3)
            start = time.perf_counter()
            for _ in range(calls):
                function(19.99, 3)
            elapsed = time.perf_counter() - start
        finally:
            if recorder is not None:
                recorder.__exit__(None, None, None)
            gc.enable()
        best = min(best, elapsed / calls)
    return best


def cost_table() -> None:
    def trainable(*functions: Callable[..., Any], **options: Any) -> Callable[[], Recorder]:
        codes = {f.__code__: f"bench.{f.__name__}" for f in functions}
        return lambda: Recorder(codes, **options)

    no_lines: dict[str, Any] = {
        "lines": __import__("pytest_trace.trace.lines", fromlist=["LineLimits"]).LineLimits(
            calls_per_function=0
        )
    }
    reference = per_call(lambda: None, price, 500)
    rows = [
        ("stored among the first calls", per_call(trainable(price, **no_lines), price, 500)),
        (
            "in the ring of the latest calls",
            per_call(trainable(price, **no_lines), price, 500, skip=500),
        ),
        (
            "calling an operator (project_root)",
            per_call(trainable(scaled, **no_lines, project_root=HERE), scaled, 45)
            - per_call(lambda: None, scaled, 45),
        ),
        ("line by line (a 3-line loop, 3 times)", per_call(trainable(looped), looped, 3)),
    ]
    print(f"recording cost per trainable call (Python {platform.python_version()}, best of 15)")
    print(f"{'':44} {'µs per call':>12} {'added':>8}")
    print(f"{'f(19.99, 3), nothing recording':44} {reference * 1e6:>12.2f} {'':>8}")
    for label, seconds in rows:
        added = seconds - reference if "operator" not in label else seconds
        print(f"{label:44} {seconds * 1e6:>12.2f} {added * 1e6:>8.2f}")
    print("(the operator row is scaled() recorded minus scaled() unrecorded: two recorded calls)\n")


def memory_table() -> None:
    print("memory held by the recorder (tracemalloc, after the calls, before graph())")
    for calls in (10_000, 100_000):
        tracemalloc.start()
        recorder = Recorder({price.__code__: "bench.price"})
        with recorder:
            for i in range(calls):
                price(float(i), i)
        current, _peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        print(
            f"{calls:>8,} calls: {current / 1e6:6.2f} MB held, {len(recorder.calls):,} calls kept"
        )


if __name__ == "__main__":
    print(f"Python {sys.version.split()[0]} on {platform.machine()}\n")
    prompt_table()
    cost_table()
    memory_table()
