"""OCSP responders for tests, on 127.0.0.1 only.

* :class:`OpensslOcspResponder` answers with OpenSSL's own responder (``openssl ocsp -index ...``),
  independent of eidlib. OpenSSL 3.0's ``-port`` takes only a number and listens on every
  interface, so the responder runs in OpenSSL's file mode instead (``-reqin``/``-respout``), one
  ``openssl ocsp`` process per request (started and waited for by PID), behind a small HTTP front
  bound to 127.0.0.1.
* :class:`OcspTestServer` serves whatever a Python handler returns, for the malformed answers
  OpenSSL will not produce; :func:`build_response` and :func:`with_extra_single_response` build
  them with ``cryptography`` (and ``asn1crypto`` for two SingleResponses).

Usable with any CA: the virtual card's ``eidlib.emulator.pki.TestPki`` (``citizen_ca``,
``ocsp_responder``) or a PKI built in a test.
"""

from __future__ import annotations

import datetime as dt
import http.server
import os
import shutil
import subprocess
import tempfile
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Literal

from asn1crypto import ocsp as asn1_ocsp
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15
from cryptography.x509 import ocsp

if TYPE_CHECKING:
    from eidlib.emulator.pki import TestPki

PrivateKey = rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey
OPENSSL = shutil.which("openssl") or "openssl"
_REQUEST_TIMEOUT = 30.0


# --------------------------------------------------------------------------- HTTP front


@dataclass(frozen=True)
class HttpReply:
    """What a test handler answers: status, body and Content-Type."""

    body: bytes
    status: int = 200
    content_type: str = "application/ocsp-response"


#: A handler gets (method, path, request body) and returns a reply, or ``None`` to never answer.
Handler = Callable[[str, str, bytes], "HttpReply | None"]


class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False

    def __init__(self, handler: Handler, release: threading.Event) -> None:
        self.test_handler = handler
        self.release = release
        self.requests: list[bytes] = []
        super().__init__(("127.0.0.1", 0), _RequestHandler)


class _RequestHandler(http.server.BaseHTTPRequestHandler):
    server: _Server

    def log_message(self, format: str, *args: object) -> None:
        return None

    def _answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        self.server.requests.append(body)
        reply = self.server.test_handler(self.command, self.path, body)
        if reply is None:
            # Never answer: hold the connection until the server stops (the client times out).
            self.server.release.wait(_REQUEST_TIMEOUT)
            return
        self.send_response(reply.status)
        self.send_header("Content-Type", reply.content_type)
        self.send_header("Content-Length", str(len(reply.body)))
        self.end_headers()
        self.wfile.write(reply.body)

    do_GET = _answer
    do_POST = _answer


class OcspTestServer:
    """A loopback HTTP server calling ``handler`` for every request. Use as a context manager.

    ``url`` is ``http://127.0.0.1:<port>/``; ``requests`` holds the request bodies received.
    """

    def __init__(self, handler: Handler) -> None:
        self._release = threading.Event()
        self._server = _Server(handler, self._release)
        self._thread = threading.Thread(target=self._serve, name="ocsp-test-server", daemon=True)
        self._started = False

    def _serve(self) -> None:
        # A short poll interval keeps stop() fast.
        self._server.serve_forever(poll_interval=0.05)

    @property
    def port(self) -> int:
        """The TCP port the server listens on."""
        return int(self._server.server_address[1])

    @property
    def url(self) -> str:
        """Base URL of the server."""
        return f"http://127.0.0.1:{self.port}/"

    @property
    def requests(self) -> list[bytes]:
        """Bodies of the requests received so far."""
        return self._server.requests

    def start(self) -> OcspTestServer:
        """Start serving (idempotent)."""
        if not self._started:
            self._thread.start()
            self._started = True
        return self

    def stop(self) -> None:
        """Stop serving and release any request being held."""
        self._release.set()
        if self._started:
            self._server.shutdown()
            self._thread.join(5)
        self._server.server_close()

    def __enter__(self) -> OcspTestServer:
        return self.start()

    def __exit__(
        self, kind: type[BaseException] | None, value: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()


# --------------------------------------------------------------------------- OpenSSL responder

IndexStatus = Literal["V", "R", "E"]


def _openssl_time(moment: dt.datetime) -> str:
    return moment.astimezone(dt.timezone.utc).strftime("%y%m%d%H%M%SZ")


@dataclass(frozen=True)
class IndexEntry:
    """One line of OpenSSL's CA database (``index.txt``): V valid, R revoked, E expired."""

    serial_number: int
    expires: dt.datetime
    status: IndexStatus = "V"
    revoked_at: dt.datetime | None = None
    reason: str | None = None
    subject: str = "/CN=unknown"

    @classmethod
    def for_certificate(
        cls,
        cert: x509.Certificate,
        status: IndexStatus = "V",
        *,
        revoked_at: dt.datetime | None = None,
        reason: str | None = None,
    ) -> IndexEntry:
        """The entry for ``cert``; revoked entries default to "revoked one day ago"."""
        if status == "R" and revoked_at is None:
            revoked_at = dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=1)
        # OpenSSL's responder looks entries up by serial only; the subject is informative.
        subject = f"/CN=serial {cert.serial_number:x}"
        return cls(cert.serial_number, cert.not_valid_after_utc, status, revoked_at, reason, subject)

    def line(self) -> str:
        """The tab-separated index.txt line."""
        revoked = ""
        if self.status == "R":
            moment = self.revoked_at or dt.datetime.now(dt.timezone.utc)
            revoked = _openssl_time(moment) + (f",{self.reason}" if self.reason else "")
        return "\t".join((self.status, _openssl_time(self.expires), revoked, f"{self.serial_number:X}", "unknown",
                          self.subject)) + "\n"


@dataclass
class OpensslOcspResponder:
    """OpenSSL's OCSP responder for certificates issued by ``ca_cert``.

    ``responder_cert``/``responder_key`` sign the answers: a delegated responder (OCSPSigning EKU,
    issued by ``ca_cert``) or the CA itself. Serials not in ``entries`` get status UNKNOWN.
    ``next_update_minutes`` sets nextUpdate (``None``: no nextUpdate). Use as a context manager;
    ``url`` is where to POST requests; ``pids`` lists the ``openssl`` processes that ran.
    """

    ca_cert: x509.Certificate
    responder_cert: x509.Certificate
    responder_key: PrivateKey
    entries: Iterable[IndexEntry] = ()
    next_update_minutes: int | None = 5
    pids: list[int] = field(default_factory=list, init=False)
    _dir: Path | None = field(default=None, init=False)
    _server: OcspTestServer | None = field(default=None, init=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False)
    _count: int = field(default=0, init=False)

    @classmethod
    def for_test_pki(
        cls,
        pki: TestPki,
        good: Iterable[x509.Certificate] = (),
        revoked: Iterable[x509.Certificate] = (),
        *,
        next_update_minutes: int | None = 5,
    ) -> OpensslOcspResponder:
        """A responder for the virtual card's test PKI, signing with its delegated OCSP responder.

        ``good`` and ``revoked`` are certificates issued by its Citizen CA; others are UNKNOWN.
        """
        entries = [IndexEntry.for_certificate(c) for c in good]
        entries += [IndexEntry.for_certificate(c, "R", reason="keyCompromise") for c in revoked]
        return cls(pki.citizen_ca.certificate, pki.ocsp_responder.certificate, pki.ocsp_responder.private_key,
                   entries, next_update_minutes=next_update_minutes)

    @property
    def url(self) -> str:
        """The responder URL (``http://127.0.0.1:<port>/``)."""
        if self._server is None:
            raise RuntimeError("the responder is not running")
        return self._server.url

    def __enter__(self) -> OpensslOcspResponder:
        self._dir = Path(tempfile.mkdtemp(prefix="eidlib-ocsp-"))
        (self._dir / "index.txt").write_text("".join(e.line() for e in self.entries))
        (self._dir / "index.txt.attr").write_text("unique_subject = no\n")
        (self._dir / "ca.pem").write_bytes(self.ca_cert.public_bytes(serialization.Encoding.PEM))
        (self._dir / "rsigner.pem").write_bytes(self.responder_cert.public_bytes(serialization.Encoding.PEM))
        key_path = self._dir / "rkey.pem"
        key_path.write_bytes(
            self.responder_key.private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            )
        )
        os.chmod(key_path, 0o600)
        self._server = OcspTestServer(self._handle).start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, value: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._server is not None:
            self._server.stop()
            self._server = None
        if self._dir is not None:
            shutil.rmtree(self._dir, ignore_errors=True)
            self._dir = None

    def _handle(self, method: str, path: str, body: bytes) -> HttpReply:
        if method != "POST" or self._dir is None:
            return HttpReply(b"POST only", status=405, content_type="text/plain")
        with self._lock:
            self._count += 1
            number = self._count
        request = self._dir / f"req-{number}.der"
        response = self._dir / f"resp-{number}.der"
        request.write_bytes(body)
        command = [
            OPENSSL, "ocsp",
            "-index", str(self._dir / "index.txt"),
            "-CA", str(self._dir / "ca.pem"),
            "-rsigner", str(self._dir / "rsigner.pem"),
            "-rkey", str(self._dir / "rkey.pem"),
            "-reqin", str(request),
            "-respout", str(response),
        ]
        if self.next_update_minutes is not None:
            command += ["-nmin", str(self.next_update_minutes)]
        return openssl_reply(command, response, self.pids)


def openssl_reply(
    command: list[str], output: Path, pids: list[int], content_type: str = "application/ocsp-response"
) -> HttpReply:
    """Run one ``openssl`` answer (``ocsp``, ``ts -reply``) and serve the file it wrote, or a 500.

    The process's pid goes into ``pids`` (stopped by pid, never by name); it gets at most
    :data:`_REQUEST_TIMEOUT` seconds.
    """
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    pids.append(process.pid)
    try:
        _, errors = process.communicate(timeout=_REQUEST_TIMEOUT)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
        return HttpReply(b"openssl timed out", status=500, content_type="text/plain")
    if process.returncode != 0 or not output.exists():
        return HttpReply(errors or b"openssl failed", status=500, content_type="text/plain")
    return HttpReply(output.read_bytes(), content_type=content_type)


# --------------------------------------------------------------------------- hand-made responses

NonceMode = Literal["echo", "none"]


def _sign_hash(key: PrivateKey) -> hashes.HashAlgorithm:
    return hashes.SHA384() if isinstance(key, ec.EllipticCurvePrivateKey) else hashes.SHA256()


def build_response(
    request_der: bytes,
    *,
    issuer: x509.Certificate,
    responder_cert: x509.Certificate,
    responder_key: PrivateKey,
    cert_status: ocsp.OCSPCertStatus = ocsp.OCSPCertStatus.GOOD,
    this_update: dt.datetime | None = None,
    next_update: dt.datetime | None = None,
    nonce: NonceMode | bytes = "echo",
    certificates: list[x509.Certificate] | None = None,
    responder_id: ocsp.OCSPResponderEncoding = ocsp.OCSPResponderEncoding.HASH,
    serial_number: int | None = None,
    revocation_time: dt.datetime | None = None,
    subject_cert: x509.Certificate | None = None,
) -> bytes:
    """A signed BasicOCSPResponse answering ``request_der``, with every field adjustable.

    ``subject_cert`` is the certificate asked about (needed by ``cryptography``'s builder; only
    its serial is used, replaced by ``serial_number`` when given). ``nonce``: "echo" copies the
    request nonce, "none" omits it, bytes sends those bytes. ``certificates`` defaults to
    ``[responder_cert]``; an empty list sends none.
    """
    request = ocsp.load_der_ocsp_request(request_der)
    now = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
    this = this_update or now - dt.timedelta(seconds=5)
    target = subject_cert if subject_cert is not None else _placeholder(issuer, request.serial_number)
    if serial_number is not None:
        target = _placeholder(issuer, serial_number)
    builder = ocsp.OCSPResponseBuilder().add_response(
        cert=target,
        issuer=issuer,
        algorithm=request.hash_algorithm,
        cert_status=cert_status,
        this_update=this,
        next_update=next_update if next_update is not None else this + dt.timedelta(minutes=10),
        revocation_time=(revocation_time or now - dt.timedelta(days=1))
        if cert_status is ocsp.OCSPCertStatus.REVOKED else None,
        revocation_reason=x509.ReasonFlags.key_compromise if cert_status is ocsp.OCSPCertStatus.REVOKED else None,
    )
    builder = builder.responder_id(responder_id, responder_cert)
    included = certificates if certificates is not None else [responder_cert]
    if included:
        builder = builder.certificates(included)
    if nonce == "echo":
        try:
            sent = request.extensions.get_extension_for_class(x509.OCSPNonce).value.nonce
            builder = builder.add_extension(x509.OCSPNonce(sent), critical=False)
        except x509.ExtensionNotFound:
            pass
    elif isinstance(nonce, bytes):
        builder = builder.add_extension(x509.OCSPNonce(nonce), critical=False)
    response = builder.sign(responder_key, _sign_hash(responder_key))
    return response.public_bytes(serialization.Encoding.DER)


def _placeholder(issuer: x509.Certificate, serial: int) -> x509.Certificate:
    """A throw-away certificate with ``serial`` "issued" by ``issuer`` (the builder wants one)."""
    key = ec.generate_private_key(ec.SECP256R1())
    now = dt.datetime.now(dt.timezone.utc)
    return (
        x509.CertificateBuilder()
        .subject_name(x509.Name([]))
        .issuer_name(issuer.subject)
        .public_key(key.public_key())
        .serial_number(serial)
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .sign(key, hashes.SHA256())
    )


def unsuccessful_response(status: ocsp.OCSPResponseStatus = ocsp.OCSPResponseStatus.TRY_LATER) -> bytes:
    """An OCSPResponse with an unsuccessful status and no body."""
    return ocsp.OCSPResponseBuilder.build_unsuccessful(status).public_bytes(serialization.Encoding.DER)


def _signature(key: PrivateKey, data: bytes) -> bytes:
    if isinstance(key, ec.EllipticCurvePrivateKey):
        return key.sign(data, ec.ECDSA(hashes.SHA384()))
    return key.sign(data, PKCS1v15(), hashes.SHA256())


def _reassemble(basic: asn1_ocsp.BasicOCSPResponse, tbs: asn1_ocsp.ResponseData, key: PrivateKey) -> bytes:
    new_basic = asn1_ocsp.BasicOCSPResponse(
        {
            "tbs_response_data": tbs,
            "signature_algorithm": basic["signature_algorithm"],
            "signature": _signature(key, tbs.dump(force=True)),
            "certs": basic["certs"],
        }
    )
    outer = asn1_ocsp.OCSPResponse(
        {
            "response_status": "successful",
            "response_bytes": {"response_type": "basic_ocsp_response", "response": new_basic},
        }
    )
    return bytes(outer.dump())


def resigned(response_der: bytes, key: PrivateKey) -> bytes:
    """``response_der`` with its signature replaced by one made with ``key`` (e.g. a wrong key)."""
    basic = asn1_ocsp.OCSPResponse.load(response_der)["response_bytes"]["response"].parsed
    tbs = asn1_ocsp.ResponseData.load(basic["tbs_response_data"].dump())
    return _reassemble(basic, tbs, key)


def with_extra_single_response(response_der: bytes, responder_key: PrivateKey, extra_serial: int) -> bytes:
    """``response_der`` with a second SingleResponse (a copy for ``extra_serial``), re-signed.

    ``cryptography``'s builder allows one SingleResponse only, so the structure is edited with
    ``asn1crypto``.
    """
    basic = asn1_ocsp.OCSPResponse.load(response_der)["response_bytes"]["response"].parsed
    tbs = basic["tbs_response_data"]
    first = asn1_ocsp.SingleResponse.load(tbs["responses"][0].dump())
    cert_id = first["cert_id"]
    second = asn1_ocsp.SingleResponse(
        {
            "cert_id": asn1_ocsp.CertId(
                {
                    "hash_algorithm": asn1_ocsp.CertId.load(cert_id.dump())["hash_algorithm"],
                    "issuer_name_hash": cert_id["issuer_name_hash"].native,
                    "issuer_key_hash": cert_id["issuer_key_hash"].native,
                    "serial_number": extra_serial,
                }
            ),
            "cert_status": asn1_ocsp.CertStatus.load(first["cert_status"].dump()),
            "this_update": first["this_update"].native,
            "next_update": first["next_update"].native,
        }
    )
    new_tbs = asn1_ocsp.ResponseData.load(tbs.dump())
    new_tbs["responses"] = asn1_ocsp.Responses([first, second])
    return _reassemble(basic, new_tbs, responder_key)
