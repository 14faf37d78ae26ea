"""Policies, decisions and build errors: the Python face of the C ABI.

``Policy.evaluate`` and ``Policy.evaluate_head`` first offer the request to
the extension ``corsgate._speedups`` when it is the backend (see
``_backend.py``); it returns a Decision, or None for inputs it leaves to the
ctypes code below, which handles every input and raises every error.

Performance notes on the ctypes path, because every evaluation through it
pays for them (ctypes' own call overhead is about 0.7 µs on a quiet machine):

* one C call per evaluation: the decision comes back in a caller-owned
  ``corsgate_decision`` whose fields are read with one ``struct`` call;
* only the four CORS fields (``Origin`` and the three
  ``Access-Control-Request-*``) are handed to C: other headers cannot
  change a decision, and skipping them in Python is cheaper than packing
  them. Names are matched on length first, then ASCII case-insensitively,
  the way the engine matches them;
* the header array is packed with ``struct`` from the buffer addresses of
  ``bytes`` objects (CPython keeps a bytes object's data at a fixed offset
  from its address, checked at import; other interpreters copy into ctypes
  buffers instead);
* a decision's header values borrow from static data, from the policy or
  from the request. Request-borrowed values are sliced from the Python
  input; the others live as long as the policy and are cached per policy
  by address, so steady-state evaluations do not copy them out of C.
"""

from __future__ import annotations

import ctypes
import os
import sys
from collections.abc import Iterable
from itertools import compress
from operator import itemgetter
from ctypes import byref, c_void_p
from typing import Any, NamedTuple, Optional, Sequence, Tuple, Union

from . import _backend, _ffi

BytesLike = Union[str, bytes]
HeaderPairs = Iterable[Tuple[BytesLike, BytesLike]]

_lib = _ffi.lib
_evaluate_head = _lib.corsgate_evaluate_head
_evaluate_headers = _lib.corsgate_evaluate_headers
_new_out = _ffi.Decision
_fixed = _ffi.DECISION_FIXED.unpack_from
_slots = [s.unpack_from for s in _ffi.HEADER_SLOTS]
_headers_offset = _ffi.HEADERS_OFFSET
_KINDS = _ffi.KIND_NAMES
_REASONS = _ffi.REASON_NAMES
_OK = _ffi.RESULT_OK

#: Above this many distinct policy-owned values, a policy stops caching
#: them (they are then copied out of C on each use). A compiled policy has
#: a few dozen at most; the cap only guards against surprises.
_VALUE_CACHE_LIMIT = 1024


def _bytes_data_offset() -> Optional[int]:
    """Where CPython keeps a bytes object's data, relative to ``id()``."""
    if sys.implementation.name != "cpython":
        return None
    offset = sys.getsizeof(b"") - 1  # PyBytesObject header, without ob_sval
    for probe in (b"corsgate", bytes(range(64)), b"x" * 1000):
        address = ctypes.cast(ctypes.c_char_p(probe), c_void_p).value
        if address != id(probe) + offset:
            return None
    return offset


_DATA_OFFSET = _bytes_data_offset()


def _pin(data: bytes) -> Tuple[int, object]:
    """The address of ``data``'s bytes and an object to keep alive meanwhile."""
    if _DATA_OFFSET is not None:
        return id(data) + _DATA_OFFSET, data
    buffer = ctypes.create_string_buffer(data, len(data) or 1)
    return ctypes.addressof(buffer), buffer


# The request fields the engine reads. Inputs whose lower-cased name is one
# of these are passed on, under this canonical spelling (the engine matches
# names case-insensitively, so the spelling does not change the result).
_FIELD_NAMES = (
    b"origin",
    b"access-control-request-method",
    b"access-control-request-headers",
    b"access-control-request-private-network",
)
_FIELD_LENGTHS = frozenset(len(n) for n in _FIELD_NAMES)
# The pins keep the canonical names (or, off CPython, their copies) alive
# for the life of the module: their addresses are packed into header arrays.
_FIELD_PINS = [_pin(n) for n in _FIELD_NAMES]
_FIELD_ADDRESSES = {n: (pin[0], len(n)) for n, pin in zip(_FIELD_NAMES, _FIELD_PINS)}
_FIELDS_BY_STR = {n.decode("ascii"): a for n, a in _FIELD_ADDRESSES.items()}


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


def _field_address(name: object) -> Optional[Tuple[int, int]]:
    """The canonical field a header name denotes, or None for other names."""
    if type(name) is bytes:
        return _FIELD_ADDRESSES.get(name.lower())
    if isinstance(name, str):
        # str.lower() maps some non-ASCII letters to ASCII ones (KELVIN SIGN
        # to "k"); the engine compares bytes ASCII-only, so must we.
        return _FIELDS_BY_STR.get(name.lower()) if name.isascii() else None
    if isinstance(name, bytes):
        return _FIELD_ADDRESSES.get(bytes(name).lower())
    raise TypeError(f"header names must be str or bytes, not {type(name).__name__}")


class BuildError(NamedTuple):
    """One reason a policy was refused."""

    #: The stable snake_case kind, e.g. ``"insecure_origin"``.
    kind: str
    #: The offending value as written (a key name for key errors; may be "").
    value: str
    #: A sentence explaining the problem and how to fix it.
    message: str


class PolicyError(ValueError):
    """A policy was refused. ``errors`` lists every problem found, in order."""

    errors: Tuple[BuildError, ...]

    def __init__(self, errors: Sequence[BuildError]) -> None:
        self.errors = tuple(errors)
        lines = [f"{e.kind}: {e.message}" for e in self.errors]
        noun = "error" if len(lines) == 1 else "errors"
        super().__init__(
            f"invalid corsgate policy ({len(lines)} {noun}):\n  " + "\n  ".join(lines)
        )

    def kinds(self) -> Tuple[str, ...]:
        """The kinds of every error, in order."""
        return tuple(e.kind for e in self.errors)


def _take_errors(handle: int) -> list:
    """Reads and frees a corsgate_errors list."""
    try:
        errors = []
        one = _ffi.BuildError()
        for index in range(_lib.corsgate_errors_len(handle)):
            rc = _lib.corsgate_errors_get(handle, index, byref(one))
            if rc != _OK:
                raise RuntimeError(
                    f"corsgate_errors_get failed: {_ffi.result_name(rc)}"
                )
            errors.append(
                BuildError(
                    _ffi.slice_bytes(one.kind_name).decode("utf-8", "replace"),
                    _ffi.slice_bytes(one.value).decode("utf-8", "replace"),
                    _ffi.slice_bytes(one.message).decode("utf-8", "replace"),
                )
            )
        return errors
    finally:
        _lib.corsgate_errors_free(handle)


def _finish(
    rc: int, policy: c_void_p, errors: c_void_p, extra: Sequence[BuildError]
) -> int:
    """The handle of a successful build, or PolicyError with every problem."""
    if rc == _OK and not extra:
        return int(policy.value)  # type: ignore[arg-type]
    if rc == _OK:
        _lib.corsgate_policy_free(policy)
        raise PolicyError(extra)
    if rc == _ffi.RESULT_INVALID_POLICY:
        raise PolicyError(list(extra) + _take_errors(errors.value))  # type: ignore[arg-type]
    raise RuntimeError(f"corsgate could not build the policy: {_ffi.result_name(rc)}")


class Decision:
    """The engine's answer for one request.

    * ``kind``: ``"not_cors"``, ``"preflight"`` or ``"actual"``;
    * ``allowed``: whether the CORS request is allowed (never for not_cors);
    * ``reason``: a stable code: ``"ok"``, ``"no_origin"``,
      ``"invalid_origin"``, ``"origin_not_allowed"``, ``"method_not_allowed"``,
      ``"header_not_allowed"``, ``"private_network_not_allowed"``,
      ``"malformed_request"``, ``"request_too_large"``;
    * ``status``: the status to answer a preflight with (204/200 allowed,
      403 denied; 400/431 for an unreadable raw head), or 0 when the
      application answers;
    * ``headers``: the response headers to add, as (name, value) str pairs.

    Denial is a decision, never an exception.
    """

    __slots__ = ("kind", "allowed", "reason", "status", "raw_headers")

    kind: str
    allowed: bool
    reason: str
    status: int
    #: The headers as (lower-case name, value) bytes pairs, ready for ASGI.
    raw_headers: Sequence[Tuple[bytes, bytes]]

    @property
    def headers(self) -> list:
        """The response headers as (name, value) str pairs, in order."""
        return [(_NAME_STR[n], v.decode("latin-1")) for n, v in self.raw_headers]

    def header(self, name: str) -> Optional[str]:
        """The value of the first header called ``name`` (any case), or None."""
        wanted = name.lower().encode("latin-1")
        for n, v in self.raw_headers:
            if n == wanted:
                return v.decode("latin-1")
        return None

    def __repr__(self) -> str:
        return (
            f"Decision(kind={self.kind!r}, allowed={self.allowed!r}, "
            f"reason={self.reason!r}, status={self.status!r}, "
            f"headers={self.headers!r})"
        )

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Decision):
            return NotImplemented
        return (
            self.kind == other.kind
            and self.allowed == other.allowed
            and self.reason == other.reason
            and self.status == other.status
            and list(self.raw_headers) == list(other.raw_headers)
        )

    __hash__ = None  # type: ignore[assignment]


_new_decision = Decision.__new__

# Header names in decisions are static strings inside the library, so they
# are copied out once per (address, length) and then looked up.
_NAME_BYTES: dict = {}
# Lower-case name bytes to the engine's spelling, for Decision.headers.
_NAME_STR: dict = {}


def _learn_name(key: Tuple[int, int]) -> bytes:
    spelled = ctypes.string_at(key[0], key[1])
    lowered = spelled.lower()
    _NAME_STR[lowered] = spelled.decode("latin-1")
    _NAME_BYTES[key] = lowered
    return lowered


class Policy:
    """A compiled, validated CORS policy: immutable and safe to share
    between threads.

    Build one from keyword arguments named like the keys of the policy file
    (``Policy(origins=[...], credentials=True, ...)``), from TOML text
    (:meth:`from_toml`) or from a file (:meth:`from_file`). Every problem
    is reported at once in a :class:`PolicyError`; an unknown keyword is a
    ``TypeError``.

    Keys (``None`` leaves the engine's default):

    * ``origins``: origins or patterns (``https://app.example.com``,
      ``https://*.example.com``, ``http://localhost:*``, ``*``); required;
    * ``methods``, ``request_headers``, ``expose_headers``: lists of str;
    * ``credentials`` (default False), ``private_network`` (False): bool;
    * ``max_age``: seconds, 0..86400 (default: no header);
    * ``preflight_status``: 204 (default) or 200;
    * ``denied_preflight``: ``"reject"`` (default) or ``"forward"``;
    * ``mode``: ``"enforce"`` (default) or ``"report-only"``;
    * ``dangerously_allow_insecure_origins``,
      ``dangerously_allow_public_suffix_subdomains``,
      ``dangerously_allow_null_origin``: bool, default False.
    """

    __slots__ = ("_handle", "_values", "__weakref__")

    def __init__(
        self,
        *,
        origins: Iterable[str] = (),
        methods: Iterable[str] = (),
        request_headers: Iterable[str] = (),
        expose_headers: Iterable[str] = (),
        credentials: Optional[bool] = None,
        max_age: Optional[int] = None,
        private_network: Optional[bool] = None,
        preflight_status: Optional[int] = None,
        denied_preflight: Optional[str] = None,
        mode: Optional[str] = None,
        dangerously_allow_insecure_origins: Optional[bool] = None,
        dangerously_allow_public_suffix_subdomains: Optional[bool] = None,
        dangerously_allow_null_origin: Optional[bool] = None,
    ) -> None:
        self._handle = 0
        self._values: dict = {}
        lists = (
            ("origins", origins, _lib.corsgate_builder_add_origin),
            ("methods", methods, _lib.corsgate_builder_add_method),
            (
                "request_headers",
                request_headers,
                _lib.corsgate_builder_add_request_header,
            ),
            ("expose_headers", expose_headers, _lib.corsgate_builder_add_expose_header),
        )
        flags = (
            ("credentials", credentials, _lib.corsgate_builder_set_credentials),
            (
                "private_network",
                private_network,
                _lib.corsgate_builder_set_private_network,
            ),
            (
                "dangerously_allow_insecure_origins",
                dangerously_allow_insecure_origins,
                _lib.corsgate_builder_set_dangerously_allow_insecure_origins,
            ),
            (
                "dangerously_allow_public_suffix_subdomains",
                dangerously_allow_public_suffix_subdomains,
                _lib.corsgate_builder_set_dangerously_allow_public_suffix_subdomains,
            ),
            (
                "dangerously_allow_null_origin",
                dangerously_allow_null_origin,
                _lib.corsgate_builder_set_dangerously_allow_null_origin,
            ),
        )
        numbers = (
            ("max_age", max_age, _lib.corsgate_builder_set_max_age),
            (
                "preflight_status",
                preflight_status,
                _lib.corsgate_builder_set_preflight_status,
            ),
        )
        choices = (
            (
                "denied_preflight",
                denied_preflight,
                _ffi.DENIED_PREFLIGHT,
                _lib.corsgate_builder_set_denied_preflight,
            ),
            ("mode", mode, _ffi.MODE, _lib.corsgate_builder_set_mode),
        )
        # Check every argument's type before touching C, so that a
        # TypeError leaves nothing to clean up.
        texts = [
            (key, _string_list(key, value), setter) for key, value, setter in lists
        ]
        for key, value, _ in flags:
            if value is not None and not isinstance(value, bool):
                raise TypeError(f"{key} must be a bool, not {type(value).__name__}")
        for key, value, _ in numbers:
            if value is not None and (
                not isinstance(value, int) or isinstance(value, bool)
            ):
                raise TypeError(f"{key} must be an int, not {type(value).__name__}")
        for key, value, _, _ in choices:
            if value is not None and not isinstance(value, str):
                raise TypeError(f"{key} must be a str, not {type(value).__name__}")

        # Values outside a choice's set are policy errors, reported together
        # with the engine's (the C setter takes a code, not the text).
        extra = []
        builder = c_void_p()
        _check(_lib.corsgate_builder_new(byref(builder)), "corsgate_builder_new")
        try:
            for key, items, setter in texts:
                for item in items:
                    _check(setter(builder, item, len(item)), key)
            for key, value, setter in flags:
                if value is not None:
                    _check(setter(builder, value), key)
            for key, value, setter in numbers:
                if value is not None:
                    # The engine reports an out-of-range value; clamping keeps
                    # huge Python ints out of range without overflowing C.
                    _check(setter(builder, max(-(2**63), min(2**63 - 1, value))), key)
            for key, value, codes, setter in choices:
                if value is None:
                    continue
                if value in codes:
                    _check(setter(builder, codes[value]), key)
                else:
                    allowed = ", ".join(f'"{c}"' for c in codes)
                    extra.append(
                        BuildError(
                            "invalid_value",
                            value,
                            f'`{key}` must be one of {allowed}, not "{value}"',
                        )
                    )
        except BaseException:
            _lib.corsgate_builder_free(builder)
            raise
        policy, errors = c_void_p(), c_void_p()
        # The builder is consumed here on every path.
        rc = _lib.corsgate_builder_build(builder, byref(policy), byref(errors))
        self._handle = _finish(rc, policy, errors, extra)

    @classmethod
    def _adopt(cls, handle: int) -> "Policy":
        self = cls.__new__(cls)
        self._handle = handle
        self._values = {}
        return self

    @classmethod
    def from_toml(cls, text: Union[str, bytes]) -> "Policy":
        """Compiles a policy file's text (str, or UTF-8 bytes)."""
        if isinstance(text, str):
            # Lone surrogates become invalid UTF-8, which the engine reports
            # as a toml_syntax error like any other undecodable file.
            data = text.encode("utf-8", "surrogatepass")
        elif isinstance(text, (bytes, bytearray, memoryview)):
            data = bytes(text)
        else:
            raise TypeError(
                f"policy text must be str or bytes, not {type(text).__name__}"
            )
        policy, errors = c_void_p(), c_void_p()
        rc = _lib.corsgate_policy_from_toml(
            data, len(data), byref(policy), byref(errors)
        )
        return cls._adopt(_finish(rc, policy, errors, ()))

    @classmethod
    def from_file(cls, path: Union[str, "os.PathLike[str]"]) -> "Policy":
        """Compiles the policy file at ``path``."""
        with open(path, "rb") as f:
            return cls.from_toml(f.read())

    def __del__(self, _free: Any = _lib.corsgate_policy_free) -> None:
        # The free function is bound at definition time: at interpreter
        # shutdown module globals may already be gone.
        handle, self._handle = getattr(self, "_handle", 0), 0
        if handle:
            _free(handle)

    def __repr__(self) -> str:
        return f"<corsgate.Policy at {id(self):#x}>"

    # -- evaluation --------------------------------------------------------

    def evaluate(self, method: BytesLike, headers: HeaderPairs) -> Decision:
        """Evaluates a request given as its method and header list.

        ``headers`` is an iterable of (name, value) pairs of str or bytes
        (an ASGI scope's ``headers`` as it is, or ``request.headers.items()``
        of most frameworks). Names are matched case-insensitively; repeated
        fields stay repeated. Only the CORS request fields are read: other
        headers are skipped without being converted or type-checked.
        """
        if _native_evaluate is not None:
            decision = _native_evaluate(self._handle, method, headers)
            if decision is not None:
                return decision
        return self._evaluate_ctypes(method, headers)

    def _evaluate_ctypes(self, method: BytesLike, headers: HeaderPairs) -> Decision:
        """:meth:`evaluate` through ctypes: every input type, every error."""
        m = (
            method
            if type(method) is bytes
            else _METHODS.get(method) or _encode(method, "method")
        )
        if type(headers) is not list and type(headers) is not tuple:
            headers = list(headers)
        try:
            # Keep the pairs whose name has the length of a CORS field,
            # at C speed (itertools); usually one to three remain.
            candidates = list(
                compress(headers, map(_is_field_length, map(len, map(_first, headers))))
            )
            fields = []
            values = []
            for name, value in candidates:
                field = _FIELD_ADDRESSES.get(name) if type(name) is bytes else None
                if field is None:
                    field = _field_address(name)
                    if field is None:
                        continue
                fields.append(field)
                values.append(
                    value if type(value) is bytes else _encode(value, "header values")
                )
        except (TypeError, ValueError, IndexError) as exc:
            raise TypeError(
                f"headers must be (name, value) pairs of str or bytes ({exc})"
            ) from None
        count = len(fields)
        if count == 1:
            # The common actual request: just an Origin.
            blob = values[0]
            base, keep = _pin(blob)
            address, length = fields[0]
            array = _one_header(address, length, base, len(blob))
        elif count:
            blob = b"".join(values)
            base, keep = _pin(blob)
            packed = []
            at = base
            for (address, length), value in zip(fields, values):
                size = len(value)
                packed += (address, length, at, size)
                at += size
            array = _ffi.header_array(count).pack(*packed)
        else:
            blob, base, array = b"", 0, None
        # A decision buffer from the pool (see _take_out).
        out = _pool.pop() if _pool else _new_buffer()
        try:
            rc = _evaluate_headers(self._handle, m, len(m), array, count, out[1])
            if rc != _OK:
                _failed(rc)
            return self._decision(out[0], blob, base)
        finally:
            _pool.append(out)

    def evaluate_head(self, raw: bytes) -> Decision:
        """Evaluates a raw HTTP/1.x request head (request line, header lines
        and the empty line; anything after it is ignored).

        ``raw`` must be bytes (or bytearray/memoryview); a str is a
        ``TypeError``, since a head's bytes are not text. A head that cannot
        be framed is a decision (``malformed_request``, status 400, or
        ``request_too_large``, 431), not an exception.
        """
        if _native_evaluate_head is not None:
            decision = _native_evaluate_head(self._handle, raw)
            if decision is not None:
                return decision
        return self._evaluate_head_ctypes(raw)

    def _evaluate_head_ctypes(self, raw: bytes) -> Decision:
        """:meth:`evaluate_head` through ctypes: every input type, every error."""
        if type(raw) is not bytes:
            if isinstance(raw, str):
                raise TypeError(
                    "evaluate_head() needs bytes, not str: encode the head first"
                )
            if not isinstance(raw, (bytes, bytearray, memoryview)):
                raise TypeError(
                    f"evaluate_head() needs bytes, not {type(raw).__name__}"
                )
            raw = bytes(raw)
        base, keep = _pin(raw)
        out = _pool.pop() if _pool else _new_buffer()
        try:
            rc = _evaluate_head(self._handle, base, len(raw), out[1])
            if rc != _OK:
                _failed(rc)
            return self._decision(out[0], raw, base)
        finally:
            _pool.append(out)

    def _decision(self, out: Any, source: bytes, base: int) -> Decision:
        d = _new_decision(Decision)
        kind, d.allowed, reason, d.status, count = _fixed(out)
        d.kind = _KINDS[kind]
        d.reason = _REASONS[reason]
        d.raw_headers = self._headers(out, count, source, base)
        return d

    def _headers(self, out: Any, count: int, source: bytes, base: int) -> list:
        """Copies a decision's headers out as (lower-case name, value) bytes.

        Values inside ``source`` (the request input, at ``base``) are sliced
        from it; the others belong to the policy or the library and are
        cached by (address, length). A request address can never equal a
        cached one: both memory ranges are alive at the same time. (A plain
        loop: C-level map/zip variants measured twice as slow for the usual
        one to six headers.)
        """
        names = _NAME_BYTES
        values = self._values
        end = base + len(source)
        result = []
        quads = iter(_slots[count](out, _headers_offset))
        for name_ptr, name_len, value_ptr, value_len in zip(quads, quads, quads, quads):
            key = (name_ptr, name_len)
            name = names.get(key) or _learn_name(key)
            if base <= value_ptr < end:
                start = value_ptr - base
                value = source[start : start + value_len]
            else:
                key = (value_ptr, value_len)
                value = values.get(key)
                if value is None:
                    value = ctypes.string_at(value_ptr, value_len) if value_len else b""
                    if len(values) < _VALUE_CACHE_LIMIT:
                        values[key] = value
            result.append((name, value))
        return result


_one_header = _ffi.header_array(1).pack
# str methods seen in practice, pre-encoded (servers hand methods as str).
_METHODS = {
    m: m.encode() for m in ("GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS", "PATCH")
}
_first = itemgetter(0)
_is_field_length = _FIELD_LENGTHS.__contains__

# Decision buffers, as (struct, address) pairs. Passing the address as an
# int saves ctypes about 0.5 µs per call over converting the struct. A pool
# instead of one buffer per thread: list.pop/append are atomic under the
# GIL, so concurrent threads (the C call releases the GIL) and re-entrant
# calls (a signal handler evaluating mid-call) each get their own buffer.
_pool: list = []


def _new_buffer() -> Tuple[Any, int]:
    out = _new_out()
    return out, ctypes.addressof(out)


# The extension backend (see _backend.py) builds Decision objects itself,
# from the same name tables, and fills _NAME_STR as it meets header names.
# The selection configures it with them, and falls back to ctypes when that
# fails (CORSGATE_BACKEND=auto).
_native = _backend.select(Decision, _KINDS, _REASONS, _NAME_STR)
_native_evaluate = _native_evaluate_head = None
if _native is not None:
    _native_evaluate = _native.evaluate
    _native_evaluate_head = _native.evaluate_head


def _failed(rc: int) -> None:
    raise RuntimeError(f"corsgate evaluation failed: {_ffi.result_name(rc)}")


def _string_list(key: str, value: object) -> list:
    """The UTF-8 encoding of each str in a list-valued key."""
    if isinstance(value, (str, bytes)) or not isinstance(value, Iterable):
        raise TypeError(f"{key} must be a list of str, not {type(value).__name__}")
    encoded = []
    for item in value:
        if not isinstance(item, str):
            raise TypeError(f"{key} must be a list of str, found {type(item).__name__}")
        encoded.append(item.encode("utf-8"))
    return encoded


def _check(rc: int, what: str) -> None:
    if rc != _OK:
        raise RuntimeError(f"corsgate rejected {what}: {_ffi.result_name(rc)}")
