"""Writing outputs safely: a failed command never leaves half a file in place of a good one."""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import IO

import pandas as pd

from .errors import ParameterError

__all__ = ["atomic_write", "write_csv", "csv_text"]


def atomic_write(path: str | Path, write: Callable[[IO[str]], None]) -> Path:
    """Call ``write(handle)`` on a temporary file beside ``path``, then move it into place.

    If ``write`` raises, the temporary file is removed and an existing ``path`` is left
    untouched.
    """
    path = Path(path)
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise ParameterError(f"--out: folder '{folder}' does not exist")
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, "w", newline="") as handle:
            write(handle)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def csv_text(frame: pd.DataFrame) -> pd.DataFrame:
    """Format datetimes for CSV: days as ``YYYY-MM-DD``, instants as ISO-8601 ``…Z``."""
    out = frame.copy()
    for col in out.columns:
        s = out[col]
        if isinstance(s.dtype, pd.DatetimeTZDtype):
            out[col] = s.dt.tz_convert("UTC").dt.strftime("%Y-%m-%dT%H:%M:%SZ")
        elif pd.api.types.is_datetime64_dtype(s):
            out[col] = s.dt.strftime("%Y-%m-%d")
    return out


def write_csv(frame: pd.DataFrame, out: str | Path | None) -> None:
    """Write ``frame`` as CSV to ``out`` atomically, or to stdout when ``out`` is None."""
    text = csv_text(frame)
    if out is None:
        text.to_csv(sys.stdout, index=False, lineterminator="\n")
    else:
        atomic_write(out, lambda h: text.to_csv(h, index=False, lineterminator="\n"))
