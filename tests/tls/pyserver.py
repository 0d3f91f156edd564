"""A one-thread TLS server (Python's ssl, CERT_OPTIONAL) that records what each client presented."""

from __future__ import annotations

import contextlib
import socket
import ssl
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from types import TracebackType

from examples.portal.serverpki import ServerFiles


@dataclass
class Seen:
    """One accepted connection: TLS version, the client's DER certificate (or None), or the error."""

    version: str | None = None
    certificate: bytes | None = None
    error: str | None = None


@dataclass
class TlsTestServer:
    """Accepts connections on 127.0.0.1, requests a client certificate issued by ``client_cas``."""

    files: ServerFiles
    client_cas: Iterable[bytes]
    versions: tuple[ssl.TLSVersion, ssl.TLSVersion] = (ssl.TLSVersion.TLSv1_2, ssl.TLSVersion.TLSv1_3)
    request_certificate: bool = True
    seen: list[Seen] = field(default_factory=list)

    def __enter__(self) -> TlsTestServer:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(self.files.cert, self.files.key)
        context.minimum_version, context.maximum_version = self.versions
        if self.request_certificate:
            context.verify_mode = ssl.CERT_OPTIONAL
            for der in self.client_cas:
                context.load_verify_locations(cadata=der)
        self._context = context
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(20)
        self.port = self._listener.getsockname()[1]
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._stop = False
        self._thread.start()
        return self

    def _serve(self) -> None:
        while not self._stop:
            try:
                raw, _ = self._listener.accept()
            except OSError:
                return
            seen = Seen()
            try:
                raw.settimeout(20)
                with self._context.wrap_socket(raw, server_side=True) as conn:
                    seen.version = conn.version()
                    seen.certificate = conn.getpeercert(binary_form=True)
                    conn.recv(16)
                    conn.sendall(b"pong")
            except (OSError, ssl.SSLError) as exc:
                seen.error = repr(exc)
            self.seen.append(seen)

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None,
                 traceback: TracebackType | None) -> None:
        self._stop = True
        with contextlib.suppress(OSError):
            self._listener.shutdown(socket.SHUT_RDWR)  # wakes the accept() of the server thread
        self._listener.close()
        self._thread.join(timeout=25)
