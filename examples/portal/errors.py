"""Typed errors of the portal: a store that cannot answer, a client over its limit, a hostile body."""

from __future__ import annotations

from eidlib.errors import EidError


class PortalError(EidError):
    """Base class of the portal's own refusals (the library's login errors are ``AuthError``)."""


class StoreUnavailable(PortalError):
    """The session or challenge store (Redis) did not answer: the page is answered with 503."""


class RateLimited(PortalError):
    """This client asked for too many challenges in the current window (HTTP 429)."""

    def __init__(self, retry_after: int) -> None:
        self.retry_after = retry_after
        super().__init__(f"too many challenges; retry in {retry_after} s")


class BadBody(PortalError):
    """A request body that is not a small, shallow JSON object (HTTP 400)."""
