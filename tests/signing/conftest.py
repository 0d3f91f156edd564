"""Fixtures of the document-signing tests: one :class:`SigningWorld` per card generation (session-wide)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.signing.world import SigningWorld, signing_world


@pytest.fixture(scope="session")
def worlds(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, SigningWorld]]:
    """Both generations' worlds, started once; ``worlds["1.7"]``, ``worlds["1.8"]``."""
    base = tmp_path_factory.mktemp("signing")
    with signing_world("1.7", base / "w17") as w17, signing_world("1.8", base / "w18") as w18:
        yield {"1.7": w17, "1.8": w18}


@pytest.fixture(params=["1.7", "1.8"])
def world(request: pytest.FixtureRequest, worlds: dict[str, SigningWorld]) -> SigningWorld:
    """Each generation in turn."""
    chosen = worlds[request.param]
    chosen.tsa.mode = "ok"
    return chosen


@pytest.fixture
def world18(worlds: dict[str, SigningWorld]) -> SigningWorld:
    """The applet 1.8 (ECDSA P-384) world."""
    worlds["1.8"].tsa.mode = "ok"
    return worlds["1.8"]


@pytest.fixture
def world17(worlds: dict[str, SigningWorld]) -> SigningWorld:
    """The applet 1.7 (RSA-2048) world."""
    worlds["1.7"].tsa.mode = "ok"
    return worlds["1.7"]


@pytest.fixture
def revoked_world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SigningWorld]:
    """A 1.8 world whose OCSP responder says the card's certificates are revoked."""
    with signing_world("1.8", tmp_path_factory.mktemp("revoked") / "w", revoked=True) as revoked:
        yield revoked
