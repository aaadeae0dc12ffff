"""A recorded-response HTTP server on 127.0.0.1 for the fetch tests (no other network).

Each route (a path) answers from a list of responses in order, the last one repeating; a
response is ``(status, body, headers)`` or a callable of the request returning one. Every
request is kept (path, query pairs, raw query, headers) for the tests to check.
"""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

RECORDED = Path(__file__).parent / "data" / "recorded"


def recorded(name: str) -> bytes:
    """The bytes of a recorded response under ``tests/data/recorded``."""
    return (RECORDED / name).read_bytes()


@dataclass
class Request:
    path: str
    query: str
    params: dict
    headers: dict


Response = tuple  # (status, body: bytes | str | object, headers: dict)


@dataclass
class FakeServer:
    routes: dict[str, list] = field(default_factory=dict)
    requests: list[Request] = field(default_factory=list)

    def add(self, path: str, *responses: Response | Callable[[Request], Response]) -> None:
        self.routes[path] = list(responses)

    def answer(self, req: Request) -> Response:
        queue = self.routes.get(req.path)
        if not queue:
            return (404, {"code": -1, "msg": f"no route {req.path}"}, {})
        r = queue.pop(0) if len(queue) > 1 else queue[0]
        return r(req) if callable(r) else r


def _handler(server: FakeServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

        def do_GET(self) -> None:
            u = urlsplit(self.path)
            req = Request(u.path, u.query, dict(parse_qsl(u.query)), dict(self.headers))
            server.requests.append(req)
            status, body, headers = (server.answer(req) + ({},))[:3]
            if not isinstance(body, bytes | str):
                body = json.dumps(body)
            data = body.encode() if isinstance(body, str) else body
            self.send_response(status)
            headers = {"Content-Type": "application/json", **headers}
            headers.setdefault("Content-Length", str(len(data)))
            for k, v in headers.items():
                self.send_header(k, v)
            self.end_headers()
            self.wfile.write(data)
            self.wfile.flush()

    return Handler


class Serving:
    """Context manager: a :class:`FakeServer` listening on 127.0.0.1."""

    def __init__(self) -> None:
        self.fake = FakeServer()
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self.fake))
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_port}"

    def __enter__(self) -> FakeServer:
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        self.fake.url = self.url  # type: ignore[attr-defined]
        return self.fake

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def closed_port() -> int:
    """A port on 127.0.0.1 that nothing listens on."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
