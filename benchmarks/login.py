"""Login entries: ``authenticate`` (client, end to end) and ``validate`` (server throughput).

``validate`` answers revocation from the :class:`~eidlib.x509.RevocationChecker`'s OCSP cache: the cache is filled by
one real OCSP exchange whose response is signed by the virtual cards' test PKI responder
(:class:`PkiOcspClient`, no network), and every timed validation is then a cache hit.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.x509 import ocsp

from benchmarks.counting import Tally, counting
from benchmarks.entry import Entry
from benchmarks.errors import BenchmarkError
from benchmarks.timing import measure_group, ratio
from benchmarks.workload import NONCE, ORIGIN, PIN, Budget, Profile, bare_signer, message
from eidlib.apdu.pcsc import PcscTransport
from eidlib.apdu.transport import Transport
from eidlib.auth import AuthTokenValidator, ValidationPolicy, authenticate
from eidlib.card.session import BeidCard
from eidlib.emulator import VirtualCard, VirtualTransport
from eidlib.emulator.pki import TestPki
from eidlib.opener import open_card
from eidlib.token.ecdsa import ecdsa_raw_to_der
from eidlib.x509 import HttpResponse, RevocationChecker

#: Logins per counted pass.
COUNTED_LOGINS = 3
_LOOPBACK = ("127.0.0.1",)


def login(card: BeidCard) -> Callable[[], object]:
    """One ``authenticate()`` with ``card``: certificates, PIN status, VERIFY, signature, LOG OFF."""

    def run() -> object:
        return authenticate(PIN, challenge=NONCE, origin=ORIGIN, token=card)

    return run


def count_logins(transport: Transport) -> Tally:
    """The exchanges of :data:`COUNTED_LOGINS` logins after a first one (certificates then cached)."""
    counted = counting(transport)
    with BeidCard(counted) as card:
        card.open()
        run = login(card)
        run()
        counted.reset()
        for _ in range(COUNTED_LOGINS):
            run()
        return counted.reset()


def authenticate_entries(profile: Profile, reader: str | None, budget: Budget) -> tuple[list[Entry], Tally]:
    """``authenticate()`` in process vs the bare signature, and through pcscd (when ``reader`` is given)
    vs in process, measured interleaved in one group; plus the exchanges of one login.

    The exchanges are counted through pcscd when there is a reader, else in process.
    """
    local = open_card(virtual=profile)
    virtual = local.transport
    if not isinstance(virtual, VirtualTransport):
        raise BenchmarkError("open_card(virtual=...) did not give the in-process transport")
    remote = open_card(reader=reader) if reader is not None else None
    try:
        subjects: dict[str, Callable[[], object]] = {"in-process": login(local)}
        if remote is not None:
            subjects["pcscd"] = login(remote)
        subjects["bare signature"] = bare_signer(virtual.card.image.authentication_key, profile, message(profile))
        found = measure_group(subjects, rounds=budget.rounds, inner=budget.inner, warmup=budget.warmup)
    finally:
        local.close()
        if remote is not None:
            remote.close()
    tally = count_logins(PcscTransport(reader) if reader is not None else VirtualTransport(VirtualCard(profile)))
    apdus = tally.apdus / COUNTED_LOGINS
    names = tally.instruction_names()[: tally.apdus // COUNTED_LOGINS]
    note = "each login: PIN status, VERIFY, signature, LOG OFF, self-check of the signature"
    entries = [
        Entry(
            name="authenticate",
            profile=profile,
            kind="compare",
            path="eidlib.authenticate(pin, challenge, origin, token=card), in-process virtual card",
            figures={"in-process": found["in-process"], "bare signature": found["bare signature"]},
            ratio=ratio(found["in-process"], found["bare signature"]),
            ratio_label="in-process / bare signature",
            counts={"apdus_per_login": apdus},
            details={"apdus_of_one_login": names},
            note=note,
        )
    ]
    if "pcscd" in found:
        entries.append(
            Entry(
                name="authenticate",
                profile=profile,
                kind="compare",
                path=f"eidlib.authenticate through pcscd + vpcd ({reader})",
                figures={"pcscd": found["pcscd"], "in-process": found["in-process"]},
                ratio=ratio(found["pcscd"], found["in-process"]),
                ratio_label="pcscd / in-process",
                counts={"apdus_per_login": apdus},
                details={"apdus_of_one_login": names},
                note=note + "; APDUs counted through pcscd",
            )
        )
    return entries, tally


class PkiOcspClient:
    """An in-process OCSP responder for the virtual cards' PKI, as an :class:`eidlib.x509.HttpClient`.

    It answers with a real response signed by the PKI's delegated responder, echoing the
    request's nonce; :attr:`requests` counts how often it was asked.
    """

    def __init__(self, pki: TestPki, leaf: x509.Certificate) -> None:
        self.pki = pki
        self.leaf = leaf
        self.requests = 0

    def request(
        self,
        method: str,
        url: str,
        *,
        body: bytes | None = None,
        headers: Mapping[str, str] | None = None,
        timeout: float,
    ) -> HttpResponse:
        """Answer one OCSP POST about :attr:`leaf`."""
        self.requests += 1
        if method != "POST" or body is None:
            return HttpResponse(405, b"")
        request = ocsp.load_der_ocsp_request(body)
        try:
            nonce: bytes | None = request.extensions.get_extension_for_class(x509.OCSPNonce).value.nonce
        except x509.ExtensionNotFound:
            nonce = None
        response = self.pki.make_ocsp_response(self.leaf, nonce=nonce)
        return HttpResponse(200, response.public_bytes(serialization.Encoding.DER), "application/ocsp-response")


def _bare_check(leaf_der: bytes, ca: x509.Certificate, signature: bytes, data: bytes) -> Callable[[], None]:
    """What validation cannot avoid: parse the certificate, verify the token signature and the CA's."""

    def run() -> None:
        leaf = x509.load_der_x509_certificate(leaf_der)
        public = leaf.public_key()
        if isinstance(public, rsa.RSAPublicKey):
            public.verify(signature, data, padding.PKCS1v15(), hashes.SHA256())
        elif isinstance(public, ec.EllipticCurvePublicKey):
            public.verify(ecdsa_raw_to_der(signature), data, ec.ECDSA(hashes.SHA384()))
        else:
            raise BenchmarkError(f"unexpected key type {type(public).__name__}")
        leaf.verify_directly_issued_by(ca)

    return run


@dataclass
class Validation:
    """A validator primed for one token: :attr:`validate` (timed) and :attr:`bare` (the baseline)."""

    validate: Callable[[], object]
    bare: Callable[[], None]
    client: PkiOcspClient


def prepare_validation(profile: Profile) -> Validation:
    """A token from the virtual card and a validator whose OCSP cache already holds the answer."""
    with open_card(virtual=profile) as card:
        token = authenticate(PIN, challenge=NONCE, origin=ORIGIN, token=card)
        certificates = card.read_certificates()
    if not certificates.ca or not certificates.authentication:
        raise BenchmarkError("the virtual card lacks its CA or authentication certificate")
    leaf = x509.load_der_x509_certificate(certificates.authentication)
    ca = x509.load_der_x509_certificate(certificates.ca)
    client = PkiOcspClient(TestPki.load(profile=profile), leaf)
    checker = RevocationChecker(ocsp_hosts=_LOOPBACK, http=client, good_cache_ttl=3600.0)
    # The issuing CA as anchor, as Web eID recommends: no intermediate, so no CRL on the path.
    validator = AuthTokenValidator(policy=ValidationPolicy.create([certificates.ca], origin=ORIGIN, revocation=checker))
    serialized = token.to_json()
    validator.validate(serialized, NONCE)
    if client.requests != 1:
        raise BenchmarkError(f"priming the OCSP cache took {client.requests} requests")

    def validate() -> object:
        return validator.validate(serialized, NONCE)

    bare = _bare_check(certificates.authentication, ca, token.signature, message(profile))
    return Validation(validate, bare, client)


def validate_entry(profile: Profile, budget: Budget) -> Entry:
    """``AuthTokenValidator.validate`` throughput (OCSP from cache) vs signature + chain verification."""
    prepared = prepare_validation(profile)
    found = measure_group(
        {"validate": prepared.validate, "signature + chain": prepared.bare},
        rounds=budget.rounds, inner=budget.inner, warmup=budget.warmup,
    )
    if prepared.client.requests != 1:
        raise BenchmarkError("a timed validation missed the OCSP cache")
    return Entry(
        name="validate",
        profile=profile,
        kind="compare",
        path="AuthTokenValidator.validate(token JSON, nonce), CA anchor, OCSP answered from OcspCache",
        figures=found,
        ratio=ratio(found["validate"], found["signature + chain"]),
        ratio_label="validate / bare signature + chain check",
        counts={
            "tokens_per_second": found["validate"].per_second,
            "bare_checks_per_second": found["signature + chain"].per_second,
        },
        note=(
            "bare = parse the certificate, verify the token signature, verify the CA's signature on it "
            "(the validator may remember validated chains, so it can beat the bare check)"
        ),
    )
