"""The LLM backend: one small protocol and its implementation on the official ``openai`` client.

:class:`LLM` is all an optimizer needs (``complete(system, user) -> Completion``), so tests
hand optimizers a fake object and never touch the network. :class:`OpenAIChat` talks to any
OpenAI-compatible chat-completions endpoint (OpenAI itself, or a local server given by
``OPENAI_BASE_URL``). Requests are bounded by ``--trace-llm-timeout`` and by the time left
in ``--trace-time-budget``, retries included; whatever still fails, however it failed,
becomes an :class:`LLMError` whose message tells the user what to check.

``openai`` is imported only inside :meth:`OpenAIChat.complete`, so importing this module
costs nothing.
"""

from __future__ import annotations

import http
import math
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from pytest_trace.model import TokenUsage
from pytest_trace.text.clip import clip
from pytest_trace.text.sanitize import well_formed

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


#: Seconds a request may take by default (``--trace-llm-timeout``).
DEFAULT_TIMEOUT = 120.0
#: No request starts with less than this many seconds left in the time budget.
MIN_REQUEST_SECONDS = 1.0
#: Seconds between the progress lines while a request is waiting.
PROGRESS_INTERVAL = 10.0
#: How long after its timeout a request that still has not ended is abandoned (a server
#: that trickles bytes never trips the client's read timeout).
_GRACE_SECONDS = 2.0
_TIMEOUT_OPTION = "--trace-llm-timeout (ini trace_llm_timeout)"


@dataclass(frozen=True)
class LLMConfig:
    """How to reach the model. The key is kept out of ``repr`` (it ends up in logs).

    ``timeout`` bounds each request (None: no bound); ``max_retries`` is how many times a
    request that timed out, could not connect, or got a 429 or 5xx answer is tried again.
    """

    model: str
    api_key: str | None = field(repr=False)
    base_url: str | None
    timeout: float | None = DEFAULT_TIMEOUT
    max_retries: int = 3
    max_tokens: int = 4096

    @classmethod
    def from_env(
        cls, model: str, environ: Mapping[str, str], *, timeout: float | None = DEFAULT_TIMEOUT
    ) -> LLMConfig:
        """Read ``OPENAI_API_KEY`` and ``OPENAI_BASE_URL``; empty values count as unset."""
        api_key = environ.get("OPENAI_API_KEY", "").strip() or None
        base_url = environ.get("OPENAI_BASE_URL", "").strip() or None
        return cls(model=model, api_key=api_key, base_url=base_url, timeout=timeout or None)

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

    Retries are this class's own (the client's are off), so that they fit in the time
    left: no request starts after ``deadline`` (a :func:`time.monotonic` time) is near,
    and each one's timeout is cut to what is left. While a request waits, ``progress``
    gets a line every :data:`PROGRESS_INTERVAL` seconds. Every failure, whatever raised
    it (the client, the HTTP layer, a body that is not JSON), becomes an :class:`LLMError`.

    A client is built for each request and closed after it: requests take seconds,
    building a client takes milliseconds, and nothing is left open for the caller.
    """

    def __init__(
        self,
        config: LLMConfig,
        *,
        deadline: float | None = None,
        progress: Callable[[str], None] | None = None,
        budget_option: str = "--trace-time-budget",
        progress_interval: float = PROGRESS_INTERVAL,
    ) -> None:
        self.config = config
        self.progress_interval = progress_interval
        self.deadline = deadline
        self.progress = progress or (lambda line: None)
        self.budget_option = budget_option

    def complete(self, system: str, user: str) -> Completion:
        if not self.config.is_configured:
            raise LLMError(
                "no LLM is configured: set OPENAI_API_KEY, or OPENAI_BASE_URL for an "
                "OpenAI-compatible local server"
            )
        failures: list[str] = []
        while True:
            timeout = self._timeout(failures)
            try:
                return self._request(system, user, timeout)
            except _Failure as failure:
                failures.append(failure.message)
                if not failure.retry or len(failures) > self.config.max_retries:
                    raise LLMError(_with_tries(failure.message, len(failures))) from None
                pause = min(failure.pause, 30.0)
                left = None if self.deadline is None else self.deadline - time.monotonic()
                if left is not None and left - pause < MIN_REQUEST_SECONDS:
                    raise LLMError(
                        _with_tries(failure.message, len(failures))
                        + f"; no time was left in {self.budget_option} to try again"
                    ) from None
                time.sleep(pause)

    def _timeout(self, failures: list[str]) -> float | None:
        """The timeout of the next request: the option's, cut to the time left."""
        if self.deadline is None:
            return self.config.timeout
        left = self.deadline - time.monotonic()
        if left < MIN_REQUEST_SECONDS:
            said = f" The last try: {failures[-1]}" if failures else ""
            raise LLMError(
                f"no request was sent to the LLM endpoint {self.config.endpoint}: the time "
                f"budget ({self.budget_option}) of this group was spent.{said}"
            )
        return left if self.config.timeout is None else min(self.config.timeout, left)

    def _request(self, system: str, user: str, timeout: float | None) -> Completion:
        """One request, in a thread, with progress lines while it waits."""
        outcome: dict[str, Any] = {}
        thread = threading.Thread(
            target=self._call,
            args=(system, user, timeout, outcome),
            name="pytest-trace-llm",
            daemon=True,  # abandoned if it outlives its timeout (see _GRACE_SECONDS)
        )
        started = time.monotonic()
        thread.start()
        while True:
            waited = time.monotonic() - started
            limit = None if timeout is None else timeout + _GRACE_SECONDS - waited
            interval = self.progress_interval
            thread.join(interval if limit is None else max(0.0, min(interval, limit)))
            if not thread.is_alive():
                break
            waited = time.monotonic() - started
            if timeout is not None and waited >= timeout + _GRACE_SECONDS:
                raise _Failure(self._timed_out(timeout), retry=True)
            if timeout is None or waited < timeout:  # (not in the grace after it)
                of = "" if timeout is None else f" of {_seconds(timeout)} s"
                self.progress(f"waiting for the LLM ({waited:.0f} s{of})")
        if "error" in outcome:
            raise self._failure(outcome["error"], timeout)
        try:
            return completion_from_response(outcome.get("response"))
        except Exception as error:  # a body of a shape no client expects
            raise _Failure(self._unreadable(error), retry=True) from None

    def _call(self, system: str, user: str, timeout: float | None, outcome: dict[str, Any]) -> None:
        try:
            import openai

            with openai.OpenAI(
                api_key=self.config.api_key or PLACEHOLDER_API_KEY,
                base_url=self.config.endpoint,
                timeout=timeout,
                max_retries=0,
            ) as client:
                outcome["response"] = client.chat.completions.create(
                    model=self.config.model,
                    messages=[
                        {"role": "system", "content": system},
                        {"role": "user", "content": user},
                    ],
                    max_tokens=self.config.max_tokens,
                )
        except BaseException as error:  # reported by the waiting thread, whatever it is
            outcome["error"] = error

    def _failure(self, error: BaseException, timeout: float | None) -> _Failure:
        import openai

        if isinstance(error, openai.APITimeoutError):
            return _Failure(self._timed_out(timeout), retry=True)
        if isinstance(error, openai.APIStatusError):
            status = error.status_code
            retry = status in (408, 409, 429) or status >= 500
            return _Failure(describe_error(error, self.config), retry, _retry_after(error))
        if isinstance(error, openai.OpenAIError):
            return _Failure(describe_error(error, self.config), retry=True)
        if isinstance(error, Exception):
            return _Failure(self._unreadable(error), retry=True)
        raise error  # KeyboardInterrupt, SystemExit: not ours to turn into feedback

    def _timed_out(self, timeout: float | None) -> str:
        limit = f"within {_seconds(timeout)} s" if timeout is not None else "in time"
        cut = (
            timeout is not None
            and self.config.timeout is not None
            and timeout < self.config.timeout
        )
        if cut:
            return (
                f"the LLM endpoint {self.config.endpoint} did not answer {limit} (what was "
                f"left of {self.budget_option}): the server is slow or stuck; check it, or "
                f"allow more time with {self.budget_option} (and {_TIMEOUT_OPTION})"
            )
        return (
            f"the LLM endpoint {self.config.endpoint} did not answer {limit}: the server "
            f"is slow or stuck; check it, or allow more time with {_TIMEOUT_OPTION}"
        )

    def _unreadable(self, error: Exception) -> str:
        return (
            f"the answer of the LLM endpoint {self.config.endpoint} could not be read "
            f"({type(error).__name__}: {_bounded_line(str(error))}): is OPENAI_BASE_URL an "
            "OpenAI-compatible endpoint (it usually ends in /v1)?"
        )


class _Failure(Exception):
    """A failed request: what to tell the user, and whether another try may help."""

    def __init__(self, message: str, retry: bool, pause: float | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.retry = retry
        self.pause = 0.5 if pause is None else pause


def _seconds(value: float) -> str:
    return f"{value:.0f}" if value >= 10 else f"{round(value, 1):g}"


def _with_tries(message: str, tries: int) -> str:
    return message if tries <= 1 else f"{message} (tried {tries} times)"


def _retry_after(error: Any) -> float | None:
    """The pause a 429 or 503 answer asks for (``retry-after-ms``, ``retry-after``)."""
    headers = getattr(getattr(error, "response", None), "headers", None) or {}
    for name, scale in (("retry-after-ms", 0.001), ("retry-after", 1.0)):
        try:
            value = float(headers.get(name, ""))
        except (TypeError, ValueError):
            continue
        if math.isfinite(value) and value >= 0:
            return value * scale
    return None


def completion_from_response(response: Any) -> Completion:
    """The text, usage and truncation of a chat-completion response.

    Tolerates what lenient servers send: no choices, a null message or content, no usage.
    The text is made well-formed (no lone surrogates, no NUL). A body that is not a JSON
    object (the client then returns it as text, or a list) raises :class:`ValueError`.
    """
    if isinstance(response, (str, bytes)):
        shown = response if isinstance(response, str) else response.decode("utf-8", "replace")
        raise ValueError(f"not a chat completion but text: {_bounded_line(shown)[:120]!r}")
    if response is None or isinstance(response, (list, int, float, bool)):
        raise ValueError(f"not a chat completion but {type(response).__name__}")
    choices = getattr(response, "choices", None) or []
    text = ""
    truncated = False
    if choices:
        choice = choices[0]
        message = getattr(choice, "message", None)
        content = getattr(message, "content", None)
        text = well_formed(content) if isinstance(content, str) else ""
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
    if isinstance(error, openai.APITimeoutError):
        limit = f"within {config.timeout:g} s" if config.timeout else "in time"
        return (
            f"{where} did not answer {limit}: the server is slow or stuck; check it, or "
            f"allow more time with {_TIMEOUT_OPTION}"
        )
    if isinstance(error, openai.APIConnectionError):
        cause = error.__cause__ or error.__context__
        said = _said("The error was", str(cause) if cause is not None else "")
        return (
            f"could not connect to {where}, or the connection broke: is the server running? "
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
            advice = "rate limit or quota exhausted; wait and try again, or check your plan"
        elif status >= 500:
            advice = "the server is failing; try again later"
        else:
            advice = "the request was refused"
        return f"{answered}: {advice}.{said}"
    return f"the call to {where} failed: {_bounded_line(str(error))}"


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
    return clip(text, _DETAIL_CHARS)
