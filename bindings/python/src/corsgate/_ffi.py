"""ctypes declarations for libcorsgate (include/corsgate.h).

Every function used by the package is declared here with its ``argtypes``
and ``restype``: without ``argtypes`` ctypes passes Python ints as C
``int`` and silently truncates lengths above 2**31. Pointers to opaque
handles are ``c_void_p``. The structures mirror the header field by field;
they are the only description of its layouts on the Python side (the
extension is compiled against the header itself).

The library is the one bundled in the package by ``setup.py``
(``libcorsgate.so.<ABI>`` on Linux), or the file named by the
``CORSGATE_LIBRARY`` environment variable (for development against a
freshly built ``target/release/libcorsgate.so``). It is loaded here, before
the optional extension (``_backend.py``), which then binds to the same
loaded copy.
"""

from __future__ import annotations

import ctypes
import os
import sys
from typing import Optional
from ctypes import (
    POINTER,
    Structure,
    c_bool,
    c_char,
    c_char_p,
    c_int64,
    c_size_t,
    c_uint8,
    c_uint16,
    c_uint32,
    c_void_p,
)

#: The ABI revision this package was written for (``CORSGATE_ABI_VERSION``).
ABI_VERSION = 1
#: ``CORSGATE_MAX_HEADERS``: the most headers one decision carries.
MAX_HEADERS = 12

# corsgate_result
RESULT_OK = 0
RESULT_INVALID_POLICY = 4

# corsgate_denied_preflight and corsgate_mode
DENIED_PREFLIGHT = {"reject": 0, "forward": 1}
MODE = {"enforce": 0, "report-only": 1}


class Slice(Structure):
    """``corsgate_slice``: borrowed bytes, never NUL-terminated.

    ``ptr`` is a ``char`` pointer rather than an address so that
    ``ptr[:len]`` copies the bytes out in one step, and so that a ctypes
    ``char`` array (a ``create_string_buffer``) can be assigned to it: the
    slice then keeps the buffer alive.
    """

    _fields_ = [("ptr", POINTER(c_char)), ("len", c_size_t)]


class Header(Structure):
    """``corsgate_header``: a name and a value."""

    _fields_ = [("name", Slice), ("value", Slice)]


class BuildError(Structure):
    """``corsgate_build_error``: one reason a policy was refused."""

    _fields_ = [
        ("kind", c_uint16),
        ("kind_name", Slice),
        ("value", Slice),
        ("message", Slice),
    ]


class Decision(Structure):
    """``corsgate_decision``: filled in by the evaluate functions."""

    _fields_ = [
        ("kind", c_uint8),
        ("allowed", c_bool),
        ("reason", c_uint8),
        ("status", c_uint16),
        ("header_count", c_size_t),
        ("headers", Header * MAX_HEADERS),
    ]


def library_path() -> str:
    """The path of the native library ctypes loads."""
    override = os.environ.get("CORSGATE_LIBRARY")
    if override:
        return override
    if sys.platform == "darwin":
        name = "libcorsgate.dylib"
    elif sys.platform == "win32":
        name = "corsgate.dll"
    else:
        # Bundled under its SONAME, the name corsgate._speedups' DT_NEEDED
        # entry asks for: the extension and ctypes then share one copy.
        name = f"libcorsgate.so.{ABI_VERSION}"
    return os.path.join(os.path.dirname(os.path.abspath(__file__)), name)


def _load() -> ctypes.CDLL:
    path = library_path()
    try:
        # CDLL (not PyDLL) releases the GIL during each call, so threads
        # sharing a policy evaluate in parallel.
        return ctypes.CDLL(path)
    except OSError as exc:
        raise ImportError(
            f"corsgate: cannot load the native library {path!r} ({exc}). "
            "Reinstall the package (pip install ./bindings/python builds it "
            "with cargo), or point CORSGATE_LIBRARY at a libcorsgate build."
        ) from exc


lib = _load()


def _declare(name: str, restype: object, *argtypes: object) -> None:
    function = getattr(lib, name)
    function.restype = restype
    function.argtypes = list(argtypes)


_P = c_void_p  # opaque handles: corsgate_policy, corsgate_builder, corsgate_errors
_PP = POINTER(c_void_p)

_declare("corsgate_abi_version", c_uint32)
_declare("corsgate_version", Slice)
_declare("corsgate_result_str", Slice, c_uint32)
_declare("corsgate_kind_str", Slice, c_uint32)
_declare("corsgate_reason_str", Slice, c_uint32)

_declare("corsgate_policy_from_toml", c_uint32, c_char_p, c_size_t, _PP, _PP)
_declare("corsgate_policy_clone", _P, _P)
_declare("corsgate_policy_free", None, _P)

_declare("corsgate_errors_len", c_size_t, _P)
_declare("corsgate_errors_get", c_uint32, _P, c_size_t, POINTER(BuildError))
_declare("corsgate_errors_free", None, _P)

_declare("corsgate_builder_new", c_uint32, _PP)
_declare("corsgate_builder_build", c_uint32, _P, _PP, _PP)
_declare("corsgate_builder_free", None, _P)
for _name in (
    "corsgate_builder_add_origin",
    "corsgate_builder_add_method",
    "corsgate_builder_add_request_header",
    "corsgate_builder_add_expose_header",
):
    _declare(_name, c_uint32, _P, c_char_p, c_size_t)
for _name in (
    "corsgate_builder_set_credentials",
    "corsgate_builder_set_private_network",
    "corsgate_builder_set_dangerously_allow_insecure_origins",
    "corsgate_builder_set_dangerously_allow_public_suffix_subdomains",
    "corsgate_builder_set_dangerously_allow_null_origin",
):
    _declare(_name, c_uint32, _P, c_bool)
for _name in ("corsgate_builder_set_max_age", "corsgate_builder_set_preflight_status"):
    _declare(_name, c_uint32, _P, c_int64)
for _name in ("corsgate_builder_set_denied_preflight", "corsgate_builder_set_mode"):
    _declare(_name, c_uint32, _P, c_uint32)

_declare("corsgate_evaluate_head", c_uint32, _P, c_char_p, c_size_t, POINTER(Decision))
_declare(
    "corsgate_evaluate_headers",
    c_uint32,
    _P,
    c_char_p,
    c_size_t,
    POINTER(Header),
    c_size_t,
    POINTER(Decision),
)


def slice_bytes(s: Slice) -> bytes:
    """Copies the bytes a slice describes."""
    length = s.len
    return s.ptr[:length] if length else b""


def address(s: Slice) -> Optional[int]:
    """The address a slice points to (None for NULL)."""
    return ctypes.cast(s.ptr, c_void_p).value


def result_name(code: int) -> str:
    """The stable name of a corsgate_result code."""
    return slice_bytes(lib.corsgate_result_str(code)).decode("ascii") or str(code)


def _code_names(function: object) -> tuple[str, ...]:
    """Every name a code-to-name function knows, indexed by code."""
    names = []
    for code in range(256):
        name = slice_bytes(function(code)).decode("ascii")  # type: ignore[operator]
        if not name:
            break
        names.append(name)
    return tuple(names)


def _check_abi() -> None:
    loaded = lib.corsgate_abi_version()
    if loaded != ABI_VERSION:
        version = slice_bytes(lib.corsgate_version()).decode("ascii", "replace")
        raise ImportError(
            f"corsgate: the native library {library_path()!r} (corsgate "
            f"{version}) speaks C ABI version {loaded}, but this Python "
            f"package needs version {ABI_VERSION}. Reinstall the package so "
            "that it bundles a matching library."
        )


_check_abi()

#: corsgate_kind codes to names ("not_cors", "preflight", "actual").
KIND_NAMES = _code_names(lib.corsgate_kind_str)
#: corsgate_reason codes to names ("ok", "no_origin", ...).
REASON_NAMES = _code_names(lib.corsgate_reason_str)
#: The version of the loaded library.
LIBRARY_VERSION = slice_bytes(lib.corsgate_version()).decode("ascii")
