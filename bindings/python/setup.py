"""Build script: compiles the C ABI crate with cargo, bundles the library and
builds the optional native accelerator.

The package is Python on top of ctypes, plus two native files:

* ``libcorsgate.so.<ABI>``, the cdylib of ``bindings/c`` in this repository
  (``libcorsgate_ffi.so`` in cargo's output), bundled under its SONAME.
  ``build_py`` runs ``cargo build --release`` on that crate and copies the
  library next to the Python modules, so
  ``pip install ./bindings/python`` needs cargo on PATH and nothing else.
* ``corsgate._speedups``, a CPython extension module (``_speedups.c``) that
  evaluates without ctypes' per-call conversions. It links against the same
  library (``-lcorsgate_ffi`` from cargo's output directory, which records
  its SONAME, found at run time through ``RUNPATH $ORIGIN``, i.e. the
  bundled copy next to it). It is
  optional: without a C compiler or Python's headers the build prints a
  warning and the package runs on ctypes alone.

``CORSGATE_BUILD_EXTENSION`` chooses: ``auto`` (the default: try, warn on
failure), ``no`` (do not build it) or ``yes`` (a failure fails the build).
The extension is built on Linux and other ELF platforms only: elsewhere
``auto`` warns and ``yes`` fails.

Why not setuptools-rust: its "no binding" mode would also work, but it adds a
build dependency, assumes a module name for the library and re-implements
what one cargo call and one copy do. The steps here are short enough to read.

The crate is found relative to this file (``../c/Cargo.toml``), which is the
source tree pip builds from: pip >= 21.3 builds local directories in place.
``CORSGATE_C_MANIFEST`` overrides the location (the C header is then
expected in ``include/`` two levels above it, as in the repository);
``CARGO`` names the cargo binary; ``CARGO_TARGET_DIR`` and the other cargo
variables apply as usual.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys

from setuptools import Extension, setup
from setuptools.command.bdist_wheel import bdist_wheel as _bdist_wheel
from setuptools.command.build_ext import build_ext as _build_ext
from setuptools.command.build_py import build_py as _build_py
from setuptools.dist import Distribution
from setuptools.errors import CCompilerError, CompileError, ExecError, PlatformError

HERE = os.path.dirname(os.path.abspath(__file__))
PACKAGE = "corsgate"
# Only ELF platforms resolve the bundled library through $ORIGIN here.
ELF = not sys.platform.startswith(("darwin", "win32", "cygwin"))


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


def _include_dir() -> str:
    """The directory of corsgate.h: ``include/`` at the repository root."""
    return os.path.normpath(
        os.path.join(os.path.dirname(_manifest()), os.pardir, os.pardir, "include")
    )


def _abi_version() -> int:
    """CORSGATE_ABI_VERSION, read from the header the crate ships."""
    with open(os.path.join(_include_dir(), "corsgate.h"), encoding="utf-8") as f:
        found = re.search(r"^#define CORSGATE_ABI_VERSION (\d+)$", f.read(), re.M)
    if found is None:
        raise SystemExit("corsgate: CORSGATE_ABI_VERSION not found in corsgate.h")
    return int(found.group(1))


#: The Rust name of the C ABI crate's library, which cargo's file names follow.
CARGO_LIBRARY = "corsgate_ffi"


def _cargo_filename() -> str:
    """The name cargo gives the cdylib."""
    if sys.platform == "darwin":
        return f"lib{CARGO_LIBRARY}.dylib"
    if sys.platform == "win32":
        return f"{CARGO_LIBRARY}.dll"
    return f"lib{CARGO_LIBRARY}.so"


def _bundled_filename() -> str:
    """The name of the library inside the package: its SONAME on ELF
    platforms, the name the extension's DT_NEEDED entry asks for.
    corsgate/_ffi.py loads the same name."""
    if ELF:
        return f"libcorsgate.so.{_abi_version()}"
    if sys.platform == "darwin":
        return "libcorsgate.dylib"
    return "corsgate.dll"


_built_library = None


def build_library() -> str:
    """Run cargo (once per setup.py run) and return the path of the cdylib."""
    global _built_library
    if _built_library is not None:
        return _built_library
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
    wanted = _cargo_filename()
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
    _built_library = found
    return found


class build_py(_build_py):
    """build_py that also builds and bundles the Rust library."""

    def run(self) -> None:
        super().run()
        library = build_library()
        destination = os.path.join(self.build_lib, PACKAGE, _bundled_filename())
        self.mkpath(os.path.dirname(destination))
        self.copy_file(library, destination)


def _extension_mode() -> str:
    mode = os.environ.get("CORSGATE_BUILD_EXTENSION", "auto").strip().lower()
    if mode not in ("auto", "yes", "no"):
        raise SystemExit(
            f"corsgate: CORSGATE_BUILD_EXTENSION must be auto, yes or no, not {mode!r}"
        )
    return mode


class build_ext(_build_ext):
    """Builds the optional extension; a failure is a warning unless
    CORSGATE_BUILD_EXTENSION=yes."""

    #: Whether the extension was built, for bdist_wheel's tag.
    built = False

    def run(self) -> None:
        mode = _extension_mode()
        if mode == "no":
            self._warn("CORSGATE_BUILD_EXTENSION=no")
            return
        if not ELF:
            why = (
                "it is built on Linux and other ELF platforms only, not on "
                f"{sys.platform}"
            )
            if mode == "yes":
                raise SystemExit(
                    "corsgate: CORSGATE_BUILD_EXTENSION=yes, but the extension "
                    f"corsgate._speedups cannot be built: {why}. Unset the "
                    "variable (or set it to auto) to install the package on ctypes."
                )
            self._warn(why)
            return
        library_dir = os.path.dirname(build_library())
        for extension in self.extensions:
            if library_dir not in extension.library_dirs:
                extension.library_dirs.append(library_dir)
        try:
            super().run()
        except (CCompilerError, CompileError, ExecError, PlatformError, OSError) as exc:
            if mode == "yes":
                raise
            self._warn(f"{type(exc).__name__}: {exc}")
            return
        build_ext.built = True

    def _warn(self, why: str) -> None:
        banner = "*" * 72
        print(
            f"\n{banner}\n"
            "WARNING: corsgate's native accelerator (corsgate._speedups) was not\n"
            f"built ({why}).\n"
            "The package works without it, on ctypes, several times slower per\n"
            "evaluation. To build it, install a C compiler and the Python headers\n"
            "(Debian: apt-get install gcc python3-dev) and reinstall.\n"
            f"{banner}\n",
            file=sys.stderr,
            flush=True,
        )


class BinaryDistribution(Distribution):
    """The wheel holds a native library, so it is platform specific."""

    def has_ext_modules(self) -> bool:
        return True


class bdist_wheel(_bdist_wheel):
    """Tag wheels cpXY-cpXY-<platform> when they contain the extension, and
    py3-none-<platform> otherwise: ctypes needs no CPython ABI."""

    def get_tag(self) -> tuple[str, str, str]:
        tag = super().get_tag()
        if build_ext.built:
            return tag
        return "py3", "none", tag[2]


SPEEDUPS = Extension(
    f"{PACKAGE}._speedups",
    sources=[os.path.join("src", PACKAGE, "_speedups.c")],
    include_dirs=[_include_dir()],
    # Linked by cargo's file name; the SONAME it records, libcorsgate.so.<ABI>,
    # is the bundled copy next to the extension.
    libraries=[CARGO_LIBRARY],
    runtime_library_dirs=["$ORIGIN"] if ELF else [],
    extra_compile_args=["-std=c99"] if ELF else [],
)

setup(
    distclass=BinaryDistribution,
    ext_modules=[SPEEDUPS],
    cmdclass={"build_py": build_py, "build_ext": build_ext, "bdist_wheel": bdist_wheel},
)
