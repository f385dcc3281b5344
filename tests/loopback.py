"""The one loopback HTTP server of the tests and the benches (the demo has its own, product-side:
copydesk/demo/serving.py, which cannot import tests/).

- ``Loopback``: a threaded HTTP/1.1 server on 127.0.0.1 (a free port) in this process that hands
  every request to a function; tests/sites.py's scriptable ``Site`` and ``Recorder`` are built on it.
- ``Recorder``: answers every request with one body and records its path (a canary: the code under
  test must never ask it for anything).
- ``start_static``: fixed responses from their own process, at as little CPU per request as possible
  (the bench site of tests/news_site.py, crawled by the benchmarks and the kill test).
"""
from __future__ import annotations

import multiprocessing
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable

Handle = Callable[[BaseHTTPRequestHandler], None]
Routes = dict[str, tuple[bytes, str]]  # path -> (body, content type)


class Loopback:
    """``handle(request)`` answers each request of the given ``methods`` (others get 501), on
    ``address`` (another loopback address, e.g. 127.0.0.2, is another host) and a free port."""

    def __init__(self, handle: Handle, *, methods: tuple[str, ...] = ("GET",), address: str = "127.0.0.1"):
        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # headers and body go out in two writes: no 40 ms delayed-ACK stall

            def log_message(self, *args: Any) -> None:
                pass

        for method in methods:
            setattr(Handler, f"do_{method}", lambda request: handle(request))
        self.server = ThreadingHTTPServer((address, 0), Handler)
        self.server.daemon_threads = True
        self.server.handle_error = lambda *_: None  # clients that give up (time-outs, kills) are expected
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def base(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def url(self, path: str) -> str:
        return self.base + path

    def start(self) -> None:
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def __enter__(self) -> Loopback:
        self.start()
        return self

    def __exit__(self, *_: Any) -> None:
        self.stop()


class Recorder(Loopback):
    """Answers GET and POST with ``body`` (200) and appends each request's path to ``hits``."""

    def __init__(self, body: bytes = b""):
        self.hits: list[str] = []
        self.body = body
        super().__init__(self._answer, methods=("GET", "POST"))

    def _answer(self, request: BaseHTTPRequestHandler) -> None:
        self.hits.append(request.path)
        request.send_response(200)
        request.send_header("Content-Length", str(len(self.body)))
        request.end_headers()
        request.wfile.write(self.body)


def _response(status: int, ctype: str, body: bytes) -> bytes:
    reason = {200: "OK", 404: "Not Found"}[status]
    return (f"HTTP/1.1 {status} {reason}\r\nContent-Type: {ctype}\r\nContent-Length: {len(body)}\r\n\r\n"
            .encode() + body)


NOT_FOUND = _response(404, "text/plain", b"not found")


def serve_static(build: Callable[[str], Routes], base_queue: multiprocessing.Queue, delay: float = 0.0) -> None:
    """Serve ``build(base URL)`` until killed; puts the base URL on ``base_queue``. ``delay``: seconds
    before each answer for a path ending in .html.

    A minimal asyncio HTTP/1.1 server answering from responses rendered once: the bench site shares
    the crawler's two cores, and a real site's server does not, so it should cost as little as
    possible (http.server's ThreadingHTTPServer took ~0.2 ms of CPU per request, a tenth of what the
    crawler itself spends). Like any production server it sends each response without Nagle's delay
    (asyncio sets TCP_NODELAY): http.server wrote headers and body in two sends, and the body waited
    for the client's delayed ACK, ~40 ms per request."""
    import asyncio

    async def main() -> None:
        loop = asyncio.get_running_loop()
        responses: dict[bytes, bytes] = {}

        class Http(asyncio.Protocol):
            def connection_made(self, transport: asyncio.BaseTransport) -> None:
                self.transport, self.buf = transport, b""

            def data_received(self, data: bytes) -> None:
                self.buf += data
                while (end := self.buf.find(b"\r\n\r\n")) >= 0:  # GETs only: no request bodies
                    head, self.buf = self.buf[:end], self.buf[end + 4:]
                    parts = head.split(b" ", 2)
                    path = parts[1] if len(parts) > 2 else b""
                    response = responses.get(path, NOT_FOUND)
                    if delay and path.endswith(b".html"):
                        loop.call_later(delay, self.write, response)
                    else:
                        self.transport.write(response)

            def write(self, response: bytes) -> None:
                if not self.transport.is_closing():
                    self.transport.write(response)

        # a listen backlog of 5 (socketserver's default) dropped the SYNs of a crawler opening 16
        # connections at once, and each dropped one cost the client a 1 s retransmission
        server = await loop.create_server(Http, "127.0.0.1", 0, backlog=128)
        base = f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}"
        for path, (body, ctype) in build(base).items():
            responses[path.encode()] = _response(200, ctype, body)
        base_queue.put(base)
        await server.serve_forever()

    asyncio.run(main())


def start_static(build: Callable[[str], Routes], delay: float = 0.0) -> tuple[multiprocessing.Process, str]:
    """``serve_static`` in its own (forked) process, so it does not share the caller's GIL; returns
    (process, base URL). Stop it with ``process.terminate()``."""
    ctx = multiprocessing.get_context("fork")
    q = ctx.Queue()
    proc = ctx.Process(target=serve_static, args=(build, q, delay), daemon=True)
    proc.start()
    return proc, q.get(timeout=60)
