"""A real RFC 3161 time-stamp authority for tests: ``openssl ts -reply`` behind an HTTP front on 127.0.0.1.

OpenSSL has no TSA server mode, so each request runs one ``openssl ts -reply`` process (started and
waited for by PID) on the request bytes, like :class:`tests.support.ocsp.OpensslOcspResponder`.
The TSA certificate is issued under the test PKI's root (critical EKU timeStamping, the root's
CRL distribution point), so validators can chain and revocation-check it.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import tempfile
import threading
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Literal

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from eidlib.emulator.pki import TestPki
from tests.support.ocsp import OPENSSL, HttpReply, OcspTestServer, PrivateKey, openssl_reply

#: How the front answers: a real token, garbage bytes, or never (the client times out).
TsaMode = Literal["ok", "garbage", "hang", "http-error"]


def issue_tsa_certificate(pki: TestPki) -> tuple[x509.Certificate, PrivateKey]:
    """A TSA certificate (P-256 key) issued by ``pki``'s root, with the root CRL as its CDP."""
    key = ec.generate_private_key(ec.SECP256R1())
    now = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
    root = pki.root
    builder = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COUNTRY_NAME, "BE"),
                                 x509.NameAttribute(NameOID.COMMON_NAME, "eidlib TEST Time Stamping Authority")]))
        .issuer_name(root.certificate.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=365))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=True, key_encipherment=False,
                                     data_encipherment=False, key_agreement=False, key_cert_sign=False,
                                     crl_sign=False, encipher_only=False, decipher_only=False), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(root.private_key.public_key()),
                       critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(x509.CRLDistributionPoints([x509.DistributionPoint(
            [x509.UniformResourceIdentifier(pki.urls.root_crl_url)], None, None, None)]), critical=False)
    )
    algorithm = hashes.SHA384() if isinstance(root.private_key, ec.EllipticCurvePrivateKey) else hashes.SHA256()
    return builder.sign(root.private_key, algorithm), key


_CONFIG = """\
[ tsa ]
default_tsa = tsa_config
[ tsa_config ]
dir = {dir}
serial = $dir/serial
crypto_device = builtin
signer_cert = $dir/tsa.pem
certs = $dir/chain.pem
signer_key = $dir/tsa.key
signer_digest = sha256
default_policy = 1.3.6.1.4.1.99999.1.1
other_policies = 1.3.6.1.4.1.99999.1.2
digests = sha256, sha384, sha512
accuracy = secs:1
ordering = yes
tsa_name = no
ess_cert_id_chain = no
ess_cert_id_alg = sha256
"""


@dataclass
class OpensslTsa:
    """The TSA; use as a context manager. ``url`` to POST to; ``mode`` may be changed while running."""

    certificate: x509.Certificate
    key: PrivateKey
    chain: list[x509.Certificate]
    mode: TsaMode = "ok"
    pids: list[int] = field(default_factory=list, init=False)
    answered: int = field(default=0, init=False)
    _dir: Path | None = field(default=None, init=False)
    _server: OcspTestServer | None = field(default=None, init=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False)
    _count: int = field(default=0, init=False)

    @classmethod
    def for_test_pki(cls, pki: TestPki) -> OpensslTsa:
        """A TSA whose certificate the test PKI's root issued."""
        certificate, key = issue_tsa_certificate(pki)
        return cls(certificate, key, [pki.root.certificate])

    @property
    def url(self) -> str:
        """``http://127.0.0.1:<port>/``."""
        if self._server is None:
            raise RuntimeError("the TSA is not running")
        return self._server.url

    @property
    def directory(self) -> Path:
        """Where the TSA keeps its files (``tsa.pem``, ``chain.pem``, ``tsa.cnf``)."""
        if self._dir is None:
            raise RuntimeError("the TSA is not running")
        return self._dir

    def __enter__(self) -> OpensslTsa:
        self._dir = Path(tempfile.mkdtemp(prefix="eidlib-tsa-"))
        (self._dir / "serial").write_text("01\n")
        (self._dir / "tsa.pem").write_bytes(self.certificate.public_bytes(serialization.Encoding.PEM))
        (self._dir / "chain.pem").write_bytes(
            b"".join(c.public_bytes(serialization.Encoding.PEM) for c in self.chain))
        key_path = self._dir / "tsa.key"
        key_path.write_bytes(self.key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
        os.chmod(key_path, 0o600)
        (self._dir / "tsa.cnf").write_text(_CONFIG.format(dir=self._dir))
        self._server = OcspTestServer(self._handle).start()
        return self

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None,
                 tb: TracebackType | None) -> None:
        if self._server is not None:
            self._server.stop()
            self._server = None
        if self._dir is not None:
            shutil.rmtree(self._dir, ignore_errors=True)
            self._dir = None

    def _handle(self, method: str, path: str, body: bytes) -> HttpReply | None:
        if self.mode == "hang":
            return None
        if self.mode == "garbage":
            return HttpReply(b"\x30\x03\x02\x01\x07 not a time stamp", content_type="application/timestamp-reply")
        if self.mode == "http-error" or method != "POST" or self._dir is None:
            return HttpReply(b"no", status=500, content_type="text/plain")
        with self._lock:
            self._count += 1
            number = self._count
        query = self._dir / f"req-{number}.tsq"
        reply = self._dir / f"resp-{number}.tsr"
        query.write_bytes(body)
        command = [OPENSSL, "ts", "-reply", "-config", str(self._dir / "tsa.cnf"),
                   "-queryfile", str(query), "-out", str(reply)]
        with self._lock:  # openssl ts updates the serial file: one process at a time
            answer = openssl_reply(command, reply, self.pids, "application/timestamp-reply")
        if answer.status == 200:
            self.answered += 1
        return answer
