"""One way to cut text: what is kept, and one marker with the count of what is left out."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pytest_trace.text.clip import MARK, clip, omitted


def test_text_that_fits_is_unchanged() -> None:
    assert clip("short", 5) == "short"


def test_the_beginning_is_kept_and_the_rest_counted() -> None:
    text = "x" * 1000
    clipped = clip(text, 100)
    assert clipped.startswith("x" * 50)
    assert clipped.endswith(omitted(1000 - clipped.count("x")))
    assert len(clipped) <= 100


def test_the_end_or_both_ends_can_be_kept() -> None:
    text = "".join(str(i % 10) for i in range(1000))
    tail = clip(text, 100, keep="tail")
    middle = clip(text, 100, keep="middle")
    assert tail.endswith(text[-20:]) and tail.startswith(MARK)
    assert middle.startswith(text[:30]) and middle.endswith(text[-10:])
    assert "characters omitted" in tail and "characters omitted" in middle


def test_a_cut_at_a_word_or_line_end_when_one_is_near() -> None:
    words = "the quick brown fox jumps over the lazy dog " * 10
    kept_words = clip(words, 80, at="word").split(MARK)[0].split()
    assert kept_words == words.split()[: len(kept_words)]  # whole words only
    lines = "\n".join(f"line {i}" for i in range(100))
    kept = clip(lines, 120, at="line").split(f"\n{MARK}")[0]
    assert all(line.startswith("line ") and line[5:].isdigit() for line in kept.splitlines())


def test_no_room_for_a_count_leaves_a_lone_marker() -> None:
    assert clip("abcdefghij", 5) == "abcd" + MARK
    assert clip("abcdefghij", 5, keep="tail") == MARK + "ghij"
    assert clip("abcdefghij", 1) == MARK
    assert clip("abcdefghij", 0) == ""


@given(
    st.text(),
    st.integers(min_value=0, max_value=300),
    st.sampled_from(["head", "tail", "middle"]),
    st.sampled_from(["char", "word", "line"]),
)
def test_never_longer_than_the_limit_and_always_marked_when_cut(
    text: str, limit: int, keep: str, at: str
) -> None:
    clipped = clip(text, limit, keep=keep, at=at)  # type: ignore[arg-type]
    assert len(clipped) <= limit
    if len(text) > limit and limit > 0:
        assert MARK in clipped
    else:
        assert clipped == text or limit == 0


@pytest.mark.parametrize("keep", ["head", "tail", "middle"])
def test_the_marker_counts_exactly_what_was_left_out(keep: str) -> None:
    text = "HEAD" + "-" * 1000 + "TAIL"
    clipped = clip(text, 100, keep=keep)  # type: ignore[arg-type]
    [count] = re.findall(r"… ([\d,]+) characters omitted …", clipped)
    kept = re.sub(r"\n?… [\d,]+ characters omitted …\n?", "", clipped)
    assert len(kept) + int(count.replace(",", "")) == len(text)
    assert kept.startswith("HEAD") or keep == "tail"
    assert kept.endswith("TAIL") or keep == "head"
