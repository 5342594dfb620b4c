"""The LLM backend: one small protocol and its implementation on the official ``openai`` client.

:class:`LLM` is all an optimizer needs (``complete(system, user) -> Completion``), so tests
hand optimizers a fake object and never touch the network. :class:`OpenAIChat` talks to any
OpenAI-compatible chat-completions endpoint (OpenAI itself, or a local server given by
``OPENAI_BASE_URL``). Retries of 429 and 5xx answers are the client's own; whatever still
fails becomes an :class:`LLMError` whose message tells the user what to check.

``openai`` is imported only inside :meth:`OpenAIChat.complete`, so importing this module
costs nothing.
"""

from __future__ import annotations

import http
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from pytest_trace.model import TokenUsage

#: Where requests go when ``OPENAI_BASE_URL`` is not set.
DEFAULT_BASE_URL = "https://api.openai.com/v1"

#: The key sent to a server given by ``OPENAI_BASE_URL`` when ``OPENAI_API_KEY`` is not set
#: (local servers ignore it, the client insists on having one).
PLACEHOLDER_API_KEY = "no-key-needed"

_DETAIL_CHARS = 300


@dataclass(frozen=True)
class Completion:
    """The text of one answer and the tokens it cost.

    ``truncated`` is true when the model stopped because it hit the token limit
    (``finish_reason == "length"``): the text is then incomplete.
    """

    text: str
    usage: TokenUsage = field(default_factory=TokenUsage)
    truncated: bool = False


class LLM(Protocol):
    """A chat model: a system prompt and a user prompt in, one answer out."""

    def complete(self, system: str, user: str) -> Completion: ...


class LLMError(Exception):
    """The LLM could not be reached or refused the request; the message says what to do."""


@dataclass(frozen=True)
class LLMConfig:
    """How to reach the model. The key is kept out of ``repr`` (it ends up in logs)."""

    model: str
    api_key: str | None = field(repr=False)
    base_url: str | None
    timeout: float = 120.0
    max_retries: int = 3
    max_tokens: int = 4096

    @classmethod
    def from_env(cls, model: str, environ: Mapping[str, str]) -> LLMConfig:
        """Read ``OPENAI_API_KEY`` and ``OPENAI_BASE_URL``; empty values count as unset."""
        api_key = environ.get("OPENAI_API_KEY", "").strip() or None
        base_url = environ.get("OPENAI_BASE_URL", "").strip() or None
        return cls(model=model, api_key=api_key, base_url=base_url)

    @property
    def is_configured(self) -> bool:
        """True when there is a key, or a base URL (a local server may need no key)."""
        return self.api_key is not None or self.base_url is not None

    @property
    def endpoint(self) -> str:
        """The base URL requests go to."""
        return self.base_url or DEFAULT_BASE_URL


class OpenAIChat:
    """:class:`LLM` over ``chat.completions`` of the official ``openai`` client.

    A client is built for each call and closed after it: calls take seconds, building a
    client takes milliseconds, and nothing is left open for the caller to close.
    """

    def __init__(self, config: LLMConfig) -> None:
        self.config = config

    def complete(self, system: str, user: str) -> Completion:
        if not self.config.is_configured:
            raise LLMError(
                "no LLM is configured: set OPENAI_API_KEY, or OPENAI_BASE_URL for an "
                "OpenAI-compatible local server"
            )
        import openai

        try:
            with openai.OpenAI(
                api_key=self.config.api_key or PLACEHOLDER_API_KEY,
                base_url=self.config.endpoint,
                timeout=self.config.timeout,
                max_retries=self.config.max_retries,
            ) as client:
                response = client.chat.completions.create(
                    model=self.config.model,
                    messages=[
                        {"role": "system", "content": system},
                        {"role": "user", "content": user},
                    ],
                    max_tokens=self.config.max_tokens,
                )
        except openai.OpenAIError as error:
            raise LLMError(describe_error(error, self.config)) from error
        return completion_from_response(response)


def completion_from_response(response: Any) -> Completion:
    """The text, usage and truncation of a chat-completion response.

    Tolerates what lenient servers send: no choices, a null message or content, no usage.
    """
    choices = getattr(response, "choices", None) or []
    text = ""
    truncated = False
    if choices:
        choice = choices[0]
        message = getattr(choice, "message", None)
        content = getattr(message, "content", None)
        text = content if isinstance(content, str) else ""
        truncated = getattr(choice, "finish_reason", None) == "length"
    usage = getattr(response, "usage", None)
    tokens = TokenUsage(
        prompt=_count(getattr(usage, "prompt_tokens", 0)),
        completion=_count(getattr(usage, "completion_tokens", 0)),
    )
    return Completion(text=text, usage=tokens, truncated=truncated)


def _count(value: object) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def describe_error(error: Exception, config: LLMConfig) -> str:
    """A message for an ``openai`` exception: what happened, what to check, what was said."""
    import openai

    where = f"the LLM endpoint {config.endpoint}"
    retries = _retries(config.max_retries)
    if isinstance(error, openai.APITimeoutError):
        return (
            f"{where} did not answer within {config.timeout:g} s{retries}: "
            "the server is slow or stuck; raise the timeout or check the server"
        )
    if isinstance(error, openai.APIConnectionError):
        cause = error.__cause__ or error.__context__
        said = _said("The error was", str(cause) if cause is not None else "")
        return (
            f"could not connect to {where}{retries}: is the server running? "
            f"Check OPENAI_BASE_URL.{said}"
        )
    if isinstance(error, openai.APIStatusError):
        status = error.status_code
        answered = f"{where} answered {status} {_phrase(status)}".rstrip()
        said = _said("The server said", _detail(error))
        if isinstance(error, openai.AuthenticationError):
            advice = "check OPENAI_API_KEY"
        elif isinstance(error, openai.PermissionDeniedError):
            advice = f"the key in OPENAI_API_KEY may not use the model {config.model!r}"
        elif isinstance(error, openai.NotFoundError):
            advice = (
                f"check the model name {config.model!r} and OPENAI_BASE_URL "
                "(it usually ends in /v1)"
            )
        elif isinstance(error, openai.RateLimitError):
            answered += retries
            advice = "rate limit or quota exhausted; wait and try again, or check your plan"
        elif status >= 500:
            answered += retries
            advice = "the server is failing; try again later"
        else:
            advice = "the request was refused"
        return f"{answered}: {advice}.{said}"
    return f"the call to {where} failed: {_bounded_line(str(error))}"


def _retries(max_retries: int) -> str:
    if max_retries <= 0:
        return ""
    return f", even after {max_retries} {'retry' if max_retries == 1 else 'retries'}"


def _said(label: str, text: str) -> str:
    text = _bounded_line(text)
    return f" {label}: {text}" if text else ""


def _phrase(status: int) -> str:
    try:
        return http.HTTPStatus(status).phrase
    except ValueError:
        return ""


def _detail(error: Any) -> str:
    """The server's own message from an error body."""
    body = getattr(error, "body", None)
    if isinstance(body, Mapping):
        message = body.get("message")
        return message if isinstance(message, str) else ""
    return body if isinstance(body, str) else ""


def _bounded_line(text: str) -> str:
    """``text`` on one line, bounded."""
    text = " ".join(text.split())
    return text if len(text) <= _DETAIL_CHARS else text[: _DETAIL_CHARS - 3] + "..."
