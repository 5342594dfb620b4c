"""What ``@trainable`` costs per call: decorated versus undecorated, side by side.

Run it from the repository root (no arguments; it takes a few seconds)::

    python benchmarks/trainable_overhead.py

It times a small function and its ``@trainable`` twin with :mod:`timeit` (best of
several repeats, a few hundred thousand calls each; garbage collection off while
timing) in three situations, in this order, in one process:

(a) plain Python: only ``pytest_trace`` imported;
(b) ``pytest`` and ``pytest_trace.plugin`` imported, as in a test run;
(c) while a :class:`~pytest_trace.trace.recorder.Recorder` records the trainable
    function: a call stored (timed after a test's first 1,000 calls, once the budget of
    line-by-line recording is spent); a test's first 1,000 calls, per call (the first
    calls are recorded line by line while that budget lasts: a cost once per test);
    calls past ``max_calls`` (kept in the ring of the latest calls); and a call of the
    undecorated function while recording (what all other code pays);
(d) in the user's run under ``--trace-optimize``, while a
    :class:`~pytest_trace.trace.reach.ReachMonitor` watches which trainables a test
    reaches (``sys.monitoring`` on 3.12+, a trace function before): a call of the
    trainable (after its first in the test) and a call of another function.

The ratio is decorated/undecorated time; "added" is the difference per call. For (c)
the reference is the undecorated function called while nothing records. Prints a table
and exits 0.
"""

from __future__ import annotations

import importlib
import importlib.util
import platform
import sys
import timeit
from collections.abc import Callable
from typing import Any

import pytest_trace
from pytest_trace import trainable

CALLS = 200_000  # per repeat
REPEATS = 15
# When every call is stored, a repeat is one recorder's worth: max_calls (the default).
RECORDED_CALLS = 1_000
RECORDED_REPEATS = 100
STATEMENT = "f(19.99, 3)"


def undecorated(price: float, quantity: int) -> float:
    return price * quantity


@trainable(description="line total")
def decorated(price: float, quantity: int) -> float:
    return price * quantity


def best_per_call(*functions: Callable[..., Any]) -> list[float]:
    """Seconds per call of each ``function(19.99, 3)``: the best of REPEATS runs.

    The functions' runs alternate, so that a machine busy for a while slows them alike.
    """
    timers = [timeit.Timer(STATEMENT, globals={"f": function}) for function in functions]
    for timer in timers:
        timer.timeit(number=CALLS)  # warm up (specialization, caches)
    best = [float("inf")] * len(timers)
    for _ in range(REPEATS):
        for index, timer in enumerate(timers):
            best[index] = min(best[index], timer.timeit(number=CALLS) / CALLS)
    return best


def recorded_per_call(
    function: Callable[..., Any],
    calls: int,
    max_calls: int,
    repeats: int = REPEATS,
    *,
    after: int = 0,
) -> float:
    """Seconds per call of ``function`` while a fresh Recorder records ``decorated``,
    timed after ``after`` untimed calls of ``decorated`` in the same recorder."""
    from pytest_trace.trace.recorder import Recorder

    codes = {decorated.__code__: "decorated"}
    timer = timeit.Timer(STATEMENT, globals={"f": function})
    best = float("inf")
    for _ in range(repeats):
        recorder = Recorder(codes, max_calls=max_calls)
        with recorder:
            for _ in range(after):
                decorated(19.99, 3)
            elapsed = timer.timeit(number=calls)
        if recorder.error is not None:
            raise RuntimeError(recorder.error)
        best = min(best, elapsed)
    return best / calls


def watched_per_call(function: Callable[..., Any]) -> float:
    """Seconds per call of ``function`` while a ReachMonitor watches ``decorated``."""
    from pytest_trace.trace.reach import ReachMonitor

    monitor = ReachMonitor()
    monitor.add([("decorated", decorated)])
    monitor.start()
    tracer = sys.gettrace()
    sys.settrace(None)
    try:
        timer = timeit.Timer(STATEMENT, globals={"f": function})
        best = float("inf")
        for _ in range(REPEATS):
            monitor.reset()
            with monitor.watching():
                best = min(best, timer.timeit(number=CALLS))
        if list(monitor.names) != (["decorated"] if function is decorated else []):
            raise RuntimeError(f"the monitor saw {list(monitor.names)}")
    finally:
        sys.settrace(tracer)
        monitor.stop()
    return best / CALLS


def import_pytest_and_plugin() -> str:
    """Import pytest and the plugin module (if it exists yet); say what was imported."""
    importlib.import_module("pytest")
    if importlib.util.find_spec("pytest_trace.plugin") is None:
        return "pytest (no pytest_trace.plugin yet)"
    importlib.import_module("pytest_trace.plugin")
    return "pytest + pytest_trace.plugin"


def row(label: str, reference: float, measured: float) -> str:
    added = (measured - reference) * 1e6
    return (
        f"{label:<44} {reference * 1e9:>9.1f} ns {measured * 1e9:>10.1f} ns"
        f" {measured / reference:>8.2f}x {added:>+9.3f} us"
    )


def main() -> int:
    pytest_loaded_early = "pytest" in sys.modules
    rows: list[str] = []

    plain_a, trainable_a = best_per_call(undecorated, decorated)
    rows.append(row("(a) plain Python, only pytest_trace imported", plain_a, trainable_a))

    imported = import_pytest_and_plugin()
    plain_b, trainable_b = best_per_call(undecorated, decorated)
    rows.append(row(f"(b) {imported}", plain_b, trainable_b))

    stored = recorded_per_call(
        decorated,
        RECORDED_CALLS,
        max_calls=4 * RECORDED_CALLS,
        repeats=RECORDED_REPEATS,
        after=RECORDED_CALLS,
    )
    rows.append(row("(c) recording, call stored", plain_b, stored))
    first = recorded_per_call(
        decorated, RECORDED_CALLS, max_calls=RECORDED_CALLS, repeats=RECORDED_REPEATS
    )
    rows.append(row("(c) a test's first 1,000 calls, per call", plain_b, first))
    dropped = recorded_per_call(decorated, CALLS, max_calls=0)
    rows.append(row("(c) recording, call past max_calls", plain_b, dropped))
    other = recorded_per_call(undecorated, CALLS, max_calls=0)
    rows.append(row("(c) recording, a non-trainable call", plain_b, other))
    rows.append(row("(d) watching the reach, trainable call", plain_b, watched_per_call(decorated)))
    watched_other = watched_per_call(undecorated)
    rows.append(row("(d) watching the reach, non-trainable call", plain_b, watched_other))

    print(
        f"pytest-trace {pytest_trace.__version__}, Python {platform.python_version()}"
        f" ({platform.python_implementation()}), {REPEATS} repeats, best per call"
    )
    print(f"pytest imported by pytest_trace itself: {'yes' if pytest_loaded_early else 'no'}")
    header = f"{'':<44} {'undecorated':>12} {'decorated':>13} {'ratio':>9} {'added':>12}"
    print(header)
    print("-" * len(header))
    print("\n".join(rows))
    print("(c): the reference is the undecorated function called while nothing records;")
    print("     the last row is that function called while recording (it is not trainable).")
    print("(d): the same reference; the user's run while the trainables it reaches are noted.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
