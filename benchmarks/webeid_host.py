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

Ratio = (host − pinentry) / direct, per profile; the goal is ≤ 1.2. Three more figures say where the
difference comes from, and are not the goal:

* **host code in process**: the host's ``execute()`` (the same code, card facts, dialog and all) called in
  this warm process, minus pinentry alone, over direct: what the host's own work costs;
* **with typing**: host and pinentry alone again with a pinentry that takes 100 ms to "type" the PIN; the
  host prepares its signature check meanwhile (as it does while a person types), so this difference is
  what a person waits for after pressing OK plus before the dialog;
* **start → version**: from starting the process to its version message (the extension waits for it
  before it sends the command; it is outside the round trip).

Writes ``results/webeid-host.md`` and ``.json``; exits 1 when a ratio misses the goal. No timing is
asserted anywhere.
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
from eidlib.webeid.card_access import CardSource
from eidlib.webeid.host import HostOptions, execute
from eidlib.webeid.protocol import parse_command
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
#: The same, taking ``TYPING`` seconds to answer GETPIN (a fast typist would need ten times more).
TYPING = 0.1
TYPING_PINENTRY = INSTANT_PINENTRY.replace('GETPIN) echo "D 1234"', f'GETPIN) sleep {TYPING}; echo "D 1234"')


def _read_frame(stream: object) -> dict[str, object]:
    read = stream.read  # type: ignore[attr-defined]
    (length,) = struct.unpack("=I", read(4))
    return json.loads(read(length))  # type: ignore[no-any-return]


def host_round_trip(reader: str, program: str, started: list[float] | None = None) -> float:
    spawned = time.perf_counter()
    process = subprocess.Popen([EID, "webeid-host", "--host-reader", reader, "--pinentry", program],
                               stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                               env=host_env())
    assert process.stdin is not None and process.stdout is not None
    _read_frame(process.stdout)  # the version message
    if started is not None:
        started.append(time.perf_counter() - spawned)
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


def host_code_in_process(reader: str, program: str) -> float:
    command = parse_command({"command": "authenticate", "arguments": {"challengeNonce": generate_nonce(),
                                                                     "origin": ORIGIN}})
    options = HostOptions(source=CardSource(reader=reader), pinentry=program)
    start = time.perf_counter()
    reply = execute(command, options)
    elapsed = time.perf_counter() - start
    if "signature" not in reply:
        raise RuntimeError(f"host code failed: {reply}")
    return elapsed


#: Column titles of the table, per key of the medians.
_COLUMNS = {
    "host": "host (command → reply)", "pinentry": "pinentry alone", "direct": "direct `authenticate()`",
    "ratio": "ratio (host − pinentry) / direct", "in_process_ratio": "host code in process, ratio",
    "typing_difference": f"with {TYPING * 1e3:.0f} ms typing: host − pinentry",
    "start": "start → version",
}  # fmt: skip


def write_results(out: Path, results: dict[str, dict[str, float]], rounds: int) -> None:
    """``webeid-host.json`` (the medians in seconds) and ``webeid-host.md`` (the table) under ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    (out / "webeid-host.json").write_text(json.dumps({"rounds": rounds, "goal": GOAL, "profiles": results},
                                                     indent=2) + "\n")
    lines = [
        "## Web eID host round trip",
        "",
        f"Medians of {rounds} interleaved rounds (`python benchmarks/webeid_host.py`), virtual cards through pcscd.",
        f"The goal (≤ {GOAL}) is on the ratio column; the three after it say where the difference comes from.",
        "",
        "| profile | " + " | ".join(_COLUMNS.values()) + f" | goal ≤ {GOAL} |",
        "| --- " * (len(_COLUMNS) + 2) + "|",
    ]
    for profile, m in results.items():
        cells = [f"{m[key]:.2f}" if "ratio" in key else f"{m[key] * 1e3:.2f} ms" for key in _COLUMNS]
        lines.append(f"| {profile} | " + " | ".join(cells) + f" | {'✔' if m['ratio'] <= GOAL else '✘'} |")
    (out / "webeid-host.md").write_text("\n".join(lines) + "\n")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args()
    results: dict[str, dict[str, float]] = {}
    folder = Path(tempfile.mkdtemp(prefix="eidlib-bench-"))
    instant, typing = folder / "pinentry", folder / "pinentry-typing"
    for program, text in ((instant, INSTANT_PINENTRY), (typing, TYPING_PINENTRY)):
        program.write_text(text)
        program.chmod(0o755)
    with PcscStack() as stack:
        for profile, reader in (("1.7", stack.reader_17), ("1.8", stack.reader_18)):
            starts: list[float] = []
            subjects = {
                "host": partial(host_round_trip, reader, str(instant), starts),
                "pinentry": partial(pinentry_alone, str(instant)),
                "direct": partial(direct, reader),
                "in_process": partial(host_code_in_process, reader, str(instant)),
                "host_typing": partial(host_round_trip, reader, str(typing)),
                "pinentry_typing": partial(pinentry_alone, str(typing)),
            }
            samples: dict[str, list[float]] = {name: [] for name in subjects}
            for name in subjects:  # warm-up
                subjects[name]()
            starts.clear()
            names = list(subjects)
            for index in range(args.rounds):
                for name in names[index % len(names):] + names[: index % len(names)]:
                    samples[name].append(subjects[name]())
            m = {name: statistics.median(values) for name, values in samples.items()}
            m["start"] = statistics.median(starts)
            m["ratio"] = (m["host"] - m["pinentry"]) / m["direct"]
            m["in_process_ratio"] = (m["in_process"] - m["pinentry"]) / m["direct"]
            m["typing_difference"] = m["host_typing"] - m["pinentry_typing"]
            results[profile] = m
    print(f"{'profile':8} {'host ms':>9} {'pinentry ms':>12} {'direct ms':>10} {'ratio':>6}  (goal <= {GOAL})"
          f" {'in-process':>11} {'typing diff ms':>15} {'start ms':>9}")
    for profile, m in results.items():
        print(f"{profile:8} {m['host'] * 1e3:9.1f} {m['pinentry'] * 1e3:12.1f} {m['direct'] * 1e3:10.1f}"
              f" {m['ratio']:6.2f}  {'':14} {m['in_process_ratio']:11.2f} {m['typing_difference'] * 1e3:15.1f}"
              f" {m['start'] * 1e3:9.0f}")
    write_results(args.out, results, args.rounds)
    return 0 if all(m["ratio"] <= GOAL for m in results.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
