"""Raw-socket HTTP servers on 127.0.0.1 for wire-level faults.

pytest-httpserver covers normal HTTP semantics; these helpers cover what a
well-behaved server library cannot do: trickle bytes, stall after the headers,
send less than Content-Length, or accept no connection at all.

Usage::

    with RawServer(trickle(b"<html>...", interval=0.2)) as server:
        fetcher.fetch(server.url("/page"))
        assert server.request_count == 1

A handler is ``handler(conn, request_head, server)`` and runs on its own thread
per connection; it must wait with ``server.stopping.wait(t)`` (never
``time.sleep``) so that closing the server ends it at once. Every canned
response says ``Connection: close`` and the connection is closed after the
handler returns.
"""

from __future__ import annotations

import contextlib
import selectors
import socket
import threading
from collections.abc import Callable, Iterator

Handler = Callable[[socket.socket, bytes, "RawServer"], None]


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on (bound, then released)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def http_head(status: int = 200, headers: dict[str, str] | list[tuple[str, str]] | None = None,
              reason: str | None = None) -> bytes:
    """A status line and header block (``Connection: close`` added)."""
    reasons = {200: "OK", 301: "Moved Permanently", 302: "Found", 404: "Not Found",
               429: "Too Many Requests", 500: "Internal Server Error", 503: "Service Unavailable"}
    items = list(headers.items()) if isinstance(headers, dict) else list(headers or [])
    if not any(k.lower() == "connection" for k, _ in items):
        items.append(("Connection", "close"))
    lines = [f"HTTP/1.1 {status} {reason or reasons.get(status, 'Status')}"]
    lines += [f"{k}: {v}" for k, v in items]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


def http_response(body: bytes = b"", status: int = 200, content_type: str = "text/html; charset=utf-8",
                  headers: dict[str, str] | None = None) -> bytes:
    """A complete response with a correct Content-Length."""
    all_headers = {"Content-Type": content_type, "Content-Length": str(len(body))}
    all_headers.update(headers or {})
    return http_head(status, all_headers) + body


class RawServer:
    """A threaded TCP server on 127.0.0.1 running ``handler`` for each connection.

    ``requests`` holds the request heads received (bytes, in order), so a test can
    assert how many requests arrived and what they carried.
    """

    def __init__(self, handler: Handler, *, host: str = "127.0.0.1") -> None:
        self.handler = handler
        self.stopping = threading.Event()
        self.requests: list[bytes] = []
        self.connections = 0
        self._lock = threading.Lock()
        self._threads: list[threading.Thread] = []
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        self._sock = socket.socket(family, socket.SOCK_STREAM)
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind((host, 0))
        self._sock.listen(64)
        self._sock.setblocking(False)
        self.host = host
        self.port = int(self._sock.getsockname()[1])
        self._acceptor = threading.Thread(target=self._accept_loop, name="raw-server", daemon=True)
        self._acceptor.start()

    @property
    def request_count(self) -> int:
        with self._lock:
            return len(self.requests)

    def url(self, path: str = "/") -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}{path}"

    def _accept_loop(self) -> None:
        with selectors.DefaultSelector() as sel:
            sel.register(self._sock, selectors.EVENT_READ)
            while not self.stopping.is_set():
                if not sel.select(timeout=0.05):
                    continue
                try:
                    conn, _ = self._sock.accept()
                except OSError:
                    continue
                with self._lock:
                    self.connections += 1
                thread = threading.Thread(target=self._serve, args=(conn,), daemon=True)
                self._threads.append(thread)
                thread.start()

    def _serve(self, conn: socket.socket) -> None:
        conn.setblocking(True)
        conn.settimeout(5)
        try:
            head = b""
            while b"\r\n\r\n" not in head and len(head) < 65536:
                data = conn.recv(4096)
                if not data:
                    return
                head += data
            with self._lock:
                self.requests.append(head)
            self.handler(conn, head, self)
        except OSError:
            pass
        finally:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)
            conn.close()

    def close(self) -> None:
        self.stopping.set()
        self._acceptor.join(timeout=2)
        self._sock.close()
        for thread in self._threads:
            thread.join(timeout=2)

    def __enter__(self) -> RawServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def path_of(request_head: bytes) -> str:
    """The request target of a request head (``/a?b``)."""
    line = request_head.split(b"\r\n", 1)[0].decode("latin-1")
    parts = line.split(" ")
    return parts[1] if len(parts) > 1 else ""


# Canned handlers ---------------------------------------------------------------------------

def respond(raw: bytes) -> Handler:
    """Send ``raw`` (a whole response) and close."""
    def handler(conn: socket.socket, head: bytes, server: RawServer) -> None:
        conn.sendall(raw)
    return handler


def trickle(body: bytes, interval: float, content_type: str = "text/html; charset=utf-8") -> Handler:
    """Headers with the true Content-Length, then the body one byte per ``interval``."""
    def handler(conn: socket.socket, head: bytes, server: RawServer) -> None:
        conn.sendall(http_head(200, {"Content-Type": content_type,
                                     "Content-Length": str(len(body))}))
        for i in range(len(body)):
            if server.stopping.wait(interval):
                return
            conn.sendall(body[i:i + 1])
    return handler


def in_parts(body: bytes, parts: int, pause: float, *, announce_length: bool = True,
             content_type: str = "text/html; charset=utf-8") -> Handler:
    """Headers (with the true Content-Length, or none: the body then ends when the
    connection closes), then the body in ``parts`` equal pieces, waiting ``pause``
    seconds before each: a slow download whose progress can be watched."""
    def handler(conn: socket.socket, head: bytes, server: RawServer) -> None:
        headers = {"Content-Type": content_type}
        if announce_length:
            headers["Content-Length"] = str(len(body))
        conn.sendall(http_head(200, headers))
        size = -(-len(body) // parts)
        for start in range(0, len(body), size):
            if server.stopping.wait(pause):
                return
            conn.sendall(body[start:start + size])
    return handler


def stall_after_headers(content_length: int = 1000) -> Handler:
    """Headers promising ``content_length`` bytes, then silence until the client
    gives up (or the server closes)."""
    def handler(conn: socket.socket, head: bytes, server: RawServer) -> None:
        conn.sendall(http_head(200, {"Content-Type": "text/html",
                                     "Content-Length": str(content_length)}))
        conn.settimeout(0.05)
        while not server.stopping.is_set():
            try:
                if conn.recv(1024) == b"":
                    return  # the client hung up
            except TimeoutError:
                continue
    return handler


def truncated(body: bytes, declared: int) -> Handler:
    """Headers declaring ``declared`` bytes, then only ``body``, then close."""
    def handler(conn: socket.socket, head: bytes, server: RawServer) -> None:
        conn.sendall(http_head(200, {"Content-Type": "text/html; charset=utf-8",
                                     "Content-Length": str(declared)}) + body)
    return handler


@contextlib.contextmanager
def blackhole() -> Iterator[tuple[str, int]]:
    """A listener whose backlog is full and never accepted: a connect to it hangs
    until the client's connect timeout (the loopback stand-in for a dropped SYN)."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen(0)
    address = listener.getsockname()
    fillers: list[socket.socket] = []
    try:
        for _ in range(3):
            filler = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            filler.setblocking(False)
            with contextlib.suppress(BlockingIOError, OSError):
                filler.connect(address)
            fillers.append(filler)
        yield str(address[0]), int(address[1])
    finally:
        for filler in fillers:
            filler.close()
        listener.close()
