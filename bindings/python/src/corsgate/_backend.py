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
chooses: ``auto`` (the default: the extension when it imports, is linked
to the library ctypes loaded and accepts its configuration, ctypes
otherwise), ``extension`` (fail the import when the extension is not
usable) or ``ctypes``. :data:`corsgate.BACKEND` says which one is active.

The extension builds ``corsgate.Decision`` objects itself, so it needs the
Decision class and the name tables of ``corsgate._decision``: ``_policy``
calls :func:`select` once, at the end of its import, and everything that
can go wrong with the extension (import, library check, configuration)
happens inside the selection.
"""

from __future__ import annotations

import os
from types import ModuleType
from typing import Optional, Tuple

from . import _ffi

#: The environment variable that selects the backend.
ENVIRONMENT_VARIABLE = "CORSGATE_BACKEND"
_CHOICES = ("auto", "extension", "ctypes")

#: ``"extension"`` or ``"ctypes"``; set by :func:`select`.
BACKEND: str
#: The configured extension module when it is the backend, else None.
native: Optional[ModuleType]
#: Why the extension is not the backend ("" when it is).
REASON: str


def _load_extension(
    decision_type: type, kinds: tuple, reasons: tuple, spellings: dict
) -> Tuple[Optional[ModuleType], str]:
    """The extension module, configured, or None and why it cannot be used."""
    try:
        from . import _speedups  # type: ignore[attr-defined]
    except ImportError as exc:
        return None, (
            f"corsgate._speedups could not be imported ({exc}); reinstall the "
            "package with a C compiler and the Python headers present (Debian: "
            "apt-get install gcc python3-dev)"
        )
    # _ffi repeats the header's numbers; the extension was compiled with
    # the header itself. A difference means _ffi's corsgate_decision layout
    # is wrong, which breaks ctypes too: no fallback.
    for name in ("ABI_VERSION", "MAX_HEADERS"):
        compiled, repeated = getattr(_speedups, name), getattr(_ffi, name)
        if compiled != repeated:
            raise ImportError(
                f"corsgate: corsgate._speedups was compiled with "
                f"CORSGATE_{name} {compiled}, but corsgate._ffi says {repeated}; "
                "the package is inconsistent, reinstall it"
            )
    # Handles travel between the two sides, so both must use one loaded
    # library: compare where each sees the library's static version string.
    if _speedups.library_marker() != _ffi.address(_ffi.lib.corsgate_version()):
        return None, (
            "corsgate._speedups is linked to another libcorsgate than the one "
            f"ctypes loaded ({_ffi.library_path()})"
        )
    # Any failure here (a Decision class the extension cannot fill, an
    # extension already configured by an earlier import of the package, no
    # memory) leaves ctypes, which needs none of this, fully usable.
    try:
        _speedups.configure(decision_type, kinds, reasons, spellings)
    except Exception as exc:
        return None, (
            "corsgate._speedups could not be configured "
            f"({type(exc).__name__}: {exc})"
        )
    return _speedups, ""


def _choose(
    decision_type: type, kinds: tuple, reasons: tuple, spellings: dict
) -> Tuple[str, Optional[ModuleType], str]:
    choice = os.environ.get(ENVIRONMENT_VARIABLE, "").strip().lower() or "auto"
    if choice not in _CHOICES:
        raise ImportError(
            f"corsgate: {ENVIRONMENT_VARIABLE}={choice!r} is not one of "
            + ", ".join(_CHOICES)
        )
    if choice == "ctypes":
        return "ctypes", None, f"{ENVIRONMENT_VARIABLE}=ctypes"
    module, why_not = _load_extension(decision_type, kinds, reasons, spellings)
    if module is not None:
        return "extension", module, ""
    if choice == "extension":
        raise ImportError(f"corsgate: {ENVIRONMENT_VARIABLE}=extension, but {why_not}")
    return "ctypes", None, why_not


def select(
    decision_type: type, kinds: tuple, reasons: tuple, spellings: dict
) -> Optional[ModuleType]:
    """Chooses the backend and sets :data:`BACKEND`, :data:`native` and
    :data:`REASON`; returns :data:`native`.

    Called once, by ``corsgate._policy`` at import, with what the extension
    builds decisions from: the Decision class (``__slots__`` kind, allowed,
    reason, status, raw_headers), the kind and reason names indexed by
    code, and the dict of header name spellings the extension fills in.
    Raises ImportError when ``CORSGATE_BACKEND`` is invalid, or is
    ``extension`` and the extension is not usable.
    """
    global BACKEND, native, REASON
    BACKEND, native, REASON = _choose(decision_type, kinds, reasons, spellings)
    return native
