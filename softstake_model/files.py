"""Writing outputs safely and fast: CSV through pyarrow, Parquet, atomic replacement.

A failed command never leaves half a file in place of a good one: every file is written to a
temporary file beside its destination and moved into place only when complete.

CSV text is the text pandas ``to_csv(index=False, lineterminator="\\n")`` writes (so files
written before and after this module stay byte-identical), produced column by column with
pyarrow compute instead of row by row:

- floats as Python's ``repr`` (shortest round-trip digits: ``100.0``, ``0.0365``,
  ``1e-05``, ``inf``, ``-inf``), NaN as an empty field; every value reads back exactly;
- integers as digits, booleans as ``True`` / ``False``;
- naive datetimes as ``YYYY-MM-DD`` (days), tz-aware ones as ``YYYY-MM-DDTHH:MM:SSZ`` (UTC),
  NaT empty; each distinct value is formatted once, not once per row;
- text as is, quoted (``"a,b"``, quotes doubled) only when it holds a comma, a quote or a
  line break, as Python's :mod:`csv` does; missing text empty.

Why not pyarrow's own CSV text: it writes ``100`` for ``100.0``, ``1.5e+14`` for
``150000000000000.0`` and ``0.000015`` for ``1.5e-05``, and quotes every string; all read
back to the same values, but every CSV the package wrote before would change. So the
fields are formatted here (pyarrow's shortest digits, rewritten to ``repr``'s notation where
the two differ) and pyarrow's writer only lays out the lines. Columns are formatted in
parallel threads, :data:`CSV_CHUNK_ROWS` rows at a time.

:func:`write_table` writes Parquet instead when the file name ends in ``.parquet``: typed
columns (datetimes with their time zone), several times faster to write and read than CSV.
"""

from __future__ import annotations

import io
import os
import re
import sys
import tempfile
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import IO, Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from .errors import ParameterError

__all__ = ["atomic_write", "check_outputs", "output_target", "write_csv", "write_table",
           "csv_text", "csv_chunks", "CSV_CHUNK_ROWS"]

#: Rows formatted at a time when writing CSV (bounds the memory of the formatted text).
CSV_CHUNK_ROWS = 1_000_000
_DAY_FORMAT, _INSTANT_FORMAT = "%Y-%m-%d", "%Y-%m-%dT%H:%M:%SZ"
# a float column whose first _SAMPLE values hold at most _FEW distinct ones (a constant APR)
# is formatted one distinct value at a time
_SAMPLE, _FEW = 4096, 64
_NEEDS_QUOTES = r'[,"\r\n]'


def output_target(path: str | Path, param: str = "out") -> Path:
    """The file an output ``path`` writes: a symlink's target; checked, nothing written.

    Raises
    ------
    ParameterError
        ``param``: the path is empty, a folder, a device, a FIFO or a socket (never renamed
        over), or its folder does not exist.
    """
    if str(path).strip() == "":
        raise ParameterError("is empty; give a file name", param=param)
    target = Path(os.path.realpath(path))
    if target.exists() and not target.is_file():
        kind = "a folder" if target.is_dir() else "a special file (device, FIFO or socket)"
        raise ParameterError(f"'{path}' is {kind}, not a file to write", param=param)
    if not target.parent.is_dir():
        raise ParameterError(f"folder '{Path(path).parent}' does not exist", param=param)
    return target


def _same(a: Path, b: str | Path) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return os.path.realpath(a) == os.path.realpath(b)


def check_outputs(outputs: dict[str, str | Path | None],
                  inputs: Sequence[str | Path | None] = ()) -> None:
    """Check every output path of a command before any is written.

    Parameters
    ----------
    outputs
        Parameter name -> output file (None: not written; standard output).
    inputs
        The files the command reads.

    Raises
    ------
    ParameterError
        Naming the output: it is an input, two outputs are the same file, or
        :func:`output_target` refuses it.
    """
    seen: dict[Path, str] = {}
    for param, path in outputs.items():
        if path is None:
            continue
        target = output_target(path, param)
        for src in inputs:
            if src is not None and str(src) != "" and _same(target, src):
                raise ParameterError(f"'{path}' is the input '{src}'; writing it would destroy "
                                     "the input: choose another file", param=param)
        if target in seen:
            raise ParameterError(f"'{path}' is also where {seen[target]} writes; give each "
                                 "output its own file", param=param)
        seen[target] = param


def atomic_write(path: str | Path, write: Callable[[IO[Any]], None], *,
                 binary: bool = False) -> Path:
    """Call ``write(handle)`` on a temporary file beside ``path``, then move it into place.

    Parameters
    ----------
    path
        The file to write. A symlink is followed: its target is replaced and the link
        stays. The new file keeps the mode of the file it replaces (a new one gets 0666
        less the umask).
    write
        Writes the content to the open handle it is given.
    binary
        Open the handle in binary mode (bytes) rather than text mode.

    Returns
    -------
    Path
        ``path``.

    Raises
    ------
    ParameterError
        ``out``: see :func:`output_target` (folders and special files are refused, never
        renamed over).

    Notes
    -----
    If ``write`` raises (or the process is interrupted, or sent SIGTERM by the command
    line), the temporary file is removed and an existing ``path`` is left untouched.
    """
    target = output_target(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with (os.fdopen(fd, "wb") if binary else os.fdopen(fd, "w", newline="")) as handle:
            write(handle)
            handle.flush()
            os.fsync(handle.fileno())  # on disk before the rename: no empty file after a crash
        # mkstemp makes the file private (0600); give it the mode of the file it replaces,
        # or of a new file (0666 less the umask)
        os.chmod(tmp, target.stat().st_mode & 0o7777 if target.exists()
                 else 0o666 & ~_umask())
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return Path(path)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _format_distinct(values: pd.Series | np.ndarray,
                     fmt: Callable[[pd.Index], pd.Index | pa.Array]) -> pa.Array:
    """Format each distinct value of ``values`` once with ``fmt``; missing values empty."""
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    labels = pa.concat_arrays([pa.array(fmt(uniques), type=pa.string()),
                               pa.array([""], type=pa.string())])
    codes = np.where(codes < 0, len(uniques), codes).astype(np.int32)
    return pc.take(labels, pa.array(codes))


def _datetimes(s: pd.Series) -> pa.Array:
    if isinstance(s.dtype, pd.DatetimeTZDtype):
        return _format_distinct(s, lambda u: u.tz_convert("UTC").strftime(_INSTANT_FORMAT))
    return _format_distinct(s, lambda u: u.strftime(_DAY_FORMAT))


def _floats(values: np.ndarray) -> pa.Array:
    """Python ``repr`` of every float64, NaN as "".

    pyarrow's cast gives the same shortest round-trip digits as ``repr`` but another notation
    rule: plain for ``1e-6 <= |x| < 1e10``, exponent otherwise, exponents without padding and
    integers without ``.0``; ``repr`` is plain for ``1e-4 <= |x| < 1e16`` (and 0). The text is
    rewritten, vectorised, where the two differ.
    """
    x = np.ascontiguousarray(values, dtype=np.float64)
    text = pc.cast(pa.array(x), pa.string())
    finite = np.isfinite(x)
    ax = np.abs(x)
    plain = finite & ((ax == 0) | ((ax >= 1e-4) & (ax < 1e16)))  # repr has no exponent
    has_e = pc.match_substring(text, "e").to_numpy(zero_copy_only=False) & finite
    patches: list[tuple[np.ndarray, pa.Array]] = []
    for mask, fix in ((plain & ~has_e & (x == np.trunc(x)), _append_point_zero),
                      (plain & has_e, _exponent_to_plain),
                      (finite & ~plain & ~has_e, _plain_to_exponent),
                      (~plain & has_e, _pad_exponent),
                      (np.isnan(x), lambda t: pa.array([""] * len(t), type=pa.string()))):
        pos = np.flatnonzero(mask)
        if pos.size:
            patches.append((pos, fix(text.take(pa.array(pos)))))
    if not patches:
        return text
    pos = np.concatenate([p for p, _ in patches])
    order = np.argsort(pos, kind="stable")
    mask = np.zeros(len(x), dtype=bool)
    mask[pos] = True
    return pc.replace_with_mask(text, pa.array(mask),
                                pa.concat_arrays([t for _, t in patches]).take(order))


def _append_point_zero(text: pa.Array) -> pa.Array:
    """``100`` -> ``100.0``."""
    return pc.binary_join_element_wise(text, ".0", "")


def _pad_exponent(text: pa.Array) -> pa.Array:
    """``1e-7`` -> ``1e-07``: at least two exponent digits."""
    return pc.replace_substring_regex(text, r"e([+-])(\d)$", r"e\10\2")


def _signed(text: pa.Array, body: Callable[[pa.Array], pa.Array]) -> pa.Array:
    """Apply ``body`` to the text without its sign, and put the sign back."""
    neg = pc.starts_with(text, "-")
    out = body(pc.utf8_ltrim(text, "-"))
    return pc.if_else(neg, pc.binary_join_element_wise("-", out, ""), out)


def _mantissa(digits: pa.Array) -> pa.Array:
    """``"1234"`` -> ``"1.234"``, ``"1"`` -> ``"1"``."""
    first, rest = pc.utf8_slice_codeunits(digits, 0, 1), pc.utf8_slice_codeunits(digits, 1)
    return pc.if_else(pc.equal(rest, ""), first,
                      pc.binary_join_element_wise(first, rest, "."))


def _plain_to_exponent(text: pa.Array) -> pa.Array:
    """``0.000015`` -> ``1.5e-05`` (values below 1e-4 that arrow writes plain)."""
    def body(t: pa.Array) -> pa.Array:
        frac = pc.utf8_slice_codeunits(t, 2)  # after "0."
        sig = pc.utf8_ltrim(frac, "0")
        zeros = (pc.utf8_length(frac).to_numpy() - pc.utf8_length(sig).to_numpy())
        exps = pa.array([f"e-{z + 1:02d}" for z in range(int(zeros.max()) + 1)])
        return pc.binary_join_element_wise(_mantissa(sig), exps.take(pa.array(zeros)), "")
    return _signed(text, body)


def _exponent_to_plain(text: pa.Array) -> pa.Array:
    """``1.5e+14`` -> ``150000000000000.0`` (values below 1e16 that arrow writes with an
    exponent)."""
    def body(t: pa.Array) -> pa.Array:
        parts = pc.split_pattern(t, "e")
        digits = pc.replace_substring(pc.list_element(parts, 0), ".", "")
        exp = pc.cast(pc.utf8_ltrim(pc.list_element(parts, 1), "+"), pa.int64()).to_numpy()
        if (exp < 0).any():  # not produced by arrow for these values; kept exact anyway
            return pa.array([repr(float(v)) for v in t.to_pylist()], type=pa.string())
        out = pa.nulls(len(t), pa.string())
        length = pc.utf8_length(digits).to_numpy()
        for e in np.unique(exp):
            k = int(e) + 1  # digits before the point
            at = exp == e
            d = digits.filter(pa.array(at))
            padded = pc.binary_join_element_wise(pc.utf8_rpad(d, k, "0"), ".0", "")
            split = pc.binary_join_element_wise(pc.utf8_slice_codeunits(d, 0, k),
                                                pc.utf8_slice_codeunits(d, k), ".")
            out = pc.replace_with_mask(out, pa.array(at),
                                       pc.if_else(pa.array(length[at] <= k), padded, split))
        return out
    return _signed(text, body)


def _quoted(text: pa.Array) -> tuple[pa.Array, bool]:
    """CSV-quote the values that need it (comma, quote, line break), as :mod:`csv` does;
    and whether any did."""
    needs = pc.match_substring_regex(text, _NEEDS_QUOTES)
    if not pc.any(needs).as_py():
        return text, False
    q = pc.binary_join_element_wise('"', pc.replace_substring(text, '"', '""'), '"', "")
    return pc.if_else(needs, q, text), True


def _objects(s: pd.Series) -> pa.Array:
    """Any other column: ``str`` of each value, missing values empty."""
    vals = s.astype(object).tolist()
    return pa.array(["" if v is None or (not isinstance(v, str) and pd.isna(v)) else str(v)
                     for v in vals], type=pa.string())


def _column_text(s: pd.Series) -> tuple[pa.Array, bool]:
    """One column as CSV fields (a string array without nulls); and whether any is quoted."""
    dtype = s.dtype
    if isinstance(dtype, pd.DatetimeTZDtype) or pd.api.types.is_datetime64_dtype(dtype):
        return _datetimes(s), False
    if isinstance(dtype, pd.CategoricalDtype):
        cats, quoted = _column_text(pd.Series(dtype.categories))
        labels = pa.concat_arrays([cats, pa.array([""], type=pa.string())])
        codes = s.cat.codes.to_numpy()
        return pc.take(labels, pa.array(np.where(codes < 0, len(cats), codes)
                                         .astype(np.int32))), quoted
    if isinstance(dtype, np.dtype) and dtype == np.float64:
        x = s.to_numpy()
        if len(x) >= 4 * _SAMPLE and len(np.unique(x[:_SAMPLE])) <= _FEW:
            return _format_distinct(x, lambda u: _floats(np.asarray(u, np.float64))), False
        return _floats(x), False
    if isinstance(dtype, np.dtype) and dtype.kind in "iu":
        return pc.cast(pa.array(s.to_numpy()), pa.string()), False
    if isinstance(dtype, np.dtype) and dtype.kind == "b":
        return pc.if_else(pa.array(s.to_numpy()), "True", "False"), False
    if isinstance(dtype, pd.StringDtype) or (
            isinstance(dtype, np.dtype) and dtype.kind == "O"
            and pd.api.types.infer_dtype(s, skipna=True) in ("string", "empty")):
        return _quoted(pc.fill_null(pa.array(s.where(s.notna(), None), type=pa.string()), ""))
    return _quoted(_objects(s))


def _header(columns: pd.Index) -> bytes:
    names = [str(c) for c in columns]
    fields = ['"' + n.replace('"', '""') + '"' if re.search(_NEEDS_QUOTES, n) else n
              for n in names]
    if len(fields) == 1 and fields[0] == "":
        fields = ['""']
    return (",".join(fields) + "\n").encode()


def _row_chunks(frame: pd.DataFrame, chunk_rows: int
                ) -> Iterator[tuple[list[pa.Array], bool]]:
    """The fields of ``chunk_rows`` rows at a time (and whether any is quoted).

    Columns are formatted in parallel threads (arrow's kernels release the GIL).
    """
    ncols = frame.shape[1]
    with ThreadPoolExecutor(max_workers=min(ncols, os.cpu_count() or 1)) as pool:
        for lo in range(0, len(frame), chunk_rows):
            cols, quoted = _chunk_text(frame.iloc[lo:lo + chunk_rows], pool)
            if ncols == 1:  # csv writes a lone empty field as "" so the line is not blank
                empty = pc.equal(cols[0], "")
                quoted = quoted or pc.any(empty).as_py()
                cols = [pc.if_else(empty, '""', cols[0])]
            yield cols, quoted


def _write_lines(cols: list[pa.Array], quoted: bool, handle: IO[bytes]) -> None:
    """Write one line per row of ``cols`` (CSV fields already) to the binary ``handle``.

    Without quoted fields, arrow's CSV writer does it, told not to quote; otherwise the
    fields are joined here.
    """
    if quoted:
        lines = pc.binary_join_element_wise(*cols, ",") if len(cols) > 1 else cols[0]
        handle.write(_string_bytes(pc.binary_join_element_wise(lines, "", "\n")))
        return
    table = pa.Table.from_arrays(cols, names=[str(j) for j in range(len(cols))])
    pacsv.write_csv(table, handle, pacsv.WriteOptions(
        include_header=False, quoting_style="none", batch_size=65_536))


def _write_rows(frame: pd.DataFrame, handle: IO[bytes], chunk_rows: int) -> None:
    """Write the CSV lines of ``frame`` (no header) to the binary ``handle``."""
    if frame.shape[1] == 0:
        handle.write(b"\n" * len(frame))
        return
    for cols, quoted in _row_chunks(frame, chunk_rows):
        _write_lines(cols, quoted, handle)


def _chunk_text(part: pd.DataFrame, pool: ThreadPoolExecutor) -> tuple[list[pa.Array], bool]:
    """The text of every column, and whether any field is quoted. Float columns equal bit
    for bit share one text."""
    series = [part.iloc[:, j] for j in range(part.shape[1])]
    source, seen = [], {}
    for j, s in enumerate(series):
        src = j
        if isinstance(s.dtype, np.dtype) and s.dtype == np.float64:
            bits = s.to_numpy().view(np.int64)
            src = next((i for i, b in seen.items() if np.array_equal(bits, b)), j)
            if src == j:
                seen[j] = bits
        source.append(src)
    todo = sorted(set(source))
    text = dict(zip(todo, pool.map(lambda j: _column_text(series[j]), todo), strict=True))
    return [text[src][0] for src in source], any(q for _, q in text.values())


def csv_chunks(frame: pd.DataFrame, chunk_rows: int = CSV_CHUNK_ROWS) -> Iterator[bytes]:
    """The CSV text of ``frame`` (header first), as UTF-8 byte chunks.

    Parameters
    ----------
    frame
        The table to write; its index is not written.
    chunk_rows
        Rows formatted at a time.

    Yields
    ------
    bytes
        The header line, then the lines of up to ``chunk_rows`` rows at a time, each line
        ending in ``\\n``. Joined, they equal ``frame.to_csv(index=False,
        lineterminator="\\n")`` (see the module notes for the formats).
    """
    if chunk_rows < 1:
        raise ParameterError(f"must be >= 1, got {chunk_rows}", param="chunk_rows")
    yield _header(frame.columns)
    if frame.shape[1] == 0:
        yield b"\n" * len(frame)
        return
    for cols, quoted in _row_chunks(frame, chunk_rows):
        buffer = io.BytesIO()
        _write_lines(cols, quoted, buffer)
        yield buffer.getvalue()


def _string_bytes(arr: pa.Array) -> bytes:
    """The concatenated values of a string array without nulls, from its data buffer."""
    arr = arr.combine_chunks() if isinstance(arr, pa.ChunkedArray) else arr
    offsets = np.frombuffer(arr.buffers()[1], dtype=np.int32)[arr.offset:arr.offset + len(arr)
                                                                + 1]
    data = arr.buffers()[2]
    if data is None or len(offsets) < 2:
        return b""
    return data.slice(int(offsets[0]), int(offsets[-1] - offsets[0])).to_pybytes()


def csv_text(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with its datetime columns as text: days ``YYYY-MM-DD``, instants ``…Z``.

    Each distinct value is formatted once.
    """
    out = frame.copy()
    for col in out.columns:
        s = out[col]
        if isinstance(s.dtype, pd.DatetimeTZDtype) or pd.api.types.is_datetime64_dtype(s):
            text = _datetimes(s).to_pandas()
            out[col] = pd.Series(text.to_numpy(), index=s.index).where(s.notna(), None)
    return out


def write_csv(frame: pd.DataFrame, out: str | Path | None) -> None:
    """Write ``frame`` as CSV to ``out`` atomically, or to stdout when ``out`` is None.

    Parameters
    ----------
    frame
        The table; its index is not written.
    out
        Destination file, or None for standard output.

    Raises
    ------
    ParameterError
        ``out``: its folder does not exist.
    """
    if out is None:
        for chunk in csv_chunks(frame, CSV_CHUNK_ROWS):  # never the whole text at once
            sys.stdout.write(chunk.decode("utf-8"))
        return

    def write(handle: IO[bytes]) -> None:
        handle.write(_header(frame.columns))
        _write_rows(frame, handle, CSV_CHUNK_ROWS)

    atomic_write(out, write, binary=True)


def write_table(frame: pd.DataFrame, out: str | Path | None) -> None:
    """Write ``frame`` to ``out``: Parquet if it ends in ``.parquet``, otherwise CSV.

    Parameters
    ----------
    frame
        The table; its index is not written. In Parquet, datetimes keep their type (and time
        zone) and categoricals become dictionary-encoded columns.
    out
        Destination file, or None for CSV on standard output. Written atomically.

    Raises
    ------
    ParameterError
        ``out``: its folder does not exist.
    """
    if out is not None and str(out).lower().endswith(".parquet"):
        table = pa.Table.from_pandas(frame, preserve_index=False)
        atomic_write(out, lambda h: pq.write_table(table, h), binary=True)
        return
    write_csv(frame, out)
