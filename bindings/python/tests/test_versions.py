"""The numbers the Python package repeats from elsewhere agree with their
sources: the package version with the Cargo workspace's, the C ABI version
and MAX_HEADERS with include/corsgate.h (generated from the C ABI crate)."""

from __future__ import annotations

import importlib.metadata
import re

import pytest

import corsgate
from corsgate import _backend, _ffi

from conftest import REPO_ROOT

HEADER = REPO_ROOT / "include" / "corsgate.h"


def header_define(name: str) -> int:
    found = re.search(
        rf"^#define {name} (\d+)$", HEADER.read_text("utf-8"), re.MULTILINE
    )
    assert found, f"{name} is not defined in {HEADER}"
    return int(found.group(1))


def cargo_workspace_version() -> str:
    text = (REPO_ROOT / "Cargo.toml").read_text("utf-8")
    section = re.search(r"^\[workspace\.package\]$(.*?)(?=^\[)", text, re.M | re.S)
    assert section, "no [workspace.package] in Cargo.toml"
    version = re.search(r'^version = "([^"]+)"$', section.group(1), re.M)
    assert version, "no version in [workspace.package]"
    return version.group(1)


def test_package_version_is_the_cargo_workspace_version() -> None:
    version = cargo_workspace_version()
    assert corsgate.__version__ == version
    # pyproject.toml takes it from corsgate.__version__ at build time.
    assert importlib.metadata.version("corsgate") == version
    # The bundled library reports the version it was built with.
    assert corsgate.LIBRARY_VERSION == version


def test_abi_version_and_max_headers_match_the_header() -> None:
    assert corsgate.ABI_VERSION == header_define("CORSGATE_ABI_VERSION")
    assert corsgate.MAX_HEADERS == header_define("CORSGATE_MAX_HEADERS")
    assert _ffi.lib.corsgate_abi_version() == corsgate.ABI_VERSION
    assert len(_ffi.Decision().headers) == corsgate.MAX_HEADERS


@pytest.mark.skipif(
    corsgate.BACKEND != "extension",
    reason="the extension's constants; covered by the extension run",
)
def test_the_extension_was_compiled_with_the_same_numbers() -> None:
    # _backend refuses an extension whose numbers differ (see
    # test_backends.py); here, both agree with the header.
    assert _backend.native.ABI_VERSION == header_define("CORSGATE_ABI_VERSION")
    assert _backend.native.MAX_HEADERS == header_define("CORSGATE_MAX_HEADERS")
