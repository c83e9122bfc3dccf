"""A local HTTP server standing in for the platforms in the editorial tests: it records every request (method,
path, query, headers, body) and answers from a script per path (each answer used once, the last one repeated)."""

from __future__ import annotations

import json
import threading
import urllib.parse
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Seen:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes

    @property
    def json(self):
        return json.loads(self.body.decode())

    @property
    def form(self) -> dict[str, str]:
        return dict(urllib.parse.parse_qsl(self.body.decode(), keep_blank_values=True))


@dataclass
class FakePlatform:
    url: str = ""
    seen: list[Seen] = field(default_factory=list)
    script: dict[str, list] = field(default_factory=dict)

    def answer(self, path: str, *answers) -> None:
        """Answers for a path, in order: (status, dict or raw text); a callable gets the request and returns one."""
        self.script[path] = list(answers)

    def calls(self, path: str, method: str | None = None) -> list[Seen]:
        return [s for s in self.seen if s.path == path and (method is None or s.method == method)]

    def respond(self, request: Seen):
        answers = self.script.get(request.path)
        if not answers:
            return 404, {"error": f"no script for {request.path}"}
        chosen = answers.pop(0) if len(answers) > 1 else answers[0]
        return chosen(request) if callable(chosen) else chosen


def serve() -> tuple[FakePlatform, ThreadingHTTPServer]:
    platform = FakePlatform()

    class Handler(BaseHTTPRequestHandler):
        def _handle(self):
            parsed = urllib.parse.urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            request = Seen(self.command, parsed.path, dict(urllib.parse.parse_qsl(parsed.query)),
                           {k.lower(): v for k, v in self.headers.items()}, self.rfile.read(length))
            platform.seen.append(request)
            status, body = platform.respond(request)
            data = body.encode() if isinstance(body, str) else json.dumps(body, ensure_ascii=False).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json" if not isinstance(body, str) else "text/html")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = do_DELETE = _handle

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    platform.url = f"http://127.0.0.1:{server.server_address[1]}"
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return platform, server
