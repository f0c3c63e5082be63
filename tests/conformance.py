"""Shared by the conformance suite (``tests/test_conformance_*.py``).

The suite holds claimlab's post-login ``api`` to Auth0's own runtime library, the
``auth0/auth0-actions`` repository (Apache-2.0; the ``@auth0/actions`` package):

- ``src/post-login/v3/index.d.ts``: the ``PostLoginAPI`` interface, the method list below.
- ``src/post-login/v3/test/index.js``: ``PostLoginAPIImpl`` and its ``*APIImpl`` classes, the
  in-sandbox checks and their exact texts.
- ``src/_shared/DvTaCl9e.js``: ``helpers`` (scopes, custom claims) and the input codecs.
- ``src/_shared/_XK5Fidc.js``: ``CacheAPIImpl``.
- ``src/_shared/Bi7NRjgy.js``: ``TargetScopesAPIImpl``.

Each test declares the methods it covers with :func:`covers`; the coverage test fails when a
method of :data:`V3_METHODS` has none.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from claimlab.errors import ActionError
from claimlab.runtime import ActionCache, ActionResult, run_action

F = TypeVar("F", bound=Callable[..., Any])

SAML_CONFIG_SETTERS = (
    "setAudience",
    "setRecipient",
    "setCreateUpnClaim",
    "setPassthroughClaimsWithNoMapping",
    "setMapUnknownClaimsAsIs",
    "setMapIdentities",
    "setSignatureAlgorithm",
    "setDigestAlgorithm",
    "setDestination",
    "setLifetimeInSeconds",
    "setSignResponse",
    "setNameIdentifierFormat",
    "setNameIdentifierProbes",
    "setAuthnContextClassRef",
    "setSigningCert",
    "setIncludeAttributeNameFormat",
    "setTypedAttributes",
    "setEncryptionCert",
    "setEncryptionPublicKey",
    "setCert",
    "setKey",
    "setRelayState",
    "setIssuer",
    "setEncryptionAlgorithm",
)

# Typed in by hand from index.d.ts (`PostLoginAPI` and the interfaces it names), checked
# against test/index.js `PostLoginAPIImpl`. `api.roles` and the transaction target-scope
# methods are in the harness and the docs (api-object page; handling-scopes-in-actions) but not
# in index.d.ts revision 04f6d0f7: newer additions. The harness gates the target-scope methods
# behind the flag `actions_pl_transaction_target_scopes`; the docs list them as available.
V3_METHODS: frozenset[str] = frozenset(
    {
        "access.deny",
        "accessToken.addScope",
        "accessToken.removeScope",
        "accessToken.setCustomClaim",
        "authentication.challengeWith",
        "authentication.challengeWithAny",
        "authentication.enrollWith",
        "authentication.enrollWithAny",
        "authentication.recordMethod",
        "authentication.setPrimaryUser",
        "cache.delete",
        "cache.get",
        "cache.set",
        "groups.getUserGroups",
        "groups.hasGroupMembership",
        "idToken.setCustomClaim",
        "multifactor.enable",
        "prompt.render",
        "redirect.canRedirect",
        "redirect.encodeToken",
        "redirect.sendUserTo",
        "redirect.validateToken",
        "refreshToken.deleteMetadata",
        "refreshToken.evictMetadata",
        "refreshToken.revoke",
        "refreshToken.setExpiresAt",
        "refreshToken.setIdleExpiresAt",
        "refreshToken.setMetadata",
        "roles.getUserEffectiveRoles",
        "roles.getUserEffectiveRolesByIds",
        "roles.getUserEffectiveRolesByNames",
        "rules.wasExecuted",
        "samlResponse.setAttribute",
        *(f"samlResponse.{name}" for name in SAML_CONFIG_SETTERS),
        "session.deleteMetadata",
        "session.evictMetadata",
        "session.revoke",
        "session.setCookieMode",
        "session.setExpiresAt",
        "session.setIdleExpiresAt",
        "session.setMetadata",
        "transaction.addTargetScope",
        "transaction.clearTargetScopes",
        "transaction.removeTargetScope",
        "transaction.setMetadata",
        "transaction.setTargetScopes",
        "user.setAppMetadata",
        "user.setUserMetadata",
        "validation.error",
    }
)

COVERED: dict[str, list[str]] = {}
"""Method -> the tests that declared they cover it (filled as the test modules import)."""


def covers(*methods: str) -> Callable[[F], F]:
    """Declare which ``api`` methods a conformance test covers."""
    unknown = [m for m in methods if m not in V3_METHODS]
    if unknown:
        raise ValueError(f"not post-login v3 api methods: {unknown}")

    def mark(test: F) -> F:
        for method in methods:
            COVERED.setdefault(method, []).append(f"{test.__module__}.{test.__name__}")
        return test

    return mark


def handler(body: str, name: str = "onExecutePostLogin") -> str:
    return f"exports.{name} = async (event, api) => {{\n{body}\n}};\n"


def run(body: str, event: Any = None, **kwargs: Any) -> ActionResult:
    """Run ``body`` as a handler on the real worker, with a cache of its own."""
    kwargs.setdefault("cache", ActionCache())
    kwargs.setdefault("handler", "onExecutePostLogin")
    return run_action(handler(body, kwargs["handler"]), event, **kwargs)


def ok(body: str, event: Any = None, **kwargs: Any) -> ActionResult:
    result = run(body, event, **kwargs)
    assert result.error is None, result.error
    return result


def out(body: str, event: Any = None, **kwargs: Any) -> Any:
    """Run ``body`` with an ``out`` object in scope; return what the Action put there."""
    result = ok(
        f"  const out = {{}};\n{body}\n  api.idToken.setCustomClaim('out', out);", event, **kwargs
    )
    return result.id_token_claims["out"]


def thrown(body: str, event: Any = None, **kwargs: Any) -> str:
    """Run ``body``, which must throw; return the JavaScript error as ``Name: message``."""
    result = run(body, event, **kwargs)
    assert isinstance(result.error, ActionError), f"expected a throw, got {result.commands}"
    assert result.error.thrown is not None, result.error
    return f"{result.error.thrown['name']}: {result.error.thrown['message']}"


def calls(result: ActionResult) -> list[tuple[str, list[Any]]]:
    """The recorded command log as ``(api, args)`` pairs."""
    return [(c.api, c.args) for c in result.commands]
