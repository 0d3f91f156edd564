"""RFC 3161 time stamps from a configured time-stamp authority, over eidlib's HTTP client.

pyHanko builds the request (with a nonce) and checks status and nonce; this class sends it,
refuses anything that is not a well-formed granted answer for the digest asked about, and
turns every failure (no answer, timeout, HTTP error, garbage) into :class:`TimestampError`.
"""

from __future__ import annotations

from asn1crypto import cms, tsp
from pyhanko.sign.general import SigningError
from pyhanko.sign.timestamps import TimeStamper
from pyhanko.sign.timestamps.common_utils import TimestampRequestError

from eidlib.signing.pdf.adapter import FetchError, HttpClient, default_http_client
from eidlib.signing.pdf.errors import TimestampError

DEFAULT_TSA_TIMEOUT = 10.0
_MAX_ANSWER = 1024 * 1024


class TsaClient(TimeStamper):
    """A pyHanko :class:`TimeStamper` asking the TSA at ``url`` (HTTP POST ``application/timestamp-query``)."""

    def __init__(self, url: str, *, timeout: float = DEFAULT_TSA_TIMEOUT, http: HttpClient | None = None) -> None:
        super().__init__(include_nonce=True)  # type: ignore[no-untyped-call]
        if not url.lower().startswith(("http://", "https://")):
            raise TimestampError(f"the TSA URL must be http(s): {url!r}")
        self.url = url
        self.timeout = timeout
        self._http = http if http is not None else default_http_client(_MAX_ANSWER)
        self.requests_sent = 0

    async def async_request_tsa_response(self, req: tsp.TimeStampReq) -> tsp.TimeStampResp:
        """Send ``req``; the answer must parse as a TimeStampResp (else :class:`TimestampError`)."""
        self.requests_sent += 1
        try:
            answer = self._http.request(
                "POST", self.url, body=req.dump(),
                headers={"Content-Type": "application/timestamp-query", "Accept": "application/timestamp-reply"},
                timeout=self.timeout,
            )
        except FetchError as exc:
            reason = "timed out" if exc.timed_out else "is unreachable"
            raise TimestampError(f"the TSA {self.url} {reason}: {exc}") from exc
        if answer.status != 200:
            raise TimestampError(f"the TSA {self.url} answered HTTP {answer.status}")
        try:
            response = tsp.TimeStampResp.load(answer.body)
            response["status"]["status"].native  # noqa: B018 - the outer structure must parse now
        except (ValueError, TypeError, KeyError) as exc:
            raise TimestampError(f"the TSA {self.url} answered something that is not a time stamp: {exc}") from exc
        return response

    async def async_timestamp(self, message_digest: bytes, md_algorithm: str) -> cms.ContentInfo:
        """A time-stamp token over ``message_digest``, checked to be about that digest."""
        try:
            token = await super().async_timestamp(message_digest, md_algorithm)
            info = token["content"]["encap_content_info"]["content"].parsed
            imprint = info["message_imprint"]
            matches = (
                imprint["hashed_message"].native == message_digest
                and imprint["hash_algorithm"]["algorithm"].native == md_algorithm
            )
        except (TimestampRequestError, SigningError) as exc:
            raise TimestampError(f"the TSA {self.url} refused or botched the request: {exc}") from exc
        except (ValueError, TypeError, KeyError, AttributeError) as exc:
            raise TimestampError(f"the TSA {self.url} sent an unreadable time-stamp token: {exc}") from exc
        if not matches:
            raise TimestampError(f"the TSA {self.url} stamped another digest than the one sent")
        return token
