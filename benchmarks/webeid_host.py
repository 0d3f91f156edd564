"""Web eID host round trip vs ``authenticate()`` on the same card (pcscd + vpcd), same run.

``python benchmarks/webeid_host.py [--rounds N]``. Three subjects, interleaved round by round:

* **host**: ``eid webeid-host`` already started and its version message read; timed from writing the
  ``authenticate`` command on its stdin to reading the reply on its stdout (the process start, which the
  extension waits for separately, is outside);
* **pinentry**: the PIN prompt alone (start, Assuan exchange, GETPIN) with a minimal ``/bin/sh``
  pinentry that answers at once; the host runs it once per request, it stands for the user's typing
  and is subtracted ("excluding the PIN prompt");
* **direct**: ``open_card(reader)`` + ``authenticate()`` in this process (the host also opens the card
  per request).

Ratio = (host − pinentry) / direct, per profile; the goal is ≤ 1.2. Writes ``results/webeid-host.md``
and ``.json``; exits 1 when a ratio misses the goal. No timing is asserted anywhere.
"""

from __future__ import annotations

import argparse
import json
import statistics
import struct
import subprocess
import sys
import tempfile
import time
from functools import partial
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from eidlib.auth import authenticate, generate_nonce
from eidlib.opener import open_card
from eidlib.webeid import pinentry
from tests.pcsc_harness import PcscStack
from tests.webeid.driver import EID, frame, host_env

ORIGIN = "https://portal.example.be"
RESULTS = Path(__file__).with_name("results")
GOAL = 1.2
#: A pinentry that answers every GETPIN with the virtual cards' PIN, costing little more than a fork.
INSTANT_PINENTRY = """#!/bin/sh
echo "OK ready"
while read -r verb rest; do
  case "$verb" in
    GETPIN) echo "D 1234"; echo OK ;;
    BYE) echo OK; exit 0 ;;
    *) echo OK ;;
  esac
done
"""


def _read_frame(stream: object) -> dict[str, object]:
    read = stream.read  # type: ignore[attr-defined]
    (length,) = struct.unpack("=I", read(4))
    return json.loads(read(length))  # type: ignore[no-any-return]


def host_round_trip(reader: str, program: str) -> float:
    process = subprocess.Popen([EID, "webeid-host", "--host-reader", reader, "--pinentry", program],
                               stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                               env=host_env())
    assert process.stdin is not None and process.stdout is not None
    _read_frame(process.stdout)  # the version message
    command = frame({"command": "authenticate", "arguments": {"challengeNonce": generate_nonce(), "origin": ORIGIN}})
    start = time.perf_counter()
    process.stdin.write(command)
    process.stdin.flush()
    reply = _read_frame(process.stdout)
    elapsed = time.perf_counter() - start
    process.wait(timeout=30)
    if "signature" not in reply:
        raise RuntimeError(f"host failed: {reply}")
    return elapsed


def pinentry_alone(program: str) -> float:
    start = time.perf_counter()
    pin = pinentry.get_pin(pinentry.PinPrompt(title="t", description="d"), program=program)
    elapsed = time.perf_counter() - start
    pin[:] = bytes(len(pin))
    return elapsed


def direct(reader: str) -> float:
    start = time.perf_counter()
    with open_card(reader) as card:
        authenticate(bytearray(b"1234"), challenge=generate_nonce(), origin=ORIGIN, token=card)
    return time.perf_counter() - start


def write_results(out: Path, results: dict[str, dict[str, float]], rounds: int) -> None:
    """``webeid-host.json`` (the medians in seconds) and ``webeid-host.md`` (the table) under ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    (out / "webeid-host.json").write_text(json.dumps({"rounds": rounds, "goal": GOAL, "profiles": results},
                                                     indent=2) + "\n")
    lines = [
        "## Web eID host round trip",
        "",
        f"Medians of {rounds} interleaved rounds (`python benchmarks/webeid_host.py`), virtual cards through pcscd.",
        "",
        "| profile | host (command → reply) | pinentry alone | direct `authenticate()` "
        f"| ratio (host − pinentry) / direct | goal ≤ {GOAL} |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for profile, m in results.items():
        lines.append(f"| {profile} | {m['host'] * 1e3:.2f} ms | {m['pinentry'] * 1e3:.2f} ms "
                     f"| {m['direct'] * 1e3:.2f} ms | {m['ratio']:.2f} | {'✔' if m['ratio'] <= GOAL else '✘'} |")
    (out / "webeid-host.md").write_text("\n".join(lines) + "\n")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args()
    results: dict[str, dict[str, float]] = {}
    program = Path(tempfile.mkdtemp(prefix="eidlib-bench-")) / "pinentry"
    program.write_text(INSTANT_PINENTRY)
    program.chmod(0o755)
    with PcscStack() as stack:
        for profile, reader in (("1.7", stack.reader_17), ("1.8", stack.reader_18)):
            samples: dict[str, list[float]] = {"host": [], "pinentry": [], "direct": []}
            subjects = {"host": partial(host_round_trip, reader, str(program)),
                        "pinentry": partial(pinentry_alone, str(program)), "direct": partial(direct, reader)}
            for name in subjects:  # warm-up
                subjects[name]()
            for index in range(args.rounds):
                names = list(subjects)[index % 3:] + list(subjects)[: index % 3]
                for name in names:
                    samples[name].append(subjects[name]())
            medians = {name: statistics.median(values) for name, values in samples.items()}
            medians["ratio"] = (medians["host"] - medians["pinentry"]) / medians["direct"]
            results[profile] = medians
    print(f"{'profile':8} {'host ms':>9} {'pinentry ms':>12} {'direct ms':>10} {'ratio':>6}  (goal <= {GOAL})")
    for profile, m in results.items():
        print(f"{profile:8} {m['host'] * 1e3:9.1f} {m['pinentry'] * 1e3:12.1f} {m['direct'] * 1e3:10.1f}"
              f" {m['ratio']:6.2f}")
    write_results(args.out, results, args.rounds)
    return 0 if all(m["ratio"] <= GOAL for m in results.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
