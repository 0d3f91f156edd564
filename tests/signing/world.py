"""The services a document signature meets, all real and on 127.0.0.1: OCSP, CRLs, a TSA, pdfsig's NSS db.

A :class:`SigningWorld` builds a test PKI whose certificates name *these* servers (ephemeral ports):
the card's OCSP URL is the running ``openssl ocsp`` responder, its CRL points are the CRL server, so
``pdfsig`` (which asks the responder named in the certificate) and eidlib see the same services.
"""

from __future__ import annotations

import contextlib
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives import serialization

from eidlib.card.session import BeidCard
from eidlib.emulator import VirtualCard, VirtualTransport
from eidlib.emulator.image import CardImage, Profile
from eidlib.emulator.persona import Persona
from eidlib.emulator.personalise import personalise
from eidlib.emulator.pki import TestPki
from eidlib.opener import open_card
from eidlib.signing.pdf import RevocationFetcher, RevocationSettings, TsaClient
from tests.support.crl import CrlServer
from tests.support.ocsp import OpensslOcspResponder
from tests.support.tsa import OpensslTsa

LOOPBACK = frozenset({"127.0.0.1"})
PIN = "1234"


@dataclass
class SigningWorld:
    """One card generation's PKI, card image and running services."""

    profile: Profile
    pki: TestPki
    image: CardImage
    ocsp: OpensslOcspResponder
    crls: CrlServer
    tsa: OpensslTsa
    directory: Path

    @property
    def root_der(self) -> bytes:
        """The test root (DER)."""
        return self.pki.root.cert_der()

    @property
    def root_pem_path(self) -> Path:
        """The test root as a PEM file."""
        return self.directory / "root.pem"

    @property
    def nss_dir(self) -> str:
        """pdfsig's ``-nssdir`` argument (an NSS database trusting the test root)."""
        return f"sql:{self.directory / 'nss'}"

    def virtual_card(self) -> VirtualCard:
        """A fresh virtual card with this world's certificates."""
        return VirtualCard(image=self.image)

    def open(self, card: VirtualCard | None = None) -> BeidCard:
        """An open session with ``card`` (default a fresh one)."""
        return open_card(transport=VirtualTransport(card or self.virtual_card()))

    def revocation_settings(self) -> RevocationSettings:
        """eidlib's revocation checks, allowed to ask the loopback services."""
        return RevocationSettings(ocsp_hosts=LOOPBACK, crl_hosts=LOOPBACK)

    def fetcher(self) -> RevocationFetcher:
        """A fresh revocation fetcher for this world."""
        return RevocationFetcher(self.revocation_settings())

    def timestamper(self, timeout: float = 10.0) -> TsaClient:
        """A client of this world's TSA."""
        return TsaClient(self.tsa.url, timeout=timeout)


def _nss_database(directory: Path, root_pem: Path) -> None:
    directory.mkdir()
    subprocess.run(["certutil", "-N", "-d", f"sql:{directory}", "--empty-password"], check=True,
                   capture_output=True, timeout=30)
    subprocess.run(["certutil", "-A", "-d", f"sql:{directory}", "-n", "eidlib test root", "-t", "CT,C,C",
                    "-i", str(root_pem)], check=True, capture_output=True, timeout=30)


@contextlib.contextmanager
def signing_world(profile: Profile, directory: Path, *, revoked: bool = False) -> Iterator[SigningWorld]:
    """Start the services and build the PKI naming them; ``revoked``: the responder revokes the card."""
    base = TestPki.load(profile=profile)
    issued = base.issue_card_certificates(Persona.default(), profile)
    # Serials and expiry do not depend on the URLs, so the responder's index fits the final PKI.
    card_certs = [issued.auth_cert, issued.sign_cert]
    good = [] if revoked else card_certs
    bad = card_certs if revoked else []
    with CrlServer() as crls, OpensslOcspResponder.for_test_pki(base, good=good, revoked=bad) as ocsp:
        pki = TestPki.load(profile=profile, ocsp_url=ocsp.url, crl_url=crls.url("/citizenca.crl"),
                           root_crl_url=crls.url("/root.crl"), ca_issuers_url=crls.url("/citizenca.crt"))
        crls.routes["/citizenca.crl"] = pki.make_crl(issuer="citizen_ca").public_bytes(serialization.Encoding.DER)
        crls.routes["/root.crl"] = pki.make_crl(issuer="root").public_bytes(serialization.Encoding.DER)
        image = personalise(profile, pki=pki)
        with OpensslTsa.for_test_pki(pki) as tsa:
            directory.mkdir(parents=True, exist_ok=True)
            (directory / "root.pem").write_bytes(pki.root.cert_pem())
            _nss_database(directory / "nss", directory / "root.pem")
            yield SigningWorld(profile, pki, image, ocsp, crls, tsa, directory)
