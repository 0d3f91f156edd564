"""Files in and out of document signing: the output is checked before the card is touched, written
atomically (temporary file in the same directory, then rename), and the input is never opened for writing.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

from eidlib.signing.pdf.errors import OutputPathError, PdfInputError

#: Largest input read (a PDF to sign, a file to verify).
MAX_INPUT = 512 * 1024 * 1024


def read_input(path: str | os.PathLike[str]) -> bytes:
    """The bytes of ``path`` (:class:`PdfInputError` when unreadable or too large)."""
    source = Path(path)
    try:
        if source.stat().st_size > MAX_INPUT:
            raise PdfInputError(f"{source} is larger than {MAX_INPUT} bytes")
        return source.read_bytes()
    except OSError as exc:
        raise PdfInputError(f"cannot read {source}: {exc.strerror or exc}") from exc


def check_output_path(output: str | os.PathLike[str], *inputs: str | os.PathLike[str]) -> Path:
    """The output path, refused when it is an input, a directory, or in a missing/unwritable directory."""
    target = Path(output)
    if target.is_dir():
        raise OutputPathError(f"{target} is a directory")
    for source in inputs:
        try:
            if target.exists() and target.samefile(source):
                raise OutputPathError(f"{target} is the input file: the input is never overwritten")
        except OSError:
            continue
        if target.resolve() == Path(source).resolve():
            raise OutputPathError(f"{target} is the input file: the input is never overwritten")
    parent = target.parent if str(target.parent) else Path(".")
    if not parent.is_dir():
        raise OutputPathError(f"the directory {parent} does not exist")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise OutputPathError(f"the directory {parent} is not writable")
    return target


def write_atomically(output: Path, data: bytes) -> None:
    """Write ``data`` to a temporary file beside ``output``, flush it to disk, then rename it into place."""
    try:
        handle, temporary = tempfile.mkstemp(dir=output.parent or ".", prefix=f".{output.name}.", suffix=".part")
    except OSError as exc:
        raise OutputPathError(f"cannot create a file in {output.parent}: {exc.strerror or exc}") from exc
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(temporary, 0o644)
        os.replace(temporary, output)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        if isinstance(exc, OSError):
            raise OutputPathError(f"cannot write {output}: {exc.strerror or exc}") from exc
        raise
