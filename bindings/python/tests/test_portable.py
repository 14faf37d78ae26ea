"""The portable path (interpreters other than CPython) gives the same answers.

Off CPython a bytes object's address is not known, so the binding copies
inputs into ctypes buffers instead of packing addresses. This test forces
that path (and the ctypes backend, the only one off CPython) in a
subprocess and replays every vector through it.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

SCRIPT = r"""
import sys, types
real = sys.implementation
sys.implementation = types.SimpleNamespace(name="portable-test", version=real.version,
                                           cache_tag=real.cache_tag, hexversion=real.hexversion)
import corsgate
from corsgate import _policy
sys.implementation = real
assert _policy._DATA_OFFSET is None, "the portable path was not selected"
assert corsgate.BACKEND == "ctypes", corsgate.BACKEND
sys.path.insert(0, sys.argv[1])
import test_vectors as v
count = 0
for case in v.LIST_CASES:
    v.test_evaluate_bytes(case)
    count += 1
for case in v.HEAD_CASES:
    v.test_evaluate_head(case)
    count += 1
print(count)
"""


def test_portable_path_replays_every_vector() -> None:
    here = Path(__file__).resolve().parent
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(here)],
        capture_output=True,
        text=True,
        timeout=300,
        env=dict(os.environ, CORSGATE_BACKEND="ctypes"),
    )
    assert result.returncode == 0, result.stderr
    from test_vectors import HEAD_CASES, LIST_CASES

    assert int(result.stdout.strip()) == len(LIST_CASES) + len(HEAD_CASES)
