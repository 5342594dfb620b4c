"""Grouping failing tests by the trainable functions they reach (pure)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from pytest_trace.model import TestResult


@dataclass(frozen=True)
class Group:
    """Failing tests that reach the same trainable functions, optimized together."""

    tests: tuple[str, ...]
    parameters: tuple[str, ...]

    @property
    def slug(self) -> str:
        return slug_of(self.parameters)


def slug_of(names: Sequence[str]) -> str:
    """A short name for parameters: the last parts of the first three names, joined."""
    return "-".join(name.rsplit(".", 1)[-1] for name in names[:3])


def group_failures(
    results: Sequence[TestResult], related: Mapping[str, Sequence[str]] | None = None
) -> tuple[list[Group], list[str]]:
    """Group failing tests by the trainables they reach (connected components).

    Two tests land in one group when they reach a common trainable function, so that
    the groups' parameters are disjoint and their fixes cannot conflict. ``related``
    maps a function to other parameters that go with it (the constants it declared):
    they join its group, after the functions. Returns the groups and the failing tests
    that reached no trainable function.
    """
    parent: dict[str, str] = {}
    related = related or {}

    def find(name: str) -> str:
        while parent.setdefault(name, name) != name:
            name = parent[name]
        return name

    reached: dict[str, list[str]] = {}
    unreached: list[str] = []
    for result in results:
        functions = result.trace.functions if result.trace else []
        if not functions:
            unreached.append(result.nodeid)
            continue
        reached[result.nodeid] = functions
        extra = [other for name in functions for other in related.get(name, ())]
        for other in [*functions[1:], *extra]:
            parent[find(other)] = find(functions[0])
    members: dict[str, tuple[list[str], list[str], list[str]]] = {}
    for nodeid, functions in reached.items():
        tests, names, extra = members.setdefault(find(functions[0]), ([], [], []))
        tests.append(nodeid)
        names.extend(name for name in functions if name not in names)
        extra.extend(o for n in functions for o in related.get(n, ()) if o not in extra)
    groups = [
        Group(tuple(tests), tuple(names + [o for o in extra if o not in names]))
        for tests, names, extra in members.values()
    ]
    return groups, unreached
