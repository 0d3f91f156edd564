"""What ``eid`` tells the user about each error: a message, a hint (what to do) and an exit status.

The library raises typed errors (:class:`eidlib.errors.EidError` subclasses); this table turns each
into words in the user's language. An error class not in the table takes the entry of its nearest
listed base class, with the library's own message. ``docs/errors.md`` is the catalogue for readers;
a test checks that both list the same errors.
"""

from __future__ import annotations

from dataclasses import dataclass

from eidlib.cli.exitcodes import ExitCode
from eidlib.cli.i18n import N_, _, ngettext
from eidlib.errors import EidError


class CliError(EidError):
    """An error the command line itself detects, before or without the card."""


class UsageError(CliError):
    """Options that do not go together, or a value the command cannot use."""


class FileProblem(CliError):
    """An input file cannot be read or an output path cannot be written; nothing was done."""

    def __init__(self, path: str, reason: str) -> None:
        self.path = path
        self.reason = reason
        super().__init__(f"{path}: {reason}")


class InputFileProblem(FileProblem):
    """An input file (the file to sign, a persona file) cannot be read."""


class LastTryRefused(CliError):
    """Only one PIN try is left and the user did not confirm (or could not: ``--pin-stdin``)."""


@dataclass(frozen=True)
class ErrorEntry:
    """How one error class is shown: message template (``None``: the error's own text), hint, exit."""

    exit_code: ExitCode
    hint: str | None
    message: str | None = None
    #: The message when a field of ``message`` is unknown (``None`` on the error).
    fallback: str | None = None


#: Error class name -> entry. Templates name attributes of the error (``{tries_left}``).
CATALOGUE: dict[str, ErrorEntry] = {
    # where is the card
    "PcscUnavailableError": ErrorEntry(
        ExitCode.NO_CARD, N_("Start the smart-card service: sudo systemctl start pcscd (Debian package pcscd)."),
        N_("The smart-card service (pcscd) is not running.")),
    "NoReaderError": ErrorEntry(
        ExitCode.NO_CARD, N_("Connect a card reader; 'eid readers' lists the readers the system sees."),
        N_("No card reader is connected.")),
    "NoCardError": ErrorEntry(
        ExitCode.NO_CARD, N_("Insert your eID card (chip first), or add --wait to wait for it."),
        N_("No eID card in the reader.")),
    "TokenNotPresent": ErrorEntry(
        ExitCode.NO_CARD, N_("Insert your eID card (chip first), or add --wait to wait for it."),
        N_("No eID card in the reader.")),
    "WaitTimeoutError": ErrorEntry(
        ExitCode.NO_CARD, N_("Insert the card (or take it out) sooner, or give --wait a longer time.")),
    "CardRemovedError": ErrorEntry(
        ExitCode.NO_CARD, N_("Re-insert the card and try again; leave it in until the command ends."),
        N_("The card was removed during the operation.")),
    "CardResetError": ErrorEntry(
        ExitCode.NO_CARD, N_("Another application reset the card: close it and try again."),
        N_("The card was reset by another application.")),
    "ReaderBusyError": ErrorEntry(
        ExitCode.NO_CARD, N_("Close the other application using the card (eID viewer, browser) and try again."),
        N_("Another application is using the card reader exclusively.")),
    "TransportError": ErrorEntry(
        ExitCode.NO_CARD, N_("Take the card out, put it back and try again; 'eid diagnose' checks the set-up.")),
    # the card cannot do it
    "NotABeidCard": ErrorEntry(
        ExitCode.CARD, N_("Insert a Belgian eID card; other cards are not supported."),
        N_("The card in the reader is not a Belgian eID card.")),
    "CardNotActivated": ErrorEntry(
        ExitCode.CARD, N_("Activate the card at your municipality with the PIN and PUK letter."),
        N_("This card is not activated yet.")),
    "KeyNotPresent": ErrorEntry(
        ExitCode.CARD, N_("Children's cards have no signature key: documents are signed with an adult's card."),
        N_("This card has no {key} key.")),
    "NotSupported": ErrorEntry(ExitCode.CARD, None),
    "CardFileNotFound": ErrorEntry(ExitCode.CARD, N_("The card lacks this file; it may not be a complete eID card.")),
    "CardDataError": ErrorEntry(
        ExitCode.CARD, N_("Try again; if it persists the card may be damaged and should be replaced.")),
    "ApduError": ErrorEntry(
        ExitCode.CARD, N_("The card refused the command; 'eid diagnose' says more about its state.")),
    "CardError": ErrorEntry(ExitCode.CARD, None),
    # PIN
    "PinBlocked": ErrorEntry(
        ExitCode.PIN, N_("Only your municipality can unblock the PIN (with the PUK letter)."),
        N_("The PIN is blocked.")),
    "WrongPin": ErrorEntry(
        ExitCode.PIN, N_("Check the PIN; after 3 wrong PINs in a row the card is blocked."),
        N_("Wrong PIN: {tries}."), N_("Wrong PIN.")),
    "PinFormatError": ErrorEntry(ExitCode.PIN, N_("The eID PIN has 4 to 12 digits.")),
    "PinCancelled": ErrorEntry(ExitCode.PIN, None, N_("PIN entry was cancelled.")),
    "PinTimeout": ErrorEntry(
        ExitCode.PIN, N_("Type the PIN on the reader's keypad when it asks."),
        N_("The PIN was not entered on the reader in time.")),
    "PinExpired": ErrorEntry(ExitCode.PIN, N_("Change the PIN first: eid pin change.")),
    "PinRequired": ErrorEntry(
        ExitCode.PIN, N_("Give the PIN at the prompt, or with --pin-stdin."), N_("This operation needs the PIN.")),
    "LastTryRefused": ErrorEntry(
        ExitCode.PIN, N_("Run the command interactively to confirm, or add --allow-last-try."),
        N_("Only one PIN try is left: a wrong PIN now blocks the card.")),
    "SecurityStatusNotSatisfied": ErrorEntry(ExitCode.PIN, N_("Verify the PIN first.")),
    "PinError": ErrorEntry(ExitCode.PIN, None),
    # verdicts
    "IntegrityError": ErrorEntry(
        ExitCode.INVALID, N_("The card data does not match the National Register's signature: do not trust it.")),
    "CertificateRevoked": ErrorEntry(
        ExitCode.INVALID, N_("The certificate was revoked: the card must not be used for it any more.")),
    "RevocationError": ErrorEntry(
        ExitCode.INVALID, N_("The revocation status could not be established; check the network or --ocsp-url.")),
    "CertificateError": ErrorEntry(
        ExitCode.INVALID, N_("For a test card give its root certificate with --trust FILE.")),
    # document signing (eid sign-pdf, eid verify, sign-cms --tsa)
    "TimestampError": ErrorEntry(
        ExitCode.ERROR,
        N_("Check the --tsa URL and that the time-stamp authority answers; nothing was signed or written.")),
    "PdfInputError": ErrorEntry(
        ExitCode.FILE,
        N_("Give a readable, unencrypted PDF (and an existing page for --visible); nothing was signed.")),
    "OutputPathError": ErrorEntry(
        ExitCode.FILE, N_("Choose a path in an existing, writable folder; nothing was written or signed.")),
    "VerificationInputError": ErrorEntry(
        ExitCode.FILE, N_("Give a signed PDF, or a CMS signature (.p7s) with --content FILE.")),
    "DocumentSigningError": ErrorEntry(ExitCode.ERROR, None),
    "AuthError": ErrorEntry(ExitCode.ERROR, None),
    # set-up
    "Pkcs11ModuleNotFound": ErrorEntry(
        ExitCode.ERROR, N_("Install the eID middleware or OpenSC, or give the module's path: --pkcs11 PATH.")),
    "Pkcs11ModuleLoadError": ErrorEntry(ExitCode.ERROR, N_("Check that the path names a PKCS#11 module (.so).")),
    "PersonaError": ErrorEntry(ExitCode.ERROR, N_("See examples/persona-example.json for the persona format.")),
    "EmulatorError": ErrorEntry(ExitCode.ERROR, None),
    # the command line
    "UsageError": ErrorEntry(ExitCode.USAGE, N_("See 'eid COMMAND --help'.")),
    "InputFileProblem": ErrorEntry(ExitCode.FILE, N_("Check the file name and that you may read the file.")),
    "FileProblem": ErrorEntry(
        ExitCode.FILE, N_("Choose a path in an existing, writable folder; nothing was written or signed.")),
    "EidError": ErrorEntry(ExitCode.ERROR, None),
}


@dataclass(frozen=True)
class ErrorReport:
    """An error as ``eid`` shows it (``to_dict`` is the ``error`` object of the JSON output)."""

    type: str
    message: str
    hint: str | None
    exit_code: ExitCode
    status_word: str | None = None

    def to_dict(self) -> dict[str, str | None]:
        out: dict[str, str | None] = {"type": self.type, "message": self.message, "hint": self.hint}
        if self.status_word is not None:
            out["status_word"] = self.status_word
        return out


def entry_for(exc: BaseException) -> ErrorEntry:
    """The catalogue entry of ``exc``'s class or of its nearest listed base class."""
    for cls in type(exc).__mro__:
        entry = CATALOGUE.get(cls.__name__)
        if entry is not None:
            return entry
    return CATALOGUE["EidError"]


def describe(exc: EidError) -> ErrorReport:
    """Message, hint and exit status for ``exc``, in the user's language."""
    own = CATALOGUE.get(type(exc).__name__)
    entry = entry_for(exc)
    message = str(exc) or type(exc).__name__
    # A base class's template would hide a subclass's more precise text: only the exact class's is used.
    if own is not None and own.message is not None:
        try:
            message = _(own.message).format(**_fields(exc))
        except (KeyError, IndexError, ValueError):  # a field unknown: the short form, or the error's own text
            if own.fallback is not None:
                message = _(own.fallback)
    sw = getattr(exc, "sw", None)
    return ErrorReport(
        type=type(exc).__name__,
        message=message,
        hint=_(entry.hint) if entry.hint else None,
        exit_code=entry.exit_code,
        status_word=f"{sw:04X}" if isinstance(sw, int) else None,
    )


def _fields(exc: BaseException) -> dict[str, object]:
    fields: dict[str, object] = {k: v for k, v in vars(exc).items() if v is not None}
    tries = fields.get("tries_left")
    if isinstance(tries, int):
        fields["tries"] = ngettext("{n} try left", "{n} tries left", tries).format(n=tries)
    key = fields.get("key")
    if key is not None:
        fields["key"] = _(KEY_LABELS.get(str(key), str(key)))
    return fields


#: How keys are named to the user (the library's role names are the values of ``--key``'s choices).
KEY_LABELS = {"authentication": N_("authentication"), "signature": N_("signature")}
