"""The OCSP nonce policy (issue 14) against OpenSSL's own responder and a hand-made wrong-nonce answer.

OpenSSL's responder echoes a request's nonce whenever there is one (``-no_nonce`` only affects
requests), so "nonces off" is a request without a nonce, and a responder that ignores nonces — as
Belgian responders may — is OpenSSL behind a front that drops the nonce from the request it
forwards: the client sent one, the signed answer has none.
"""

from __future__ import annotations

import datetime as dt
import urllib.request
from collections.abc import Iterator

import pytest
from asn1crypto import ocsp as asn1_ocsp
from cryptography import x509
from cryptography.x509 import ocsp

from eidlib.x509 import NoncePolicy, OcspNonceMismatch, OcspResponseStale, RevocationChecker
from tests.support.ocsp import HttpReply, IndexEntry, OcspTestServer, OpensslOcspResponder, build_response
from tests.support.pki import Pki, make_pki

LOCAL = frozenset({"127.0.0.1"})
_PKI = make_pki()
#: A validation time ten minutes after OpenSSL produced its answer.
LATER = dt.timedelta(minutes=10)


@pytest.fixture(scope="module")
def responder() -> Iterator[OpensslOcspResponder]:
    entries = [IndexEntry.for_certificate(_PKI.auth.cert)]
    with OpensslOcspResponder(_PKI.ca.cert, _PKI.responder.cert, _PKI.responder.key, entries,
                              next_update_minutes=60) as running:
        yield running


def _without_nonce(request: bytes) -> bytes:
    parsed = asn1_ocsp.OCSPRequest.load(request)
    tbs = parsed["tbs_request"]
    stripped: bytes = asn1_ocsp.OCSPRequest({"tbs_request": {"request_list": tbs["request_list"]}}).dump()
    return stripped


@pytest.fixture(scope="module")
def ignoring_nonces(responder: OpensslOcspResponder) -> Iterator[OcspTestServer]:
    """OpenSSL's responder as one that never echoes nonces: the forwarded request has none."""

    def forward(method: str, path: str, body: bytes) -> HttpReply:
        request = urllib.request.Request(responder.url, data=_without_nonce(body), method="POST",
                                         headers={"Content-Type": "application/ocsp-request"})
        with urllib.request.urlopen(request, timeout=30) as answer:  # loopback only
            return HttpReply(answer.read())

    with OcspTestServer(forward) as server:
        yield server


def _checker(url: str, **options: object) -> RevocationChecker:
    return RevocationChecker(ocsp_url=url, ocsp_hosts=LOCAL, good_cache_ttl=0, **options)  # type: ignore[arg-type]


def _sent_nonce(server_requests: list[bytes]) -> bytes | None:
    request = ocsp.load_der_ocsp_request(server_requests[-1])
    try:
        return request.extensions.get_extension_for_class(x509.OCSPNonce).value.nonce
    except x509.ExtensionNotFound:
        return None


@pytest.mark.ocsp
def test_nonce_sent_and_echoed_by_openssl(responder: OpensslOcspResponder) -> None:
    result = _checker(responder.url).check_leaf(_PKI.auth.der, _PKI.ca.der)
    assert result.nonce_checked
    assert "Test OCSP Responder" in result.responder  # the delegated responder (OCSPSigning), not the CA


@pytest.mark.ocsp
def test_nonce_off_for_a_host(responder: OpensslOcspResponder, ignoring_nonces: OcspTestServer) -> None:
    checker = _checker(responder.url, nonce_by_host={"127.0.0.1": NoncePolicy(send=False)})
    before = len(responder.pids)
    result = checker.check_leaf(_PKI.auth.der, _PKI.ca.der)
    assert not result.nonce_checked and len(responder.pids) == before + 1
    assert checker.nonce_policy("http://ocsp.eid.belgium.be/").send  # other hosts keep the default
    # The same policy sends no nonce at all (seen on the forwarding front).
    _checker(ignoring_nonces.url, nonce=NoncePolicy(send=False)).check_leaf(_PKI.auth.der, _PKI.ca.der)
    assert _sent_nonce(ignoring_nonces.requests) is None


@pytest.mark.ocsp
def test_unechoed_nonce_accepted_only_when_fresh(ignoring_nonces: OcspTestServer) -> None:
    checker = _checker(ignoring_nonces.url, skew=dt.timedelta(0), max_age=dt.timedelta(hours=1))
    result = checker.check_leaf(_PKI.auth.der, _PKI.ca.der)
    assert not result.nonce_checked
    assert _sent_nonce(ignoring_nonces.requests) is not None and len(_sent_nonce(ignoring_nonces.requests) or b"") == 32
    later = dt.datetime.now(dt.timezone.utc) + LATER
    with pytest.raises(OcspResponseStale, match="without a nonce"):
        checker.check_leaf(_PKI.auth.der, _PKI.ca.der, now=later)
    relaxed = _checker(ignoring_nonces.url, skew=dt.timedelta(0), max_age=dt.timedelta(hours=1),
                       nonce=NoncePolicy(max_age=dt.timedelta(minutes=30)))
    assert not relaxed.check_leaf(_PKI.auth.der, _PKI.ca.der, now=later).nonce_checked
    with pytest.raises(OcspNonceMismatch, match="no nonce"):
        _checker(ignoring_nonces.url, nonce=NoncePolicy(require=True)).check_leaf(_PKI.auth.der, _PKI.ca.der)


@pytest.mark.ocsp
def test_echoed_nonce_needs_no_extra_freshness(responder: OpensslOcspResponder) -> None:
    """An echoed nonce proves the answer was made for this request: only the general window applies."""
    checker = _checker(responder.url, skew=dt.timedelta(0), max_age=dt.timedelta(hours=1))
    later = dt.datetime.now(dt.timezone.utc) + LATER
    assert checker.check_leaf(_PKI.auth.der, _PKI.ca.der, now=later).nonce_checked


def _wrong_nonce_server(pki: Pki) -> OcspTestServer:
    def handle(method: str, path: str, body: bytes) -> HttpReply:
        return HttpReply(build_response(body, issuer=pki.ca.cert, responder_cert=pki.responder.cert,
                                        responder_key=pki.responder.key, nonce=b"\x02" * 32))

    return OcspTestServer(handle)


@pytest.mark.parametrize(
    "policy",
    [NoncePolicy(), NoncePolicy(require=True), NoncePolicy(send=False), NoncePolicy(max_age=dt.timedelta(days=1))],
    ids=["default", "required", "not-sent", "lenient"],
)
def test_wrong_nonce_is_always_refused(policy: NoncePolicy) -> None:
    with _wrong_nonce_server(_PKI) as server, pytest.raises(OcspNonceMismatch, match="differs"):
        _checker(server.url, nonce=policy).check_leaf(_PKI.auth.der, _PKI.ca.der)


def test_policy_rules() -> None:
    with pytest.raises(ValueError):
        NoncePolicy(send=False, require=True)
    with pytest.raises(ValueError):
        NoncePolicy(max_age=dt.timedelta(seconds=-1))
    checker = RevocationChecker(nonce_by_host={"OCSP.eid.belgium.be": NoncePolicy(send=False)})
    assert not checker.nonce_policy("http://ocsp.eid.belgium.be/x").send
    assert checker.nonce_policy("http://ocsp.eidpki.belgium.be/x") == NoncePolicy()
