"""Unit and shape aliases: what a number is measured in, said in its type.

The aliases are plain ``float``, ``int`` and numpy array types (a type checker treats
``Tokens`` as ``float``); they say to the reader which unit a parameter or a result is in,
as ``arch/typing.py`` and CADLabs' ``model/types.py`` do. Import them from here, never
from the standard library's ``typing`` (this module is ``softstake_model.typing``).

Examples
--------
>>> from softstake_model.typing import Fraction, Tokens
>>> def reward(balance: Tokens, apr: Fraction) -> Tokens:
...     return balance * apr / 365
>>> round(reward(365.0, 0.05), 6)
0.05
"""

from __future__ import annotations

from typing import TYPE_CHECKING, TypeAlias

import numpy as np
from numpy.typing import NDArray

if TYPE_CHECKING:  # pandas only for the checker: importing the aliases stays light
    import pandas as pd

__all__ = ["Tokens", "USD", "Fraction", "Rate", "Days", "Seconds", "Decimals", "Instant",
           "DateText", "FloatArray", "IntArray", "BoolArray", "Frame"]

#: An amount of a token (a balance, a reward, a cap, a minimum).
Tokens: TypeAlias = float
#: An amount in US dollars.
USD: TypeAlias = float
#: A share in [0, 1] (a fee, a buffer ratio, a tolerance; 0.1 = 10 %).
Fraction: TypeAlias = float
#: A rate as a fraction per year (an APR; 0.05 = 5 % a year).
Rate: TypeAlias = float
#: A number of days.
Days: TypeAlias = int
#: Seconds (after 00:00 UTC for a time of day).
Seconds: TypeAlias = int
#: Decimal places (a precision).
Decimals: TypeAlias = int
#: An instant: ISO-8601 text with a zone, or a zone-aware timestamp.
Instant: TypeAlias = "str | pd.Timestamp"
#: A calendar day as ``YYYY-MM-DD`` text (or a date-like value the readers accept).
DateText: TypeAlias = str
#: An array of floats (any shape; the docstring says which).
FloatArray: TypeAlias = NDArray[np.float64]
#: An array of integers.
IntArray: TypeAlias = NDArray[np.int64]
#: An array of booleans (a mask).
BoolArray: TypeAlias = NDArray[np.bool_]
#: A pandas DataFrame (its columns named in the docstring).
Frame: TypeAlias = "pd.DataFrame"
