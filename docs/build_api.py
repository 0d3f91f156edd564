"""Build the API reference of eidlib with pdoc (``make docs``); any warning fails the build.

Usage: ``python docs/build_api.py OUTPUT_DIR``. The pages document the public package ``eidlib``
and every submodule, from the docstrings (reStructuredText roles such as ``:class:`` are rendered).
"""

from __future__ import annotations

import pkgutil
import sys
import warnings
from pathlib import Path

import pdoc
import pdoc.render


def modules() -> list[str]:
    """``eidlib`` and every module under it (``eidlib.__all__`` lists the public names, not the modules)."""
    import eidlib

    # A package spec brings its submodules along; naming those again would document them twice.
    return ["eidlib", *(info.name for info in pkgutil.iter_modules(eidlib.__path__, prefix="eidlib."))]


def build(output: Path) -> list[str]:
    """Write the HTML pages to ``output``; returns the warnings pdoc (or an import) raised."""
    pdoc.render.configure(docformat="restructuredtext", show_source=False, search=True,
                          footer_text="eidlib API reference")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        pdoc.pdoc(*modules(), output_directory=output)
    return [f"{w.category.__name__}: {w.message}" for w in caught]


def main(argv: list[str]) -> int:
    output = Path(argv[0] if argv else "build/docs")
    problems = build(output)
    for problem in problems:
        print(f"docs: {problem}", file=sys.stderr)
    if problems:
        print(f"docs: {len(problems)} warning(s): the API reference must build cleanly", file=sys.stderr)
        return 1
    print(f"docs: API reference in {output}/index.html")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
