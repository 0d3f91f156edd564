"""``estimated_real_card``: what a user would wait for on a real card, and the APDUs vs the minimum.

The exchanges eidlib really sent (counted through pcscd, or in process) are priced with
:class:`~benchmarks.card_model.CardModel`; so are the fewest exchanges the protocol allows
(:func:`~benchmarks.card_model.minimum_read_all`, :func:`~benchmarks.card_model.minimum_signature`).
"""

from __future__ import annotations

from benchmarks.card_model import (
    DEFAULT_READER_OVERHEAD_S,
    DEFAULT_SIGNATURE_S,
    EIDMW_CHUNK,
    MAX_READ,
    CardModel,
    FileRead,
    minimum_read_all,
    minimum_signature,
    parameters_from_recordings,
)
from benchmarks.counting import Tally
from benchmarks.entry import Entry
from benchmarks.workload import PSO_PAYLOAD, SIGNATURE_SIZE, Profile
from eidlib.emulator import ATR


def model_for(profile: Profile, reader_overhead_s: float | None = None) -> CardModel:
    """The latency model of a real card of ``profile``: its ATR, and the overhead and signature time
    fitted on recordings of real cards when there are any (else the defaults)."""
    recorded = parameters_from_recordings()
    if reader_overhead_s is None:
        reader_overhead_s = recorded.reader_overhead_s if recorded else DEFAULT_READER_OVERHEAD_S
    signature_s = (recorded.signature_s if recorded else {}).get(profile, DEFAULT_SIGNATURE_S[profile])
    return CardModel(ATR[profile], reader_overhead_s=reader_overhead_s, signature_s=signature_s)


def estimated_real_card(
    profile: Profile,
    files: list[FileRead],
    read_tally: Tally,
    login_tally: Tally,
    logins_counted: int,
    sign_tally: Tally | None,
    signatures_counted: int,
    *,
    counted_through: str,
) -> Entry:
    """Modelled seconds and APDU counts for read-all, one login and one further signature."""
    model = model_for(profile)
    payload, size = PSO_PAYLOAD[profile], SIGNATURE_SIZE[profile]
    minimum_read = minimum_read_all(files, MAX_READ)
    eidmw_read = minimum_read_all(files, EIDMW_CHUNK)
    minimum_login = minimum_signature(payload, size, verify=True)
    minimum_sign = minimum_signature(payload, size, verify=False)
    per_login = login_tally.exchanges[: len(login_tally.exchanges) // max(1, logins_counted)]
    counts: dict[str, float] = {
        "read_all_apdus_eidlib": read_tally.apdus,
        "read_all_apdus_minimum": len(minimum_read),
        "read_all_apdus_minimum_252": len(eidmw_read),
        "read_all_seconds_eidlib": model.total_seconds(read_tally.exchanges),
        "read_all_seconds_minimum": model.total_seconds(minimum_read),
        "login_apdus_eidlib": len(per_login),
        "login_apdus_minimum": len(minimum_login),
        "login_seconds_eidlib": model.total_seconds(per_login, signatures=1),
        "login_seconds_minimum": model.total_seconds(minimum_login, signatures=1),
    }
    if sign_tally is not None and signatures_counted:
        per_sign = sign_tally.exchanges[: len(sign_tally.exchanges) // signatures_counted]
        counts["signature_apdus_eidlib"] = len(per_sign)
        counts["signature_apdus_minimum"] = len(minimum_sign)
        counts["signature_seconds_eidlib"] = model.total_seconds(per_sign, signatures=1)
        counts["signature_seconds_minimum"] = model.total_seconds(minimum_sign, signatures=1)
    return Entry(
        name="estimated_real_card",
        profile=profile,
        kind="estimate",
        path=f"latency model from the APDUs eidlib sent ({counted_through})",
        counts=counts,
        details={
            "model": model.describe(),
            "files": [{"name": f.name, "size": f.size, "der_length": f.needed} for f in files],
            "minimum_rule": (
                "read-all: GET CARD DATA + per file SELECT + READ BINARY of 256 bytes (certificates stop at the "
                "DER length; data files end with 6Cxx + re-read, or 6B00); login: MSE + VERIFY + PSO + GET "
                "RESPONSE; further signature (PIN once): MSE + PSO + GET RESPONSE"
            ),
            "login_apdus_eidlib": login_tally.instruction_names()[: len(per_login)],
        },
        note=(
            f"{model.bit_rate / 1000:.0f} kbit/s from the ATR, {model.reader_overhead_s * 1000:.1f} ms reader "
            f"overhead per APDU, {model.signature_s * 1000:.0f} ms on-card signature"
        ),
    )
