"""Compiling policies through the C ABI's builder: keywords, TOML, errors.

Building happens once per policy and always goes through ctypes, whichever
backend evaluates requests. :data:`POLICY_KEYS` is the one list of the
keywords ``Policy(...)`` accepts: the keys of the policy file, in the
order the documentation lists them.
"""

from __future__ import annotations

from collections.abc import Iterable
from ctypes import byref, c_void_p
from types import MappingProxyType
from typing import Any, Dict, Mapping, NamedTuple, Sequence, Tuple, Union

from . import _ffi

_lib = _ffi.lib
_OK = _ffi.RESULT_OK


class _Key(NamedTuple):
    """One policy key: its keyword, its Python type and the builder call
    that sets it (a list key calls it once per item)."""

    name: str
    kind: str  # "list" (of str), "bool", "int" or "choice" (a str in codes)
    setter: str
    codes: Mapping[str, int] = MappingProxyType({})


_KEYS = (
    _Key("origins", "list", "corsgate_builder_add_origin"),
    _Key("methods", "list", "corsgate_builder_add_method"),
    _Key("request_headers", "list", "corsgate_builder_add_request_header"),
    _Key("expose_headers", "list", "corsgate_builder_add_expose_header"),
    _Key("credentials", "bool", "corsgate_builder_set_credentials"),
    _Key("max_age", "int", "corsgate_builder_set_max_age"),
    _Key("private_network", "bool", "corsgate_builder_set_private_network"),
    _Key("preflight_status", "int", "corsgate_builder_set_preflight_status"),
    _Key(
        "denied_preflight",
        "choice",
        "corsgate_builder_set_denied_preflight",
        _ffi.DENIED_PREFLIGHT,
    ),
    _Key("mode", "choice", "corsgate_builder_set_mode", _ffi.MODE),
    _Key(
        "dangerously_allow_insecure_origins",
        "bool",
        "corsgate_builder_set_dangerously_allow_insecure_origins",
    ),
    _Key(
        "dangerously_allow_public_suffix_subdomains",
        "bool",
        "corsgate_builder_set_dangerously_allow_public_suffix_subdomains",
    ),
    _Key(
        "dangerously_allow_null_origin",
        "bool",
        "corsgate_builder_set_dangerously_allow_null_origin",
    ),
)

#: The keywords of ``Policy(...)``, which are the keys of the policy file.
POLICY_KEYS: Tuple[str, ...] = tuple(key.name for key in _KEYS)
_KEYS_BY_NAME = {key.name: key for key in _KEYS}

# C's int64_t, which the numeric setters take.
_INT64_MIN, _INT64_MAX = -(2**63), 2**63 - 1


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


def _checked(key: _Key, value: Any) -> Any:
    """The value ready for the builder (UTF-8 bytes for each list item), or
    TypeError. Every key is checked before the builder exists, so that a
    TypeError leaves nothing to clean up."""
    if key.kind == "list":
        if isinstance(value, (str, bytes)) or not isinstance(value, Iterable):
            raise TypeError(
                f"{key.name} must be a list of str, not {type(value).__name__}"
            )
        items = []
        for item in value:
            if not isinstance(item, str):
                raise TypeError(
                    f"{key.name} must be a list of str, found {type(item).__name__}"
                )
            items.append(item.encode("utf-8"))
        return items
    if key.kind == "bool":
        if not isinstance(value, bool):
            raise TypeError(f"{key.name} must be a bool, not {type(value).__name__}")
        return value
    if key.kind == "int":
        if not isinstance(value, int) or isinstance(value, bool):
            raise TypeError(f"{key.name} must be an int, not {type(value).__name__}")
        # The engine reports an out-of-range value; clamping keeps huge
        # Python ints out of range without overflowing C.
        return max(_INT64_MIN, min(_INT64_MAX, value))
    if not isinstance(value, str):
        raise TypeError(f"{key.name} must be a str, not {type(value).__name__}")
    return value


def build(keys: Dict[str, Any]) -> int:
    """The handle of the policy that ``keys`` (keyword → value, None for the
    engine's default) describe; PolicyError with every problem, TypeError
    for an unknown keyword or a wrong type."""
    for name in keys:
        if name not in _KEYS_BY_NAME:
            raise TypeError(
                f"Policy() got an unexpected keyword argument {name!r}; the "
                "keys are " + ", ".join(POLICY_KEYS)
            )
    steps = [
        (key, _checked(key, keys[key.name]))
        for key in _KEYS
        if keys.get(key.name) is not None
    ]
    # Values outside a choice's set are policy errors, reported together
    # with the engine's (the C setter takes a code, not the text).
    extra = []
    builder = c_void_p()
    _check(_lib.corsgate_builder_new(byref(builder)), "corsgate_builder_new")
    try:
        for key, value in steps:
            setter = getattr(_lib, key.setter)
            if key.kind == "list":
                for item in value:
                    _check(setter(builder, item, len(item)), key.name)
            elif key.kind != "choice":
                _check(setter(builder, value), key.name)
            elif value in key.codes:
                _check(setter(builder, key.codes[value]), key.name)
            else:
                allowed = ", ".join(f'"{c}"' for c in key.codes)
                extra.append(
                    BuildError(
                        "invalid_value",
                        value,
                        f'`{key.name}` must be one of {allowed}, not "{value}"',
                    )
                )
    except BaseException:
        _lib.corsgate_builder_free(builder)
        raise
    policy, errors = c_void_p(), c_void_p()
    # The builder is consumed here on every path.
    rc = _lib.corsgate_builder_build(builder, byref(policy), byref(errors))
    return _finish(rc, policy, errors, extra)


def from_toml(text: Union[str, bytes]) -> int:
    """The handle of the policy a policy file's text (str, or UTF-8 bytes)
    describes; PolicyError with every problem."""
    if isinstance(text, str):
        # Lone surrogates become invalid UTF-8, which the engine reports
        # as a toml_syntax error like any other undecodable file.
        data = text.encode("utf-8", "surrogatepass")
    elif isinstance(text, (bytes, bytearray, memoryview)):
        data = bytes(text)
    else:
        raise TypeError(f"policy text must be str or bytes, not {type(text).__name__}")
    policy, errors = c_void_p(), c_void_p()
    rc = _lib.corsgate_policy_from_toml(data, len(data), byref(policy), byref(errors))
    return _finish(rc, policy, errors, ())


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


def _check(rc: int, what: str) -> None:
    if rc != _OK:
        raise RuntimeError(f"corsgate rejected {what}: {_ffi.result_name(rc)}")
