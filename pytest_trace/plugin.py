"""pytest entry point of pytest-trace: options, hooks, and nothing else until asked.

Without ``--trace-optimize`` this module only declares options: no session object,
no per-test hook, no heavy import (openai, git, coverage are imported by the session
when it runs). ``@trainable`` functions cost nothing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from pytest_trace.settings import add_options

if TYPE_CHECKING:
    from pytest_trace.optimizers.base import Optimizer, OptimizerContext, OptimizerSpec


def pytest_addoption(parser: pytest.Parser) -> None:
    add_options(parser)


def pytest_trace_optimizers() -> list[OptimizerSpec]:
    from pytest_trace.optimizers.base import OptimizerSpec

    return [
        OptimizerSpec(
            name="optoprime",
            description="OptoPrime: an LLM reads the trace and the feedback, proposes code",
            factory=_optoprime,
            needs_llm=True,
            preference=2,
        ),
        OptimizerSpec(
            name="search",
            description="search over small edits of the code, guided by fault localization",
            factory=_search,
            fail_fast=True,
            accept_partial=False,
            batches=True,
            preference=1,
        ),
    ]


def _optoprime(context: OptimizerContext) -> Optimizer:
    from pytest_trace.optimizers.optoprime import OptoPrime

    assert context.llm is not None, "optoprime needs an LLM"
    return OptoPrime(context.llm, max_prompt_tokens=context.settings.max_prompt_tokens)


def _search(context: OptimizerContext) -> Optimizer:
    from pytest_trace.optimizers.search import SearchOptimizer

    return SearchOptimizer(batch_size=max(8, 8 * context.settings.workers))


def pytest_addhooks(pluginmanager: pytest.PytestPluginManager) -> None:
    from pytest_trace import hookspecs

    pluginmanager.add_hookspecs(hookspecs)


@pytest.hookimpl(trylast=True)
def pytest_configure(config: pytest.Config) -> None:
    request = config.getoption("trace_worker")
    if request:
        from pytest_trace.runner.protocol import WorkerRequest
        from pytest_trace.runner.worker import Worker

        worker_request = WorkerRequest.load(request)
        if hasattr(config, "workerinput"):
            # An xdist worker of a worker run: the tests run here, the results are
            # reported by the worker plugin in the xdist controller.
            from pytest_trace.runner.timeout import TestTimeLimit

            config.pluginmanager.register(TestTimeLimit(worker_request.timeout), "trace-timeout")
            from pytest_trace.runner.picking import XdistSelection

            config.pluginmanager.register(XdistSelection(worker_request), "trace-selection")
        else:
            config.pluginmanager.register(Worker(config, worker_request), "trace-worker")
    elif config.getoption("trace_optimize"):
        from pytest_trace.reaching import ReachPlugin
        from pytest_trace.runner.timeout import TestTimeLimit
        from pytest_trace.settings import Settings

        settings = Settings.from_config(config)
        config.pluginmanager.register(TestTimeLimit(settings.timeout), "trace-timeout")
        # Which trainables each test reaches, watched in this run (or xdist worker).
        config.pluginmanager.register(ReachPlugin(config, settings.trainable), "trace-reach")
        if not hasattr(config, "workerinput"):
            _check_optimizer(config, settings.optimizer)
            # On xdist workers (``workerinput``) the tests just run; the controller optimizes.
            from pytest_trace.session import OptimizeSession

            config.pluginmanager.register(OptimizeSession(config, settings), "trace-session")


def _check_optimizer(config: pytest.Config, wanted: str) -> None:
    """Refuse an optimizer no plugin offers before the tests run (the plugins and the
    ``conftest.py`` files of the root directory have answered the hook by now)."""
    if wanted == "auto":
        return
    names = {offer.name for offers in config.hook.pytest_trace_optimizers() for offer in offers}
    if wanted not in names:
        raise pytest.UsageError(
            f"--trace-optimizer {wanted}: there is no such optimizer; the optimizers are "
            f"auto, {', '.join(sorted(names))}"
        )
