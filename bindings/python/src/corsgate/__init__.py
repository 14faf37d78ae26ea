"""corsgate: a zero-allocation CORS engine, from Python.

Compile a policy once, evaluate every request with one call into the Rust
engine, and add the headers it returns::

    import corsgate

    policy = corsgate.Policy(
        origins=["https://app.example.com", "https://*.example.com"],
        methods=["GET", "POST", "PUT"],
        request_headers=["content-type", "authorization"],
        credentials=True,
        max_age=600,
    )
    d = policy.evaluate("OPTIONS", [
        ("Origin", "https://app.example.com"),
        ("Access-Control-Request-Method", "PUT"),
    ])
    d.kind, d.allowed, d.reason, d.status   # ('preflight', True, 'ok', 204)
    d.headers                               # [('Access-Control-Allow-Origin', ...), ...]

For web applications use the middleware: :mod:`corsgate.asgi` (Starlette,
FastAPI and any ASGI app) or :mod:`corsgate.wsgi` (Flask, Django and any
WSGI app).

The package loads its bundled ``libcorsgate`` and checks, at import, that
the library speaks the C ABI version it was written for.

Evaluations go through the native extension ``corsgate._speedups`` when it
was built at install time, and through ctypes otherwise; both give the same
results. :data:`BACKEND` says which is active (``"extension"`` or
``"ctypes"``); the ``CORSGATE_BACKEND`` environment variable (``auto``,
``extension``, ``ctypes``) chooses at import.
"""

from ._build import POLICY_KEYS, BuildError, PolicyError
from ._decision import Decision
from ._ffi import ABI_VERSION, LIBRARY_VERSION, MAX_HEADERS
from ._policy import Policy

# After _policy: importing it selects the backend.
from ._backend import BACKEND

__all__ = [
    "ABI_VERSION",
    "BACKEND",
    "BuildError",
    "Decision",
    "LIBRARY_VERSION",
    "MAX_HEADERS",
    "POLICY_KEYS",
    "Policy",
    "PolicyError",
    "__version__",
]

#: The version of the Python package (and of the library it bundles). The
#: one place it is written for Python: pyproject.toml reads it from here,
#: and tests/test_versions.py checks it against the Cargo workspace version.
__version__ = "0.1.0"
