"""Signing entries: ``sign_inprocess``, ``sign_pcsc`` and ``sign_pkcs11_opensc``.

Each signature made by eidlib is verified once with the card's certificate before the
timing starts, so a benchmark never times a path that returns garbage.
"""

from __future__ import annotations

from collections.abc import Callable

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa

from benchmarks.counting import Tally, counting
from benchmarks.entry import Entry
from benchmarks.errors import BenchmarkError
from benchmarks.timing import measure_group, ratio
from benchmarks.workload import HASH, PIN, Budget, Profile, bare_signer, message
from eidlib.apdu.pcsc import PcscTransport
from eidlib.card.session import BeidCard
from eidlib.emulator import VirtualTransport
from eidlib.opener import open_card
from eidlib.pkcs11 import open_token
from eidlib.token.ecdsa import ecdsa_raw_to_der

OPENSC_MODULE = "/usr/lib/x86_64-linux-gnu/opensc-pkcs11.so"
#: Signatures per counted pass (after one untimed signature: the steady state is counted).
COUNTED_SIGNATURES = 5
#: The issue's bound for eidlib's in-process signature over the bare ``cryptography`` call.
SIGN_TARGET = 1.15


def check_signature(certificate: bytes | None, profile: Profile, data: bytes, signature: bytes) -> None:
    """Raise :class:`BenchmarkError` unless ``signature`` (raw r||s for EC) verifies with the certificate."""
    if not certificate:
        raise BenchmarkError("the card has no authentication certificate")
    public = x509.load_der_x509_certificate(certificate).public_key()
    try:
        if isinstance(public, rsa.RSAPublicKey):
            public.verify(signature, data, padding.PKCS1v15(), hashes.SHA256())
        elif isinstance(public, ec.EllipticCurvePublicKey):
            public.verify(ecdsa_raw_to_der(signature), data, ec.ECDSA(hashes.SHA384()))
        else:
            raise BenchmarkError(f"unexpected key type {type(public).__name__}")
    except InvalidSignature as exc:
        raise BenchmarkError(f"the {profile} signature under test does not verify") from exc


def signer(card: BeidCard, profile: Profile) -> Callable[[], bytes]:
    """``card.sign`` of the login message, checked once."""
    data, hash_name = message(profile), HASH[profile]

    def sign() -> bytes:
        return card.sign(data, hash=hash_name)

    check_signature(card.read_certificates().authentication, profile, data, sign())
    return sign


def count_signatures(card: BeidCard, transport_tally: Callable[[], Tally], sign: Callable[[], bytes]) -> Tally:
    """The exchanges of :data:`COUNTED_SIGNATURES` steady-state signatures (one untimed first)."""
    sign()
    transport_tally()
    for _ in range(COUNTED_SIGNATURES):
        sign()
    return transport_tally()


def per_signature(tally: Tally) -> float:
    """APDUs per signature of a counted pass."""
    return tally.apdus / COUNTED_SIGNATURES


def inprocess_card(profile: Profile) -> tuple[BeidCard, object]:
    """A virtual card session with the PIN verified, and the card's authentication private key."""
    card = open_card(virtual=profile)
    transport = card.transport
    if not isinstance(transport, VirtualTransport):
        raise BenchmarkError("open_card(virtual=...) did not give the in-process transport")
    card.verify_pin(PIN)
    return card, transport.card.image.authentication_key


def sign_inprocess(profile: Profile, budget: Budget) -> Entry:
    """``BeidCard.sign`` on the in-process virtual card vs the bare ``cryptography`` signature."""
    card, key = inprocess_card(profile)
    try:
        subject = signer(card, profile)
        baseline = bare_signer(key, profile, message(profile))
        virtual = card.transport
        assert isinstance(virtual, VirtualTransport)
        before = virtual.card.apdu_count
        for _ in range(COUNTED_SIGNATURES):
            subject()
        apdus = (virtual.card.apdu_count - before) / COUNTED_SIGNATURES
        found = measure_group(
            {"eidlib": subject, "cryptography": baseline},
            rounds=budget.rounds, inner=budget.inner, warmup=budget.warmup,
        )
    finally:
        card.close()
    return Entry(
        name="sign_inprocess",
        profile=profile,
        kind="compare",
        path="BeidCard.sign, in-process virtual card, PIN verified",
        figures=found,
        ratio=ratio(found["eidlib"], found["cryptography"]),
        ratio_label="eidlib / bare cryptography",
        target=SIGN_TARGET,
        counts={
            "apdus_per_signature": apdus,
            "overhead_us_per_signature": (found["eidlib"].median - found["cryptography"].median) * 1e6,
        },
        note="authentication key, PIN verified; the login message signed RS256 on 1.7, ES384 on 1.8 "
        "(baseline: the same key, hash and padding in cryptography)",
    )


def sign_pcsc(profile: Profile, reader: str, budget: Budget) -> tuple[Entry, Tally]:
    """``BeidCard.sign`` through pcscd + vpcd vs the same call in process; also the exchanges counted."""
    counted = counting(PcscTransport(reader))
    with BeidCard(counted) as card:
        card.open()
        card.verify_pin(PIN)
        first = card.sign(message(profile), hash=HASH[profile])
        check_signature(card.read_certificates().authentication, profile, message(profile), first)
        tally = count_signatures(card, counted.reset, signer(card, profile))
    local, _ = inprocess_card(profile)
    remote = open_card(reader=reader)
    try:
        remote.verify_pin(PIN)
        found = measure_group(
            {"pcscd": signer(remote, profile), "in-process": signer(local, profile)},
            rounds=budget.rounds, inner=budget.inner, warmup=budget.warmup,
        )
    finally:
        remote.close()
        local.close()
    entry = Entry(
        name="sign_pcsc",
        profile=profile,
        kind="compare",
        path=f"BeidCard.sign via PcscTransport → pcscd → vpcd ({reader})",
        figures=found,
        ratio=ratio(found["pcscd"], found["in-process"]),
        ratio_label="pcscd / in-process",
        counts={
            "apdus_per_signature": per_signature(tally),
            "bytes_per_signature": (tally.bytes_sent + tally.bytes_received) / COUNTED_SIGNATURES,
        },
        details={"apdus_of_one_signature": tally.instruction_names()[: tally.apdus // COUNTED_SIGNATURES]},
        note="PIN verified once; APDUs counted with a counting transport wrapper",
    )
    return entry, tally


def sign_pkcs11_opensc(reader: str, card_apdus: Callable[[], int], budget: Budget) -> Entry:
    """OpenSC's PKCS#11 module on the virtual 1.7 card vs eidlib's direct path, same card and pcscd.

    ``card_apdus`` reads the card process's own APDU counter, so both paths are counted at the card.
    """
    profile: Profile = "1.7"
    data, hash_name = message(profile), HASH[profile]
    token = open_token(OPENSC_MODULE, reader=reader)
    direct = open_card(reader=reader)
    try:
        token.verify_pin(PIN)
        certificate = direct.read_certificates().authentication
        check_signature(certificate, profile, data, token.sign(data, hash=hash_name))
        direct.verify_pin(PIN)
        direct_sign = signer(direct, profile)

        def opensc_sign() -> bytes:
            return token.sign(data, hash=hash_name)

        counts: dict[str, float] = {}
        for label, fn in (("opensc", opensc_sign), ("eidlib_direct", direct_sign)):
            fn()
            before = card_apdus()
            for _ in range(COUNTED_SIGNATURES):
                fn()
            counts[f"apdus_per_signature_{label}"] = (card_apdus() - before) / COUNTED_SIGNATURES
        found = measure_group(
            {"OpenSC PKCS#11": opensc_sign, "eidlib direct": direct_sign},
            rounds=budget.rounds, inner=budget.inner, warmup=budget.warmup,
        )
    finally:
        direct.close()
        token.close()
    return Entry(
        name="sign_pkcs11_opensc",
        profile=profile,
        kind="compare",
        path=f"Pkcs11Token(OpenSC {OPENSC_MODULE.rsplit('/', 1)[-1]}).sign vs BeidCard.sign, same card ({reader})",
        figures=found,
        ratio=ratio(found["OpenSC PKCS#11"], found["eidlib direct"]),
        ratio_label="OpenSC / eidlib direct",
        counts=counts,
        note="APDUs counted by the card process; OpenSC 0.23 cannot sign with applet 1.8 (RSA only)",
    )
