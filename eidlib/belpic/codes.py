"""Code tables of the identity file: document type (tag 0F) and special status (tag 10)."""

from __future__ import annotations

from enum import IntEnum


class DocumentType(IntEnum):
    """Tag ``0F`` codes (spec §5.2 table)."""

    BELGIAN_CITIZEN = 1
    KIDS_CARD = 6
    BOOTSTRAP_CARD = 7
    HABILITATION_CARD = 8
    FOREIGNER_A = 11
    FOREIGNER_B = 12
    FOREIGNER_C = 13
    FOREIGNER_D = 14
    FOREIGNER_E = 15
    FOREIGNER_E_PLUS = 16
    FOREIGNER_F = 17
    FOREIGNER_F_PLUS = 18
    EUROPEAN_BLUE_CARD_H = 19
    FOREIGNER_I = 20
    FOREIGNER_J = 21
    FOREIGNER_M = 22
    FOREIGNER_N = 23
    FOREIGNER_K = 27
    FOREIGNER_L = 28
    FOREIGNER_EU = 31
    FOREIGNER_EU_PLUS = 32
    FOREIGNER_A_NEW = 33
    FOREIGNER_B_NEW = 34
    FOREIGNER_F_NEW = 35
    FOREIGNER_F_PLUS_NEW = 36
    KIDS_FOREIGNER_EU = 61
    KIDS_FOREIGNER_EU_PLUS = 62
    KIDS_FOREIGNER_A = 63
    KIDS_FOREIGNER_B = 64
    KIDS_FOREIGNER_K = 65
    KIDS_FOREIGNER_L = 66
    KIDS_FOREIGNER_F = 67
    KIDS_FOREIGNER_F_PLUS = 68
    KIDS_FOREIGNER_M = 69


class SpecialStatus(IntEnum):
    """Tag ``10`` codes."""

    NO_STATUS = 0
    WHITE_CANE = 1
    EXTENDED_MINORITY = 2
    WHITE_CANE_EXTENDED_MINORITY = 3
    YELLOW_CANE = 4
    YELLOW_CANE_EXTENDED_MINORITY = 5

    @property
    def white_cane(self) -> bool:
        """Blind holder."""
        return self in (SpecialStatus.WHITE_CANE, SpecialStatus.WHITE_CANE_EXTENDED_MINORITY)

    @property
    def yellow_cane(self) -> bool:
        """Partially sighted holder."""
        return self in (SpecialStatus.YELLOW_CANE, SpecialStatus.YELLOW_CANE_EXTENDED_MINORITY)

    @property
    def extended_minority(self) -> bool:
        """Adult under extended minority."""
        return self in (
            SpecialStatus.EXTENDED_MINORITY,
            SpecialStatus.WHITE_CANE_EXTENDED_MINORITY,
            SpecialStatus.YELLOW_CANE_EXTENDED_MINORITY,
        )

    @property
    def bad_sight(self) -> bool:
        """White or yellow cane."""
        return self.white_cane or self.yellow_cane
