"""An OpenAI-compatible chat-completions server on 127.0.0.1 with scripted answers.

Tests talk to it through the real ``openai`` client, so what they check is what users get::

    from fake_openai import Reply, ScriptedServer

    with ScriptedServer(["first answer", Reply(status=429), "second answer"]) as server:
        ...  # point the client at server.base_url
        assert server.requests[0]["messages"][1]["content"].startswith("...")

Answers are consumed in order, one per ``POST /v1/chat/completions``. A plain string is the
assistant's content; a :class:`Reply` scripts anything else (an error status, a raw body,
headers, token counts, a null content). When the script is exhausted the server answers
500 with a body that says so, or repeats the last answer with ``repeat_last=True``.
Error answers carry ``retry-after-ms: 10`` unless their headers say otherwise, so the
client's retries stay fast in tests.

Run as a script for a demo: ``python tests/fake_openai.py --answer-file answers.json
--port 8000`` serves the answers of a JSON list (strings, or objects with the fields of
:class:`Reply`) and prints its base URL.
"""

from __future__ import annotations

import argparse
import json
import socket
import struct
import sys
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Any

CHAT_PATH = "/v1/chat/completions"


@dataclass(frozen=True)
class Reply:
    """One scripted response.

    ``content`` is the assistant message (``None`` sends ``"content": null``). ``body``
    replaces the whole JSON body (a ``str`` is sent as is); without it, an error status gets
    an OpenAI-style error body. ``raw`` replaces the body with exactly these bytes, sent as
    ``content_type``. ``delay`` (seconds) is waited before answering.

    ``fault`` scripts a broken connection instead of an answer: ``"stall"`` reads the
    request and never answers (until the server stops), ``"reset"`` sends the headers and
    half the body then resets the connection, ``"truncate"`` sends the same and closes
    the connection normally, ``"close"`` resets it without a byte.
    """

    content: str | None = ""
    status: int = 200
    body: object = None
    headers: Mapping[str, str] = field(default_factory=dict)
    prompt_tokens: int = 11
    completion_tokens: int = 7
    finish_reason: str = "stop"
    delay: float = 0.0
    raw: bytes | None = None
    content_type: str = "application/json"
    fault: str = ""


def _as_reply(answer: str | Reply) -> Reply:
    return answer if isinstance(answer, Reply) else Reply(content=answer)


def _error_body(status: int, message: str) -> dict[str, Any]:
    return {
        "error": {
            "message": message,
            "type": "invalid_request_error" if status < 500 else "server_error",
            "param": None,
            "code": None,
        }
    }


class ScriptedServer:
    """The server, started on ``__enter__`` (or :meth:`start`) and stopped on exit."""

    def __init__(
        self,
        answers: Sequence[str | Reply] = (),
        *,
        repeat_last: bool = False,
        host: str = "127.0.0.1",
        port: int = 0,
        model: str = "fake-model",
    ) -> None:
        self._answers = [_as_reply(answer) for answer in answers]
        self._repeat_last = repeat_last
        self._address = (host, port)
        self._model = model
        self._lock = threading.Lock()
        self._stopped = threading.Event()
        self._served = 0
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        #: The JSON bodies of the requests received, in order.
        self.requests: list[dict[str, Any]] = []
        #: The headers of those requests (lower-case names).
        self.request_headers: list[dict[str, str]] = []

    @property
    def base_url(self) -> str:
        if self._httpd is None:
            raise RuntimeError("the ScriptedServer is not running")
        host, port = self._httpd.server_address[:2]
        return f"http://{host!s}:{port}/v1"

    @property
    def remaining(self) -> int:
        """How many scripted answers have not been served yet."""
        with self._lock:
            return len(self._answers) - self._served

    def start(self) -> ScriptedServer:
        self._stopped.clear()
        handler = type("Handler", (_Handler,), {"script": self})
        self._httpd = ThreadingHTTPServer(self._address, handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(
            target=self._httpd.serve_forever,
            kwargs={"poll_interval": 0.02},  # so that stop() is quick
            name="fake-openai",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopped.set()  # stalled handlers end
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._httpd = None
        self._thread = None

    def __enter__(self) -> ScriptedServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def next_reply(self, body: dict[str, Any], headers: dict[str, str]) -> Reply:
        """Record a request and take the answer for it."""
        with self._lock:
            self.requests.append(body)
            self.request_headers.append(headers)
            if self._served < len(self._answers):
                self._served += 1
                return self._answers[self._served - 1]
            if self._repeat_last and self._answers:
                return self._answers[-1]
            message = (
                f"ScriptedServer: no scripted answer left for request {len(self.requests)} "
                f"(the script had {len(self._answers)})"
            )
            return Reply(status=500, body=_error_body(500, message))

    def completion_body(self, reply: Reply, request: Mapping[str, Any]) -> dict[str, Any]:
        """A ``chat.completion`` object carrying the reply's content and usage."""
        with self._lock:
            number = len(self.requests)
        return {
            "id": f"chatcmpl-fake-{number}",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": str(request.get("model") or self._model),
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": reply.content},
                    "finish_reason": reply.finish_reason,
                    "logprobs": None,
                }
            ],
            "usage": {
                "prompt_tokens": reply.prompt_tokens,
                "completion_tokens": reply.completion_tokens,
                "total_tokens": reply.prompt_tokens + reply.completion_tokens,
            },
        }


class _Handler(BaseHTTPRequestHandler):
    script: ScriptedServer  # set on the subclass made by ScriptedServer.start

    def do_POST(self) -> None:
        length = int(self.headers.get("content-length") or 0)
        raw = self.rfile.read(length) if length else b""
        if self.path.split("?", 1)[0].rstrip("/") != CHAT_PATH:
            message = f"ScriptedServer serves POST {CHAT_PATH} only, not {self.path}"
            self._send(404, _error_body(404, message), {})
            return
        try:
            body = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as error:
            self._send(400, _error_body(400, f"the request body is not JSON: {error}"), {})
            return
        if not isinstance(body, dict):
            self._send(400, _error_body(400, "the request body is not a JSON object"), {})
            return
        headers = {name.lower(): value for name, value in self.headers.items()}
        reply = self.script.next_reply(body, headers)
        if reply.delay:
            time.sleep(reply.delay)
        if reply.fault:
            self._fault(reply)
            return
        if reply.raw is not None:
            self._send_bytes(reply.status, reply.raw, reply.content_type, dict(reply.headers))
            return
        payload: object
        if reply.body is not None:
            payload = reply.body
        elif reply.status >= 400:
            payload = _error_body(reply.status, f"scripted error {reply.status}")
        else:
            payload = self.script.completion_body(reply, body)
        extra = dict(reply.headers)
        if reply.status >= 400 and not any(
            name.lower() in ("retry-after", "retry-after-ms") for name in extra
        ):
            extra["retry-after-ms"] = "10"
        self._send(reply.status, payload, extra)

    def do_GET(self) -> None:
        self._send(404, _error_body(404, f"ScriptedServer serves POST {CHAT_PATH} only"), {})

    def _fault(self, reply: Reply) -> None:
        if reply.fault == "stall":
            self.script._stopped.wait()
            self.close_connection = True
            return
        if reply.fault in ("reset", "truncate"):
            data = json.dumps(self.script.completion_body(reply, {})).encode("utf-8")
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data[: len(data) // 2])
            self.wfile.flush()
        elif reply.fault != "close":
            raise ValueError(f"unknown fault {reply.fault!r}")
        if reply.fault != "truncate":
            # SO_LINGER with a zero timeout: close() sends RST, not FIN
            linger = struct.pack("ii", 1, 0)
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, linger)
        self.connection.close()
        self.close_connection = True

    def _send(self, status: int, payload: object, headers: Mapping[str, str]) -> None:
        if isinstance(payload, str):
            data, content_type = payload.encode("utf-8"), "text/plain; charset=utf-8"
        else:
            data, content_type = json.dumps(payload).encode("utf-8"), "application/json"
        self._send_bytes(status, data, content_type, headers)

    def _send_bytes(
        self, status: int, data: bytes, content_type: str, headers: Mapping[str, str]
    ) -> None:
        try:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(data)))
            for name, value in headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (a timeout test): nothing to answer to

    def log_message(self, format: str, *args: Any) -> None:
        pass  # keep test output clean


def _load_answers(path: Path) -> list[str | Reply]:
    data = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(data, list):
        raise SystemExit(f"{path}: expected a JSON list of answers, got {type(data).__name__}")
    answers: list[str | Reply] = []
    for index, item in enumerate(data):
        if isinstance(item, str):
            answers.append(item)
        elif isinstance(item, dict):
            try:
                answers.append(Reply(**item))
            except TypeError as error:
                raise SystemExit(f"{path}: answer {index}: {error}") from error
        else:
            raise SystemExit(f"{path}: answer {index} is neither a string nor an object")
    return answers


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--answer-file", type=Path, required=True, help="JSON list of answers")
    parser.add_argument("--port", type=int, default=0, help="port (default: a free one)")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument(
        "--repeat-last", action="store_true", help="repeat the last answer when exhausted"
    )
    args = parser.parse_args(argv)
    server = ScriptedServer(
        _load_answers(args.answer_file),
        repeat_last=args.repeat_last,
        host=args.host,
        port=args.port,
    )
    with server:
        print(server.base_url, flush=True)
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass
    print(f"served {len(server.requests)} request(s)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
