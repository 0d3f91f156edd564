"""The address file EF(ID#Address) ``3F00/DF01/4033`` (spec §5.3)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from eidlib.belpic.tags import AddressTag
from eidlib.carddata.errors import CardDataError
from eidlib.carddata.identity import collect_fields, decode_text


@dataclass(frozen=True)
class Address:
    """The parsed address file (zero padding ignored); ``raw`` is the file as read."""

    street_and_number: str
    zip: str
    municipality: str
    file_version: bytes | None = None
    unknown_tags: Mapping[int, bytes] = field(default_factory=dict)
    raw: bytes = field(default=b"", repr=False)

    @classmethod
    def parse(cls, raw: bytes) -> Address:
        """Parse the address file; anything malformed raises :class:`CardDataError`."""
        fields = collect_fields(raw, "address")
        if not any(tag in fields for tag in (AddressTag.STREET_AND_NUMBER, AddressTag.ZIP, AddressTag.MUNICIPALITY)):
            # An empty or all-zero file is a failed read (or a blank card), never an empty address.
            raise CardDataError("the address file holds no address")
        known = set(AddressTag)
        return cls(
            street_and_number=decode_text(1, fields.get(AddressTag.STREET_AND_NUMBER, b"")),
            zip=decode_text(2, fields.get(AddressTag.ZIP, b"")),
            municipality=decode_text(3, fields.get(AddressTag.MUNICIPALITY, b"")),
            file_version=fields.get(AddressTag.FILE_VERSION),
            unknown_tags={t: v for t, v in fields.items() if t not in known},
            raw=bytes(raw),
        )

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready fields keyed by the eid-mw PKCS#11 labels."""
        out: dict[str, Any] = {
            "address_street_and_number": self.street_and_number,
            "address_zip": self.zip,
            "address_municipality": self.municipality,
        }
        if self.unknown_tags:
            out["unknown_tags"] = {f"{t:02x}": v.hex() for t, v in sorted(self.unknown_tags.items())}
        return out
