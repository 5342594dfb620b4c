"""Finding the user's tests in another pytest process by the ids of the user's run.

A worker process (the fork server, or a fresh pytest process) must run the tests the
user's run named. Two things stand in the way:

- pytest's command line parses a test id (``file::test[params]``) itself, and a
  parametrization id can hold anything (``+``, ``%``, ``[``, ``::``, ``/``); one id it
  cannot find ends the whole process with a usage error. So a worker is given only
  each test's function (:func:`command_line`), and picks the items itself after
  collection.
- A parametrization id can differ between two processes. pytest names a parameter it
  cannot print (a ``date``, an object) by its argument name and its *position*
  (``expected17``), and the position of a value taken from a ``set`` depends on hashes,
  which differ between processes: the hash seed of ``str``, and before Python 3.12 even
  ``hash(None)``, which is the address of ``None`` and moves with address-space layout
  randomization (so ``PYTHONHASHSEED`` does not help). The user's run therefore notes, for
  each parametrized test, a key of its parameter values (:func:`item_key`, from their
  ``repr``, with sets sorted and the project's root path left out), and the worker
  matches its own items by that key when ids differ (:func:`resolve`).

A test that can be matched neither way is reported with :func:`missing_feedback`.
Pure logic: no pytest import (items are read by attribute).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Mapping, Sequence

#: Up to this many test functions are named on a worker's command line (so that
#: pytest-xdist workers, which collect by themselves, collect just those); more, by file.
MAX_ON_COMMAND_LINE = 200
#: Containers larger than this are keyed by their type and size alone.
MAX_ITEMS = 1000
MAX_DEPTH = 6
_ADDRESS = re.compile(r" at 0x[0-9a-fA-F]+")


def function_of(nodeid: str) -> str:
    """The id of the test function of ``nodeid``: without its parametrization."""
    return nodeid.split("[", 1)[0]


def command_line(nodeids: Sequence[str], limit: int = MAX_ON_COMMAND_LINE) -> list[str]:
    """What to give a worker's pytest on the command line to collect ``nodeids``: their
    test functions (never a parametrization id, which pytest would have to find), or
    their files when there are more than ``limit`` functions."""
    functions = list(dict.fromkeys(function_of(nodeid) for nodeid in nodeids))
    if len(functions) <= limit:
        return functions
    return list(dict.fromkeys(nodeid.split("::", 1)[0] for nodeid in nodeids))


def _canonical(value: object, depth: int = 0) -> str:
    """``repr(value)``, but with the elements of sets in a fixed order."""
    kind = type(value)
    if depth > MAX_DEPTH:
        return kind.__qualname__
    if kind in (set, frozenset) and isinstance(value, (set, frozenset)):
        if len(value) > MAX_ITEMS:
            return f"{kind.__qualname__}({len(value)} items)"
        parts = sorted(_canonical(element, depth + 1) for element in value)
        return f"{kind.__qualname__}{{{', '.join(parts)}}}"
    if kind in (list, tuple) and isinstance(value, (list, tuple)):
        if len(value) > MAX_ITEMS:
            return f"{kind.__qualname__}({len(value)} items)"
        return f"{kind.__qualname__}[{', '.join(_canonical(e, depth + 1) for e in value)}]"
    if kind is dict and isinstance(value, dict):
        if len(value) > MAX_ITEMS:
            return f"dict({len(value)} items)"
        parts = [
            f"{_canonical(k, depth + 1)}: {_canonical(v, depth + 1)}" for k, v in value.items()
        ]
        return f"dict{{{', '.join(parts)}}}"
    return repr(value)


def params_key(params: Mapping[str, object], roots: Sequence[str] = ()) -> str | None:
    """A key of parameter values that is the same in every process, or None when their
    ``repr`` is not stable (it shows an address) or fails. ``roots``: paths of the
    project (the user's checkout, the worktree) that a value may mention."""
    if not params:
        return None
    try:
        text = "|".join(f"{name}={_canonical(params[name])}" for name in sorted(params))
    except Exception:  # a repr that raises: no key
        return None
    if _ADDRESS.search(text):
        return None
    for root in sorted((r.rstrip("/") for r in roots if r.rstrip("/")), key=len, reverse=True):
        text = text.replace(root, "<root>")
    return hashlib.blake2b(text.encode("utf-8", "replace"), digest_size=12).hexdigest()


def item_key(item: object, roots: Sequence[str] = ()) -> str | None:
    """:func:`params_key` of a pytest item's parametrization (None without one)."""
    params = getattr(getattr(item, "callspec", None), "params", None)
    return params_key(params, roots) if isinstance(params, dict) else None


def resolve(
    wanted: Sequence[str],
    collected: Sequence[str],
    keys: Mapping[str, str],
    key_of: Callable[[str], str | None],
) -> dict[str, str]:
    """Which collected test each wanted test is: wanted id → collected id.

    ``keys`` holds the key of each wanted parametrized test (from the user's run);
    ``key_of`` gives a collected test's key. A wanted test with a key takes the one
    collected test of the same function with that key, whatever its id; the others
    (and those whose key is not found once) take the collected test of the same id.
    No collected test is taken twice; a wanted test matched neither way is left out.
    """
    present = set(collected)
    found: dict[str, str] = {}
    taken: set[str] = set()
    keyed = {nodeid: keys[nodeid] for nodeid in wanted if keys.get(nodeid)}
    if keyed:
        functions = {function_of(nodeid) for nodeid in keyed}
        by_key: dict[tuple[str, str], list[str]] = {}
        for nodeid in collected:
            function = function_of(nodeid)
            if function in functions and (key := key_of(nodeid)):
                by_key.setdefault((function, key), []).append(nodeid)
        for nodeid, key in keyed.items():
            same = by_key.get((function_of(nodeid), key), [])
            if len(same) == 1 and same[0] not in taken:
                found[nodeid] = same[0]
                taken.add(same[0])
    for nodeid in wanted:
        if nodeid not in found and nodeid in present and nodeid not in taken:
            found[nodeid] = nodeid
            taken.add(nodeid)
    return found


def missing_feedback(nodeid: str, collected: Sequence[str]) -> str:
    """Why ``nodeid`` was not run: the one line a test that could not be selected gets."""
    function = function_of(nodeid)
    if function != nodeid and any(function_of(other) == function for other in collected):
        return (
            f"{nodeid}: not collected under this id in the worker process, although "
            f"{function} was: its parametrization ids differ between processes and its "
            "parameters have no stable repr to match them by (give them ids with "
            "pytest.param(..., id=...) or ids=, or a stable order)"
        )
    return f"{nodeid}: test not found"
