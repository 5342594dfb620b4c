"""The OpenAI backend against a scripted local server, through the real ``openai`` client."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from fake_openai import Reply, ScriptedServer

from pytest_trace.llm.client import (
    DEFAULT_BASE_URL,
    PLACEHOLDER_API_KEY,
    Completion,
    LLMConfig,
    LLMError,
    OpenAIChat,
)
from pytest_trace.model import TokenUsage


@pytest.fixture(autouse=True)
def _isolated_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """The client must go straight to 127.0.0.1, whatever proxy the environment names."""
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")
    for name in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "OPENAI_ORG_ID", "OPENAI_PROJECT_ID"):
        monkeypatch.delenv(name, raising=False)


def chat(server: ScriptedServer, **overrides: object) -> OpenAIChat:
    settings: dict[str, object] = {
        "model": "fake-model",
        "api_key": "sk-test",
        "base_url": server.base_url,
        "timeout": 5.0,
        "max_retries": 2,
        **overrides,
    }
    return OpenAIChat(LLMConfig(**settings))  # type: ignore[arg-type]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# --- configuration -------------------------------------------------------------------------


def test_from_env_reads_key_and_base_url() -> None:
    config = LLMConfig.from_env(
        "gpt-x", {"OPENAI_API_KEY": "sk-1", "OPENAI_BASE_URL": "http://127.0.0.1:1234/v1"}
    )
    assert (config.model, config.api_key, config.base_url) == (
        "gpt-x",
        "sk-1",
        "http://127.0.0.1:1234/v1",
    )
    assert config.is_configured
    assert config.endpoint == "http://127.0.0.1:1234/v1"


def test_from_env_base_url_without_key_is_configured() -> None:
    config = LLMConfig.from_env("local", {"OPENAI_BASE_URL": "http://127.0.0.1:1234/v1"})
    assert config.api_key is None
    assert config.is_configured


def test_from_env_nothing_set_or_empty_is_not_configured() -> None:
    assert not LLMConfig.from_env("m", {}).is_configured
    empty = LLMConfig.from_env("m", {"OPENAI_API_KEY": "  ", "OPENAI_BASE_URL": ""})
    assert (empty.api_key, empty.base_url) == (None, None)
    assert not empty.is_configured
    assert empty.endpoint == DEFAULT_BASE_URL


def test_repr_hides_the_key() -> None:
    config = LLMConfig(model="m", api_key="sk-secret-123", base_url=None)
    assert "sk-secret-123" not in repr(config)


def test_unconfigured_complete_raises_clear_error() -> None:
    llm = OpenAIChat(LLMConfig(model="m", api_key=None, base_url=None))
    with pytest.raises(LLMError, match=r"OPENAI_API_KEY.*OPENAI_BASE_URL"):
        llm.complete("s", "u")


# --- answers -------------------------------------------------------------------------------


def test_success_returns_text_and_usage_and_sends_prompts() -> None:
    answer = Reply(content='{"reasoning": "r"}', prompt_tokens=123, completion_tokens=45)
    with ScriptedServer([answer]) as server:
        completion = chat(server, max_tokens=777).complete("SYSTEM TEXT", "USER TEXT")
    assert completion == Completion(
        text='{"reasoning": "r"}', usage=TokenUsage(prompt=123, completion=45)
    )
    (request,) = server.requests
    assert request["model"] == "fake-model"
    assert request["max_tokens"] == 777
    assert request["messages"] == [
        {"role": "system", "content": "SYSTEM TEXT"},
        {"role": "user", "content": "USER TEXT"},
    ]
    assert server.request_headers[0]["authorization"] == "Bearer sk-test"


def test_base_url_without_key_sends_placeholder_key() -> None:
    with ScriptedServer(["ok"]) as server:
        completion = chat(server, api_key=None).complete("s", "u")
    assert completion.text == "ok"
    assert server.request_headers[0]["authorization"] == f"Bearer {PLACEHOLDER_API_KEY}"


def test_length_finish_reason_marks_truncated() -> None:
    with ScriptedServer([Reply(content='{"reasoning": "cut', finish_reason="length")]) as server:
        completion = chat(server).complete("s", "u")
    assert completion.truncated
    assert completion.text == '{"reasoning": "cut'


def test_null_content_is_empty_text() -> None:
    with ScriptedServer([Reply(content=None)]) as server:
        completion = chat(server).complete("s", "u")
    assert completion.text == ""
    assert completion.usage == TokenUsage(prompt=11, completion=7)


def test_no_choices_and_no_usage_is_empty_completion() -> None:
    body = {
        "id": "x",
        "object": "chat.completion",
        "created": 0,
        "model": "fake-model",
        "choices": [],
    }
    with ScriptedServer([Reply(body=body)]) as server:
        completion = chat(server).complete("s", "u")
    assert completion == Completion(text="", usage=TokenUsage())


# --- errors and retries --------------------------------------------------------------------


def test_429_then_success_is_retried() -> None:
    with ScriptedServer([Reply(status=429), "after retry"]) as server:
        start = time.monotonic()
        completion = chat(server, max_retries=2).complete("s", "u")
        elapsed = time.monotonic() - start
    assert completion.text == "after retry"
    assert len(server.requests) == 2
    assert elapsed < 2.0  # the server's retry-after-ms: 10 is honoured


def test_persistent_500_becomes_llm_error_after_retries() -> None:
    with ScriptedServer([Reply(status=500)] * 3) as server:
        with pytest.raises(LLMError) as raised:
            chat(server, max_retries=2).complete("s", "u")
        assert len(server.requests) == 3
        url = server.base_url
    message = str(raised.value)
    assert url in message
    assert message == (
        f"the LLM endpoint {url} answered 500 Internal Server Error: "
        "the server is failing; try again later. The server said: scripted error 500 "
        "(tried 3 times)"
    )


def test_exhausted_script_answers_500_with_explanation() -> None:
    with ScriptedServer([]) as server, pytest.raises(LLMError, match="no scripted answer left"):
        chat(server, max_retries=0).complete("s", "u")


def test_401_mentions_the_key() -> None:
    body = {"error": {"message": "Incorrect API key provided", "code": "invalid_api_key"}}
    with ScriptedServer([Reply(status=401, body=body)]) as server:
        with pytest.raises(LLMError) as raised:
            chat(server).complete("s", "u")
        url = server.base_url
        assert len(server.requests) == 1  # not retried
    assert str(raised.value) == (
        f"the LLM endpoint {url} answered 401 Unauthorized: check OPENAI_API_KEY. "
        "The server said: Incorrect API key provided"
    )


def test_404_mentions_model_and_base_url() -> None:
    with ScriptedServer([Reply(status=404)]) as server, pytest.raises(LLMError) as raised:
        chat(server, model="no-such-model").complete("s", "u")
    message = str(raised.value)
    assert "404 Not Found" in message
    assert "'no-such-model'" in message
    assert "OPENAI_BASE_URL" in message


def test_400_shows_the_server_message() -> None:
    body = {"error": {"message": "maximum context length is 8192 tokens"}}
    with ScriptedServer([Reply(status=400, body=body)]) as server, pytest.raises(LLMError) as e:
        chat(server).complete("s", "u")
    assert "400 Bad Request: the request was refused." in str(e.value)
    assert str(e.value).endswith("The server said: maximum context length is 8192 tokens")


def test_connection_refused_is_llm_error() -> None:
    url = f"http://127.0.0.1:{free_port()}/v1"
    llm = OpenAIChat(LLMConfig(model="m", api_key="k", base_url=url, timeout=2, max_retries=0))
    with pytest.raises(LLMError) as raised:
        llm.complete("s", "u")
    message = str(raised.value)
    assert message.startswith(
        f"could not connect to the LLM endpoint {url}, or the connection broke: is the server "
        "running? "
        "Check OPENAI_BASE_URL. The error was: "
    )
    assert "refused" in message.lower()


def test_timeout_is_llm_error() -> None:
    with ScriptedServer([Reply(content="late", delay=1.0)]) as server:
        with pytest.raises(LLMError) as raised:
            chat(server, timeout=0.2, max_retries=0).complete("s", "u")
        url = server.base_url
    assert str(raised.value).startswith(f"the LLM endpoint {url} did not answer within 0.2 s")


# --- the fake server as a script -----------------------------------------------------------


def test_fake_server_runs_as_a_script(tmp_path: Path) -> None:
    answers = tmp_path / "answers.json"
    answers.write_text(json.dumps(["scripted hello", {"status": 429}]), encoding="utf-8")
    script = Path(__file__).with_name("fake_openai.py")
    port = free_port()
    with subprocess.Popen(
        [sys.executable, str(script), "--answer-file", str(answers), "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    ) as process:
        try:
            assert process.stdout is not None
            base_url = process.stdout.readline().strip()
            assert base_url == f"http://127.0.0.1:{port}/v1"
            llm = OpenAIChat(LLMConfig(model="m", api_key=None, base_url=base_url, max_retries=0))
            assert llm.complete("s", "u").text == "scripted hello"
            with pytest.raises(LLMError, match="429 Too Many Requests"):
                llm.complete("s", "u")
        finally:
            process.terminate()
            process.communicate(timeout=5)


def test_403_mentions_the_model() -> None:
    with ScriptedServer([Reply(status=403)]) as server, pytest.raises(LLMError) as raised:
        chat(server, model="gpt-secret").complete("s", "u")
    assert "403 Forbidden: the key in OPENAI_API_KEY may not use the model 'gpt-secret'" in str(
        raised.value
    )
