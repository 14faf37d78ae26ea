"""Starlette-style middleware options, mapped onto a corsgate policy.

Both middlewares accept Starlette's ``CORSMiddleware`` keywords so that
switching is a one-line change. The mapping follows what Starlette does
where corsgate agrees, and refuses what corsgate refuses:

* ``allow_origins`` → ``origins`` (patterns such as ``https://*.example.com``
  and ``http://localhost:*`` work; ``["*"]`` with ``allow_credentials=True``
  is a :class:`~corsgate.PolicyError`, where Starlette would reflect any
  origin);
* ``allow_methods`` → ``methods`` (``"*"`` → any method);
* ``allow_headers`` → ``request_headers``; like Starlette, the CORS-safelisted
  names ``accept``, ``accept-language``, ``content-language`` and
  ``content-type`` are always allowed;
* ``allow_credentials``, ``allow_private_network``, ``expose_headers`` and
  ``max_age`` map onto the keys of the same meaning;
* ``allow_origin_regex`` is refused: corsgate has no regular expressions.
"""

from __future__ import annotations

from typing import Collection, Optional

from ._policy import Policy

# Starlette always allows these request headers (its SAFELISTED_HEADERS).
_SAFELISTED = ("accept", "accept-language", "content-language", "content-type")


def policy_from_options(
    *,
    allow_origins: Collection[str],
    allow_methods: Collection[str],
    allow_headers: Collection[str],
    allow_credentials: bool,
    allow_origin_regex: Optional[str],
    allow_private_network: bool,
    expose_headers: Collection[str],
    max_age: Optional[int],
) -> Policy:
    """Builds the policy a Starlette-style keyword set describes."""
    if allow_origin_regex is not None:
        raise ValueError(
            "corsgate does not support allow_origin_regex: list the origins, "
            "or patterns such as 'https://*.example.com' or "
            "'http://localhost:*', in allow_origins"
        )
    for key, value in (
        ("allow_origins", allow_origins),
        ("allow_methods", allow_methods),
        ("allow_headers", allow_headers),
        ("expose_headers", expose_headers),
    ):
        if isinstance(value, (str, bytes)):
            raise TypeError(f"{key} must be a collection of str, not a single string")
    methods = ["*"] if "*" in allow_methods else list(allow_methods)
    if "*" in allow_headers:
        request_headers = ["*"]
    else:
        names = {h.lower() for h in allow_headers if isinstance(h, str)}
        # Non-str entries are passed on, for Policy to report the type.
        request_headers = sorted(names | set(_SAFELISTED)) + [
            h for h in allow_headers if not isinstance(h, str)
        ]
    return Policy(
        origins=list(allow_origins),
        methods=methods,
        request_headers=request_headers,
        expose_headers=list(expose_headers),
        credentials=allow_credentials,
        private_network=allow_private_network,
        max_age=max_age,
    )


def resolve_policy(
    policy: Optional[Policy], allow_origins: Collection[str], **options
) -> Policy:
    """The policy a middleware runs: ``policy=`` as given, or one compiled
    from Starlette's keywords. Giving both is a ``TypeError``."""
    if policy is None:
        return policy_from_options(allow_origins=allow_origins, **options)
    if not isinstance(policy, Policy):
        raise TypeError(
            f"policy must be a corsgate.Policy, not {type(policy).__name__}"
        )
    if allow_origins:
        raise TypeError("pass either policy= or the allow_* keywords, not both")
    return policy
