"""Document signing on top of any :class:`~eidlib.token.protocol.Token` (card session or PKCS#11 token)."""

from eidlib.signing.cms import CmsError, sign_file_cms

__all__ = ["CmsError", "sign_file_cms"]
