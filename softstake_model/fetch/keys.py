"""Binance API credentials, from the environment only (never from flags, never stored).

=================================  ==========================================================
``BINANCE_API_KEY``                the API key (always needed)
``BINANCE_API_SECRET``             its secret, for HMAC-SHA256 signing
``BINANCE_PRIVATE_KEY_FILE``       or: an RSA or Ed25519 private key file (PEM) for signing
``BINANCE_PRIVATE_KEY_PASSPHRASE`` the key file's passphrase, if it has one
=================================  ==========================================================

:class:`Credentials` never shows a secret: its ``repr`` and ``str`` give the key's last
four characters only.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import ParameterError

__all__ = ["Credentials", "credentials_from_env", "ENV_VARS"]

ENV_VARS = ("BINANCE_API_KEY", "BINANCE_API_SECRET", "BINANCE_PRIVATE_KEY_FILE",
            "BINANCE_PRIVATE_KEY_PASSPHRASE")


@dataclass(frozen=True)
class Credentials:
    """An API key and how requests are signed (a secret, or a private key file)."""

    api_key: str = field(repr=False)
    api_secret: str | None = field(default=None, repr=False)
    private_key_file: Path | None = None
    passphrase: str | None = field(default=None, repr=False)

    def __repr__(self) -> str:
        how = "HMAC secret" if self.api_secret else f"private key {self.private_key_file}"
        return f"Credentials(key …{self.api_key[-4:]}, {how})"

    __str__ = __repr__


def credentials_from_env(env: Mapping[str, str] | None = None) -> Credentials:
    """The credentials the environment gives (see the module notes).

    Raises
    ------
    ParameterError
        No key, neither a secret nor a key file, or a key file that does not exist.
    """
    env = os.environ if env is None else env
    key = env.get("BINANCE_API_KEY", "").strip()
    secret = env.get("BINANCE_API_SECRET", "").strip() or None
    key_file = env.get("BINANCE_PRIVATE_KEY_FILE", "").strip() or None
    if not key:
        raise ParameterError("no Binance API key: set BINANCE_API_KEY, and "
                             "BINANCE_API_SECRET or BINANCE_PRIVATE_KEY_FILE, in the "
                             "environment (keys are never taken from flags)")
    if secret is None and key_file is None:
        raise ParameterError("BINANCE_API_KEY is set but neither BINANCE_API_SECRET nor "
                             "BINANCE_PRIVATE_KEY_FILE is: requests cannot be signed")
    path = None
    if secret is None:
        path = Path(key_file).expanduser()
        if not path.is_file():
            raise ParameterError(f"BINANCE_PRIVATE_KEY_FILE '{path}' is not a file")
    return Credentials(key, secret, path, env.get("BINANCE_PRIVATE_KEY_PASSPHRASE") or None)
