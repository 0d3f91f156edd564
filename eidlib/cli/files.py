"""Input and output files of ``eid``: checked before the card is touched, written atomically.

``-`` means standard input or standard output everywhere. An output is prepared first (a
temporary file in the target folder, so a missing folder, a folder given as a file or a
read-only folder is reported before any PIN prompt or signature) and renamed over the target
only when the data is complete: a failure never leaves a half-written file behind.
"""

from __future__ import annotations

import contextlib
import os
import stat
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

from eidlib.cli.errors import FileProblem, InputFileProblem
from eidlib.cli.i18n import _

STDIO = "-"


def read_input(path: str) -> bytes:
    """The bytes of ``path`` (standard input for ``-``), or :class:`FileProblem`."""
    if path == STDIO:
        return sys.stdin.buffer.read()
    try:
        return Path(path).read_bytes()
    except FileNotFoundError:
        raise InputFileProblem(path, _("no such file")) from None
    except IsADirectoryError:
        raise InputFileProblem(path, _("is a folder, not a file")) from None
    except PermissionError:
        raise InputFileProblem(path, _("permission denied")) from None
    except OSError as exc:
        raise InputFileProblem(path, exc.strerror or str(exc)) from None


def _check_folder(folder: Path, shown: str) -> None:
    if not folder.exists():
        raise FileProblem(shown, _("the folder {folder} does not exist").format(folder=folder))
    if not folder.is_dir():
        raise FileProblem(shown, _("{folder} is not a folder").format(folder=folder))
    if not os.access(folder, os.W_OK | os.X_OK):
        raise FileProblem(shown, _("cannot write in the folder {folder}").format(folder=folder))


class Output:
    """One output file being prepared; :meth:`commit` puts the data in place."""

    def __init__(self, path: str, *, overwrite: bool = True) -> None:
        self.path = path
        self._temp: Path | None = None
        self._direct = False
        if path == STDIO:
            return
        target = Path(path)
        try:
            mode = target.stat().st_mode
        except FileNotFoundError:
            mode = None
        except OSError as exc:
            raise FileProblem(path, exc.strerror or str(exc)) from None
        if mode is not None and stat.S_ISDIR(mode):
            raise FileProblem(path, _("is a folder; give a file name"))
        if mode is not None and not overwrite:
            raise FileProblem(path, _("already exists"))
        if mode is not None and not stat.S_ISREG(mode):
            # A device or a pipe (/dev/null, a FIFO): no rename is possible, write to it directly.
            if not os.access(target, os.W_OK):
                raise FileProblem(path, _("permission denied"))
            self._direct = True
            return
        _check_folder(target.parent, path)
        try:
            handle, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent)
        except OSError as exc:
            raise FileProblem(path, exc.strerror or str(exc)) from None
        os.close(handle)
        self._temp = Path(name)

    @property
    def is_stdout(self) -> bool:
        return self.path == STDIO

    def commit(self, data: bytes) -> None:
        """Write ``data`` completely, then rename it over the target (stdout for ``-``)."""
        if self.is_stdout:
            sys.stdout.buffer.write(data)
            sys.stdout.buffer.flush()
            return
        try:
            if self._direct:
                with open(self.path, "wb") as out:
                    out.write(data)
                return
            assert self._temp is not None
            with open(self._temp, "wb") as out:
                out.write(data)
                out.flush()
                os.fsync(out.fileno())
            os.replace(self._temp, self.path)
            self._temp = None
        except OSError as exc:
            raise FileProblem(self.path, exc.strerror or str(exc)) from None
        finally:
            self.discard()

    def discard(self) -> None:
        """Remove the temporary file (idempotent); the target is left as it was."""
        if self._temp is not None:
            with contextlib.suppress(FileNotFoundError):
                self._temp.unlink()
            self._temp = None


@contextlib.contextmanager
def prepared_output(path: str, *, overwrite: bool = True) -> Iterator[Output]:
    """An :class:`Output` for the ``with`` block; the temporary file goes away whatever happens."""
    output = Output(path, overwrite=overwrite)
    try:
        yield output
    finally:
        output.discard()


def check_output_folder(path: str) -> Path:
    """A folder ``eid`` writes several files into: an existing folder, or a new one in an existing folder.

    Only the last component is ever created (by :func:`make_output_folder`, after the card was read);
    missing parent folders are an error, never created silently.
    """
    folder = Path(path)
    if folder.exists():
        if not folder.is_dir():
            raise FileProblem(path, _("exists and is not a folder"))
        _check_folder(folder, path)
    else:
        _check_folder(folder.parent, path)
    return folder


def make_output_folder(path: str) -> Path:
    """Create the folder :func:`check_output_folder` accepted, if it is not there yet."""
    folder = check_output_folder(path)
    try:
        folder.mkdir(exist_ok=True)
    except OSError as exc:
        raise FileProblem(path, exc.strerror or str(exc)) from None
    return folder
