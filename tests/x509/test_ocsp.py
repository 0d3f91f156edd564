"""RevocationChecker.check_leaf (OCSP) against OpenSSL's responder and hand-made malformed answers (127.0.0.1).

Most cases go through :func:`check_ocsp` below, which configures a checker the way the former
``check_ocsp`` function's keywords did (nonce echo required unless sending is off), so the same
assertions hold; the nonce policy's default (accept a fresh answer without a nonce) has its own tests.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Mapping
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509 import ocsp
from cryptography.x509.oid import ExtendedKeyUsageOID
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from eidlib.x509 import (
    CertificateRevoked,
    FetchError,
    HttpResponse,
    NoncePolicy,
    OcspCache,
    OcspError,
    OcspNonceMismatch,
    OcspNoResponder,
    OcspResponderNotAuthorized,
    OcspResponseInvalid,
    OcspResponseStale,
    OcspResponseUnsuccessful,
    OcspResult,
    OcspSignatureInvalid,
    OcspUnavailable,
    OcspUrlNotAllowed,
    RevocationChecker,
    RevocationError,
)
from eidlib.x509.fetch import BELGIAN_OCSP_HOSTS, url_host_allowed
from eidlib.x509.ocsp import DEFAULT_SKEW
from tests.support.ocsp import (
    HttpReply,
    IndexEntry,
    OcspTestServer,
    OpensslOcspResponder,
    build_response,
    resigned,
    unsuccessful_response,
    with_extra_single_response,
)
from tests.support.pki import NOW, Issued, Pki, issue, make_pki

LOCAL = frozenset({"127.0.0.1"})
_PKI = make_pki()


@pytest.fixture(scope="module")
def pki() -> Pki:
    return make_pki()


def _handler(pki: Pki, **options: Any) -> Callable[[str, str, bytes], HttpReply]:
    """A handler answering every request with build_response(request, **options)."""
    responder: Issued = options.pop("responder", pki.responder)
    key = options.pop("responder_key", responder.key)

    def handle(method: str, path: str, body: bytes) -> HttpReply:
        return HttpReply(
            build_response(body, issuer=pki.ca.cert, responder_cert=responder.cert, responder_key=key, **options)
        )

    return handle


def check_ocsp(
    leaf: Any,
    issuer: Any,
    *,
    now: dt.datetime | None = None,
    responder_url: str | None = None,
    allowed_hosts: Any = BELGIAN_OCSP_HOSTS,
    nonce: bool = True,
    nonce_disabled_hosts: Any = (),
    cache: OcspCache | None = None,
    allowed_skew: dt.timedelta | None = None,
    hash_algorithm: Any = None,
    **options: Any,
) -> OcspResult:
    """One OCSP check through a fresh RevocationChecker (no cache unless ``cache`` is given)."""
    strict = NoncePolicy(require=True) if nonce else NoncePolicy(send=False)
    checker = RevocationChecker(
        ocsp_url=responder_url, ocsp_hosts=allowed_hosts, nonce=strict, good_cache_ttl=0,
        nonce_by_host={host: NoncePolicy(send=False) for host in nonce_disabled_hosts},
        cert_id_hash=hash_algorithm, skew=allowed_skew or DEFAULT_SKEW, **options,
    )
    if cache is not None:
        checker.ocsp_cache = cache
    return checker.check_leaf(leaf, issuer, now=now)


def _check(pki: Pki, server: OcspTestServer, leaf: Issued | None = None, **options: Any) -> Any:
    return check_ocsp((leaf or pki.auth).der, pki.ca.der, responder_url=server.url, allowed_hosts=LOCAL,
                      timeout=options.pop("timeout", 5.0), **options)


# --------------------------------------------------------------------------- OpenSSL's responder


@pytest.fixture(scope="module")
def openssl_responder(pki: Pki) -> Any:
    revoked = issue("auth", "Revoked (Authentication)", pki.ca)
    entries = [
        IndexEntry.for_certificate(pki.auth.cert),
        IndexEntry.for_certificate(pki.sign.cert),
        IndexEntry.for_certificate(revoked.cert, "R", reason="keyCompromise"),
    ]
    with OpensslOcspResponder(pki.ca.cert, pki.responder.cert, pki.responder.key, entries) as responder:
        yield responder, revoked


@pytest.mark.ocsp
def test_openssl_good(pki: Pki, openssl_responder: Any) -> None:
    responder, _ = openssl_responder
    result = check_ocsp(pki.auth.der, pki.ca.der, responder_url=responder.url, allowed_hosts=LOCAL)
    assert result.serial_number == pki.auth.cert.serial_number
    assert result.nonce_checked
    assert not result.from_cache
    assert "Test OCSP Responder" in result.responder
    assert result.next_update is not None and result.next_update > result.this_update
    assert responder.pids, "openssl ocsp must have run"


@pytest.mark.ocsp
def test_openssl_revoked(pki: Pki, openssl_responder: Any) -> None:
    responder, revoked = openssl_responder
    with pytest.raises(CertificateRevoked) as info:
        check_ocsp(revoked.der, pki.ca.der, responder_url=responder.url, allowed_hosts=LOCAL)
    assert not info.value.unknown
    assert info.value.reason == "key_compromise"
    assert info.value.revocation_time is not None


@pytest.mark.ocsp
def test_openssl_unknown_counts_as_revoked(pki: Pki, openssl_responder: Any) -> None:
    responder, _ = openssl_responder
    stranger = issue("auth", "Stranger (Authentication)", pki.ca)
    with pytest.raises(CertificateRevoked) as info:
        check_ocsp(stranger.der, pki.ca.der, responder_url=responder.url, allowed_hosts=LOCAL)
    assert info.value.unknown


@pytest.mark.ocsp
def test_openssl_sha256_certid_and_no_nonce(pki: Pki, openssl_responder: Any) -> None:
    from cryptography.hazmat.primitives import hashes

    responder, _ = openssl_responder
    result = check_ocsp(pki.sign.der, pki.ca.der, responder_url=responder.url, allowed_hosts=LOCAL,
                        hash_algorithm=hashes.SHA256(), nonce=False)
    assert not result.nonce_checked


@pytest.mark.ocsp
def test_openssl_issuer_signed_and_aia_url(pki: Pki) -> None:
    """The CA answers itself; the URL comes from the leaf's AIA."""
    serial = x509.random_serial_number()
    entries = [IndexEntry(serial, NOW + dt.timedelta(days=30))]
    with OpensslOcspResponder(pki.ca.cert, pki.ca.cert, pki.ca.key, entries) as responder:
        leaf = issue("auth", "AIA (Authentication)", pki.ca, ocsp_url=responder.url, serial_number=serial)
        result = check_ocsp(leaf.der, pki.ca.der, allowed_hosts=LOCAL)
        assert result.url == responder.url
        assert "Test Citizen CA" in result.responder


@pytest.mark.ocsp
def test_openssl_cache(pki: Pki, openssl_responder: Any) -> None:
    responder, _ = openssl_responder
    ticks = [0.0]
    cache = OcspCache(ttl=30, clock=lambda: ticks[0])
    before = len(responder.pids)
    first = check_ocsp(pki.auth.der, pki.ca.der, responder_url=responder.url, allowed_hosts=LOCAL, cache=cache)
    second = check_ocsp(pki.auth.der, pki.ca.der, responder_url=responder.url, allowed_hosts=LOCAL, cache=cache)
    assert not first.from_cache and second.from_cache
    assert len(responder.pids) == before + 1
    ticks[0] = 31.0
    third = check_ocsp(pki.auth.der, pki.ca.der, responder_url=responder.url, allowed_hosts=LOCAL, cache=cache)
    assert not third.from_cache
    assert len(responder.pids) == before + 2


@pytest.mark.ocsp
def test_virtual_card_test_pki_with_openssl_responder() -> None:
    from eidlib.emulator.persona import Persona
    from eidlib.emulator.pki import TestPki

    for profile in ("1.8", "1.7"):
        test_pki = TestPki.load(profile=profile)
        auth, _, sign, _ = test_pki.issue_card_certificates(Persona.default())
        with OpensslOcspResponder.for_test_pki(test_pki, good=[auth], revoked=[sign]) as responder:
            ca = test_pki.citizen_ca.certificate
            result = check_ocsp(auth, ca, responder_url=responder.url, allowed_hosts=LOCAL)
            assert result.serial_number == auth.serial_number
            assert "OCSP Responder" in result.responder
            with pytest.raises(CertificateRevoked) as info:
                check_ocsp(sign, ca, responder_url=responder.url, allowed_hosts=LOCAL)
            assert info.value.reason == "key_compromise"


# --------------------------------------------------------------------------- our responder: malformed cases


def test_own_responder_good_by_name_and_by_hash(pki: Pki) -> None:
    for encoding in (ocsp.OCSPResponderEncoding.NAME, ocsp.OCSPResponderEncoding.HASH):
        with OcspTestServer(_handler(pki, responder_id=encoding)) as server:
            assert _check(pki, server).nonce_checked


def test_signer_not_first_is_found_by_responder_id(pki: Pki) -> None:
    unrelated = issue("ocsp", "Unrelated", issue("root", "Other Root"))
    for encoding in (ocsp.OCSPResponderEncoding.NAME, ocsp.OCSPResponderEncoding.HASH):
        handler = _handler(pki, responder_id=encoding, certificates=[unrelated.cert, pki.ca.cert, pki.responder.cert])
        with OcspTestServer(handler) as server:
            _check(pki, server)


@pytest.mark.parametrize(
    ("options", "error"),
    [
        ({"this_update": NOW - dt.timedelta(hours=1)}, OcspResponseStale),
        ({"this_update": NOW + dt.timedelta(hours=1)}, OcspResponseStale),
        ({"this_update": NOW - dt.timedelta(seconds=30), "next_update": NOW - dt.timedelta(minutes=1)},
         OcspResponseStale),
        ({"nonce": b"\x01" * 32}, OcspNonceMismatch),
        ({"nonce": "none"}, OcspNonceMismatch),
        ({"serial_number": 12345}, OcspResponseInvalid),
    ],
    ids=["stale", "future", "next-before-this", "wrong-nonce", "missing-nonce", "wrong-certid"],
)
def test_malformed_responses(pki: Pki, options: Mapping[str, Any], error: type[OcspError]) -> None:
    with OcspTestServer(_handler(pki, **options)) as server, pytest.raises(error):
        _check(pki, server)


def test_bad_signature(pki: Pki) -> None:
    wrong_key = ec.generate_private_key(ec.SECP256R1())

    def handle(method: str, path: str, body: bytes) -> HttpReply:
        good = build_response(body, issuer=pki.ca.cert, responder_cert=pki.responder.cert,
                              responder_key=pki.responder.key)
        return HttpReply(resigned(good, wrong_key))

    with OcspTestServer(handle) as server, pytest.raises(OcspSignatureInvalid):
        _check(pki, server)


def test_next_update_passed(pki: Pki) -> None:
    handler = _handler(pki, this_update=NOW - dt.timedelta(hours=3), next_update=NOW - dt.timedelta(hours=1))
    with OcspTestServer(handler) as server:
        with pytest.raises(OcspResponseStale, match="nextUpdate"):
            _check(pki, server, max_age=dt.timedelta(days=1))
        # With a big enough skew the same answer is acceptable: the window is what decides.
        _check(pki, server, max_age=dt.timedelta(days=1), allowed_skew=dt.timedelta(hours=2))


def test_missing_nonce_accepted_when_nonce_disabled(pki: Pki) -> None:
    with OcspTestServer(_handler(pki, nonce="none")) as server:
        assert not _check(pki, server, nonce=False).nonce_checked


def test_unauthorised_responders(pki: Pki) -> None:
    other_root = issue("root", "Other Root")
    self_signed = issue("root", "Self Responder")
    no_eku = issue("ocsp", "No EKU Responder", pki.ca, eku=(ExtendedKeyUsageOID.CLIENT_AUTH,))
    foreign = issue("ocsp", "Foreign Responder", issue("ca", "Test Citizen CA", other_root))
    expired = issue("ocsp", "Expired Responder", pki.ca, not_after=NOW - dt.timedelta(days=1))
    for responder in (self_signed, no_eku, foreign, expired):
        with OcspTestServer(_handler(pki, responder=responder)) as server, \
                pytest.raises(OcspResponderNotAuthorized):
            _check(pki, server)


def test_responder_not_in_response(pki: Pki) -> None:
    with OcspTestServer(_handler(pki, certificates=[])) as server, pytest.raises(OcspResponderNotAuthorized):
        _check(pki, server)


def test_issuer_signed_without_certificates(pki: Pki) -> None:
    with OcspTestServer(_handler(pki, responder=pki.ca, certificates=[])) as server:
        assert "Test Citizen CA" in _check(pki, server).responder


def test_two_single_responses(pki: Pki) -> None:
    def handle(method: str, path: str, body: bytes) -> HttpReply:
        good = build_response(body, issuer=pki.ca.cert, responder_cert=pki.responder.cert,
                              responder_key=pki.responder.key)
        return HttpReply(with_extra_single_response(good, pki.responder.key, extra_serial=777))

    with OcspTestServer(handle) as server, pytest.raises(OcspResponseInvalid, match="exactly one"):
        _check(pki, server)


def test_revoked_and_unknown_from_own_responder(pki: Pki) -> None:
    with OcspTestServer(_handler(pki, cert_status=ocsp.OCSPCertStatus.REVOKED)) as server:
        with pytest.raises(CertificateRevoked) as info:
            _check(pki, server)
        assert info.value.reason == "key_compromise"
    with OcspTestServer(_handler(pki, cert_status=ocsp.OCSPCertStatus.UNKNOWN)) as server:
        with pytest.raises(CertificateRevoked) as info:
            _check(pki, server)
        assert info.value.unknown


def test_unsuccessful_status(pki: Pki) -> None:
    with OcspTestServer(lambda m, p, b: HttpReply(unsuccessful_response())) as server:
        with pytest.raises(OcspResponseUnsuccessful) as info:
            _check(pki, server)
        assert info.value.status == "TRY_LATER"


def test_garbage_body(pki: Pki) -> None:
    with OcspTestServer(lambda m, p, b: HttpReply(b"\x30\x03garbage")) as server, \
            pytest.raises(OcspResponseInvalid):
        _check(pki, server)


def test_http_errors(pki: Pki) -> None:
    with OcspTestServer(lambda m, p, b: HttpReply(b"oops", status=500)) as server, \
            pytest.raises(OcspUnavailable, match="500"):
        _check(pki, server)
    redirect = HttpReply(b"", status=302, content_type="text/plain")
    with OcspTestServer(lambda m, p, b: redirect) as server, pytest.raises(OcspUnavailable):
        _check(pki, server)


def test_timeout_fires(pki: Pki) -> None:
    with OcspTestServer(lambda m, p, b: None) as server:
        started = time.monotonic()
        with pytest.raises(OcspUnavailable, match="timed out"):
            _check(pki, server, timeout=1.0)
        assert time.monotonic() - started < 4


def test_connection_refused(pki: Pki) -> None:
    server = OcspTestServer(lambda m, p, b: None)
    url = server.url
    server.stop()
    with pytest.raises(OcspUnavailable):
        check_ocsp(pki.auth.der, pki.ca.der, responder_url=url, allowed_hosts=LOCAL)


def test_host_not_in_allowlist_sends_nothing(pki: Pki) -> None:
    with OcspTestServer(_handler(pki)) as server:
        with pytest.raises(OcspUrlNotAllowed):
            check_ocsp(pki.auth.der, pki.ca.der, responder_url=server.url)
        with pytest.raises(OcspUrlNotAllowed):
            check_ocsp(pki.auth.der, pki.ca.der, responder_url=server.url, allowed_hosts={"localhost"})
        assert server.requests == []


def test_no_responder_url(pki: Pki) -> None:
    with pytest.raises(OcspNoResponder):
        check_ocsp(pki.ca.der, pki.root.der, allowed_hosts=LOCAL)


def test_belgian_allowlist_default_blocks_aia_elsewhere(pki: Pki) -> None:
    # pki.auth's AIA points at 127.0.0.1, which the Belgian default allowlist refuses.
    with pytest.raises(OcspUrlNotAllowed):
        check_ocsp(pki.auth.der, pki.ca.der)


def test_every_failure_is_a_revocation_error() -> None:
    for error in (OcspUnavailable, OcspResponseInvalid, OcspNonceMismatch, OcspUrlNotAllowed, CertificateRevoked):
        assert issubclass(error, RevocationError)


# --------------------------------------------------------------------------- injected HTTP, cache


class FakeHttp:
    """An HttpClient that answers from a function, without any network."""

    def __init__(self, answer: Callable[[bytes], HttpResponse]) -> None:
        self.answer = answer
        self.calls: list[tuple[str, str, float]] = []

    def request(self, method: str, url: str, *, body: bytes | None = None,
                headers: Mapping[str, str] | None = None, timeout: float) -> HttpResponse:
        self.calls.append((method, url, timeout))
        assert headers is not None and headers["Content-Type"] == "application/ocsp-request"
        return self.answer(body or b"")


def test_injected_http_client_and_timeout_passed(pki: Pki) -> None:
    def answer(body: bytes) -> HttpResponse:
        return HttpResponse(200, build_response(body, issuer=pki.ca.cert, responder_cert=pki.responder.cert,
                                                responder_key=pki.responder.key))

    fake = FakeHttp(answer)
    check_ocsp(pki.auth.der, pki.ca.der, responder_url="http://ocsp.eidpki.belgium.be/eid", http=fake, timeout=2.5)
    assert fake.calls == [("POST", "http://ocsp.eidpki.belgium.be/eid", 2.5)]


def test_fetch_error_maps_to_unavailable(pki: Pki) -> None:
    def fail(body: bytes) -> HttpResponse:
        raise FetchError("boom", timed_out=True)

    with pytest.raises(OcspUnavailable, match="boom"):
        check_ocsp(pki.auth.der, pki.ca.der, responder_url="http://ocsp.eid.belgium.be", http=FakeHttp(fail))


def test_cache_is_keyed_by_issuer_and_serial(pki: Pki) -> None:
    def answer(body: bytes) -> HttpResponse:
        return HttpResponse(200, build_response(body, issuer=pki.ca.cert, responder_cert=pki.responder.cert,
                                                responder_key=pki.responder.key))

    fake = FakeHttp(answer)
    cache = OcspCache(ttl=60)
    url = "http://ocsp.eid.belgium.be"
    check_ocsp(pki.auth.der, pki.ca.der, responder_url=url, http=fake, cache=cache)
    check_ocsp(pki.sign.der, pki.ca.der, responder_url=url, http=fake, cache=cache)
    assert check_ocsp(pki.auth.der, pki.ca.der, responder_url=url, http=fake, cache=cache).from_cache
    assert len(fake.calls) == 2 and len(cache) == 2
    cache.clear()
    assert len(cache) == 0


def test_cache_stores_only_good_and_respects_next_update(pki: Pki) -> None:
    status = [ocsp.OCSPCertStatus.REVOKED]

    def answer(body: bytes) -> HttpResponse:
        return HttpResponse(200, build_response(body, issuer=pki.ca.cert, responder_cert=pki.responder.cert,
                                                responder_key=pki.responder.key, cert_status=status[0]))

    cache = OcspCache(ttl=3600)
    url = "http://ocsp.eid.belgium.be"
    with pytest.raises(CertificateRevoked):
        check_ocsp(pki.auth.der, pki.ca.der, responder_url=url, http=FakeHttp(answer), cache=cache)
    assert len(cache) == 0
    status[0] = ocsp.OCSPCertStatus.GOOD
    result = check_ocsp(pki.auth.der, pki.ca.der, responder_url=url, http=FakeHttp(answer), cache=cache)
    assert result.next_update is not None
    later = result.next_update + dt.timedelta(seconds=1)
    fake = FakeHttp(answer)
    # Past the cached answer's nextUpdate a fresh request is made.
    again = check_ocsp(pki.auth.der, pki.ca.der, responder_url=url, http=fake, cache=cache, now=later)
    assert not again.from_cache
    assert len(fake.calls) == 1


def test_cache_bounds() -> None:
    with pytest.raises(ValueError):
        OcspCache(ttl=-1)
    cache = OcspCache(ttl=10, max_entries=1)
    from eidlib.x509 import OcspResult

    result = OcspResult(1, "u", NOW, None, NOW, "r", True)
    cache.put((b"a", b"b", 1, b""), result)
    cache.put((b"a", b"b", 2, b""), result)
    assert len(cache) == 1
    assert cache.get((b"a", b"b", 1, b""), NOW) is None
    assert cache.get((b"a", b"b", 2, b""), NOW) == result


@settings(max_examples=150, deadline=None)
@given(st.binary(max_size=400))
def test_arbitrary_response_bodies_fail_closed(body: bytes) -> None:
    pki = _PKI
    with pytest.raises(RevocationError):
        check_ocsp(pki.auth.der, pki.ca.der, responder_url="http://ocsp.eid.belgium.be",
                   http=FakeHttp(lambda _: HttpResponse(200, body)))



def test_url_allowlist_rules() -> None:
    assert url_host_allowed("http://ocsp.eid.belgium.be/x", {"ocsp.eid.belgium.be"})
    assert url_host_allowed("https://OCSP.EID.BELGIUM.BE", {"ocsp.eid.belgium.be"})
    assert url_host_allowed("http://127.0.0.1:8080/", {"127.0.0.1:8080"})
    assert not url_host_allowed("http://127.0.0.1:8081/", {"127.0.0.1:8080"})
    assert not url_host_allowed("ftp://ocsp.eid.belgium.be", {"ocsp.eid.belgium.be"})
    assert not url_host_allowed("http://ocsp.eid.belgium.be.evil.com", {"ocsp.eid.belgium.be"})
    assert not url_host_allowed("http://user@ocsp.eid.belgium.be", {"ocsp.eid.belgium.be"})
    assert not url_host_allowed("http://[::1", {"::1"})
    assert not url_host_allowed("http://x:99999/", {"x"})


def test_designated_responder(pki: Pki) -> None:
    pinned = issue("ocsp", "Designated OCSP Service", issue("root", "Service Root"))
    with OcspTestServer(_handler(pki, responder=pinned)) as server:
        assert "Designated" in _check(pki, server, designated_responder=pinned.der).responder
        with pytest.raises(OcspResponderNotAuthorized):
            _check(pki, server)  # not delegated by the issuer, and not pinned
    with OcspTestServer(_handler(pki)) as server, pytest.raises(OcspResponderNotAuthorized, match="designated"):
        _check(pki, server, designated_responder=pinned.der)
    expired = issue("ocsp", "Old Service", not_after=NOW - dt.timedelta(days=1))
    with OcspTestServer(_handler(pki, responder=expired)) as server, \
            pytest.raises(OcspResponderNotAuthorized, match="not valid"):
        _check(pki, server, designated_responder=expired.der)


def test_wrong_issuer_is_refused_before_any_request(pki: Pki) -> None:
    other = make_pki()
    with OcspTestServer(_handler(pki)) as server:
        with pytest.raises(OcspError, match="did not issue"):
            check_ocsp(pki.auth.der, other.ca.der, responder_url=server.url, allowed_hosts=LOCAL)
        assert server.requests == []


_STATUSES = [ocsp.OCSPCertStatus.GOOD, ocsp.OCSPCertStatus.REVOKED, ocsp.OCSPCertStatus.UNKNOWN]


@settings(max_examples=60, deadline=None)
@given(offset=st.integers(min_value=-3 * 3600, max_value=3 * 3600), status=st.sampled_from(_STATUSES))
def test_freshness_window_and_status_property(offset: int, status: ocsp.OCSPCertStatus) -> None:
    """thisUpdate within [now - skew - max_age, now + skew] and GOOD is the only way through."""
    skew, max_age = dt.timedelta(minutes=15), dt.timedelta(minutes=2)
    low, high = -(skew + max_age).total_seconds(), skew.total_seconds()
    assume(abs(offset - low) > 1 and abs(offset - high) > 1)
    pki = _PKI
    this_update = NOW + dt.timedelta(seconds=offset)

    def answer(body: bytes) -> HttpResponse:
        return HttpResponse(200, build_response(body, issuer=pki.ca.cert, responder_cert=pki.responder.cert,
                                                responder_key=pki.responder.key, cert_status=status,
                                                this_update=this_update))

    def run() -> Any:
        return check_ocsp(pki.auth.der, pki.ca.der, responder_url="http://ocsp.eid.belgium.be", now=NOW,
                          http=FakeHttp(answer), allowed_skew=skew, max_age=max_age)

    if not low < offset < high:
        with pytest.raises(OcspResponseStale):
            run()
    elif status is ocsp.OCSPCertStatus.GOOD:
        assert run().this_update == this_update
    else:
        with pytest.raises(CertificateRevoked) as info:
            run()
        assert info.value.unknown == (status is ocsp.OCSPCertStatus.UNKNOWN)


def _good_answer_for(request: bytes) -> bytes:
    return build_response(request, issuer=_PKI.ca.cert, responder_cert=_PKI.responder.cert,
                          responder_key=_PKI.responder.key, nonce="none")


@settings(max_examples=200, deadline=None)
@given(st.floats(min_value=0, max_value=1, exclude_max=True), st.integers(min_value=1, max_value=255))
def test_corrupted_good_responses_fail_closed(where: float, flip: int) -> None:
    """Flipping any byte of a GOOD answer either still verifies (unsigned parts) or raises RevocationError."""

    def answer(body: bytes) -> HttpResponse:
        good = bytearray(_good_answer_for(body))  # ECDSA signatures vary in length: position is relative
        good[int(where * len(good))] ^= flip
        return HttpResponse(200, bytes(good))

    try:
        result = check_ocsp(_PKI.auth.der, _PKI.ca.der, responder_url="http://ocsp.eid.belgium.be",
                            http=FakeHttp(answer), nonce=False)
    except RevocationError:
        return
    # Only bytes outside the signed data (e.g. the embedded certificate's unsigned parts) may change.
    assert result.serial_number == _PKI.auth.cert.serial_number


def test_nonce_disabled_per_host(pki: Pki) -> None:
    with OcspTestServer(_handler(pki, nonce="none")) as server:
        result = _check(pki, server, nonce_disabled_hosts={"127.0.0.1"})
        assert not result.nonce_checked
        request = ocsp.load_der_ocsp_request(server.requests[-1])
        assert not any(isinstance(e.value, x509.OCSPNonce) for e in request.extensions)
        with pytest.raises(OcspNonceMismatch):
            _check(pki, server, nonce_disabled_hosts={"ocsp.eid.belgium.be"})
        sent = ocsp.load_der_ocsp_request(server.requests[-1])
        assert len(sent.extensions.get_extension_for_class(x509.OCSPNonce).value.nonce) == 32


def test_cache_cannot_be_hit_by_a_forged_leaf(pki: Pki) -> None:
    def answer(body: bytes) -> HttpResponse:
        return HttpResponse(200, build_response(body, issuer=pki.ca.cert, responder_cert=pki.responder.cert,
                                                responder_key=pki.responder.key))

    cache = OcspCache(ttl=60)
    url = "http://ocsp.eid.belgium.be"
    check_ocsp(pki.auth.der, pki.ca.der, responder_url=url, http=FakeHttp(answer), cache=cache)
    impostor_ca = issue("ca", "Test Citizen CA", issue("root", "Test Root CA"))
    forged = issue("auth", "Nora Specimen (Authentication)", impostor_ca, serial_number=pki.auth.cert.serial_number)
    fake = FakeHttp(answer)
    with pytest.raises(OcspError, match="did not issue"):
        check_ocsp(forged.der, pki.ca.der, responder_url=url, http=fake, cache=cache)
    assert fake.calls == []


@pytest.mark.ocsp
def test_openssl_without_next_update(pki: Pki) -> None:
    entries = [IndexEntry.for_certificate(pki.auth.cert)]
    with OpensslOcspResponder(pki.ca.cert, pki.responder.cert, pki.responder.key, entries,
                              next_update_minutes=None) as responder:
        cache = OcspCache(ttl=60)
        result = check_ocsp(pki.auth.der, pki.ca.der, responder_url=responder.url, allowed_hosts=LOCAL, cache=cache)
        assert result.next_update is None
        assert check_ocsp(pki.auth.der, pki.ca.der, responder_url=responder.url, allowed_hosts=LOCAL,
                          cache=cache).from_cache
