"""Small PDFs written by hand for the signing tests (no files from elsewhere)."""

from __future__ import annotations


def _pdf(objects: list[bytes]) -> bytes:
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def _stream(content: bytes) -> bytes:
    return b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream"


def contract_pdf(*, lang: str | None = "nl-BE", pages: int = 1, text: str = "Huurovereenkomst",
                 signature_field: str | None = None) -> bytes:
    """A PDF with ``pages`` pages of text, ``/Lang`` ``lang``, optionally an empty signature field.

    The first page is object 4 (content stream 5); the font is object 3.
    """
    catalog = b"<< /Type /Catalog /Pages 2 0 R"
    if lang is not None:
        catalog += b" /Lang (" + lang.encode("ascii") + b")"
    page_numbers = [4 + 2 * i for i in range(pages)]
    field_number = 4 + 2 * pages
    if signature_field is not None:
        catalog += b" /AcroForm << /Fields [%d 0 R] /SigFlags 0 >>" % field_number
    catalog += b" >>"
    kids = b" ".join(b"%d 0 R" % n for n in page_numbers)
    objects = [catalog, b"<< /Type /Pages /Kids [" + kids + b"] /Count %d >>" % pages,
               b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"]
    for index, number in enumerate(page_numbers):
        annots = b""
        if signature_field is not None and index == 0:
            annots = b" /Annots [%d 0 R]" % field_number
        objects.append(
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 3 0 R >> >>"
            b" /Contents %d 0 R%s >>" % (number + 1, annots)
        )
        line = f"{text} - page {index + 1}".encode("latin-1")
        objects.append(_stream(b"BT /F1 18 Tf 72 760 Td (" + line + b") Tj ET"))
    if signature_field is not None:
        objects.append(
            b"<< /Type /Annot /Subtype /Widget /FT /Sig /T (" + signature_field.encode("ascii")
            + b") /Rect [300 100 550 160] /F 4 /P 4 0 R >>"
        )
    return _pdf(objects)
