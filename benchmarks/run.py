"""``make bench``: every benchmark entry, the hot-path profiles, and ``results/latest.{json,md}``.

Usage: ``.venv/bin/python benchmarks/run.py [--quick] [--no-pcsc] [--no-pkcs11] [--out DIR]``.
The PC/SC entries start pcscd + vpcd with the virtual cards through the test harness
(``tests/pcsc_harness.py``), which waits for the machine-wide pcscd lock like the tests do.
An entry that cannot run is listed under "Not measured" and makes the exit status 1.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

if __package__ in (None, ""):
    # Run as a script (``python benchmarks/run.py``): make the repository importable.
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.counting import Tally
from benchmarks.entry import Entry
from benchmarks.estimate import estimated_real_card
from benchmarks.login import COUNTED_LOGINS, authenticate_entries, login, prepare_validation, validate_entry
from benchmarks.machine import machine_info
from benchmarks.profiling import Hotspot, profile_operation
from benchmarks.reading import card_files, read_all_entries
from benchmarks.report import write_report
from benchmarks.signing import (
    COUNTED_SIGNATURES,
    inprocess_card,
    sign_inprocess,
    sign_pcsc,
    sign_pkcs11_opensc,
    signer,
)
from benchmarks.softhsm import sign_pkcs11_softhsm
from benchmarks.transport import round_trip
from benchmarks.workload import PIN, PROFILES, QUICK, Budget, Profile, read_all
from eidlib.card.session import BeidCard
from eidlib.emulator import VirtualCard, VirtualTransport
from eidlib.opener import open_card

if TYPE_CHECKING:
    from tests.pcsc_harness import PcscStack

RESULTS = Path(__file__).resolve().parent / "results"
#: The default budget: about a minute of timed loops on a 2-core machine.
FULL = Budget(rounds=61, inner=20, warmup=5)
#: Operations per cProfile run.
PROFILE_OPS = 300

_T = TypeVar("_T")


@dataclass
class Options:
    """What to run and how long."""

    budget: Budget = FULL
    pcsc: bool = True
    pkcs11: bool = True
    profile_ops: int = PROFILE_OPS
    out_dir: Path = RESULTS
    lock_timeout: float | None = None


@dataclass
class RunResult:
    """Everything one run produced."""

    entries: list[Entry] = field(default_factory=list)
    hotspots: dict[str, list[Hotspot]] = field(default_factory=dict)
    failures: dict[str, str] = field(default_factory=dict)
    elapsed: float = 0.0
    json_path: Path | None = None
    md_path: Path | None = None

    def attempt(self, name: str, action: Callable[[], _T]) -> _T | None:
        """Run one benchmark; a failure is recorded under ``name`` instead of ending the run."""
        try:
            return action()
        except Exception as exc:  # any failure of one entry is reported, the others still run
            self.failures[name] = f"{type(exc).__name__}: {exc}".splitlines()[0][:300]
            print(f"bench: {name} failed: {self.failures[name]}", file=sys.stderr)
            return None


def _progress(message: str) -> None:
    print(f"bench: {message}", file=sys.stderr, flush=True)


def _profile_hot_paths(result: RunResult, options: Options) -> None:
    """cProfile one signature, one login, one cold read-all and one validation per profile (in process)."""
    ops = options.profile_ops
    out = options.out_dir
    for profile in PROFILES:

        def sign_path(profile: Profile = profile) -> list[Hotspot]:
            card, _key = inprocess_card(profile)
            with card:
                return profile_operation(f"sign-{profile}", signer(card, profile), ops, out)

        def login_path(profile: Profile = profile) -> list[Hotspot]:
            with open_card(virtual=profile) as card:
                return profile_operation(f"authenticate-{profile}", login(card), ops, out)

        def read_path(profile: Profile = profile) -> list[Hotspot]:
            virtual = VirtualCard(profile)

            def cold() -> None:
                with BeidCard(VirtualTransport(virtual)) as card:
                    card.open()
                    read_all(card)

            return profile_operation(f"read-all-cold-{profile}", cold, max(1, ops // 5), out)

        def validate_path(profile: Profile = profile) -> list[Hotspot]:
            return profile_operation(f"validate-{profile}", prepare_validation(profile).validate, ops, out)

        for label, action in (("sign", sign_path), ("authenticate", login_path), ("read-all-cold", read_path),
                              ("validate", validate_path)):
            spots = result.attempt(f"profile {label}-{profile}", action)
            if spots is not None:
                result.hotspots[f"{label} {profile} (in-process)"] = spots


def _estimate(
    profile: Profile, read_tally: Tally, login_tally: Tally, sign_tally: Tally | None, through: str
) -> Entry:
    return estimated_real_card(
        profile, card_files(profile), read_tally, login_tally, COUNTED_LOGINS,
        sign_tally, COUNTED_SIGNATURES if sign_tally is not None else 0, counted_through=through,
    )


def _profile_pcsc(result: RunResult, options: Options, profile: Profile, reader: str) -> None:
    """cProfile one signature and one login through pcscd (where the IPC time goes)."""
    ops = max(1, options.profile_ops // 3)

    def sign_path() -> list[Hotspot]:
        with open_card(reader=reader) as card:
            card.verify_pin(PIN)
            return profile_operation(f"sign-pcsc-{profile}", signer(card, profile), ops, options.out_dir)

    def login_path() -> list[Hotspot]:
        with open_card(reader=reader) as card:
            return profile_operation(f"authenticate-pcsc-{profile}", login(card), ops, options.out_dir)

    for label, action in (("sign", sign_path), ("authenticate", login_path)):
        spots = result.attempt(f"profile {label}-pcsc-{profile}", action)
        if spots is not None:
            result.hotspots[f"{label} {profile} (pcscd)"] = spots


def _pcsc_entries(result: RunResult, options: Options, stack: PcscStack) -> None:
    budget = options.budget
    readers = {"1.7": stack.reader_17, "1.8": stack.reader_18}
    for profile in PROFILES:
        reader = readers[profile]
        _progress(f"through pcscd, applet {profile}")
        trip = result.attempt(f"apdu_round_trip {profile}", partial(round_trip, profile, reader, budget))
        if trip is not None:
            result.entries.append(trip)
        signed = result.attempt(f"sign_pcsc {profile}", partial(sign_pcsc, profile, reader, budget))
        sign_tally: Tally | None = None
        if signed is not None:
            result.entries.append(signed[0])
            sign_tally = signed[1]
        _login_read_estimate(result, profile, reader, budget, sign_tally, "pcscd")
        if options.profile_ops:
            _profile_pcsc(result, options, profile, reader)
    if options.pkcs11:
        _progress("OpenSC PKCS#11 on the 1.7 card")
        slot = next(s for s in stack.cards if stack.reader(s) == stack.reader_17)
        opensc = result.attempt(
            "sign_pkcs11_opensc",
            lambda: sign_pkcs11_opensc(stack.reader_17, lambda: int(stack.card_status(slot)["apdus"]), budget),
        )
        if opensc is not None:
            result.entries.append(opensc)


def _inprocess_only_entries(result: RunResult, options: Options) -> None:
    """Without pcscd: authenticate, read-all and the estimate from in-process counts."""
    for profile in PROFILES:
        _login_read_estimate(result, profile, None, options.budget, None, "in-process")


def _login_read_estimate(
    result: RunResult, profile: Profile, reader: str | None, budget: Budget, sign_tally: Tally | None, path: str
) -> None:
    """``authenticate`` and ``read_all`` on one card (``reader=None``: in process), then the real-card estimate."""
    logged = result.attempt(f"authenticate {profile}", partial(authenticate_entries, profile, reader, budget))
    if logged is not None:
        result.entries.extend(logged[0])
    read = result.attempt(f"read_all {profile}", partial(read_all_entries, profile, reader, budget))
    if read is not None:
        result.entries.extend(read[0])
    if logged is not None and read is not None:
        estimate = result.attempt(
            f"estimated_real_card {profile}", partial(_estimate, profile, read[1], logged[1], sign_tally, path)
        )
        if estimate is not None:
            result.entries.append(estimate)


def run_all(options: Options, *, stack: PcscStack | None = None) -> RunResult:
    """Run every entry, profile the hot paths and write the report.

    ``stack``: an already running :class:`tests.pcsc_harness.PcscStack` (the test fixture);
    without one and with ``options.pcsc``, a stack is started for the PC/SC entries and stopped after.
    """
    start = time.monotonic()
    result = RunResult()
    budget = options.budget
    _progress("in-process signatures")
    for profile in PROFILES:
        entry = result.attempt(f"sign_inprocess {profile}", partial(sign_inprocess, profile, budget))
        if entry is not None:
            result.entries.append(entry)
    if options.pkcs11:
        _progress("SoftHSM2 (child process)")
        softhsm = result.attempt(
            "sign_pkcs11_softhsm",
            lambda: sign_pkcs11_softhsm(budget, options.out_dir if options.profile_ops else None,
                                        options.profile_ops),
        )
        for entry in softhsm or []:
            spots = entry.details.pop("hotspots", None)
            if spots:
                result.hotspots[f"Pkcs11Token.sign {entry.profile} (SoftHSM)"] = [Hotspot(**s) for s in spots]
            result.entries.append(entry)
    if options.pcsc:
        if stack is not None:
            _pcsc_entries(result, options, stack)
        else:
            from tests.pcsc_harness import LOCK_TIMEOUT, PcscStack

            _progress("starting pcscd + vpcd (waits for the machine-wide pcscd lock)")
            timeout = options.lock_timeout if options.lock_timeout is not None else LOCK_TIMEOUT

            def with_own_stack() -> None:
                with PcscStack(lock_timeout=timeout) as own:
                    _pcsc_entries(result, options, own)

            result.attempt("pcscd stack", with_own_stack)
    else:
        _inprocess_only_entries(result, options)
    _progress("validator throughput")
    for profile in PROFILES:
        entry = result.attempt(f"validate {profile}", partial(validate_entry, profile, budget))
        if entry is not None:
            result.entries.append(entry)
    if options.profile_ops:
        _progress("profiling the hot paths")
        _profile_hot_paths(result, options)
    result.elapsed = time.monotonic() - start
    result.json_path, result.md_path = write_report(
        options.out_dir, result.entries, machine_info(), result.hotspots,
        elapsed=result.elapsed, failures=result.failures,
    )
    return result


def main(argv: list[str] | None = None) -> int:
    """Command line entry point (``make bench``)."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="tiny rounds: checks that everything runs")
    parser.add_argument("--rounds", type=int, default=FULL.rounds)
    parser.add_argument("--inner", type=int, default=FULL.inner)
    parser.add_argument("--warmup", type=int, default=FULL.warmup)
    parser.add_argument("--no-pcsc", action="store_true", help="skip pcscd (in-process figures only)")
    parser.add_argument("--no-pkcs11", action="store_true", help="skip SoftHSM2 and OpenSC")
    parser.add_argument("--profile-ops", type=int, default=PROFILE_OPS, help="operations per profile (0: none)")
    parser.add_argument("--lock-timeout", type=float, default=None, help="seconds to wait for the pcscd lock")
    parser.add_argument("--out", type=Path, default=RESULTS, help="where latest.json and latest.md go")
    args = parser.parse_args(argv)
    if min(args.rounds, args.inner) < 1 or args.warmup < 0 or args.profile_ops < 0:
        parser.error("rounds and inner must be at least 1, warmup and profile-ops at least 0")
    budget = QUICK if args.quick else Budget(args.rounds, args.inner, args.warmup)
    options = Options(
        budget=budget,
        pcsc=not args.no_pcsc,
        pkcs11=not args.no_pkcs11,
        profile_ops=min(args.profile_ops, 5) if args.quick else args.profile_ops,
        out_dir=args.out,
        lock_timeout=args.lock_timeout,
    )
    result = run_all(options)
    print(f"bench: {len(result.entries)} entries in {result.elapsed:.0f} s → {result.md_path}", file=sys.stderr)
    if result.md_path is not None:
        print(result.md_path.read_text())
    return 1 if result.failures else 0


if __name__ == "__main__":
    sys.exit(main())
