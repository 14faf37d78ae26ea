"""setup.py's choice to build the extension or not, without building.

setup.py runs setup() when executed; here it is executed with setup()
replaced, and its build_ext command is run with the platform check
answering "not ELF" (macOS, Windows), where the extension is never built.
"""

from __future__ import annotations

import runpy
from pathlib import Path
from typing import Any

import pytest
import setuptools
from setuptools.dist import Distribution

SETUP_PY = Path(__file__).resolve().parents[1] / "setup.py"


@pytest.fixture
def setup_module(monkeypatch: pytest.MonkeyPatch) -> dict:
    """setup.py's globals, as its commands see them, on a non-ELF platform."""
    monkeypatch.setattr(setuptools, "setup", lambda **kwargs: None)
    namespace = runpy.run_path(str(SETUP_PY))
    # run_path returns a copy: patch the dict the functions read.
    module_globals: dict = namespace["build_ext"].run.__globals__
    monkeypatch.setitem(module_globals, "ELF", False)
    return module_globals


def run_build_ext(module: dict) -> Any:
    command = module["build_ext"](Distribution({"name": "corsgate"}))
    command.ensure_finalized()
    command.run()
    return command


def test_yes_fails_where_the_extension_is_not_built(
    setup_module: dict, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CORSGATE_BUILD_EXTENSION", "yes")
    with pytest.raises(SystemExit) as exited:
        run_build_ext(setup_module)
    message = str(exited.value.code)
    assert message.startswith("corsgate: CORSGATE_BUILD_EXTENSION=yes, but ")
    assert "ELF platforms only" in message
    assert not setup_module["build_ext"].built


@pytest.mark.parametrize("mode", ["auto", "no"])
def test_auto_and_no_warn_and_go_on_without_it(
    setup_module: dict,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture,
    mode: str,
) -> None:
    monkeypatch.setenv("CORSGATE_BUILD_EXTENSION", mode)
    run_build_ext(setup_module)
    assert "corsgate._speedups) was not" in capsys.readouterr().err
    assert not setup_module["build_ext"].built
