"""Differential check of ``real_libraries.py``: the original and the healed library, on
inputs Hypothesis generates.

Run as a script, it reads a JSON object on stdin::

    {"original": DIR, "healed": DIR, "imports": [...], "probes": [...], "given": SOURCE,
     "examples": N}

imports both copies of the library (each from its own directory, one after the other,
their modules kept apart), draws up to ``N`` inputs from the strategies in ``given``
(evaluated with the *original* library in scope) and evaluates every probe on both copies.
The outcome of a probe is the ``repr`` of its value or the name of the exception it
raised. Prints one JSON line: ``{"same": true}`` or, for the smallest input Hypothesis
finds on which the two disagree, ``{"same": false, "input": ..., "probe": ...,
"original": ..., "healed": ...}``.
"""

from __future__ import annotations

import importlib
import json
import sys
import warnings
from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal
from types import ModuleType
from typing import Any

from hypothesis import HealthCheck, find, settings
from hypothesis import strategies as st
from hypothesis.errors import NoSuchExample

HELPERS: dict[str, Any] = {
    "date": date,
    "datetime": datetime,
    "time": time,
    "timedelta": timedelta,
    "timezone": timezone,
    "Decimal": Decimal,
}


def load(root: str, imports: list[str]) -> dict[str, Any]:
    """The top-level packages of ``imports`` imported from ``root``, then forgotten by
    ``sys.modules`` so that another copy can be imported under the same names."""
    tops = {name.split(".")[0] for name in imports}
    sys.path.insert(0, root)
    importlib.invalidate_caches()
    try:
        for name in imports:
            importlib.import_module(name)
        namespace: dict[str, Any] = {top: sys.modules[top] for top in tops}
    finally:
        sys.path.remove(root)
        for name in list(sys.modules):
            if name.split(".")[0] in tops:
                del sys.modules[name]
    return namespace


def outcome(namespace: dict[str, Any], probe: str, values: dict[str, Any]) -> str:
    try:
        return "= " + repr(eval(probe, {**HELPERS, **namespace}, dict(values)))
    except Exception as error:
        return "raises " + type(error).__name__


def main() -> int:
    job = json.load(sys.stdin)
    original: dict[str, ModuleType] = load(job["original"], job["imports"])
    healed: dict[str, ModuleType] = load(job["healed"], job["imports"])
    given = eval(job["given"], {**HELPERS, **original, "st": st})
    probes: list[str] = job["probes"]

    def differs(values: dict[str, Any]) -> bool:
        return any(
            outcome(original, probe, values) != outcome(healed, probe, values) for probe in probes
        )

    budget = settings(
        max_examples=job["examples"],
        database=None,
        derandomize=True,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            values = find(st.fixed_dictionaries(given), differs, settings=budget)
        except NoSuchExample:
            print(json.dumps({"same": True}))
            return 0
        for probe in probes:
            before = outcome(original, probe, values)
            after = outcome(healed, probe, values)
            if before != after:
                break
    print(
        json.dumps(
            {
                "same": False,
                "input": ", ".join(f"{k}={v!r}" for k, v in values.items()),
                "probe": probe,
                "original": before,
                "healed": after,
            }
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
