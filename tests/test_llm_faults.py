"""No answer or HTTP body crashes a call: every fault of the endpoint is an LLMError that
says what happened, and requests stay within their timeout and the time budget.

Through the real ``openai`` client against ``fake_openai.ScriptedServer`` on 127.0.0.1.
"""

from __future__ import annotations

import json
import time

import pytest
from fake_openai import Reply, ScriptedServer

from pytest_trace.llm.client import LLMConfig, LLMError, OpenAIChat


def chat(server: ScriptedServer, retries: int = 0, **options: object) -> OpenAIChat:
    config = LLMConfig(
        model="fake-model",
        api_key="sk-test",
        base_url=server.base_url,
        timeout=float(options.pop("timeout", 5.0)),  # type: ignore[arg-type]
        max_retries=retries,
    )
    return OpenAIChat(config, **options)  # type: ignore[arg-type]


def completion_bytes(content: bytes) -> bytes:
    """A chat completion whose content is ``content``, spliced in as raw bytes."""
    body = json.dumps(
        {
            "id": "x",
            "object": "chat.completion",
            "created": 0,
            "model": "fake-model",
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": "@@"},
                    "finish_reason": "stop",
                }
            ],
        }
    ).encode()
    return body.replace(b"@@", content)


UNREADABLE = {
    "invalid JSON body": Reply(raw=b'{"choices": [{"message": {"content": "x"'),
    "non-UTF-8 bytes in the content": Reply(raw=completion_bytes(b"caf\xe9 \xff\xfe")),
    "HTML body with status 200": Reply(
        raw=b"<html><body>Gateway says hi</body></html>", content_type="text/html"
    ),
    "JSON that is not an object": Reply(raw=b"[1, 2, 3]"),
    "choices that are not a list": Reply(body={"choices": {"0": "x"}}),
    "connection reset mid-body": Reply(fault="reset"),
    "body cut short": Reply(fault="truncate"),
    "connection reset before a byte": Reply(fault="close"),
}


@pytest.mark.parametrize("reply", UNREADABLE.values(), ids=UNREADABLE.keys())
def test_an_unreadable_answer_is_an_llm_error(reply: Reply) -> None:
    with ScriptedServer([reply]) as server:
        with pytest.raises(LLMError) as raised:
            chat(server).complete("s", "u")
        url = server.base_url
    message = str(raised.value)
    assert url in message
    assert "\n" not in message


@pytest.mark.parametrize("reply", UNREADABLE.values(), ids=UNREADABLE.keys())
def test_an_unreadable_answer_is_tried_again(reply: Reply) -> None:
    with ScriptedServer([reply, "the answer"]) as server:
        completion = chat(server, retries=1).complete("s", "u")
        assert len(server.requests) == 2
    assert completion.text == "the answer"


@pytest.mark.parametrize("status", [500, 502, 429])
def test_an_error_status_is_tried_again(status: int) -> None:
    page = Reply(status=status, raw=b"<html>Bad gateway</html>", content_type="text/html")
    with ScriptedServer([page, "the answer"]) as server:
        completion = chat(server, retries=1).complete("s", "u")
        assert len(server.requests) == 2
    assert completion.text == "the answer"


@pytest.mark.parametrize("status", [500, 502, 503, 429])
def test_error_statuses_with_html_bodies_say_what_the_server_answered(status: int) -> None:
    page = Reply(status=status, raw=b"<html>Bad gateway</html>", content_type="text/html")
    with ScriptedServer([page, page]) as server:
        with pytest.raises(LLMError) as raised:
            chat(server, retries=1).complete("s", "u")
        assert len(server.requests) == 2
    assert f"answered {status}" in str(raised.value)
    assert "(tried 2 times)" in str(raised.value)


def test_nul_and_lone_surrogates_in_the_content_are_made_well_formed() -> None:
    content = "reasoning \\u0000 with a NUL and a lone \\ud800 surrogate \\udfff"
    with ScriptedServer([Reply(raw=completion_bytes(content.encode()))]) as server:
        completion = chat(server).complete("s", "u")
    assert "\x00" not in completion.text
    completion.text.encode("utf-8")  # encodable: no lone surrogate
    assert completion.text == "reasoning  with a NUL and a lone \ufffd surrogate \ufffd"


def test_empty_choices_are_an_empty_answer() -> None:
    with ScriptedServer([Reply(body={"choices": []})]) as server:
        assert chat(server).complete("s", "u").text == ""


def test_a_stalled_endpoint_times_out_naming_the_option() -> None:
    lines: list[str] = []
    with ScriptedServer([Reply(fault="stall")]) as server, pytest.raises(LLMError) as raised:
        chat(server, timeout=1.0, progress=lines.append, progress_interval=0.3).complete("s", "u")
    message = str(raised.value)
    assert "did not answer within 1 s" in message
    assert "--trace-llm-timeout" in message
    assert lines and all(
        line.startswith("waiting for the LLM (") and line.endswith(" of 1 s)") for line in lines
    )


def test_requests_are_cut_to_the_time_left_and_not_retried_without_time() -> None:
    with ScriptedServer([Reply(fault="stall")] * 4) as server:
        llm = chat(server, retries=3, timeout=60.0, deadline=time.monotonic() + 1.5)
        with pytest.raises(LLMError) as raised:
            llm.complete("s", "u")
        assert len(server.requests) == 1  # no time was left for another try
    message = str(raised.value)
    assert "what was left of --trace-time-budget" in message
    assert "no time was left in --trace-time-budget to try again" in message


def test_no_request_starts_once_the_budget_is_spent() -> None:
    with ScriptedServer(["never sent"]) as server:
        with pytest.raises(LLMError, match=r"time budget \(--trace-time-budget\) of this group"):
            chat(server, deadline=time.monotonic() - 1).complete("s", "u")
        assert server.requests == []


def test_a_retry_waits_as_the_server_asks_only_within_the_budget() -> None:
    slow = Reply(status=429, headers={"retry-after": "30"})
    with ScriptedServer([slow, "late"]) as server:
        with pytest.raises(LLMError, match="no time was left in --trace-time-budget"):
            chat(server, retries=2, deadline=time.monotonic() + 5).complete("s", "u")
        assert len(server.requests) == 1
