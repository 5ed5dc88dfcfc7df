"""Atomic file output: write to a temporary file in the same folder, then rename."""

from __future__ import annotations

import os
import shutil
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator, IO


@contextmanager
def atomic_write(path: str | Path, mode: str = "w", encoding: str | None = "utf-8") -> Iterator[IO]:
    """Open a temporary file next to ``path``; on success it replaces ``path`` in one rename.

    If the block raises, the temporary file is removed and ``path`` is untouched.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes 0600; outputs get the mode a plain open() would give
    try:
        kwargs = {"encoding": encoding, "newline": ""} if "b" not in mode else {}
        with os.fdopen(fd, mode, **kwargs) as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


def replace_dir(tmp: str | Path, out: str | Path) -> Path:
    """Move a completed folder ``tmp`` to ``out``, replacing an existing ``out`` only after ``tmp`` is complete.

    Both renames happen within one parent folder, so a reader sees the old or the new
    folder, never half of one; the old folder is removed afterwards.
    """
    tmp, out = Path(tmp), Path(out)
    os.chmod(tmp, 0o755)  # mkdtemp makes 0700; a published folder gets the usual mode
    if out.exists():
        old = out.with_name(f".{out.name}.old-{os.getpid()}")
        os.replace(out, old)
        os.replace(tmp, out)
        shutil.rmtree(old, ignore_errors=True)
    else:
        os.replace(tmp, out)
    return out


def write_text(path: str | Path, text: str, *, bom: bool = False) -> None:
    with atomic_write(path) as fh:
        if bom:
            fh.write("\ufeff")
        fh.write(text)
