"""The LLM of one group of failing tests, as the session hands it to an optimizer.

The ``openai`` client bounded by ``--trace-llm-timeout`` and by the group's
``--trace-time-budget`` (with progress lines while it waits), its answers cached in
pytest's cache directory unless ``--trace-no-cache``, and its prompts redacted of
secrets, outermost, so that nothing sent or cached carries one.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from pytest_trace.llm.client import LLM, LLMConfig, OpenAIChat
from pytest_trace.text.redact import RedactingLLM, Redactor


def group_llm(
    config: LLMConfig,
    *,
    time_budget: float | None,
    cache_directory: Callable[[], Path] | None,
    model: str,
    redactor: Redactor,
    progress: Callable[[str], None],
) -> LLM:
    """The LLM of a group whose optimization starts now.

    ``cache_directory`` makes the directory of cached answers (None: no cache).
    """
    deadline = None if time_budget is None else time.monotonic() + time_budget
    llm: LLM = OpenAIChat(config, deadline=deadline, progress=progress)
    if cache_directory is not None:
        from pytest_trace.llm.cache import CachedLLM

        llm = CachedLLM(llm, model, cache_directory(), endpoint=config.endpoint)
    return RedactingLLM(llm, redactor)
