"""Issue 12 item 1: a revocation fetch has a total deadline (connect + every read + body cap), fail closed.

The servers trickle one part of the answer (status line, headers or body) one byte every 0.2 s
for 2 s; every single read is quick, so a per-read timeout never fires. With a 1 s deadline the
check must give up (typed, ``timed_out``) and hang up before the server has finished.
"""

from __future__ import annotations

import pytest

from eidlib.x509 import (
    CrlUnavailable,
    DeadlineHttpClient,
    FetchError,
    OcspUnavailable,
    RevocationChecker,
    TrustStore,
    validate_chain,
)
from tests.support.crl import make_crl
from tests.support.ocsp import OcspTestServer, build_response
from tests.support.pki import Issued, issue, make_pki
from tests.x509.trickle import Phase, TrickleServer

LOCAL = frozenset({"127.0.0.1"})
PHASES: tuple[Phase, ...] = ("status", "headers", "body")
_PKI = make_pki()


def _ocsp_answer(request: bytes) -> bytes:
    return build_response(request, issuer=_PKI.ca.cert, responder_cert=_PKI.responder.cert,
                          responder_key=_PKI.responder.key)


@pytest.mark.parametrize("phase", PHASES)
def test_ocsp_trickle_hits_the_deadline(phase: Phase) -> None:
    with TrickleServer(_ocsp_answer, phase) as server:
        checker = RevocationChecker(ocsp_url=server.url, ocsp_hosts=LOCAL, timeout=1.0)
        with pytest.raises(OcspUnavailable, match=r"timed out|deadline") as info:
            checker.check_leaf(_PKI.auth.der, _PKI.ca.der)
    assert isinstance(info.value.__cause__, FetchError) and info.value.__cause__.timed_out
    assert server.completed == [False], "the client must hang up before the trickle ends"


@pytest.mark.parametrize("phase", PHASES)
def test_crl_trickle_hits_the_deadline(phase: Phase) -> None:
    crl = make_crl(_PKI.root.cert, _PKI.root.key, [])
    with TrickleServer(lambda _: crl, phase, content_type="application/pkix-crl") as server:
        checker = RevocationChecker(crl_url=server.url, crl_hosts=LOCAL, timeout=1.0)
        with pytest.raises(CrlUnavailable, match=r"timed out|deadline"):
            checker.check_intermediate(_PKI.ca.der, _PKI.root.der)
    assert server.completed == [False]


def test_one_deadline_for_the_whole_chain() -> None:
    """OCSP and CRL each fit the per-fetch timeout, but not together in the check's deadline."""
    crl = make_crl(_PKI.root.cert, _PKI.root.key, [])
    issued: dict[str, Issued] = {}  # filled once the servers' URLs are known

    def answer(request: bytes) -> bytes:
        return build_response(request, issuer=issued["ca"].cert, responder_cert=issued["responder"].cert,
                              responder_key=issued["responder"].key)

    # Each answer takes about 0.8 s (4 header bytes one per 0.2 s).
    with TrickleServer(answer, "headers", count=4) as ocsp_server, \
            TrickleServer(lambda _: crl, "headers", count=4, content_type="application/pkix-crl") as crl_server:
        ca = issued["ca"] = issue("ca", "Deadline Citizen CA", _PKI.root, crl_url=crl_server.url)
        issued["responder"] = issue("ocsp", "Deadline OCSP", ca)
        leaf = issue("auth", "D (Authentication)", ca, ocsp_url=ocsp_server.url)
        chain = validate_chain(leaf.der, [ca.der], trust=TrustStore([_PKI.root.cert]))
        roomy = RevocationChecker(ocsp_hosts=LOCAL, crl_hosts=LOCAL, timeout=5.0, deadline=5.0)
        report = roomy.check_chain(chain)
        assert report.leaf.serial_number == leaf.cert.serial_number and len(report.intermediates) == 1
        tight = RevocationChecker(ocsp_hosts=LOCAL, crl_hosts=LOCAL, timeout=5.0, deadline=1.0)
        # Usually the CRL download is what runs out of time; on a loaded machine it may be the OCSP request.
        with pytest.raises((OcspUnavailable, CrlUnavailable), match=r"timed out|deadline"):
            tight.check_chain(chain)


def test_body_cap_and_short_body() -> None:
    with OcspTestServer(lambda m, p, b: None) as idle:  # accepts, never answers
        with pytest.raises(FetchError) as info:
            DeadlineHttpClient().request("GET", idle.url, timeout=0.3)
        assert info.value.timed_out
    big = make_crl(_PKI.root.cert, _PKI.root.key, list(range(1, 200)))
    with TrickleServer(lambda _: big, "status", count=0, content_type="application/pkix-crl") as server:
        with pytest.raises(FetchError, match="larger"):
            DeadlineHttpClient(max_body=100).request("GET", server.url, timeout=5)
        assert DeadlineHttpClient(max_body=len(big)).request("GET", server.url, timeout=5).body == big


def test_tls_handshake_counts_against_the_deadline() -> None:
    """An https responder that accepts the connection but never answers the ClientHello."""
    import socket

    with socket.create_server(("127.0.0.1", 0)) as listener:
        url = f"https://127.0.0.1:{listener.getsockname()[1]}/"
        with pytest.raises(FetchError, match="TLS handshake") as info:
            DeadlineHttpClient().request("POST", url, body=b"x", timeout=0.5)
    assert info.value.timed_out
