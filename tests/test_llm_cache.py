"""The cache of LLM answers: keyed by model and prompt, on disk, bypassed on request."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pytest_trace.llm.cache import CachedLLM, cache_key
from pytest_trace.llm.client import Completion, LLMError
from pytest_trace.model import TokenUsage


class Counting:
    """An LLM that numbers its answers, so a cached answer is told from a new one."""

    def __init__(self, truncated: bool = False) -> None:
        self.calls: list[tuple[str, str]] = []
        self.truncated = truncated

    def complete(self, system: str, user: str) -> Completion:
        self.calls.append((system, user))
        if user == "fail":
            raise LLMError("the endpoint failed")
        return Completion(f"answer {len(self.calls)}", TokenUsage(10, 5), self.truncated)


def test_a_repeated_question_is_answered_from_the_cache(tmp_path: Path) -> None:
    inner = Counting()
    llm = CachedLLM(inner, "gpt-x", tmp_path / "cache")
    first = llm.complete("system", "user")
    assert first == Completion("answer 1", TokenUsage(10, 5))
    assert llm.complete("system", "user") == Completion("answer 1", TokenUsage())  # free
    # Another instance on the same directory (the next run) sees the same answer.
    again = CachedLLM(Counting(), "gpt-x", tmp_path / "cache")
    assert again.complete("system", "user").text == "answer 1"
    assert len(inner.calls) == 1
    assert (llm.hits, llm.misses, again.hits) == (1, 1, 1)


@pytest.mark.parametrize(
    ("model", "system", "user"),
    [("gpt-y", "system", "user"), ("gpt-x", "other", "user"), ("gpt-x", "system", "other")],
)
def test_the_key_is_model_and_both_prompts(
    tmp_path: Path, model: str, system: str, user: str
) -> None:
    inner = Counting()
    CachedLLM(inner, "gpt-x", tmp_path).complete("system", "user")
    CachedLLM(inner, model, tmp_path).complete(system, user)
    assert len(inner.calls) == 2
    # Parts are delimited: moving text from one prompt to the other is another question.
    assert cache_key("m", "ab", "c") != cache_key("m", "a", "bc")
    assert cache_key("m", "s", "u", "http://a/v1") != cache_key("m", "s", "u", "http://b/v1")
    assert len(cache_key("m", "s", "u")) == 64


def test_errors_and_truncated_answers_are_not_cached(tmp_path: Path) -> None:
    llm = CachedLLM(Counting(truncated=True), "gpt-x", tmp_path)
    llm.complete("s", "u")
    assert llm.complete("s", "u").text == "answer 2"
    with pytest.raises(LLMError):
        llm.complete("s", "fail")
    assert list(tmp_path.iterdir()) == []


def test_a_damaged_entry_is_a_miss_and_is_replaced(tmp_path: Path) -> None:
    inner = Counting()
    llm = CachedLLM(inner, "gpt-x", tmp_path)
    path = tmp_path / f"{cache_key('gpt-x', 's', 'u')}.json"
    path.write_text("{not json")
    assert llm.complete("s", "u").text == "answer 1"
    assert json.loads(path.read_text())["text"] == "answer 1"
    assert [p.name for p in tmp_path.iterdir()] == [path.name]  # no temporary file left


def test_an_unwritable_cache_only_costs_requests(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    llm = CachedLLM(Counting(), "gpt-x", blocker / "cache")
    assert llm.complete("s", "u").text == "answer 1"
    assert llm.complete("s", "u").text == "answer 2"
