"""Known Belgian eID certificate policy OIDs and what they mean.

Source: the e-Contract Java Trust Project (``BelgianTrustValidatorFactory``), summarised in
``shared/spec/auth-protocol.md`` §3.4, plus the root/CA policies seen in the shipped certificates.
The pattern is ``2.16.56.<gen>.1.1`` for a root, ``…1.1.2`` / ``…1.1.7`` for the citizen /
foreigner CA, a last arc ``.2`` for authentication and ``.1`` for non-repudiation, ``…1.1.4`` for
the National Register (RRN). Production RCA6-era leaf policies are not public; ECC test cards use
the CA4 values. Treat this table as information, not as the authentication test (that is KU/EKU).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import Enum


class PolicyUsage(str, Enum):
    """What a policy OID says the certificate is for."""

    ROOT = "root"
    CA = "ca"
    AUTHENTICATION = "authentication"
    NON_REPUDIATION = "non-repudiation"
    RRN = "rrn"
    TEST = "test"


class HolderType(str, Enum):
    """Whose card the certificate is on, as the policy says."""

    CITIZEN = "citizen"
    FOREIGNER = "foreigner"


@dataclass(frozen=True)
class BelgianPolicy:
    """One known policy OID."""

    oid: str
    generation: str
    usage: PolicyUsage
    holder: HolderType | None

    @property
    def description(self) -> str:
        """Human-readable meaning, e.g. ``"Root CA4 citizen authentication"``."""
        parts = [self.generation]
        if self.holder is not None:
            parts.append(self.holder.value)
        parts.append(self.usage.value)
        return " ".join(parts)


#: Root generation -> the arc after ``2.16.56``.
_GENERATIONS: tuple[tuple[str, str], ...] = (
    ("Root CA", "1"),
    ("Root CA2", "9"),
    ("Root CA3", "10"),
    ("Root CA4", "12"),
)

#: Suffix under ``2.16.56.<gen>.1.1`` -> (usage, holder).
_SUFFIXES: tuple[tuple[str, PolicyUsage, HolderType | None], ...] = (
    ("", PolicyUsage.ROOT, None),
    (".2", PolicyUsage.CA, HolderType.CITIZEN),
    (".7", PolicyUsage.CA, HolderType.FOREIGNER),
    (".2.2", PolicyUsage.AUTHENTICATION, HolderType.CITIZEN),
    (".7.2", PolicyUsage.AUTHENTICATION, HolderType.FOREIGNER),
    (".2.1", PolicyUsage.NON_REPUDIATION, HolderType.CITIZEN),
    (".7.1", PolicyUsage.NON_REPUDIATION, HolderType.FOREIGNER),
    (".4", PolicyUsage.RRN, None),
)


def _build_table() -> dict[str, BelgianPolicy]:
    table: dict[str, BelgianPolicy] = {}
    for generation, arc in _GENERATIONS:
        for suffix, usage, holder in _SUFFIXES:
            oid = f"2.16.56.{arc}.1.1{suffix}"
            table[oid] = BelgianPolicy(oid, generation, usage, holder)
    # Policy of the specimen (test) cards of the commons-eid test set.
    table["2.16.56.1.40.40.40.1"] = BelgianPolicy("2.16.56.1.40.40.40.1", "test", PolicyUsage.TEST, None)
    return table


#: Every known Belgian eID policy OID, keyed by dotted string.
BELGIAN_POLICIES: dict[str, BelgianPolicy] = _build_table()

#: Policies of authentication certificates (citizen and foreigner, every generation).
AUTHENTICATION_POLICY_OIDS: frozenset[str] = frozenset(
    oid for oid, p in BELGIAN_POLICIES.items() if p.usage is PolicyUsage.AUTHENTICATION
)

#: Policies of non-repudiation (qualified signature) certificates.
NON_REPUDIATION_POLICY_OIDS: frozenset[str] = frozenset(
    oid for oid, p in BELGIAN_POLICIES.items() if p.usage is PolicyUsage.NON_REPUDIATION
)


def lookup_policies(oids: Iterable[str]) -> tuple[BelgianPolicy, ...]:
    """Return the known Belgian policies among ``oids`` (unknown OIDs are skipped), in order."""
    return tuple(BELGIAN_POLICIES[oid] for oid in oids if oid in BELGIAN_POLICIES)


def holder_type(oids: Iterable[str]) -> HolderType | None:
    """Citizen or foreigner, if a known policy among ``oids`` says so."""
    for policy in lookup_policies(oids):
        if policy.holder is not None:
            return policy.holder
    return None
