"""Tables read from the history store for a parameter given as ``store``.

The store needs the ``fetch`` extra (SQLAlchemy), imported only when a parameter asks for it.
"""

from __future__ import annotations

from typing import Any

from .errors import ParameterError
from .typing import Frame

__all__ = ["from_store"]


def from_store(location: str | None, param_name: str, read: str, *args: Any,
                **kw: Any) -> Frame:
    """``softstake_model.store.<read>(store, *args, **kw)`` on the existing history store
    (the store is an optional extra, imported here); a :class:`ParameterError` naming
    ``param_name`` when there is none or it holds nothing."""
    try:
        from . import store as history
    except ImportError:
        raise ParameterError("is 'store', which needs the fetch extra: pip install "
                             "'softstake[fetch]'", param=param_name) from None
    store = history.existing_store(location)
    if store is None:
        raise ParameterError("is 'store' but there is no history store (SOFTSTAKE_STORE, "
                             "--store or the user data folder's): run 'softstake fetch' "
                             "first", param=param_name)
    try:
        frame = getattr(history, read)(store, *args, **kw)
    finally:
        store.close()
    if frame.empty:
        raise ParameterError(f"is 'store' but {frame.attrs.get('file', 'the store')} holds "
                             "none for these tokens: run 'softstake fetch' first",
                             param=param_name)
    return frame
