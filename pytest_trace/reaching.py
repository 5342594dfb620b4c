"""The user's own run, watched: which trainables each test reaches, which hit the limit.

Registered by ``--trace-optimize`` in the process that runs the tests (the pytest
process, or each pytest-xdist worker). It finds the trainable functions of the project's
modules after collection (and again before a test when modules were imported since),
and notes with :class:`~pytest_trace.trace.reach.ReachMonitor` the ones each test reaches
(before Python 3.12: in its fixtures' setup and its call, not in teardown code). So
the optimization needs no second run of the passing tests to learn which of them guard
a change: only the failing tests are re-run, traced.

It also notes a key of the parameters of each parametrized test a worker process
may have to run (``runner.selection``): a worker finds the test by it when its id
differs there.

Under pytest-xdist each worker hands its findings to the controller at its end
(``config.workeroutput``); the controller's instance merges them
(``pytest_testnodedown``). A test whose reach could not be watched is listed in
:attr:`ReachPlugin.blind` (all of them if a worker reported nothing: :attr:`complete`).
"""

from __future__ import annotations

import os
import sys
import types
from collections.abc import Generator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from pytest_trace.repair.feedback import TestTimeout
from pytest_trace.runner.selection import item_key
from pytest_trace.trace.reach import ReachMonitor
from pytest_trace.trainable import iter_trainables

if TYPE_CHECKING:
    from pytest_trace.runner.recording import Watched

#: The key of this plugin's findings in an xdist worker's ``workeroutput``.
OUTPUT_KEY = "pytest_trace_reach"


def project_roots(rootpath: Path) -> list[str]:
    """Where the project's modules live: the rootdir, and the git work tree around it
    (found by its ``.git``, without running git)."""
    root = rootpath.resolve()
    roots = [str(root)]
    for directory in (root, *root.parents):
        if (directory / ".git").exists():
            if directory != root:
                roots.append(str(directory))
            break
    return [os.path.join(r, "") for r in roots]


class ReachPlugin:
    """pytest plugin object: the trainables each test of this process reaches."""

    def __init__(self, config: pytest.Config, patterns: Sequence[str]) -> None:
        self.config = config
        self.patterns = tuple(patterns)
        self.roots = tuple(project_roots(config.rootpath))
        self.monitor = ReachMonitor()
        self.examined: set[str] = set()
        #: Test id → the trainables it reached (tests that reached none are absent).
        self.reached: dict[str, list[str]] = {}
        #: Tests that hit the per-test time limit.
        self.timed_out: set[str] = set()
        #: Tests whose reach is not known.
        self.blind: set[str] = set()
        #: Parametrized test that failed or reached a trainable (the tests a worker may
        #: run) → the key of its parameters, by which a worker process
        #: finds it when its id there differs (``selection``).
        self.keys: dict[str, str] = {}
        #: False when a pytest-xdist worker reported nothing: no test's reach is known.
        self.complete = True
        self._modules = 0

    # -- trainables ---------------------------------------------------------------------

    def _discover(self) -> None:
        """Announce the trainables of the project's modules imported since last time."""
        if len(sys.modules) == self._modules:
            return
        self._modules = len(sys.modules)
        found = []
        for name, module in list(sys.modules.items()):
            if name in self.examined:
                continue
            self.examined.add(name)
            file = getattr(module, "__file__", None)
            if not isinstance(module, types.ModuleType) or not isinstance(file, str):
                continue
            if not os.path.abspath(file).startswith(self.roots):
                continue
            found += [
                (f"{module.__name__}.{qualname}", function)
                for qualname, function, _spec in iter_trainables(module, self.patterns)
            ]
        self.monitor.add(found)

    # -- the tests ----------------------------------------------------------------------

    def pytest_collection_finish(self, session: pytest.Session) -> None:
        self._discover()
        self.monitor.start()

    @pytest.hookimpl(wrapper=True, tryfirst=True)
    def pytest_runtest_protocol(
        self, item: pytest.Item, nextitem: pytest.Item | None
    ) -> Generator[None, object, object]:
        self._discover()
        self.monitor.reset()
        try:
            return (yield)
        finally:
            if self.monitor.blind:
                self.blind.add(item.nodeid)
            elif self.monitor.names:
                self.reached[item.nodeid] = list(self.monitor.names)
            if self.monitor.blind or self.monitor.names:  # a worker may have to run it
                self._note_key(item)
            self.monitor.names.clear()

    def _note_key(self, item: pytest.Item) -> None:
        # Paths in parameters are keyed relative to the repository (the worker's root).
        if item.nodeid not in self.keys and (key := item_key(item, self.roots[-1:])):
            self.keys[item.nodeid] = key

    def _watch(self) -> Generator[None, object, object]:
        with self.monitor.watching():
            return (yield)

    @pytest.hookimpl(wrapper=True, trylast=True)
    def pytest_fixture_setup(
        self, fixturedef: pytest.FixtureDef[Any], request: pytest.FixtureRequest
    ) -> Generator[None, object, object]:
        return (yield from self._watch())

    @pytest.hookimpl(wrapper=True, trylast=True)
    def pytest_runtest_call(self, item: pytest.Item) -> Generator[None, object, object]:
        return (yield from self._watch())

    def pytest_runtest_makereport(self, item: pytest.Item, call: pytest.CallInfo[None]) -> None:
        if call.excinfo is not None:  # failing tests are run again
            self._note_key(item)
            if call.excinfo.errisinstance(TestTimeout):
                self.timed_out.add(item.nodeid)

    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        self.monitor.stop()
        output = getattr(self.config, "workeroutput", None)
        if output is not None:  # a pytest-xdist worker: tell the controller
            output[OUTPUT_KEY] = {
                "reached": self.reached,
                "timed_out": sorted(self.timed_out),
                "blind": sorted(self.blind),
                "keys": self.keys,
            }

    # -- pytest-xdist's controller ------------------------------------------------------

    @pytest.hookimpl(optionalhook=True)
    def pytest_testnodedown(self, node: Any, error: object) -> None:
        found = getattr(node, "workeroutput", {}).get(OUTPUT_KEY)
        if not isinstance(found, dict):
            self.complete = False
            return
        self.reached.update(found.get("reached", {}))
        self.timed_out.update(found.get("timed_out", ()))
        self.blind.update(found.get("blind", ()))
        self.keys.update(found.get("keys", {}))


def watched_by(
    reach: ReachPlugin | None, outcomes: dict[str, str], durations: dict[str, float]
) -> Watched:
    """What the user's run told about each test: its outcome and duration, and what
    ``reach`` (the registered :class:`ReachPlugin`, if any) watched."""
    from pytest_trace.runner.recording import Watched

    if reach is None:
        return Watched(outcomes, durations, blind=set(outcomes))
    if not reach.complete:  # the recording run learns the reach
        return Watched(outcomes, durations, blind=set(outcomes), keys=reach.keys)
    return Watched(outcomes, durations, reach.reached, reach.timed_out, reach.blind, reach.keys)
