"""Chooses how corsgate calls the engine: the native extension or ctypes.

Two backends give the same decisions, the same exceptions and the same
objects:

* ``"extension"``: ``corsgate._speedups``, a small CPython extension module
  built at install time when a C compiler and the Python headers are
  present. It reads the header list and builds the decision in C, several
  times faster than ctypes. Inputs outside its fast path (bytearray,
  memoryview, non-ASCII str, other iterables, odd shapes) and engine errors
  are handed to the ctypes code, which converts them or raises.
* ``"ctypes"``: pure Python on top of ctypes; works wherever the bundled
  library loads, on any Python implementation.

The ``CORSGATE_BACKEND`` environment variable, read once at import,
chooses: ``auto`` (the default: the extension when it imports and is linked
to the library ctypes loaded, ctypes otherwise), ``extension`` (fail the
import when the extension is not usable) or ``ctypes``.
:data:`corsgate.BACKEND` says which one is active.
"""

from __future__ import annotations

import os
from types import ModuleType
from typing import Optional, Tuple

from . import _ffi

#: The environment variable that selects the backend.
ENVIRONMENT_VARIABLE = "CORSGATE_BACKEND"
_CHOICES = ("auto", "extension", "ctypes")


def _load_extension() -> Tuple[Optional[ModuleType], str]:
    """The extension module, or None and why it cannot be used."""
    try:
        from . import _speedups  # type: ignore[attr-defined]
    except ImportError as exc:
        return None, f"corsgate._speedups could not be imported ({exc})"
    # Handles travel between the two sides, so both must use one loaded
    # library: compare where each sees the library's static version string.
    if _speedups.library_marker() != _ffi.lib.corsgate_version().ptr:
        return None, (
            "corsgate._speedups is linked to another libcorsgate than the one "
            f"ctypes loaded ({_ffi.library_path()})"
        )
    return _speedups, ""


def _select() -> Tuple[str, Optional[ModuleType], str]:
    choice = os.environ.get(ENVIRONMENT_VARIABLE, "").strip().lower() or "auto"
    if choice not in _CHOICES:
        raise ImportError(
            f"corsgate: {ENVIRONMENT_VARIABLE}={choice!r} is not one of "
            + ", ".join(_CHOICES)
        )
    if choice == "ctypes":
        return "ctypes", None, f"{ENVIRONMENT_VARIABLE}=ctypes"
    module, why_not = _load_extension()
    if module is not None:
        return "extension", module, ""
    if choice == "extension":
        raise ImportError(
            f"corsgate: {ENVIRONMENT_VARIABLE}=extension, but {why_not}. "
            "Reinstall the package with a C compiler and the Python headers "
            "present (Debian: apt-get install gcc python3-dev)."
        )
    return "ctypes", None, why_not


#: ``"extension"`` or ``"ctypes"``.
BACKEND: str
#: The extension module when it is the backend, else None.
native: Optional[ModuleType]
#: Why the extension is not the backend ("" when it is).
REASON: str
BACKEND, native, REASON = _select()
