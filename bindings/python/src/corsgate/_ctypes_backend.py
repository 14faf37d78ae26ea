"""Evaluation through ctypes: the fallback backend, and the path for every
input the extension leaves to Python (other types and shapes, engine errors).

Plain on purpose, since this is the code that must be obviously right on
any interpreter: each call builds its own ctypes objects (the header array,
a buffer holding a copy of the CORS field values, the decision), keeps them
in local variables for the length of the call, and copies the decision's
headers out before returning. Nothing is cached by address and nothing is
shared between calls, so threads and re-entrant calls need no care.

Only the four CORS request fields (``Origin`` and the three
``Access-Control-Request-*``) are handed to C, under their lower-case
names: other headers cannot change a decision, and the engine matches
names ASCII case-insensitively, so the spelling does not matter either.
"""

from __future__ import annotations

import ctypes
from ctypes import byref
from typing import Any, List, Optional, Tuple

from . import _ffi
from ._decision import KINDS, REASONS, SPELLINGS, Decision

_lib = _ffi.lib
_OK = _ffi.RESULT_OK

_FIELD_NAMES = (
    b"origin",
    b"access-control-request-method",
    b"access-control-request-headers",
    b"access-control-request-private-network",
)
_FIELD_LENGTHS = frozenset(len(n) for n in _FIELD_NAMES)
_FIELDS_BY_STR = {n.decode("ascii"): n for n in _FIELD_NAMES}
# Each slice keeps its name's buffer alive, for the life of the module.
_NAME_SLICES = {
    n: _ffi.Slice(ctypes.create_string_buffer(n, len(n)), len(n)) for n in _FIELD_NAMES
}


def _encode(value: object, what: str) -> bytes:
    """Bytes for a header value or method given as str or bytes.

    str is encoded as ISO-8859-1, as WSGI and ASGI servers decode header
    bytes; code points above U+00FF become UTF-8. Either way a non-ASCII
    character stays non-ASCII, so the engine refuses it where it matters.
    """
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value)
    if isinstance(value, str):
        try:
            return value.encode("latin-1")
        except UnicodeEncodeError:
            return value.encode("utf-8", "surrogatepass")
    raise TypeError(f"{what} must be str or bytes, not {type(value).__name__}")


def _field_name(name: object) -> Optional[bytes]:
    """The lower-case name of the CORS field a header name denotes, or None
    for other names."""
    if isinstance(name, str):
        # str.lower() maps some non-ASCII letters to ASCII ones (KELVIN SIGN
        # to "k"); the engine compares bytes ASCII-only, so must we.
        return _FIELDS_BY_STR.get(name.lower()) if name.isascii() else None
    if isinstance(name, bytes):
        lowered = bytes(name).lower()
        return lowered if lowered in _NAME_SLICES else None
    raise TypeError(f"header names must be str or bytes, not {type(name).__name__}")


def _cors_fields(headers: Any) -> List[Tuple[bytes, bytes]]:
    """The (lower-case name, value bytes) pairs of the CORS fields, in order.

    Other headers are skipped on their name's length alone, without their
    values being converted or type-checked.
    """
    try:
        # Usually one to three of a dozen headers are left after this test.
        candidates = [pair for pair in headers if len(pair[0]) in _FIELD_LENGTHS]
        fields = []
        for pair in candidates:
            field = _field_name(pair[0])
            if field is not None:
                _, value = pair
                fields.append((field, _encode(value, "header values")))
    except (TypeError, ValueError, IndexError) as exc:
        raise TypeError(
            f"headers must be (name, value) pairs of str or bytes ({exc})"
        ) from None
    return fields


def evaluate(handle: int, method: object, headers: Any) -> Decision:
    """``Policy.evaluate`` for the policy at ``handle``: every input type,
    every error."""
    m = _encode(method, "method")
    fields = _cors_fields(headers)
    # Each value is copied into a buffer its header keeps alive: the
    # engine reads them, and the decision's echoed values point into them
    # until _decision has copied them out.
    array = (_ffi.Header * len(fields))(
        *[
            (
                _NAME_SLICES[name],
                (ctypes.create_string_buffer(value, len(value)), len(value)),
            )
            for name, value in fields
        ]
    )
    out = _ffi.Decision()
    rc = _lib.corsgate_evaluate_headers(
        handle, m, len(m), array if fields else None, len(fields), byref(out)
    )
    if rc != _OK:
        _failed(rc)
    return _decision(out)


def evaluate_head(handle: int, raw: object) -> Decision:
    """``Policy.evaluate_head`` for the policy at ``handle``: every input
    type, every error."""
    if type(raw) is not bytes:
        if isinstance(raw, str):
            raise TypeError(
                "evaluate_head() needs bytes, not str: encode the head first"
            )
        if not isinstance(raw, (bytes, bytearray, memoryview)):
            raise TypeError(f"evaluate_head() needs bytes, not {type(raw).__name__}")
        raw = bytes(raw)
    out = _ffi.Decision()
    # ctypes passes the bytes object's own buffer; `raw` keeps it alive
    # until _decision has copied the echoed values out.
    rc = _lib.corsgate_evaluate_head(handle, raw, len(raw), byref(out))
    if rc != _OK:
        _failed(rc)
    return _decision(out)


def _decision(out: _ffi.Decision) -> Decision:
    """A Decision with copies of everything ``out`` points to."""
    count = out.header_count
    if count > _ffi.MAX_HEADERS:
        raise RuntimeError("corsgate: the decision has too many headers")
    raw_headers = []
    for header in out.headers[:count]:
        name, value = header.name, header.value
        spelled = name.ptr[: name.len]
        lowered = spelled.lower()
        if lowered not in SPELLINGS:
            SPELLINGS[lowered] = spelled.decode("latin-1")
        length = value.len
        raw_headers.append((lowered, value.ptr[:length] if length else b""))
    d = Decision.__new__(Decision)
    d.kind = _name(KINDS, out.kind, "kind")
    d.allowed = out.allowed
    d.reason = _name(REASONS, out.reason, "reason")
    d.status = out.status
    d.raw_headers = raw_headers
    return d


def _name(names: Tuple[str, ...], code: int, what: str) -> str:
    if code >= len(names):
        raise RuntimeError(
            f"corsgate: the library returned an unknown {what} code {code}"
        )
    return names[code]


def _failed(rc: int) -> None:
    raise RuntimeError(f"corsgate evaluation failed: {_ffi.result_name(rc)}")
