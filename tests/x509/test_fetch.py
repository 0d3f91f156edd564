"""DeadlineHttpClient against a loopback server: bodies, HTTP errors, size limit, timeout, no redirects."""

from __future__ import annotations

import pytest

from eidlib.x509 import DeadlineHttpClient, FetchError, HttpClient
from tests.support.ocsp import HttpReply, OcspTestServer


def test_post_and_get() -> None:
    seen: list[tuple[str, str, bytes]] = []

    def handle(method: str, path: str, body: bytes) -> HttpReply:
        seen.append((method, path, body))
        return HttpReply(b"answer:" + body, content_type="application/ocsp-response; charset=x")

    client = DeadlineHttpClient()
    assert isinstance(client, HttpClient)
    with OcspTestServer(handle) as server:
        posted = client.request("POST", server.url + "p", body=b"abc", headers={"X-T": "1"}, timeout=5)
        got = client.request("GET", server.url + "g", timeout=5)
    assert posted.status == 200 and posted.body == b"answer:abc"
    assert posted.content_type == "application/ocsp-response"
    assert got.body == b"answer:"
    assert seen == [("POST", "/p", b"abc"), ("GET", "/g", b"")]


def test_http_error_status_is_returned() -> None:
    with OcspTestServer(lambda m, p, b: HttpReply(b"nope", status=503)) as server:
        answer = DeadlineHttpClient().request("GET", server.url, timeout=5)
    assert answer.status == 503 and answer.body == b"nope"


def test_redirect_not_followed() -> None:
    with OcspTestServer(lambda m, p, b: HttpReply(b"", status=301)) as server:
        assert DeadlineHttpClient().request("GET", server.url, timeout=5).status == 301


def test_size_limit() -> None:
    with OcspTestServer(lambda m, p, b: HttpReply(b"x" * 2000)) as server:
        with pytest.raises(FetchError, match="larger"):
            DeadlineHttpClient(max_body=1000).request("GET", server.url, timeout=5)
        assert len(DeadlineHttpClient(max_body=2000).request("GET", server.url, timeout=5).body) == 2000


def test_timeout_is_flagged() -> None:
    with OcspTestServer(lambda m, p, b: None) as server, pytest.raises(FetchError) as info:
        DeadlineHttpClient().request("GET", server.url, timeout=0.5)
    assert info.value.timed_out


def test_bad_urls() -> None:
    with pytest.raises(FetchError):
        DeadlineHttpClient().request("GET", "nonsense", timeout=1)
    server = OcspTestServer(lambda m, p, b: None)
    url = server.url
    server.stop()
    with pytest.raises(FetchError) as info:
        DeadlineHttpClient().request("GET", url, timeout=1)
    assert not info.value.timed_out
