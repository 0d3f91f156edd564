"""A loopback HTTP server that trickles one part of its answer (status line, headers or body).

The slow part is sent one byte every ``interval`` seconds for ``count`` bytes, the rest at once,
so a client whose timeout only bounds each socket read never times out while the answer takes
``count * interval`` seconds. ``completed`` records, per connection, whether every byte could be
written (``False`` when the client hung up first).
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable
from types import TracebackType
from typing import Literal

Phase = Literal["status", "headers", "body"]
#: Builds the answer body from the request body.
Answer = Callable[[bytes], bytes]

_MAX_REQUEST = 64 * 1024


class TrickleServer:
    """Answers every request with ``answer(request_body)``, trickling ``phase``. A context manager."""

    def __init__(
        self,
        answer: Answer,
        phase: Phase,
        *,
        count: int = 10,
        interval: float = 0.2,
        content_type: str = "application/ocsp-response",
    ) -> None:
        self._answer = answer
        self._phase = phase
        self._count = count
        self._interval = interval
        self._content_type = content_type
        self.completed: list[bool] = []
        self._stop = threading.Event()
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.05)
        self._threads: list[threading.Thread] = []
        self._acceptor = threading.Thread(target=self._accept, name="trickle-accept", daemon=True)

    @property
    def url(self) -> str:
        """``http://127.0.0.1:<port>/``."""
        return f"http://127.0.0.1:{self._listener.getsockname()[1]}/"

    def __enter__(self) -> TrickleServer:
        self._acceptor.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, value: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._stop.set()
        self._acceptor.join(5)
        for thread in self._threads:
            thread.join(5)
        self._listener.close()

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            thread = threading.Thread(target=self._serve, args=(conn,), name="trickle-conn", daemon=True)
            self._threads.append(thread)
            thread.start()

    def _serve(self, conn: socket.socket) -> None:
        with conn:
            conn.settimeout(5)
            try:
                body = self._read_request(conn)
            except OSError:
                return
            payload = self._answer(body)
            parts = {
                "status": b"HTTP/1.0 200 OK\r\n",
                "headers": (f"Content-Type: {self._content_type}\r\nContent-Length: {len(payload)}\r\n"
                            "X-Padding: trickle-trickle-trickle\r\n\r\n").encode("ascii"),
                "body": payload,
            }
            self.completed.append(self._send(conn, parts))

    def _send(self, conn: socket.socket, parts: dict[str, bytes]) -> bool:
        try:
            for name, data in parts.items():
                if name != self._phase:
                    conn.sendall(data)
                    continue
                slow, rest = data[: self._count], data[self._count :]
                for index in range(len(slow)):
                    if self._stop.wait(self._interval):
                        return False
                    conn.sendall(slow[index : index + 1])
                conn.sendall(rest)
        except OSError:
            return False
        return True

    @staticmethod
    def _read_request(conn: socket.socket) -> bytes:
        data = b""
        deadline = time.monotonic() + 5
        while b"\r\n\r\n" not in data:
            chunk = conn.recv(4096)
            if not chunk or len(data) > _MAX_REQUEST or time.monotonic() > deadline:
                raise OSError("incomplete request")
            data += chunk
        head, _, body = data.partition(b"\r\n\r\n")
        length = 0
        for line in head.split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value.strip())
        while len(body) < min(length, _MAX_REQUEST):
            chunk = conn.recv(4096)
            if not chunk:
                break
            body += chunk
        return body
