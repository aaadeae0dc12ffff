"""Error types of softstake: each names what is wrong and where.

Two kinds, matching the command's exit codes:

- :class:`InputError` (exit 1): a data file is malformed — it names the file, the line
  and the column.
- :class:`ParameterError` (exit 2): an argument or parameter is invalid — it names the
  parameter by its Python name (``buffer_ratio must be in [0, 1], got 1.5``); the command
  line translates that name to its own flag (``--buffer must be in [0, 1], got 1.5``).
"""

from __future__ import annotations

__all__ = ["SoftstakeError", "InputError", "ParameterError"]


class SoftstakeError(Exception):
    """Base class of every error softstake reports to a user."""

    exit_code = 1


class InputError(SoftstakeError, ValueError):
    """Bad input data.

    Parameters
    ----------
    message
        What is wrong, in one sentence.
    file
        The file it is in, if any.
    line
        1-based line number in the file (the header is line 1), if known.
    column
        The column name, if known.
    """

    exit_code = 1

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        line: int | None = None,
        column: str | None = None,
    ) -> None:
        self.file, self.line, self.column, self.reason = file, line, column, message
        where = []
        if file is not None:
            where.append(str(file))
        if line is not None:
            where.append(f"line {line}")
        if column is not None:
            where.append(f"column '{column}'")
        super().__init__(f"{', '.join(where)}: {message}" if where else message)


class ParameterError(SoftstakeError, ValueError):
    """An invalid argument or parameter; the message names it.

    Parameters
    ----------
    message
        What is wrong. With ``param``, a phrase that reads after the parameter's name
        (``"must be in [0, 1], got 1.5"``); without it, a whole sentence.
    param
        The Python name of the parameter at fault (``buffer_ratio``), if there is one.

    Examples
    --------
    >>> str(ParameterError("must be in [0, 1], got 1.5", param="buffer_ratio"))
    'buffer_ratio must be in [0, 1], got 1.5'
    >>> ParameterError("must be in [0, 1], got 1.5", param="buffer_ratio").reason
    'must be in [0, 1], got 1.5'
    """

    exit_code = 2

    def __init__(self, message: str, *, param: str | None = None) -> None:
        self.param, self.reason = param, message
        super().__init__(f"{param} {message}" if param else message)

    def named(self, name: str) -> ParameterError:
        """The same error with the parameter called ``name`` (a command-line flag)."""
        return ParameterError(f"{name} {self.reason}" if self.param else str(self))
