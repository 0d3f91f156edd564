"""A deterministic test PKI shaped like the Belgian eID one.

One :class:`TestPki` is one chain generation: a root CA, a "Citizen CA" under
it, the RRN certificate (under the root; it signs the identity and address
files), a delegated OCSP responder issued by the Citizen CA, and per-card
authentication and non-repudiation certificates. Profile ``"1.7"`` builds an
RSA-2048 chain signed with SHA-256, ``"1.8"`` an EC P-384 chain signed with
ECDSA-SHA384, as the real generations are (spec ``beid-card.md`` §6.2).

Everything follows from the seed: EC keys come from
:func:`~cryptography.hazmat.primitives.asymmetric.ec.derive_private_key`, RSA
primes from a SHA-256 counter-mode stream with our own Miller-Rabin test, ECDSA
signatures are deterministic (RFC 6979) and dates are fixed, so the same seed
gives byte-identical certificates. RSA key generation in pure Python takes a
moment, so keys are cached on disk under
``$EIDLIB_CACHE_DIR/pki/<seed hash>/`` (default ``~/.cache/eidlib``) and in
memory; certificates are cheap and rebuilt from the keys, so a cached key can
never carry a stale certificate profile.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
import os
import re
import tempfile
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Literal, NamedTuple

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.asymmetric.types import CertificatePublicKeyTypes
from cryptography.x509 import ocsp
from cryptography.x509.oid import AuthorityInformationAccessOID, ExtendedKeyUsageOID, NameOID, ObjectIdentifier

from eidlib.emulator.image import PrivateKey, Profile
from eidlib.emulator.persona import Persona
from eidlib.errors import EidError

#: Environment variable that moves the on-disk cache (``<dir>/pki/<seed hash>/``).
CACHE_ENV = "EIDLIB_CACHE_DIR"
DEFAULT_SEED = "eidlib-test"
DEFAULT_OCSP_URL = "http://127.0.0.1:8888"
DEFAULT_REPOSITORY_URL = "http://127.0.0.1:8889"

#: Belgian certificate policy OIDs of the Root CA4 generation (auth-protocol.md §3.4),
#: which the EC test cards use too.
POLICY_ROOT = ObjectIdentifier("2.16.56.12.1.1")
POLICY_CITIZEN_CA = ObjectIdentifier("2.16.56.12.1.1.2")
POLICY_CITIZEN_AUTH = ObjectIdentifier("2.16.56.12.1.1.2.2")
POLICY_CITIZEN_SIGN = ObjectIdentifier("2.16.56.12.1.1.2.1")
POLICY_RRN = ObjectIdentifier("2.16.56.12.1.1.4")

#: qcStatements extension and the ETSI QcCompliance statement (signature certificate only).
OID_QC_STATEMENTS = ObjectIdentifier("1.3.6.1.5.5.7.1.3")
OID_QC_COMPLIANCE = ObjectIdentifier("0.4.0.1862.1.1")
#: DER of ``SEQUENCE { SEQUENCE { OID 0.4.0.1862.1.1 } }`` as on real signature certificates.
QC_STATEMENTS_DER = bytes.fromhex("300a3008060604008e460101")
#: Netscape certificate type, present on the RSA-generation card certificates.
OID_NETSCAPE_CERT_TYPE = ObjectIdentifier("2.16.840.1.113730.1.1")
NETSCAPE_SSL_CLIENT_SMIME = bytes.fromhex("030205a0")
NETSCAPE_SMIME = bytes.fromhex("03020520")

_KEY_DERIVATION_VERSION = "eidlib-pki-v1"
_CHAIN_START = dt.datetime(2020, 1, 1, tzinfo=dt.timezone.utc)
_ROOT_END = dt.datetime(2060, 1, 1, tzinfo=dt.timezone.utc)
_CA_END = dt.datetime(2050, 1, 1, tzinfo=dt.timezone.utc)
_RSA_BITS = 2048
_CN_MAX = 64
_P384_ORDER = int(
    "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFC7634D81F4372DDF581A0DB248B0A77AECEC196ACCC52973", 16
)
_P256_ORDER = int("FFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551", 16)
#: The EC curves a card key may be on, with their group orders.
_EC_CURVES: dict[str, tuple[ec.EllipticCurve, int]] = {
    "p384": (ec.SECP384R1(), _P384_ORDER),
    "p256": (ec.SECP256R1(), _P256_ORDER),
}
#: Applet 1.1 cards carry RSA-1024 keys (spec §6.2).
_RSA_1024_BITS = 1024
_RSA_EXPONENT = 65537
_MILLER_RABIN_ROUNDS = 8

KeyKind = Literal["rsa2048", "p384", "p256", "rsa1024"]
CrlIssuer = Literal["citizen_ca", "root"]
OcspStatus = Literal["good", "revoked", "unknown"]


class PkiError(EidError):
    """The test PKI cannot do what was asked (bad parameter, unusable cache)."""


@dataclass(frozen=True)
class CertifiedKey:
    """A certificate with its private key."""

    certificate: x509.Certificate
    private_key: PrivateKey

    def cert_der(self) -> bytes:
        """The certificate, DER-encoded."""
        return self.certificate.public_bytes(serialization.Encoding.DER)

    def cert_pem(self) -> bytes:
        """The certificate, PEM-encoded."""
        return self.certificate.public_bytes(serialization.Encoding.PEM)

    def key_pem(self) -> bytes:
        """The private key as unencrypted PKCS#8 PEM (test keys only)."""
        return self.private_key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )


class CardCertificates(NamedTuple):
    """What :meth:`TestPki.issue_card_certificates` returns (unpackable as a 4-tuple)."""

    auth_cert: x509.Certificate
    auth_key: PrivateKey
    sign_cert: x509.Certificate
    sign_key: PrivateKey


@dataclass(frozen=True)
class PkiUrls:
    """The URLs written into the certificates (tests point them at local servers).

    ``ocsp_url`` and ``crl_url`` (the Citizen CA's CRL) go into the card
    certificates; ``root_crl_url`` into the CA and RRN certificates;
    ``ca_issuers_url`` (where the Citizen CA certificate is published) and
    ``root_cert_url`` into the AIA extensions.
    """

    ocsp_url: str
    crl_url: str
    root_crl_url: str
    ca_issuers_url: str
    root_cert_url: str
    cps_url: str

    @classmethod
    def local(cls, profile: Profile, *, ocsp_url: str = DEFAULT_OCSP_URL,
              repository_url: str = DEFAULT_REPOSITORY_URL) -> PkiUrls:
        """Defaults under a local repository, with per-generation file names."""
        suffix = _key_kind(profile)
        base = repository_url.rstrip("/")
        return cls(
            ocsp_url=ocsp_url,
            crl_url=f"{base}/crl/citizenca-{suffix}.crl",
            root_crl_url=f"{base}/crl/root-{suffix}.crl",
            ca_issuers_url=f"{base}/certs/citizenca-{suffix}.crt",
            root_cert_url=f"{base}/certs/root-{suffix}.crt",
            cps_url=f"{base}/cps",
        )


@dataclass(frozen=True)
class PkiFiles:
    """Paths written by :meth:`TestPki.export`."""

    root: Path
    citizen_ca: Path
    ca_chain: Path
    rrn: Path
    ocsp_responder_cert: Path
    ocsp_responder_key: Path


def cache_root() -> Path:
    """The base cache directory (``$EIDLIB_CACHE_DIR`` or ``~/.cache/eidlib``)."""
    configured = os.environ.get(CACHE_ENV)
    return Path(configured) if configured else Path.home() / ".cache" / "eidlib"


def seed_cache_dir(seed: str) -> Path:
    """Where the keys of ``seed`` are cached."""
    # The derivation version is hashed in, so a changed derivation never reads old keys.
    digest = hashlib.sha256(f"{_KEY_DERIVATION_VERSION}\0{seed}".encode()).hexdigest()
    return cache_root() / "pki" / digest[:24]


class SeedStream:
    """SHA-256 in counter mode over (version, seed, label): a reproducible byte stream."""

    def __init__(self, seed: str, label: str) -> None:
        self._key = hashlib.sha256(f"{_KEY_DERIVATION_VERSION}\0{seed}\0{label}".encode()).digest()
        self._counter = 0

    def read(self, count: int) -> bytes:
        """The next ``count`` bytes."""
        out = bytearray()
        while len(out) < count:
            out += hashlib.sha256(self._key + self._counter.to_bytes(8, "big")).digest()
            self._counter += 1
        return bytes(out[:count])

    def integer(self, bits: int) -> int:
        """The next non-negative integer of at most ``bits`` bits."""
        return int.from_bytes(self.read((bits + 7) // 8), "big") >> (-bits % 8)


def _small_primes(limit: int) -> tuple[int, ...]:
    sieve = bytearray([1]) * limit
    sieve[0:2] = b"\x00\x00"
    for number in range(2, math.isqrt(limit) + 1):
        if sieve[number]:
            sieve[number * number :: number] = bytes(len(range(number * number, limit, number)))
    return tuple(i for i in range(3, limit) if sieve[i])


_SMALL_PRIMES = _small_primes(2048)


def is_probable_prime(candidate: int, stream: SeedStream, rounds: int = _MILLER_RABIN_ROUNDS) -> bool:
    """Miller-Rabin with bases drawn from ``stream`` (after trial division by small primes)."""
    if candidate < 2:
        return False
    if candidate in (2, 3):
        return True
    if candidate % 2 == 0:
        return False
    for prime in _SMALL_PRIMES:
        if candidate == prime:
            return True
        if candidate % prime == 0:
            return False
    odd, twos = candidate - 1, 0
    while odd % 2 == 0:
        odd //= 2
        twos += 1
    bits = candidate.bit_length()
    for _ in range(rounds):
        base = 2 + stream.integer(bits) % (candidate - 3)
        value = pow(base, odd, candidate)
        if value in (1, candidate - 1):
            continue
        for _ in range(twos - 1):
            value = pow(value, 2, candidate)
            if value == candidate - 1:
                break
        else:
            return False
    return True


def _rsa_prime(stream: SeedStream, bits: int) -> int:
    while True:
        # Top two bits set so that p*q has exactly 2*bits bits; low bit set for oddness.
        candidate = stream.integer(bits) | (0b11 << (bits - 2)) | 1
        if (candidate - 1) % _RSA_EXPONENT == 0:
            continue
        if is_probable_prime(candidate, stream):
            return candidate


def derive_rsa_key(seed: str, label: str, bits: int = _RSA_BITS) -> rsa.RSAPrivateKey:
    """An RSA key that is a pure function of (seed, label)."""
    stream = SeedStream(seed, label)
    p = _rsa_prime(stream, bits // 2)
    q = _rsa_prime(stream, bits // 2)
    while q == p:
        q = _rsa_prime(stream, bits // 2)
    p, q = max(p, q), min(p, q)
    d = pow(_RSA_EXPONENT, -1, math.lcm(p - 1, q - 1))
    public = rsa.RSAPublicNumbers(_RSA_EXPONENT, p * q)
    numbers = rsa.RSAPrivateNumbers(
        p, q, d, rsa.rsa_crt_dmp1(d, p), rsa.rsa_crt_dmq1(d, q), rsa.rsa_crt_iqmp(p, q), public
    )
    return numbers.private_key()


def derive_ec_key(seed: str, label: str, kind: str = "p384") -> ec.EllipticCurvePrivateKey:
    """An EC key (P-384 by default, or ``kind="p256"``) that is a pure function of (seed, label)."""
    curve, order = _EC_CURVES[kind]
    # 64 extra bits make the reduction's bias negligible.
    scalar = 1 + SeedStream(seed, label).integer(curve.key_size + 64) % (order - 1)
    return ec.derive_private_key(scalar, curve)


_KEY_MEMO: dict[tuple[str, str, str], PrivateKey] = {}
_PKI_MEMO: dict[tuple[str, str, PkiUrls], TestPki] = {}
_LOCK = threading.RLock()
_SAFE_LABEL = re.compile(r"[^A-Za-z0-9._-]")


def clear_memory_cache() -> None:
    """Forget the keys and PKIs memoised in this process (the disk cache stays)."""
    with _LOCK:
        _KEY_MEMO.clear()
        _PKI_MEMO.clear()


def _key_kind(profile: Profile) -> KeyKind:
    if profile == "1.7":
        return "rsa2048"
    if profile == "1.8":
        return "p384"
    raise PkiError(f"unknown card profile {profile!r} (expected '1.7' or '1.8')")


def load_key(seed: str, label: str, kind: KeyKind) -> PrivateKey:
    """The key (seed, label, kind): from memory, else from the disk cache, else derived and cached."""
    memo_key = (seed, label, kind)
    with _LOCK:
        cached = _KEY_MEMO.get(memo_key)
        if cached is not None:
            return cached
        if kind in _EC_CURVES:
            # EC keys derive in microseconds: no disk round trip.
            ec_key = derive_ec_key(seed, label, kind)
            _KEY_MEMO[memo_key] = ec_key
            return ec_key
        if kind == "rsa1024":
            # Two 512-bit primes take milliseconds: not worth a cache file.
            small_key = derive_rsa_key(seed, label, _RSA_1024_BITS)
            _KEY_MEMO[memo_key] = small_key
            return small_key
        label_digest = hashlib.sha256(label.encode("utf-8")).hexdigest()[:8]
        path = seed_cache_dir(seed) / f"{_SAFE_LABEL.sub('_', label)}-{label_digest}.{kind}.pem"
        rsa_key = _read_cached_key(path)
        if rsa_key is None:
            rsa_key = derive_rsa_key(seed, label)
            _write_cached_key(path, rsa_key)
        _KEY_MEMO[memo_key] = rsa_key
        return rsa_key


def _read_cached_key(path: Path) -> rsa.RSAPrivateKey | None:
    try:
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except (OSError, ValueError, TypeError):
        return None
    if isinstance(key, rsa.RSAPrivateKey) and key.key_size == _RSA_BITS:
        return key
    return None


def _write_cached_key(path: Path, key: rsa.RSAPrivateKey) -> None:
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        # Write then rename, so that parallel test processes never read half a file.
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".pem")
    except OSError:
        # An unwritable cache only costs time: the key is derived again next run.
        return
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(pem)
        os.replace(temporary, path)
    except OSError:
        Path(temporary).unlink(missing_ok=True)


def _serial(seed: str, label: str) -> int:
    # 16 bytes starting with 0x10, like the serial numbers of real eID certificates.
    return (0x10 << 120) | SeedStream(seed, "serial/" + label).integer(120)


def _name(*attributes: tuple[ObjectIdentifier, str]) -> x509.Name:
    return x509.Name([x509.NameAttribute(oid, value) for oid, value in attributes])


def key_usage(*, digital_signature: bool = False, non_repudiation: bool = False,
              ca: bool = False) -> x509.KeyUsage:
    """A KeyUsage with the bits an eID certificate can carry (``ca``: keyCertSign and cRLSign)."""
    return x509.KeyUsage(
        digital_signature=digital_signature, content_commitment=non_repudiation, key_encipherment=False,
        data_encipherment=False, key_agreement=False, key_cert_sign=ca, crl_sign=ca,
        encipher_only=False, decipher_only=False,
    )


def signature_hash(issuer_key: PrivateKey) -> hashes.SHA256 | hashes.SHA384:
    """The hash a certificate or CRL signed by ``issuer_key`` uses: SHA-384 on P-384 and larger, else SHA-256."""
    if isinstance(issuer_key, ec.EllipticCurvePrivateKey) and issuer_key.curve.key_size >= 384:
        return hashes.SHA384()
    return hashes.SHA256()


def _signed(builder: x509.CertificateBuilder, issuer_key: PrivateKey) -> x509.Certificate:
    if isinstance(issuer_key, ec.EllipticCurvePrivateKey):
        return builder.sign(issuer_key, signature_hash(issuer_key), ecdsa_deterministic=True)
    return builder.sign(issuer_key, signature_hash(issuer_key))


def issue(subject: x509.Name, public_key: CertificatePublicKeyTypes, issuer: CertifiedKey | PrivateKey, *,
          serial: int, not_before: dt.datetime, not_after: dt.datetime, usage: x509.KeyUsage | None = None,
          eku: Sequence[ObjectIdentifier] = (), ca: bool | None = None, path_length: int | None = None,
          subject_key_id: bool = False, policy: ObjectIdentifier | None = None, cps_url: str | None = None,
          crl_url: str | None = None, ocsp_url: str | None = None, ca_issuers_url: str | None = None,
          extensions: Sequence[x509.ExtensionType] = ()) -> x509.Certificate:
    """One certificate for ``public_key``: the single certificate builder of the test PKI.

    ``issuer`` is the issuing CA, or the subject's own private key for a
    self-signed certificate. ``ca`` adds a critical BasicConstraints (``True``
    with ``path_length``, ``False`` for an end entity; ``None``: none);
    ``usage`` is critical; ``extensions`` (non-critical) come before
    BasicConstraints. Extensions are written in one fixed order, so equal
    arguments give equal bytes.
    """
    issuer_key = issuer.private_key if isinstance(issuer, CertifiedKey) else issuer
    issuer_name = issuer.certificate.subject if isinstance(issuer, CertifiedKey) else subject
    builder = (
        x509.CertificateBuilder().subject_name(subject).issuer_name(issuer_name).public_key(public_key)
        .serial_number(serial).not_valid_before(not_before).not_valid_after(not_after)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_key.public_key()), critical=False)
    )
    if subject_key_id:
        builder = builder.add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
    if usage is not None:
        builder = builder.add_extension(usage, critical=True)
    if policy is not None:
        qualifiers = [cps_url] if cps_url else None
        builder = builder.add_extension(x509.CertificatePolicies([x509.PolicyInformation(policy, qualifiers)]),
                                        critical=False)
    if eku:
        builder = builder.add_extension(x509.ExtendedKeyUsage(list(eku)), critical=False)
    if crl_url is not None:
        builder = builder.add_extension(x509.CRLDistributionPoints(
            [x509.DistributionPoint([x509.UniformResourceIdentifier(crl_url)], None, None, None)]), critical=False)
    locations = ((AuthorityInformationAccessOID.CA_ISSUERS, ca_issuers_url),
                 (AuthorityInformationAccessOID.OCSP, ocsp_url))
    access = [x509.AccessDescription(method, x509.UniformResourceIdentifier(url)) for method, url in locations if url]
    if access:
        builder = builder.add_extension(x509.AuthorityInformationAccess(access), critical=False)
    for extension in extensions:
        builder = builder.add_extension(extension, critical=False)
    if ca is not None:
        builder = builder.add_extension(x509.BasicConstraints(ca=ca, path_length=path_length if ca else None),
                                        critical=True)
    return _signed(builder, issuer_key)


def common_name(persona: Persona, role: str) -> str:
    """``"<first given name> <surname> (<role>)"``, the name cut so the CN fits 64 UTF-8 bytes.

    X.520 bounds the CN at 64 and ``cryptography`` counts UTF-8 bytes; the cut
    never splits a character.
    """
    suffix = f" ({role})"
    name = f"{persona.given_name} {persona.surname}".strip().encode("utf-8")
    kept = name[: _CN_MAX - len(suffix)].decode("utf-8", errors="ignore")
    return kept.rstrip() + suffix


def _start_of(day: dt.date) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, tzinfo=dt.timezone.utc)


class TestPki:
    """The deterministic test PKI of one card generation; build it with :meth:`load`."""

    __test__ = False  # not a pytest test class, despite the name

    def __init__(self, seed: str, profile: Profile, urls: PkiUrls) -> None:
        self.seed = seed
        self.profile: Profile = profile
        self.urls = urls
        self.key_kind: KeyKind = _key_kind(profile)
        self.root = self._build_root()
        self.citizen_ca = self._build_citizen_ca()
        self.rrn = self._build_rrn()
        self.ocsp_responder = self._build_ocsp_responder()

    @classmethod
    def load(cls, seed: str = DEFAULT_SEED, *, profile: Profile = "1.8", ocsp_url: str | None = None,
             crl_url: str | None = None, root_crl_url: str | None = None,
             ca_issuers_url: str | None = None, repository_url: str = DEFAULT_REPOSITORY_URL) -> TestPki:
        """The PKI for ``seed`` and ``profile`` (memoised per process, keys cached on disk).

        ``ocsp_url``/``crl_url``/``root_crl_url``/``ca_issuers_url`` override the
        defaults of :meth:`PkiUrls.local` (built from ``repository_url``).
        """
        urls = PkiUrls.local(profile, ocsp_url=ocsp_url or DEFAULT_OCSP_URL, repository_url=repository_url)
        overrides = {"crl_url": crl_url, "root_crl_url": root_crl_url, "ca_issuers_url": ca_issuers_url}
        urls = replace(urls, **{name: value for name, value in overrides.items() if value is not None})
        memo_key = (seed, profile, urls)
        with _LOCK:
            pki = _PKI_MEMO.get(memo_key)
            if pki is None:
                pki = cls(seed, profile, urls)
                _PKI_MEMO[memo_key] = pki
            return pki

    @property
    def signature_hash(self) -> hashes.HashAlgorithm:
        """The hash this chain signs with (SHA-256 for RSA, SHA-384 for EC); also the RRN file-signature hash."""
        return hashes.SHA256() if self.key_kind == "rsa2048" else hashes.SHA384()

    def key(self, label: str, kind: KeyKind | None = None) -> PrivateKey:
        """A deterministic key of this seed (``kind`` defaults to the chain's key type)."""
        return load_key(self.seed, label, kind or self.key_kind)

    def _issue(self, subject: x509.Name, key: PrivateKey, issuer: CertifiedKey | None, label: str,
               not_before: dt.datetime = _CHAIN_START, not_after: dt.datetime = _CA_END,
               **options: Any) -> CertifiedKey:
        serial = _serial(self.seed, f"{self.key_kind}/{label}")
        certificate = issue(subject, key.public_key(), issuer or key, serial=serial, not_before=not_before,
                            not_after=not_after, cps_url=self.urls.cps_url, **options)
        return CertifiedKey(certificate, key)

    def _generation_name(self) -> str:
        return "RSA" if self.key_kind == "rsa2048" else "EC"

    def _build_root(self) -> CertifiedKey:
        subject = _name((NameOID.COUNTRY_NAME, "BE"),
                        (NameOID.COMMON_NAME, f"eidlib TEST {self._generation_name()} Root CA"))
        return self._issue(subject, self.key("root"), None, "root", not_after=_ROOT_END, subject_key_id=True,
                           usage=key_usage(ca=True), policy=POLICY_ROOT, ca=True, path_length=1)

    def _build_citizen_ca(self) -> CertifiedKey:
        subject = _name((NameOID.COUNTRY_NAME, "BE"),
                        (NameOID.COMMON_NAME, f"eidlib TEST {self._generation_name()} Citizen CA"),
                        (NameOID.SERIAL_NUMBER, "202601"))
        # Real Citizen CAs restrict EKU to clientAuth + emailProtection; OCSPSigning is added
        # so that validators which chain EKUs accept the delegated OCSP responder below.
        eku = (ExtendedKeyUsageOID.CLIENT_AUTH, ExtendedKeyUsageOID.EMAIL_PROTECTION, ExtendedKeyUsageOID.OCSP_SIGNING)
        return self._issue(subject, self.key("citizen-ca"), self.root, "citizen-ca", subject_key_id=True,
                           usage=key_usage(ca=True), policy=POLICY_CITIZEN_CA, eku=eku,
                           crl_url=self.urls.root_crl_url, ca_issuers_url=self.urls.root_cert_url,
                           ca=True, path_length=0)

    def _build_rrn(self) -> CertifiedKey:
        subject = _name((NameOID.COUNTRY_NAME, "BE"), (NameOID.ORGANIZATION_NAME, "RRN"),
                        (NameOID.COMMON_NAME, f"eidlib TEST {self._generation_name()} RRN"))
        return self._issue(subject, self.key("rrn"), self.root, "rrn", subject_key_id=True,
                           usage=key_usage(digital_signature=True, non_repudiation=True), policy=POLICY_RRN,
                           crl_url=self.urls.root_crl_url, ca=False)

    def _build_ocsp_responder(self) -> CertifiedKey:
        subject = _name((NameOID.COUNTRY_NAME, "BE"),
                        (NameOID.COMMON_NAME, f"eidlib TEST {self._generation_name()} Citizen CA OCSP Responder"))
        return self._issue(subject, self.key("ocsp-responder"), self.citizen_ca, "ocsp-responder",
                           subject_key_id=True, usage=key_usage(digital_signature=True),
                           eku=(ExtendedKeyUsageOID.OCSP_SIGNING,), extensions=(x509.OCSPNoCheck(),), ca=False)

    def card_key(self, persona: Persona, role: str, profile: Profile | None = None,
                 kind: KeyKind | None = None) -> PrivateKey:
        """The deterministic key ``role`` (``auth``, ``sign``, ``basic``) of the card of ``persona``.

        ``kind`` overrides the profile's key type (a P-256 card, a re-keyed 1.7 card, an RSA-1024
        applet 1.1 card); the default kind keeps the labels, and so the keys, of earlier versions.
        """
        default = _key_kind(profile or self.profile)
        chosen = kind or default
        label = f"card/{persona.national_number}/{persona.card_number}/{role}"
        return load_key(self.seed, label if chosen == default else f"{label}/{chosen}", chosen)

    def issue_card_certificates(self, persona: Persona, profile: Profile | None = None,
                                key_kind: KeyKind | None = None) -> CardCertificates:
        """Authentication and non-repudiation certificates (and keys) for the card of ``persona``.

        The card keys follow ``profile`` (RSA-2048 on 1.7, P-384 on 1.8; default
        the PKI's profile) unless ``key_kind`` names another type; they are issued by this
        PKI's Citizen CA and valid over the card's validity period.
        """
        card_profile: Profile = profile or self.profile
        auth_key = self.card_key(persona, "auth", card_profile, key_kind)
        sign_key = self.card_key(persona, "sign", card_profile, key_kind)
        auth = self._card_certificate(persona, card_profile, auth_key, "Authentication")
        sign = self._card_certificate(persona, card_profile, sign_key, "Signature")
        return CardCertificates(auth, auth_key, sign, sign_key)

    def _card_certificate(self, persona: Persona, profile: Profile, key: PrivateKey,
                          role: Literal["Authentication", "Signature"]) -> x509.Certificate:
        attributes = [(NameOID.COUNTRY_NAME, "BE"), (NameOID.COMMON_NAME, common_name(persona, role)),
                      (NameOID.SURNAME, persona.surname)]
        if persona.first_names.strip():
            attributes.append((NameOID.GIVEN_NAME, persona.first_names))
        attributes.append((NameOID.SERIAL_NUMBER, persona.national_number))
        subject = _name(*attributes)
        label = f"card/{persona.national_number}/{persona.card_number}/{profile}/{role}"
        not_before = _start_of(persona.validity_begin)
        not_after = _start_of(persona.validity_end) + dt.timedelta(hours=23, minutes=59, seconds=59)
        authentication = role == "Authentication"
        extensions: list[x509.ExtensionType] = []
        if not authentication:
            extensions.append(x509.UnrecognizedExtension(OID_QC_STATEMENTS, QC_STATEMENTS_DER))
        if profile == "1.7":
            cert_type = NETSCAPE_SSL_CLIENT_SMIME if authentication else NETSCAPE_SMIME
            extensions.append(x509.UnrecognizedExtension(OID_NETSCAPE_CERT_TYPE, cert_type))
        return self._issue(
            subject, key, self.citizen_ca, label, not_before, not_after,
            policy=POLICY_CITIZEN_AUTH if authentication else POLICY_CITIZEN_SIGN,
            usage=key_usage(digital_signature=authentication, non_repudiation=not authentication),
            eku=(ExtendedKeyUsageOID.CLIENT_AUTH,) if authentication else (), crl_url=self.urls.crl_url,
            ca_issuers_url=self.urls.ca_issuers_url, ocsp_url=self.urls.ocsp_url, extensions=extensions,
        ).certificate

    def make_crl(self, revoked_serials: Iterable[int] = (), *, issuer: CrlIssuer = "citizen_ca",
                 this_update: dt.datetime | None = None, next_update: dt.datetime | None = None,
                 crl_number: int = 1) -> x509.CertificateRevocationList:
        """A CRL of the Citizen CA (default) or the root revoking ``revoked_serials``.

        ``this_update`` defaults to five minutes ago, ``next_update`` to seven days later.
        """
        signer = self.citizen_ca if issuer == "citizen_ca" else self.root if issuer == "root" else None
        if signer is None:
            raise PkiError(f"unknown CRL issuer {issuer!r}")
        start = this_update or dt.datetime.now(dt.timezone.utc).replace(microsecond=0) - dt.timedelta(minutes=5)
        end = next_update or start + dt.timedelta(days=7)
        if end <= start:
            raise PkiError("next_update must be after this_update")
        builder = (
            x509.CertificateRevocationListBuilder()
            .issuer_name(signer.certificate.subject)
            .last_update(start)
            .next_update(end)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(signer.private_key.public_key()),
                           critical=False)
            .add_extension(x509.CRLNumber(crl_number), critical=False)
        )
        for serial in sorted(set(revoked_serials)):
            builder = builder.add_revoked_certificate(
                x509.RevokedCertificateBuilder().serial_number(serial).revocation_date(start).build()
            )
        if isinstance(signer.private_key, ec.EllipticCurvePrivateKey):
            return builder.sign(signer.private_key, signature_hash(signer.private_key), ecdsa_deterministic=True)
        return builder.sign(signer.private_key, signature_hash(signer.private_key))

    def make_ocsp_response(self, certificate: x509.Certificate, *, status: OcspStatus = "good",
                           revocation_time: dt.datetime | None = None, this_update: dt.datetime | None = None,
                           next_update: dt.datetime | None = None, nonce: bytes | None = None,
                           cert_id_hash: hashes.HashAlgorithm | None = None) -> ocsp.OCSPResponse:
        """A successful OCSP response about a card ``certificate``, signed by the delegated responder.

        The responder is identified by key hash and its certificate is included,
        as an ``openssl ocsp`` responder does. ``cert_id_hash`` must match the
        request's CertID hash (SHA-1 by default, as ``openssl ocsp`` sends).
        """
        if certificate.issuer != self.citizen_ca.certificate.subject:
            raise PkiError("the certificate was not issued by this PKI's Citizen CA")
        now = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
        produced = this_update or now - dt.timedelta(minutes=1)
        cert_status = {"good": ocsp.OCSPCertStatus.GOOD, "revoked": ocsp.OCSPCertStatus.REVOKED,
                       "unknown": ocsp.OCSPCertStatus.UNKNOWN}.get(status)
        if cert_status is None:
            raise PkiError(f"unknown OCSP status {status!r}")
        revoked = cert_status is ocsp.OCSPCertStatus.REVOKED
        builder = (
            ocsp.OCSPResponseBuilder()
            .add_response(
                cert=certificate, issuer=self.citizen_ca.certificate, algorithm=cert_id_hash or hashes.SHA1(),
                cert_status=cert_status, this_update=produced,
                next_update=next_update or produced + dt.timedelta(hours=1),
                revocation_time=(revocation_time or produced) if revoked else None,
                revocation_reason=None,
            )
            .responder_id(ocsp.OCSPResponderEncoding.HASH, self.ocsp_responder.certificate)
            .certificates([self.ocsp_responder.certificate])
        )
        if nonce is not None:
            builder = builder.add_extension(x509.OCSPNonce(nonce), critical=False)
        signing_hash = hashes.SHA384() if self.key_kind == "p384" else hashes.SHA256()
        return builder.sign(self.ocsp_responder.private_key, signing_hash)

    def trust_anchor_pem(self) -> bytes:
        """The root certificate, PEM (what a relying party trusts)."""
        return self.root.cert_pem()

    def write_trust_anchors(self, directory: str | Path) -> Path:
        """Write the root as ``root-<kind>.pem`` into ``directory`` (created if needed); returns its path."""
        target = Path(directory)
        target.mkdir(parents=True, exist_ok=True)
        path = target / f"root-{self.key_kind}.pem"
        path.write_bytes(self.trust_anchor_pem())
        return path

    def export(self, directory: str | Path) -> PkiFiles:
        """Write every certificate and the OCSP responder key (PEM) for external tools such as ``openssl ocsp``.

        Files are suffixed with the key kind so that both generations can share a directory.
        """
        target = Path(directory)
        target.mkdir(parents=True, exist_ok=True)
        suffix = self.key_kind
        files = PkiFiles(
            root=target / f"root-{suffix}.pem",
            citizen_ca=target / f"citizenca-{suffix}.pem",
            ca_chain=target / f"ca-chain-{suffix}.pem",
            rrn=target / f"rrn-{suffix}.pem",
            ocsp_responder_cert=target / f"ocsp-responder-{suffix}.pem",
            ocsp_responder_key=target / f"ocsp-responder-{suffix}.key",
        )
        files.root.write_bytes(self.root.cert_pem())
        files.citizen_ca.write_bytes(self.citizen_ca.cert_pem())
        files.ca_chain.write_bytes(self.citizen_ca.cert_pem() + self.root.cert_pem())
        files.rrn.write_bytes(self.rrn.cert_pem())
        files.ocsp_responder_cert.write_bytes(self.ocsp_responder.cert_pem())
        key_fd = os.open(files.ocsp_responder_key, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(key_fd, "wb") as out:
            out.write(self.ocsp_responder.key_pem())
        return files
