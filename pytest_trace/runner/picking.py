"""pytest's side of ``selection``: the worker process picks the tests of a run among the
items it collected, by the ids of the user's run (and the keys of their parameters).

The worker's command line names only test functions (``selection.command_line``); the
items of those functions that the run did not ask for are deselected here. Under
pytest-xdist, each xdist worker of a worker run picks by id alone
(:class:`XdistSelection`): its results reach the worker plugin as reports, by its ids.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import pytest

from pytest_trace.runner.selection import item_key, resolve

if TYPE_CHECKING:
    from pytest_trace.runner.protocol import WorkerRequest


@dataclass
class Picked:
    """The items picked, by the ids of the user's run; the ids of this process that
    differ from those (this process's id → the user's); every id collected here."""

    items: dict[str, pytest.Item] = field(default_factory=dict)
    alias: dict[str, str] = field(default_factory=dict)
    collected: list[str] = field(default_factory=list)


def pick(
    config: pytest.Config,
    items: list[pytest.Item],
    wanted: Sequence[str] | None,
    keys: dict[str, str],
    roots: Sequence[str],
) -> Picked:
    """Keep in ``items`` the ``wanted`` tests, in that order (all without ``wanted``);
    the others are deselected."""
    by_id = {item.nodeid: item for item in items}
    if wanted is None:
        return Picked(by_id, {}, list(by_id))
    found = resolve(
        list(dict.fromkeys(wanted)),
        list(by_id),
        keys,
        lambda nodeid: item_key(by_id[nodeid], roots),
    )
    picked = Picked(
        {nodeid: by_id[there] for nodeid, there in found.items()},
        {there: nodeid for nodeid, there in found.items() if there != nodeid},
        list(by_id),
    )
    chosen = {id(item) for item in picked.items.values()}
    deselected = [item for item in items if id(item) not in chosen]
    if deselected:
        config.hook.pytest_deselected(items=deselected)
    items[:] = picked.items.values()
    return picked


class XdistSelection:
    """pytest plugin object of a pytest-xdist worker of a worker run: of the test
    functions its command line names, the tests the run asked for (by their ids)."""

    def __init__(self, request: WorkerRequest) -> None:
        run = request.run.request.tests if request.run is not None else ()
        self.wanted = set(run or request.tests or ())

    @pytest.hookimpl(trylast=True)
    def pytest_collection_modifyitems(
        self, session: pytest.Session, config: pytest.Config, items: list[pytest.Item]
    ) -> None:
        if not self.wanted:
            return
        deselected = [item for item in items if item.nodeid not in self.wanted]
        if deselected:
            config.hook.pytest_deselected(items=deselected)
            items[:] = [item for item in items if item.nodeid in self.wanted]
