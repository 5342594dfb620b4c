"""A cache of LLM answers on disk, keyed by endpoint, model and prompt.

:class:`CachedLLM` wraps any :class:`~pytest_trace.llm.client.LLM`: the first time a model is
asked a (system, user) prompt its answer is stored as a small JSON file; the same
question again is answered from the file, without a request. So a re-run of
``--trace-optimize`` on the same failure is cheap and gives the same candidates.
The session keeps the files in pytest's cache directory
(``.pytest_cache/d/trace-llm``); ``--trace-no-cache`` does without.

An answer from the cache costs no tokens: its usage is zero. Truncated answers and
errors are not cached. A damaged file counts as a miss and is replaced.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from pytest_trace.llm.client import LLM, Completion
from pytest_trace.model import TokenUsage

CACHE_VERSION = 1


def cache_key(model: str, system: str, user: str, endpoint: str = "") -> str:
    """sha256 of the endpoint, the model and both prompts (each part length-prefixed, so
    unambiguous): two servers that name a model alike do not share answers."""
    digest = hashlib.sha256(f"v{CACHE_VERSION}\n".encode())
    for part in (endpoint, model, system, user):
        data = part.encode("utf-8")
        digest.update(f"{len(data)}:".encode())
        digest.update(data)
    return digest.hexdigest()


@dataclass
class CachedLLM:
    """An :class:`LLM` that answers a question it has seen from ``directory``."""

    inner: LLM
    model: str
    directory: Path
    endpoint: str = ""
    hits: int = 0
    misses: int = 0

    def complete(self, system: str, user: str) -> Completion:
        path = self.directory / f"{cache_key(self.model, system, user, self.endpoint)}.json"
        cached = _load(path)
        if cached is not None:
            self.hits += 1
            return Completion(text=cached, usage=TokenUsage())
        self.misses += 1
        completion = self.inner.complete(system, user)
        if not completion.truncated:
            _store(path, {"version": CACHE_VERSION, "model": self.model, "text": completion.text})
        return completion


def _load(path: Path) -> str | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    text = data.get("text") if isinstance(data, dict) else None
    return text if isinstance(text, str) and data.get("version") == CACHE_VERSION else None


def _store(path: Path, data: dict[str, object]) -> None:
    """Write atomically (a concurrent reader sees no file or the whole file)."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".json")
    except OSError:
        return  # a cache that cannot be written is only slower
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as file:
            json.dump(data, file)
        os.replace(temp, path)
    except OSError:
        Path(temp).unlink(missing_ok=True)
