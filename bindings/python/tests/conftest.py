"""Shared fixtures: the repository's conformance vectors and a few policies."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import corsgate
import policies

# bindings/python/tests -> the repository root.
REPO_ROOT = Path(__file__).resolve().parents[3]
VECTORS = REPO_ROOT / "tests" / "vectors"


def load_vectors() -> tuple[dict, list, list]:
    """(policies, cases, builds) from tests/vectors, as the README describes."""
    policies = json.loads((VECTORS / "policies.json").read_text("utf-8"))
    cases = []
    builds = []
    for path in sorted(VECTORS.glob("*.json")):
        data = json.loads(path.read_text("utf-8"))
        cases.extend(data.get("cases", []))
        builds.extend(data.get("builds", []))
    return policies, cases, builds


@pytest.fixture(scope="session")
def app_policy() -> corsgate.Policy:
    return policies.app_policy()
