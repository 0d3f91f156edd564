"""``sign_pkcs11_softhsm``: eidlib's ``Pkcs11Token.sign`` vs raw PyKCS11 on SoftHSM2.

SoftHSM reads ``SOFTHSM2_CONF`` once, when the module is first initialised in a process,
so the entry runs in a child process with its own token directory (``python -m
benchmarks.softhsm``); :func:`sign_pkcs11_softhsm` starts it and reads its JSON answer.
Both sides use the same session, the same key handle and the same mechanism.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

import PyKCS11

from benchmarks.entry import Entry
from benchmarks.errors import BenchmarkError
from benchmarks.profiling import profile_operation
from benchmarks.timing import measure_group, ratio
from benchmarks.workload import HASH, Budget, Profile, message
from eidlib.pkcs11 import Pkcs11Token, open_token
from eidlib.pkcs11.mechanisms import hash_spec, mechanism_name, plan_signature

REPO_ROOT = Path(__file__).resolve().parents[1]
SOFTHSM_MODULE = "/usr/lib/softhsm/libsofthsm2.so"
#: Token label and key kind per applet profile.
TOKENS: dict[Profile, tuple[str, str]] = {"1.7": ("BELPIC", "rsa"), "1.8": ("BELPIC-EC", "ec")}
_CHILD_TIMEOUT = 240.0


def _provision(directory: Path) -> str:
    """Two eID-like tokens (RSA-2048 and P-384) in ``directory``; returns the user PIN."""
    from tests.pkcs11.softhsm import EID_LABELS, USER_PIN, eid_ids, provision_eid
    from tests.support.pki import make_pki

    lib = PyKCS11.PyKCS11Lib()
    lib.load(SOFTHSM_MODULE)
    pki = make_pki()
    for label, kind in TOKENS.values():
        provision_eid(lib, pki, label, kind, ids=eid_ids(False), labels=EID_LABELS)
    return USER_PIN


def _raw_signer(token: Pkcs11Token, profile: Profile, data: bytes) -> tuple[Callable[[], bytes], str]:
    """Raw PyKCS11 on the token's own session: the key handle and mechanism eidlib picks."""
    private = token.private_key("authentication")
    plan = plan_signature(
        private.kind, hash_spec(HASH[profile]), "pkcs1v15", prehashed=False, available=token.mechanisms
    )
    # The session object is not public API; the raw baseline must run on exactly that session.
    session = token._session
    if session is None:
        raise BenchmarkError("the token session is closed")
    mechanism = plan.native()
    handle = private.handle

    def raw() -> bytes:
        # Host-side hashing (CKM_ECDSA) is part of the work both sides must do.
        return bytes(session.sign(handle, plan.sign_input(data, prehashed=False), mechanism))

    return raw, mechanism_name(plan.mechanism)


def measure_softhsm(profile: Profile, budget: Budget, profile_dir: Path | None = None, profile_ops: int = 0) -> Entry:
    """The entry for one token, measured in this process (``SOFTHSM2_CONF`` must be set).

    With ``profile_dir``, ``Pkcs11Token.sign`` is also profiled over ``profile_ops`` signatures.
    """
    label, _kind = TOKENS[profile]
    data = message(profile)
    with open_token(SOFTHSM_MODULE, token_label=label) as token:
        from tests.pkcs11.softhsm import USER_PIN

        token.verify_pin(USER_PIN)

        def through_eidlib() -> bytes:
            return token.sign(data, hash=HASH[profile])

        raw, mechanism = _raw_signer(token, profile, data)
        if len(through_eidlib()) != len(raw()):
            raise BenchmarkError("eidlib and raw PyKCS11 signatures differ in size")
        found = measure_group(
            {"Pkcs11Token.sign": through_eidlib, "raw PyKCS11": raw},
            rounds=budget.rounds, inner=budget.inner, warmup=budget.warmup,
        )
        details: dict[str, object] = {}
        if profile_dir is not None and profile_ops > 0:
            hotspots = profile_operation(f"pkcs11-softhsm-sign-{profile}", through_eidlib, profile_ops, profile_dir)
            details["hotspots"] = [spot.to_dict() for spot in hotspots]
    return Entry(
        name="sign_pkcs11_softhsm",
        profile=profile,
        kind="compare",
        path=f"SoftHSM2 token {label!r} ({'RSA-2048' if profile == '1.7' else 'EC P-384'}), {mechanism}",
        figures=found,
        ratio=ratio(found["Pkcs11Token.sign"], found["raw PyKCS11"]),
        ratio_label="Pkcs11Token / raw PyKCS11",
        counts={"overhead_us_per_signature": (found["Pkcs11Token.sign"].median - found["raw PyKCS11"].median) * 1e6},
        details=details,
        note="same session, key handle and mechanism; profile = the key type of that applet",
    )


def sign_pkcs11_softhsm(budget: Budget, profile_dir: Path | None = None, profile_ops: int = 0) -> list[Entry]:
    """Run :func:`measure_softhsm` for both key types in a child process with a private token directory."""
    with tempfile.TemporaryDirectory(prefix="eidlib-bench-softhsm-") as directory:
        tokens = Path(directory) / "tokens"
        tokens.mkdir()
        conf = Path(directory) / "softhsm2.conf"
        conf.write_text(f"directories.tokendir = {tokens}\nobjectstore.backend = file\nlog.level = ERROR\n")
        env = {**os.environ, "SOFTHSM2_CONF": str(conf), "PYTHONPATH": str(REPO_ROOT)}
        command = [
            sys.executable, "-m", "benchmarks.softhsm",
            "--rounds", str(budget.rounds), "--inner", str(budget.inner), "--warmup", str(budget.warmup),
        ]
        if profile_dir is not None and profile_ops > 0:
            command += ["--profile-dir", str(profile_dir), "--profile-ops", str(profile_ops)]
        try:
            done = subprocess.run(
                command, cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=_CHILD_TIMEOUT, check=False
            )
        except subprocess.TimeoutExpired as exc:
            raise BenchmarkError(f"the SoftHSM benchmark did not finish in {_CHILD_TIMEOUT:g} s") from exc
    if done.returncode != 0:
        raise BenchmarkError(f"the SoftHSM benchmark failed ({done.returncode}):\n{done.stderr[-2000:]}")
    try:
        raw = json.loads(done.stdout)
    except json.JSONDecodeError as exc:
        raise BenchmarkError(f"the SoftHSM benchmark printed no JSON: {done.stdout[-500:]!r}") from exc
    if not isinstance(raw, list):
        raise BenchmarkError("the SoftHSM benchmark answered something else than a list")
    return [Entry.from_dict(item) for item in raw]


def main(argv: list[str] | None = None) -> int:
    """Child process: provision the tokens and print the entries as JSON."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--inner", type=int, default=10)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--profile-dir", type=Path, default=None)
    parser.add_argument("--profile-ops", type=int, default=0)
    args = parser.parse_args(argv)
    conf = os.environ.get("SOFTHSM2_CONF")
    if not conf:
        parser.error("SOFTHSM2_CONF must point at a private configuration")
    budget = Budget(args.rounds, args.inner, args.warmup)
    _provision(Path(conf).parent)
    entries = [measure_softhsm(profile, budget, args.profile_dir, args.profile_ops) for profile in TOKENS]
    print(json.dumps([entry.to_dict() for entry in entries]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
