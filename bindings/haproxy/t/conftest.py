"""Puts tests/hosts on sys.path: the harness and the tests import the
host-independent half of the suite, corsgate_testlib, from there."""

import os
import sys

sys.path.insert(
    0,
    os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "tests", "hosts"
    ),
)
