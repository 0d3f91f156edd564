"""Where the shared test vectors are: ``../shared/vectors`` beside the repository (as on CI)."""

from __future__ import annotations

import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
SHARED = Path(os.environ.get("EIDLIB_SHARED_DIR", REPO_ROOT.parent / "shared"))
VECTORS = SHARED / "vectors"
