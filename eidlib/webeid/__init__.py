"""The Web eID native application: ``eid webeid-host`` lets the browser extension reach the card.

The browser starts the host per request (native messaging); it sends its version, reads one command
(``authenticate``, ``get-signing-certificate``, ``sign`` or ``quit``), asks for the PIN with the
system's pinentry, answers and exits. :mod:`eidlib.webeid.manifest` installs it for the browsers.
"""

from __future__ import annotations

from eidlib.webeid.host import HostOptions, reply_for, run_host
from eidlib.webeid.protocol import VERSION

__all__ = ["VERSION", "HostOptions", "reply_for", "run_host"]
