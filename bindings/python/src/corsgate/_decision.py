"""The Decision object both backends return, and the tables they build it
from."""

from __future__ import annotations

from typing import Dict, Optional, Sequence, Tuple

from . import _ffi

#: Kind names indexed by ``corsgate_kind`` code.
KINDS: Tuple[str, ...] = _ffi.KIND_NAMES
#: Reason names indexed by ``corsgate_reason`` code.
REASONS: Tuple[str, ...] = _ffi.REASON_NAMES

#: Lower-case response header name bytes → the engine's spelling, for
#: :attr:`Decision.headers`. Both backends add the names they meet (a
#: handful: the engine's names are fixed strings).
SPELLINGS: Dict[bytes, str] = {}


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

    # The extension fills these slots directly (see _speedups.c).
    __slots__ = ("kind", "allowed", "reason", "status", "raw_headers")

    kind: str
    allowed: bool
    reason: str
    status: int
    #: The headers as (lower-case name, value) bytes pairs, ready for ASGI.
    #: A new list for each decision: callers may extend it.
    raw_headers: Sequence[Tuple[bytes, bytes]]

    @property
    def headers(self) -> list:
        """The response headers as (name, value) str pairs, in order."""
        return [(SPELLINGS[n], v.decode("latin-1")) for n, v in self.raw_headers]

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
