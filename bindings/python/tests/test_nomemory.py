"""The extension under allocation failure (``_testcapi.set_nomemory``).

Every allocation the extension makes can fail: each call must then raise
MemoryError (never SystemError, never crash) or still return its result (a
decision; for the ASGI send wrapper, the wrapper or the forwarded message),
and must leave nothing behind that changes later decisions or leaks. The
sweep runs in a child process (nomemory_child.py): failing allocations
could just as well hit pytest's own machinery, and a crash must fail this
test, not end the run.
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import corsgate

CHILD = Path(__file__).resolve().with_name("nomemory_child.py")


def _has_set_nomemory() -> bool:
    if importlib.util.find_spec("_testcapi") is None:
        return False
    import _testcapi

    return hasattr(_testcapi, "set_nomemory") and hasattr(_testcapi, "remove_mem_hooks")


@pytest.mark.skipif(
    corsgate.BACKEND != "extension",
    reason="tests the extension; covered by the extension run",
)
@pytest.mark.skipif(
    not _has_set_nomemory(), reason="this Python has no _testcapi.set_nomemory"
)
def test_every_allocation_failure_is_a_memory_error() -> None:
    result = subprocess.run(
        [sys.executable, str(CHILD)],
        capture_output=True,
        text=True,
        timeout=120,
        env=dict(os.environ, CORSGATE_BACKEND="extension"),
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert set(report) == {
        "evaluate-stack",
        "evaluate-stack-str",
        "evaluate-heap",
        "evaluate_head",
        "send_with_cors-new",
        "send_with_cors-start",
        "send_with_cors-merge",
    }
    for name, sweep in report.items():
        # Failures were injected, and the sweep went past the last one.
        assert sweep["memory_errors"] > 0, name
        assert sweep["allocations"] > 0, name
