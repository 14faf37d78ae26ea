"""Adding a decision's headers to an application's response headers: the
one merge both middlewares use (ASGI with bytes pairs, WSGI with str
pairs)."""

from __future__ import annotations

from typing import Iterable, List, Sequence, Tuple, TypeVar

Text = TypeVar("Text", str, bytes)

#: The CORS response header names, lower case. The policy is their only
#: source: the application's own copies are removed, so that a response
#: never carries two Access-Control-Allow-Origin headers or one the policy
#: did not grant.
CORS_RESPONSE_NAMES = frozenset(
    (
        b"access-control-allow-origin",
        b"access-control-allow-credentials",
        b"access-control-allow-methods",
        b"access-control-allow-headers",
        b"access-control-allow-private-network",
        b"access-control-expose-headers",
        b"access-control-max-age",
    )
)

_VARY = frozenset((b"vary", "vary"))
_DROPPED = CORS_RESPONSE_NAMES | {name.decode("ascii") for name in CORS_RESPONSE_NAMES}
# Every name merge_headers treats specially, to test each name once.
_SPECIAL = _DROPPED | _VARY

#: Bit n is set when a name merge_headers treats specially has n bytes: a
#: response whose header names have none of these lengths gets the CORS
#: headers appended and nothing else (the extension's send wrapper then
#: skips the call to merge_headers).
SPECIAL_LENGTHS = sum(1 << n for n in {len(name) for name in _SPECIAL})


def merge_headers(
    existing: Iterable[Tuple[Text, Text]], cors: Sequence[Tuple[Text, Text]]
) -> List[Tuple[Text, Text]]:
    """The response headers with the CORS headers added.

    ``existing`` and ``cors`` are (name, value) pairs, both bytes (ASGI) or
    both str (WSGI). The application's CORS response headers are dropped;
    ``Vary`` tokens are appended to the first existing ``Vary`` header
    (skipping tokens it already has, and leaving ``Vary: *`` alone).
    """
    if type(existing) is not list and type(existing) is not tuple:
        existing = list(existing)  # read twice below
    try:
        for pair in existing:
            if pair[0].lower() in _SPECIAL:
                break
        else:
            # The usual case: nothing to drop or to append to.
            return [*existing, *cors]
    except TypeError:
        pass  # a bytearray name, unhashable: lowered into bytes below
    merged = []
    vary_at = -1
    for pair in existing:
        lowered = pair[0].lower()
        if type(lowered) is bytearray:
            lowered = bytes(lowered)
        if lowered in _SPECIAL:
            if lowered in _DROPPED:
                continue
            if vary_at < 0:
                vary_at = len(merged)
        merged.append(pair)
    if vary_at < 0:
        merged += cors
        return merged
    for name, value in cors:
        if name.lower() in _VARY:
            vary_name, current = merged[vary_at]
            merged[vary_at] = (vary_name, _append_vary(current, value))
        else:
            merged.append((name, value))
    return merged


def _append_vary(current: Text, extra: Text) -> Text:
    """``current`` with the tokens of ``extra`` it lacks appended."""
    if isinstance(current, str):
        comma, separator, star = ",", ", ", "*"
    else:
        current = bytes(current)
        comma, separator, star = b",", b", ", b"*"
    present = {token.strip().lower() for token in current.split(comma)}
    if star in present:
        return current
    added = [token for token in extra.split(separator) if token.lower() not in present]
    if not added:
        return current
    return separator.join(([current] if current.strip() else []) + added)
