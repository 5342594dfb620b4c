"""What recording costs per call, for the running Python, next to a plain loop.

Run it from the repository root with each Python to compare (a few seconds each)::

    python benchmarks/recording_cost.py [--repeats N]

A two-argument function is called in a loop while a
:class:`~pytest_trace.trace.recorder.Recorder` records it, once per event source the
running Python offers (``sys.settrace`` everywhere, ``sys.monitoring`` on CPython 3.12+),
and the same loop runs with nothing recording. Rows:

- ``plain call``: the loop with nothing recording (the reference);
- ``recorded call``: a call stored, after a test's first 1,000 calls (once the budget of
  line-by-line recording is spent);
- ``first 1,000 calls``: a fresh recorder's first 1,000 calls, per call: these are
  recorded line by line (the first calls of each function, then later ones while the
  budget of line events lasts): the detail the prompt shows;
- ``past max_calls``: calls beyond the stored ones (kept in the ring of the latest);
- ``other function``: a call of a function that is not recorded, while recording.

Times are CPU time of this process (``time.process_time``), the best of several
repeats with garbage collection off: on a machine shared with other jobs, wall time
measures the waiting. "added" is the time per call beyond the plain call.
"""

from __future__ import annotations

import argparse
import gc
import inspect
import platform
import sys
import time
from collections.abc import Callable
from typing import Any

from pytest_trace.trace.recorder import Recorder

CALLS = 1_000  # per timed run: one recorder's worth of stored calls
#: sys.monitoring can be chosen (an older pytest-trace, to compare, records with settrace).
MONITORING = (
    hasattr(sys, "monitoring") and "use_monitoring" in inspect.signature(Recorder).parameters
)


def price(amount: float, quantity: int) -> float:
    return amount * quantity


def other(amount: float, quantity: int) -> float:
    return amount * quantity


def loop(function: Callable[[float, int], float], calls: int) -> float:
    """CPU seconds of ``calls`` calls of ``function``."""
    start = time.process_time()
    for _ in range(calls):
        function(19.99, 3)
    return time.process_time() - start


def per_call(run: Callable[[], float], calls: int, repeats: int) -> float:
    best = min(run() for _ in range(repeats))
    return best / calls


def recording(
    use_monitoring: bool, function: Callable[[float, int], float], *, max_calls: int, after: int
) -> Callable[[], float]:
    """A run: a fresh recorder of ``price``, ``after`` untimed calls, then CALLS timed
    calls of ``function``."""

    choice = {"use_monitoring": use_monitoring} if MONITORING else {}

    def run() -> float:
        recorder = Recorder({price.__code__: "price"}, max_calls=max_calls, **choice)
        with recorder:
            for _ in range(after):
                price(19.99, 3)
            elapsed = loop(function, CALLS)
        if recorder.error is not None:
            raise RuntimeError(recorder.error)
        expected = "sys.monitoring" if use_monitoring else "sys.settrace"
        if getattr(recorder, "events", expected) != expected:
            raise RuntimeError(f"recorded with {recorder.events}, not {expected}")
        return elapsed

    return run


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=200, help="runs per row (best kept)")
    options = parser.parse_args(argv)
    repeats = options.repeats
    gc.disable()
    plain = per_call(lambda: loop(price, CALLS), CALLS, repeats * 5)
    sources = [False, True] if MONITORING else [False]
    rows: list[tuple[str, list[float]]] = []
    cases: list[tuple[str, dict[str, Any], Callable[[float, int], float]]] = [
        ("recorded call", {"max_calls": 4 * CALLS, "after": CALLS}, price),
        ("first 1,000 calls, line by line", {"max_calls": CALLS, "after": 0}, price),
        ("past max_calls", {"max_calls": 0, "after": CALLS}, price),
        ("other function", {"max_calls": CALLS, "after": CALLS}, other),
    ]
    for label, options_, function in cases:
        rows.append(
            (
                label,
                [
                    per_call(recording(source, function, **options_), CALLS, repeats)
                    for source in sources
                ],
            )
        )
    names = ["sys.settrace", "sys.monitoring"][: len(sources)]
    print(
        f"Python {platform.python_version()} ({platform.python_implementation()}),"
        f" CPU time, best of {repeats} runs of {CALLS:,} calls"
    )
    header = f"{'':<34}" + "".join(f"{name + ' added':>24}" for name in names)
    print(header)
    print("-" * len(header))
    print(f"{'plain call (nothing records)':<34}{plain * 1e9:>21.1f} ns")
    for label, values in rows:
        cells = "".join(f"{(value - plain) * 1e6:>21.3f} us" for value in values)
        print(f"{label:<34}{cells}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
