"""PDF signing: ``sign_pdf`` with the virtual card vs pyHanko signing the same PDF with the same key in software.

Usage: ``.venv/bin/python benchmarks/pdf_signing.py [--rounds N]``. Both subjects run interleaved round by
round in the same process (``benchmarks.timing.measure_pair``), on the same document, level and services:

* B-B: nothing but the signature;
* B-LT: the loopback TSA (``openssl ts``) for the signature time stamp, and the revocation answers of the
  test services cached (eidlib's fetcher caches its checked answers; pyHanko gets the same answers
  preloaded in its validation context), so the ratio measures eidlib's signing path, not the network.

It also counts the APDUs of one signature (on an open session whose certificates are already read).
Writes ``benchmarks/results/pdf_signing.md``.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography.hazmat.primitives import serialization
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import fields, signers
from pyhanko_certvalidator.registry import SimpleCertificateStore

from benchmarks.timing import Stats, measure_pair, ratio
from eidlib.signing.pdf import Level, PdfSignatureOptions, sign_pdf
from eidlib.signing.pdf.sign import RevocationData, _validation_context
from tests.signing.documents import contract_pdf
from tests.signing.world import PIN, SigningWorld, signing_world

RESULTS = Path(__file__).resolve().parent / "results"


def _software_signer(world: SigningWorld) -> signers.SimpleSigner:
    image = world.image
    key = image.signature_key
    assert key is not None
    der_key = key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
    with world.open() as card:
        certs = card.read_certificates()
    assert certs.signature is not None and certs.ca is not None and certs.root is not None
    registry = SimpleCertificateStore.from_certs(  # type: ignore[no-untyped-call]
        [asn1_x509.Certificate.load(certs.ca), asn1_x509.Certificate.load(certs.root)])
    return signers.SimpleSigner(asn1_x509.Certificate.load(certs.signature), asn1_keys.PrivateKeyInfo.load(der_key),
                                registry)


def _pyhanko_sign(world: SigningWorld, signer: signers.SimpleSigner, level: Level,
                  revocation: RevocationData | None) -> Callable[[], bytes]:
    hash_name = "sha384" if world.profile == "1.8" else "sha256"
    tsa = world.timestamper() if level.needs_tsa else None
    anchors = [asn1_x509.Certificate.load(world.root_der)]
    context = _validation_context(anchors, list(signer.cert_registry), revocation)
    counter = [0]

    def run() -> bytes:
        counter[0] += 1
        meta = signers.PdfSignatureMetadata(
            field_name=f"eID-Signature{counter[0]}", md_algorithm=hash_name, subfilter=fields.SigSeedSubFilter.PADES,
            embed_validation_info=revocation is not None, validation_context=context if revocation else None,
        )
        pdf_signer = signers.PdfSigner(meta, signer=signer, timestamper=tsa,
                                       new_field_spec=fields.SigFieldSpec(f"eID-Signature{counter[0]}"))
        out = io.BytesIO()
        asyncio.run(pdf_signer.async_sign_pdf(IncrementalPdfFileWriter(io.BytesIO(contract_pdf())), output=out))
        return out.getvalue()

    return run


def _revocation(world: SigningWorld) -> RevocationData:
    fetcher = world.fetcher()
    with world.open() as card:
        certs = card.read_certificates()
    assert certs.signature is not None and certs.ca is not None and certs.root is not None
    tsa_cert = world.tsa.certificate.public_bytes(serialization.Encoding.DER)
    return RevocationData((fetcher.ocsp(certs.signature, certs.ca),),
                          (fetcher.crl(certs.ca, certs.root), fetcher.crl(tsa_cert, certs.root)))


def run(rounds: int) -> str:
    lines = ["| entry | profile | eidlib + virtual card | pyHanko, same key in software | ratio | APDUs/signature |",
             "| --- | --- | --- | --- | --- | --- |"]
    with tempfile.TemporaryDirectory() as base:
        for profile in ("1.7", "1.8"):
            with signing_world(profile, Path(base) / profile) as world:  # type: ignore[arg-type]
                software = _software_signer(world)
                card_model = world.virtual_card()
                with world.open(card_model) as card:
                    for level in (Level.B_B, Level.B_LT):
                        fetcher = world.fetcher()
                        tsa = world.timestamper()
                        options = PdfSignatureOptions(level=level)

                        def subject(options: PdfSignatureOptions = options, fetcher: object = fetcher,
                                    tsa: object = tsa) -> bytes:
                            return sign_pdf(card, contract_pdf(), pin_source=lambda: PIN, options=options,
                                            tsa=tsa, revocation=fetcher)  # type: ignore[arg-type]

                        revocation = _revocation(world) if level.embeds_revocation else None
                        baseline = _pyhanko_sign(world, software, level, revocation)
                        subject()  # the first signature of a session also reads the certificates
                        before = card_model.apdu_count
                        subject()
                        apdus = card_model.apdu_count - before
                        mine, theirs = measure_pair(subject, baseline, rounds=rounds, inner=1, warmup=2)
                        lines.append(f"| sign_pdf {level.value} | {profile} | {_fmt(mine)} | {_fmt(theirs)} | "
                                     f"{ratio(mine, theirs):.2f}x | {apdus} |")
    return "\n".join(lines) + "\n"


def _fmt(stats: Stats) -> str:
    return f"{stats.median * 1000:.1f} ms ±{stats.spread * 50:.0f}%"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=15)
    args = parser.parse_args()
    table = run(args.rounds)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "pdf_signing.md").write_text(
        "Medians over interleaved rounds (eidlib and the software baseline alternate); ± is half the "
        "p10–p90 spread. APDUs counted on an open session (certificates already read).\n\n" + table)
    print(table, end="")
    return 0


if __name__ == "__main__":
    sys.exit(main())
