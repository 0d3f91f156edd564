"""``python -m eidlib.webeid [CALLER...]``: what an installed native messaging manifest starts."""

from __future__ import annotations

import sys

from eidlib.cli.main import main

if __name__ == "__main__":
    sys.exit(main(["webeid-host", *sys.argv[1:]]))
