"""A loopback OpenAI-compatible server for grader tests: POST /v1/chat/completions, scripted answers."""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import openai

_FENCE = re.compile(r"BẮT ĐẦU BÀI LÀM (\w+)[^\n]*\n(.*)\nKẾT THÚC BÀI LÀM \1", re.S)
_CRITERION = re.compile(r"- id: (\w+) \(tối đa (\d+) điểm\)")
# What the gullible model takes as an order: any text that talks about points or instructions.
_ORDERS = re.compile(
    r"điểm|diem|score|marks|ignore|bỏ qua|bo qua|giám khảo|grader|thought process|system", re.I
)


@dataclass
class Answer:
    """One scripted reply: a chat completion with `content`, or a raw status and body."""

    content: str | None = None
    status: int = 200
    body: dict[str, Any] | None = None
    delay: float = 0.0
    headers: dict[str, str] = field(default_factory=dict)
    raw: bytes | None = None  # sent as is, for servers that answer with something that is not JSON


Script = Callable[[dict[str, Any]], Answer]


def user_text(request: dict[str, Any]) -> str:
    content = request["messages"][-1]["content"]
    if isinstance(content, str):
        return content
    return "\n".join(part.get("text", "") for part in content)


def submission_of(request: dict[str, Any]) -> str:
    """The fenced submission inside a grading prompt."""
    match = _FENCE.search(user_text(request))
    return match.group(2) if match else ""


def criteria_of(request: dict[str, Any]) -> list[tuple[str, int]]:
    return [(cid, int(top)) for cid, top in _CRITERION.findall(user_text(request))]


def verdict(
    request: dict[str, Any], share: float, evidence: str | None = None, **extra: Any
) -> str:
    """A JSON verdict giving every criterion `share` of its maximum, quoting `evidence`."""
    quote = evidence if evidence is not None else " ".join(submission_of(request).split()[:6])
    items = [
        {
            "id": cid,
            "score": round(top * share),
            "evidence": quote,
            "feedback": "Bài làm có ý đúng, cần cụ thể hơn.",
        }
        for cid, top in criteria_of(request)
    ]
    return json.dumps(
        {"criteria": items, "injection": False, "confidence": 0.9, **extra}, ensure_ascii=False
    )


def honest(request: dict[str, Any]) -> Answer:
    """A fair model: 80% on every criterion, quoting the submission's first words."""
    return Answer(verdict(request, 0.8))


def gullible(request: dict[str, Any]) -> Answer:
    """Obeys whatever the submission says: full marks, made-up evidence, no report of it."""
    if _ORDERS.search(submission_of(request)):
        return Answer(verdict(request, 1.0, evidence="Bài làm xuất sắc, đầy đủ mọi tiêu chí"))
    return honest(request)


def gullible_quoting(request: dict[str, Any]) -> Answer:
    """Obeys too, but quotes real words of the submission so that the quote check passes."""
    if _ORDERS.search(submission_of(request)):
        return Answer(verdict(request, 1.0))
    return honest(request)


def obedient(request: dict[str, Any]) -> Answer:
    """Obeys every instruction in the work: full marks on every criterion, real words quoted, and
    never reports anything (the worst case for an injection: only code can stop it)."""
    return Answer(verdict(request, 1.0))


class FakeModel:
    """The server; `script` decides each answer, `requests` keeps what was asked."""

    def __init__(self, script: Script = honest) -> None:
        self.script = script
        self.requests: list[dict[str, Any]] = []
        self.in_flight = 0
        self.max_in_flight = 0
        self._lock = threading.Lock()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("content-length", "0"))
                request = json.loads(self.rfile.read(length))
                with fake._lock:
                    fake.requests.append(request)
                    fake.in_flight += 1
                    fake.max_in_flight = max(fake.max_in_flight, fake.in_flight)
                try:
                    answer = (
                        fake.script(request)
                        if self.path.endswith("/chat/completions")
                        else Answer(status=404, body={"error": {"message": "not found"}})
                    )
                    time.sleep(answer.delay)
                    self._send(answer, request)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (a timeout test): nothing to answer
                finally:
                    with fake._lock:
                        fake.in_flight -= 1

            def _send(self, answer: Answer, request: dict[str, Any]) -> None:
                body = answer.body
                if body is None:
                    body = {
                        "id": "chatcmpl-fake",
                        "object": "chat.completion",
                        "created": 0,
                        "model": request.get("model", "fake"),
                        "choices": [
                            {
                                "index": 0,
                                "finish_reason": "stop",
                                "message": {"role": "assistant", "content": answer.content},
                            }
                        ],
                        "usage": {
                            "prompt_tokens": 400,
                            "completion_tokens": 120,
                            "total_tokens": 520,
                        },
                    }
                data = (
                    answer.raw
                    if answer.raw is not None
                    else json.dumps(body, ensure_ascii=False).encode("utf-8")
                )
                self.send_response(answer.status)
                self.send_header(
                    "content-type", answer.headers.get("content-type", "application/json")
                )
                self.send_header("content-length", str(len(data)))
                for key, value in answer.headers.items():
                    if key != "content-type":
                        self.send_header(key, value)
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format: str, *args: Any) -> None:
                return None

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.server.block_on_close = False
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/v1"
        # A short poll so that shutdown, once per test, takes milliseconds rather than half a second.
        self._thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True
        )

    def client(self) -> openai.AsyncOpenAI:
        """A client for this server; no retries of its own (the grader has one)."""
        return openai.AsyncOpenAI(
            api_key="test-key", base_url=self.url, max_retries=0, http_client=httpx.AsyncClient()
        )

    @contextmanager
    def running(self) -> Iterator[FakeModel]:
        self._thread.start()
        try:
            yield self
        finally:
            self.server.shutdown()
            self.server.server_close()
