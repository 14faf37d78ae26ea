"""``corsgate.Policy``: a compiled policy, and its two evaluation backends.

``Policy.evaluate`` and ``Policy.evaluate_head`` first offer the request to
the extension ``corsgate._speedups`` when it is the backend (see
``_backend.py``); it returns a Decision, or None for inputs it leaves to
``_ctypes_backend.py``, which handles every input and raises every error.
Building a policy goes through ``_build.py``.
"""

from __future__ import annotations

import inspect
import os
from collections.abc import Iterable
from typing import Any, Tuple, Union

from . import _backend, _build, _ctypes_backend, _ffi
from ._decision import KINDS, REASONS, SPELLINGS, Decision

BytesLike = Union[str, bytes]
HeaderPairs = Iterable[Tuple[BytesLike, BytesLike]]


class Policy:
    """A compiled, validated CORS policy: immutable and safe to share
    between threads.

    Build one from keyword arguments named like the keys of the policy file
    (``Policy(origins=[...], credentials=True, ...)``; the keywords are
    :data:`corsgate.POLICY_KEYS`), from TOML text (:meth:`from_toml`) or
    from a file (:meth:`from_file`). Every problem is reported at once in a
    :class:`PolicyError`; an unknown keyword or a value of the wrong type is
    a ``TypeError``.

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

    __slots__ = ("_handle", "__weakref__")

    def __init__(self, **keys: Any) -> None:
        self._handle = 0
        self._handle = _build.build(keys)

    @classmethod
    def _adopt(cls, handle: int) -> "Policy":
        self = cls.__new__(cls)
        self._handle = handle
        return self

    @classmethod
    def from_toml(cls, text: Union[str, bytes]) -> "Policy":
        """Compiles a policy file's text (str, or UTF-8 bytes)."""
        return cls._adopt(_build.from_toml(text))

    @classmethod
    def from_file(cls, path: Union[str, "os.PathLike[str]"]) -> "Policy":
        """Compiles the policy file at ``path``."""
        with open(path, "rb") as f:
            return cls.from_toml(f.read())

    def __del__(self, _free: Any = _ffi.lib.corsgate_policy_free) -> None:
        # The free function is bound at definition time: at interpreter
        # shutdown module globals may already be gone.
        handle, self._handle = getattr(self, "_handle", 0), 0
        if handle:
            _free(handle)

    def __repr__(self) -> str:
        return f"<corsgate.Policy at {id(self):#x}>"

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
        return _ctypes_backend.evaluate(self._handle, method, headers)

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
        return _ctypes_backend.evaluate_head(self._handle, raw)

    def _evaluate_ctypes(self, method: BytesLike, headers: HeaderPairs) -> Decision:
        """:meth:`evaluate` on the ctypes backend, whichever is active."""
        return _ctypes_backend.evaluate(self._handle, method, headers)

    def _evaluate_head_ctypes(self, raw: bytes) -> Decision:
        """:meth:`evaluate_head` on the ctypes backend, whichever is active."""
        return _ctypes_backend.evaluate_head(self._handle, raw)


# help() and inspect show the keywords, which **keys hides.
Policy.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
    [
        inspect.Parameter(key, inspect.Parameter.KEYWORD_ONLY, default=None)
        for key in _build.POLICY_KEYS
    ]
)

# The extension backend (see _backend.py) builds Decision objects itself,
# from the same name tables, and fills SPELLINGS as it meets header names.
# The selection configures it with them, and falls back to ctypes when that
# fails (CORSGATE_BACKEND=auto).
_native = _backend.select(Decision, KINDS, REASONS, SPELLINGS)
_native_evaluate = _native_evaluate_head = None
if _native is not None:
    _native_evaluate = _native.evaluate
    _native_evaluate_head = _native.evaluate_head
