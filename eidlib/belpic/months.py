"""Month abbreviations of the birth date in the identity file (spec §5.2, IDA5 §3)."""

from __future__ import annotations

from collections.abc import Mapping

#: What each card language writes for months 1..12, upper case, without the trailing dot.
MONTHS: Mapping[str, tuple[str, ...]] = {
    "fr": ("JAN", "FEV", "MARS", "AVR", "MAI", "JUIN", "JUIL", "AOUT", "SEPT", "OCT", "NOV", "DEC"),
    "nl": ("JAN", "FEB", "MAAR", "APR", "MEI", "JUN", "JUL", "AUG", "SEP", "OKT", "NOV", "DEC"),
    "de": ("JAN", "FEB", "MÄR", "APR", "MAI", "JUN", "JUL", "AUG", "SEP", "OKT", "NOV", "DEZ"),
}

#: Other spellings seen on cards (accents, English-looking forms), accepted when reading.
_VARIANTS: Mapping[str, int] = {
    "JANV": 1, "FÉV": 2, "MAR": 3, "MRZ": 3, "MAY": 5, "AOÛT": 8, "DÉC": 12,
}  # fmt: skip

#: Every accepted spelling → month number.
MONTH_NUMBERS: Mapping[str, int] = {
    **{name: number for names in MONTHS.values() for number, name in enumerate(names, start=1)},
    **_VARIANTS,
}
