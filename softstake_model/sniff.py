"""What a file is by its leading bytes, for the readers of CSV text: a gzip, zip, xz,
bzip2 or zstd file, a spreadsheet or a Parquet file is named as what it is, with what to do,
instead of being read as text that is not UTF-8.
"""

from __future__ import annotations

from pathlib import Path

from .errors import InputError

__all__ = ["KINDS", "refuse_binary"]

#: Leading bytes of files that are not CSV text, and what to do with them.
KINDS = ((b"\x1f\x8b", "is a gzip file: decompress it (gunzip) and give the CSV inside"),
         (b"PK\x03\x04", "is a zip archive or a spreadsheet (.xlsx): export the sheet as "
          "CSV (UTF-8), or unzip the archive and give the CSV inside"),
         (b"\xd0\xcf\x11\xe0", "is a spreadsheet (.xls): export the sheet as CSV (UTF-8)"),
         (b"PAR1", "is a Parquet file, not CSV text: give the CSV it was made from"),
         (b"BZh", "is a bzip2 file: decompress it (bunzip2) and give the CSV inside"),
         (b"\xfd7zXZ\x00", "is an xz file: decompress it (unxz) and give the CSV inside"),
         (b"\x28\xb5\x2f\xfd", "is a zstd file: decompress it (unzstd) and give the CSV "
          "inside"))


def refuse_binary(path: str | Path) -> None:
    """Refuse a compressed file, a spreadsheet or a Parquet file given where CSV text is
    read, by its leading bytes: the message says what the file is and what to do.

    Raises
    ------
    InputError
        Naming the file, when its first bytes are those of a kind in :data:`KINDS`.
    """
    try:
        with Path(path).open("rb") as f:
            head = f.read(6)
            if head.startswith(b"PAR1"):  # text may start so; a Parquet file also ends so
                f.seek(-4, 2)
                head = head if f.read(4) == b"PAR1" else b""
    except OSError:
        return  # the reader says what is wrong
    for magic, what in KINDS:
        if head.startswith(magic) and (magic != b"BZh" or head[3:4].isdigit()):
            raise InputError(what, file=str(path))
