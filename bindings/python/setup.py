"""Build script: compiles the C ABI crate with cargo and bundles the library.

The package is pure Python on top of ctypes, except for ``libcorsgate.so``,
which is the cdylib of ``bindings/c`` in this repository. ``build_py`` runs
``cargo build --release`` on that crate and copies the library next to the
Python modules, so ``pip install ./bindings/python`` needs nothing but cargo
on PATH.

Why not setuptools-rust: its "no binding" mode would also work, but it adds a
build dependency, assumes a module name for the library and re-implements
what one cargo call and one copy do. The steps here are short enough to read.

The crate is found relative to this file (``../c/Cargo.toml``), which is the
source tree pip builds from: pip >= 21.3 builds local directories in place.
``CORSGATE_C_MANIFEST`` overrides the location; ``CARGO`` names the cargo
binary; ``CARGO_TARGET_DIR`` and the other cargo variables apply as usual.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

from setuptools import setup
from setuptools.command.bdist_wheel import bdist_wheel as _bdist_wheel
from setuptools.command.build_py import build_py as _build_py
from setuptools.dist import Distribution

HERE = os.path.dirname(os.path.abspath(__file__))
PACKAGE = "corsgate"


def _library_filename() -> str:
    if sys.platform == "darwin":
        return "libcorsgate.dylib"
    if sys.platform == "win32":
        return "corsgate.dll"
    return "libcorsgate.so"


def _manifest() -> str:
    manifest = os.environ.get("CORSGATE_C_MANIFEST") or os.path.join(
        HERE, os.pardir, "c", "Cargo.toml"
    )
    manifest = os.path.normpath(manifest)
    if not os.path.isfile(manifest):
        raise SystemExit(
            f"corsgate: the C ABI crate was not found at {manifest}. The Python "
            "package is built from a checkout of the corsgate repository "
            "(pip install ./bindings/python); set CORSGATE_C_MANIFEST to the "
            "path of bindings/c/Cargo.toml otherwise."
        )
    return manifest


def build_library() -> str:
    """Run cargo and return the path of the cdylib it produced."""
    cargo = os.environ.get("CARGO", "cargo")
    if shutil.which(cargo) is None:
        raise SystemExit(
            "corsgate: cargo was not found on PATH; install a Rust toolchain "
            "(https://rustup.rs) to build the package."
        )
    command = [
        cargo,
        "build",
        "--release",
        "--manifest-path",
        _manifest(),
        "--message-format=json-render-diagnostics",
    ]
    print("corsgate: running " + " ".join(command), flush=True)
    # Diagnostics go to stderr (rendered); stdout carries one JSON message
    # per line, among which the artifact list tells where the library went,
    # whatever CARGO_TARGET_DIR or .cargo/config say.
    proc = subprocess.run(command, stdout=subprocess.PIPE, check=False)
    if proc.returncode != 0:
        raise SystemExit(f"corsgate: cargo failed with exit code {proc.returncode}")
    wanted = _library_filename()
    found = None
    for line in proc.stdout.decode("utf-8", "replace").splitlines():
        try:
            message = json.loads(line)
        except ValueError:
            continue
        if message.get("reason") != "compiler-artifact":
            continue
        if "cdylib" not in message.get("target", {}).get("kind", []):
            continue
        for filename in message.get("filenames", []):
            if os.path.basename(filename) == wanted:
                found = filename
    if found is None:
        raise SystemExit(f"corsgate: cargo built no {wanted}")
    return found


class build_py(_build_py):
    """build_py that also builds and bundles the Rust library."""

    def run(self) -> None:
        super().run()
        library = build_library()
        destination = os.path.join(self.build_lib, PACKAGE, _library_filename())
        self.mkpath(os.path.dirname(destination))
        self.copy_file(library, destination)


class BinaryDistribution(Distribution):
    """The wheel holds a native library, so it is platform specific."""

    def has_ext_modules(self) -> bool:
        return True


class bdist_wheel(_bdist_wheel):
    """Tag wheels py3-none-<platform>: ctypes needs no CPython ABI."""

    def get_tag(self) -> tuple[str, str, str]:
        _, _, platform = super().get_tag()
        return "py3", "none", platform


setup(
    distclass=BinaryDistribution,
    cmdclass={"build_py": build_py, "bdist_wheel": bdist_wheel},
)
