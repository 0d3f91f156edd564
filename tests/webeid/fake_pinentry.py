#!/usr/bin/env python3
"""A scripted pinentry for the tests: speaks the Assuan protocol on stdin/stdout like GnuPG's.

Behaviour from the environment: ``FAKE_PINENTRY_ACTION`` = ``pin`` (default: answer GETPIN with
``FAKE_PINENTRY_PIN`` and CONFIRM with OK), ``cancel`` (the user presses Cancel), ``timeout`` (the
dialog times out), ``garbage`` (an unexpected line). ``FAKE_PINENTRY_LOG``: a file to which every
command and its decoded argument is appended as one JSON line (the PIN is never written there).
Standard library only: the host may start it with any interpreter.
"""

from __future__ import annotations

import json
import os
import sys


def _unescape(text: str) -> str:
    out, index = [], 0
    while index < len(text):
        if text[index] == "%" and index + 2 < len(text):
            out.append(chr(int(text[index + 1 : index + 3], 16)))
            index += 3
        else:
            out.append(text[index])
            index += 1
    return "".join(out)


def main() -> int:
    action = os.environ.get("FAKE_PINENTRY_ACTION", "pin")
    pin = os.environ.get("FAKE_PINENTRY_PIN", "1234")
    log_path = os.environ.get("FAKE_PINENTRY_LOG")
    out = sys.stdout
    out.write("OK Pleased to meet you\n")
    out.flush()
    for raw in sys.stdin:
        verb, _, argument = raw.rstrip("\n").partition(" ")
        if log_path:
            with open(log_path, "a", encoding="utf-8") as log:
                log.write(json.dumps({"command": verb, "argument": _unescape(argument)}) + "\n")
        if verb == "BYE":
            out.write("OK closing connection\n")
            out.flush()
            return 0
        if verb in ("GETPIN", "CONFIRM"):
            if action == "cancel":
                out.write("ERR 83886179 Operation cancelled <Pinentry>\n")
            elif action == "timeout":
                out.write("ERR 83886142 Timeout <Pinentry>\n")
            elif action == "garbage":
                out.write("HELLO\n")
            elif verb == "GETPIN":
                escaped = pin.replace("%", "%25")
                out.write(f"D {escaped}\nOK\n")
            else:
                out.write("OK\n")
        else:
            out.write("OK\n")
        out.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
