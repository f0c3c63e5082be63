"""Every namespace of the post-login ``api`` object (reference §3), run on the real worker."""

from __future__ import annotations

import time
from typing import Any

import jwt
import pytest

from claimlab.errors import ActionRuntimeError
from claimlab.events import make_event
from claimlab.runtime import Action, ActionCache, ActionResult, run_action, run_flow

SECRET = "a-shared-secret-of-at-least-32-bytes!"
USER_ID = "auth0|5f7c8ec7c33c6c004bbafe82"
HOSTNAME = "dev-claimlab.auth0.com"


def handler(body: str, name: str = "onExecutePostLogin") -> str:
    return f"exports.{name} = async (event, api) => {{\n{body}\n}};\n"


def probe(body: str, event: Any = None, **kwargs: Any) -> tuple[Any, ActionResult]:
    """Run ``body`` with an ``out`` object in scope; return what it put there, and the result."""
    result = run_action(
        handler(f"  const out = {{}};\n{body}\n  api.idToken.setCustomClaim('out', out);"),
        event,
        **kwargs,
    )
    assert result.error is None, result.error
    return result.id_token_claims["out"], result


def failure(body: str, event: Any = None, **kwargs: Any) -> ActionRuntimeError:
    result = run_action(handler(body), event, **kwargs)
    assert isinstance(result.error, ActionRuntimeError), result.error
    return result.error


def named(body: str, name: str, **kwargs: Any) -> Action:
    return Action.load(handler(body), name=name, **kwargs)


# --- api.access ----------------------------------------------------------------------------------


def test_deny_does_not_stop_the_rest_of_the_action() -> None:
    result = run_action(
        handler(
            """
  api.access.deny('not today');
  api.idToken.setCustomClaim('after', 'deny');
  api.user.setAppMetadata('denied_at', 1);
"""
        )
    )

    assert result.ok
    assert result.denied == {"reason": "not today", "action": "action"}
    assert [c.api for c in result.commands] == [
        "access.deny",
        "idToken.setCustomClaim",
        "user.setAppMetadata",
    ]
    # Metadata requested before or after a deny is still written by Auth0.
    assert result.app_metadata == {"denied_at": 1}


def test_deny_returns_api_and_the_first_reason_wins() -> None:
    result = run_action(
        handler("  api.access.deny('first').access.deny('second').idToken.setCustomClaim('k', 1);")
    )

    assert result.ok
    assert result.denied == {"reason": "first", "action": "action"}
    assert result.id_token_claims == {"k": 1}


def test_deny_stops_the_later_actions_of_the_flow() -> None:
    result = run_flow(
        [
            named("  api.idToken.setCustomClaim('one', 1);", "one"),
            named("  api.access.deny('blocked');", "two"),
            named("  api.idToken.setCustomClaim('three', 3);", "three"),
        ]
    )

    assert result.actions_run == ["one", "two"]
    assert result.id_token_claims == {"one": 1}
    assert result.denied == {"reason": "blocked", "action": "two"}
    assert result.to_dict()["denied"] == {"reason": "blocked"}


# --- api.idToken / api.accessToken ---------------------------------------------------------------


def test_custom_claims_last_write_wins_within_and_across_actions() -> None:
    result = run_flow(
        [
            named(
                """
  api.idToken.setCustomClaim('https://example.com/c', 'one-a');
  api.idToken.setCustomClaim('https://example.com/c', 'one-b');
  api.accessToken.setCustomClaim('https://example.com/c', 'at-one');
""",
                "one",
            ),
            named("  api.idToken.setCustomClaim('https://example.com/c', 'two');", "two"),
        ]
    )

    assert result.id_token_claims == {"https://example.com/c": "two"}
    assert result.access_token_claims == {"https://example.com/c": "at-one"}


def test_set_custom_claim_returns_api() -> None:
    _, result = probe("  api.idToken.setCustomClaim('a', 1).accessToken.setCustomClaim('b', 2);")
    assert result.access_token_claims == {"b": 2}


@pytest.mark.parametrize("token", ["idToken", "accessToken"])
def test_the_scope_claim_cannot_be_set(token: str) -> None:
    result = run_action(
        handler(
            f"""
  api.{token}.setCustomClaim('https://example.com/ok', 1);
  api.{token}.setCustomClaim('scope', 'admin');
  api.{token}.setCustomClaim('https://example.com/never', 2);
"""
        )
    )

    error = result.error
    assert isinstance(error, ActionRuntimeError)
    assert error.message == 'Error: The "scope" claim cannot be set.'
    assert error.line == 4
    assert str(error) == 'action.js:4: Error: The "scope" claim cannot be set.'
    assert error.to_dict() == {"type": "RuntimeError", "message": error.message, "line": 4}
    # What ran before the throw stays in the log.
    assert [c.args[0] for c in result.commands] == ["https://example.com/ok"]


def test_the_error_line_points_into_the_action_whatever_its_name() -> None:
    # An Action named like one of claimlab's own files ("api.js") still gets its own line.
    action = Action.load(handler("\n  api.idToken.setCustomClaim('scope', 1);"), name="api")
    error = run_action(action).error

    assert isinstance(error, ActionRuntimeError)
    assert (error.file, error.line) == ("api.js", 3)


def test_restricted_claims_other_than_scope_are_recorded_not_thrown() -> None:
    # Auth0 drops them silently at minting time; in-process only "scope" throws.
    _, result = probe(
        "  api.idToken.setCustomClaim('sub', 'x');\n  api.idToken.setCustomClaim('roles', []);"
    )
    assert result.id_token_claims["sub"] == "x"
    assert result.id_token_claims["roles"] == []


def test_add_and_remove_scope() -> None:
    _, result = probe(
        """
  api.accessToken.addScope(' read:dogs ');
  api.accessToken.addScope('write:dogs');
  api.accessToken.removeScope('admin');
"""
    )

    assert result.scopes_added == ["read:dogs", "write:dogs"]
    assert result.scopes_removed == ["admin"]


# --- api.user ------------------------------------------------------------------------------------


def test_metadata_updates_are_batched_and_null_removes() -> None:
    result = run_flow(
        [
            named(
                """
  api.user.setAppMetadata('plan', 'silver');
  api.user.setAppMetadata('plan', 'gold');
  api.user.setAppMetadata('legacy', null);
  api.user.setUserMetadata('theme', 'dark');
""",
                "one",
            ),
            named("  api.user.setUserMetadata('lang', 'fr').user.setAppMetadata('n', 2);", "two"),
        ]
    )

    assert result.ok
    assert result.app_metadata == {"plan": "gold", "legacy": None, "n": 2}
    assert result.user_metadata == {"theme": "dark", "lang": "fr"}
    # Batched: the event of a later Action does not see earlier updates.
    later, _ = probe(
        "  api.user.setAppMetadata('plan', 'gold');\n"
        "  out.plan = event.user.app_metadata.plan || null;"
    )
    assert later == {"plan": None}


# --- api.multifactor -----------------------------------------------------------------------------


@pytest.mark.parametrize("provider", ["any", "duo", "google-authenticator", "guardian", "none"])
def test_multifactor_enable_accepts_auth0_providers(provider: str) -> None:
    _, result = probe(f"  api.multifactor.enable('{provider}', {{allowRememberBrowser: true}});")
    assert (result.commands[0].api, result.commands[0].args) == (
        "multifactor.enable",
        [provider, {"allowRememberBrowser": True}],
    )


# --- api.authentication --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("call", "by"),
    [
        ("challengeWith({type: 'otp'}, {additionalFactors: [{type: 'email'}]})", "challengeWith"),
        ("challengeWithAny([{type: 'push-notification'}, {type: 'phone'}])", "challengeWithAny"),
        ("enrollWith({type: 'webauthn-roaming'})", "enrollWith"),
        ("enrollWithAny([{type: 'otp'}, {type: 'recovery-code'}])", "enrollWithAny"),
    ],
)
def test_a_challenge_or_enrollment_suspends_the_later_actions(call: str, by: str) -> None:
    result = run_flow(
        [
            named(f"  api.authentication.{call};\n  api.idToken.setCustomClaim('same', 1);", "mfa"),
            named("  api.idToken.setCustomClaim('later', 1);", "later"),
        ]
    )

    assert result.ok
    assert result.actions_run == ["mfa"]
    assert result.suspended == {"by": f"authentication.{by}", "action": "mfa"}
    assert result.id_token_claims == {"same": 1}
    assert result.commands[0].api == f"authentication.{by}"


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (
            "challengeWith({type: 'carrier-pigeon'})",
            'TypeError: Unknown factor type "carrier-pigeon"',
        ),
        ("challengeWith('otp')", "TypeError: The factor must be a plain object."),
        ("enrollWith({type: 'email'})", 'TypeError: Unknown factor type "email"'),
        ("challengeWithAny([])", "TypeError: Pass a non-empty array of factors."),
        (
            "challengeWith({type: 'otp'}, {additionalFactors: [{type: 'x'}]})",
            'TypeError: Unknown factor type "x"',
        ),
    ],
)
def test_factor_validation(call: str, message: str) -> None:
    assert failure(f"  api.authentication.{call};").message.startswith(message)


def test_set_primary_user_once_per_transaction() -> None:
    _, result = probe("  api.authentication.setPrimaryUser('auth0|primary');")
    assert result.commands[0].args == ["auth0|primary"]

    twice = run_flow(
        [
            named("  api.authentication.setPrimaryUser('auth0|a');", "one"),
            named("  api.authentication.setPrimaryUser('auth0|b');", "two"),
        ]
    )
    assert isinstance(twice.error, ActionRuntimeError)
    assert twice.error.message == "Error: The primary user can only be altered once per transaction"
    assert twice.error.action == "two"
    assert twice.actions_run == ["one", "two"]


def test_metadata_set_in_the_action_that_sets_the_primary_user_is_discarded() -> None:
    result = run_flow(
        [
            named(
                """
  api.user.setAppMetadata('before', 1);
  api.authentication.setPrimaryUser('auth0|primary');
  api.user.setAppMetadata('after', 2);
""",
                "link",
            ),
            named("  api.user.setAppMetadata('other', 3);", "other"),
        ]
    )

    assert result.ok
    assert result.app_metadata == {"other": 3}
    # The log still shows every call.
    assert [c.args[0] for c in result.commands if c.api == "user.setAppMetadata"] == [
        "before",
        "after",
        "other",
    ]


def test_record_method_only_in_on_continue_post_login() -> None:
    error = failure("  api.authentication.recordMethod('https://example.com/mfa');")
    assert error.message == (
        "Error: api.authentication.recordMethod can only be called from onContinuePostLogin."
    )

    source = handler(
        "  api.authentication.recordMethod('https://example.com/mfa');", "onContinuePostLogin"
    )
    result = run_action(source, handler="onContinuePostLogin")
    assert result.ok
    assert [(c.api, c.args) for c in result.commands] == [
        ("authentication.recordMethod", ["https://example.com/mfa"])
    ]

    bad = run_action(
        handler("  api.authentication.recordMethod('not a url');", "onContinuePostLogin"),
        handler="onContinuePostLogin",
    )
    assert bad.error is not None
    assert bad.error.message == 'TypeError: The provider URL must be a valid URL, got "not a url".'


# --- api.redirect --------------------------------------------------------------------------------


def test_send_user_to_redirects_with_the_query() -> None:
    result = run_flow(
        [
            named(
                """
  api.redirect.sendUserTo('https://example.com/verify?step=1',
                          {query: {session_token: 'abc', n: 2}});
""",
                "away",
            ),
            named("  api.idToken.setCustomClaim('later', 1);", "later"),
        ],
        "interactive",
    )

    assert result.ok
    assert result.redirect == {
        "url": "https://example.com/verify?step=1&session_token=abc&n=2",
        "action": "away",
    }
    assert result.actions_run == ["away"]
    assert result.commands[0].args == [
        "https://example.com/verify?step=1",
        {"query": {"session_token": "abc", "n": 2}},
    ]


@pytest.mark.parametrize(
    ("preset", "can"), [("interactive", True), ("refresh", False), ("silent", False)]
)
def test_can_redirect_depends_on_the_flow(preset: str, can: bool) -> None:
    out, _ = probe("  out.can = api.redirect.canRedirect();", preset)
    assert out == {"can": can}


def test_encode_token_and_validate_token_round_trip() -> None:
    encode = handler(
        """
  const token = api.redirect.encodeToken({
    secret: event.secrets.SECRET, payload: {favourite: 'corgi'}, expiresInSeconds: 60,
  });
  api.redirect.sendUserTo('https://example.com/pick', {query: {session_token: token}});
"""
    )
    first = run_action(encode, "interactive", secrets={"SECRET": SECRET})
    assert first.ok and first.redirect is not None
    token = first.redirect["url"].split("session_token=", 1)[1]

    claims = jwt.decode(token, SECRET, algorithms=["HS256"])
    assert claims["favourite"] == "corgi"
    assert claims["sub"] == USER_ID
    assert claims["iss"] == HOSTNAME
    assert claims["exp"] - claims["iat"] == 60
    assert claims["ip"] == "13.33.86.47"

    validate = handler(
        """
  const payload = api.redirect.validateToken({secret: event.secrets.SECRET});
  api.idToken.setCustomClaim('https://example.com/favourite', payload.favourite);
""",
        "onContinuePostLogin",
    )
    event = make_event("interactive", override={"request": {"query": {"session_token": token}}})
    second = run_action(validate, event, secrets={"SECRET": SECRET}, handler="onContinuePostLogin")
    assert second.ok
    assert second.id_token_claims == {"https://example.com/favourite": "corgi"}


def test_validate_token_accepts_tokens_signed_by_other_jwt_libraries() -> None:
    # PyJWT escapes non-ASCII characters; the signature covers those exact bytes.
    token = jwt.encode(
        {"sub": USER_ID, "iss": HOSTNAME, "exp": int(time.time()) + 60, "name": "Zoë"},
        SECRET,
        algorithm="HS256",
    )
    event = make_event("interactive", override={"request": {"body": {"my_token": token}}})
    out, _ = probe(
        f"  out.name = api.redirect.validateToken({{secret: '{SECRET}', tokenParameterName: "
        "'my_token'}).name;",
        event,
    )
    assert out == {"name": "Zoë"}


@pytest.mark.parametrize(
    ("claims", "secret", "message"),
    [
        (
            {"sub": USER_ID, "iss": HOSTNAME},
            "wrong-secret-wrong-secret-wrong-secret",
            "invalid signature",
        ),
        ({"sub": "auth0|someone-else", "iss": HOSTNAME}, SECRET, "jwt subject invalid"),
        ({"sub": USER_ID, "iss": "evil.example.com"}, SECRET, "jwt issuer invalid"),
        ({"sub": USER_ID, "iss": HOSTNAME, "exp": 1}, SECRET, "jwt expired"),
    ],
)
def test_validate_token_rejects_bad_tokens(claims: dict, secret: str, message: str) -> None:
    token = jwt.encode(claims, secret, algorithm="HS256")
    event = make_event("interactive", override={"request": {"query": {"session_token": token}}})
    error = failure(f"  api.redirect.validateToken({{secret: '{SECRET}'}});", event)
    assert error.message == f"Error: The session token is invalid: {message}"


def test_validate_token_without_the_parameter() -> None:
    error = failure(f"  api.redirect.validateToken({{secret: '{SECRET}'}});", "interactive")
    assert error.message == (
        "Error: There is no parameter called 'session_token' available in either the POST body "
        "or query string."
    )


# --- api.cache -----------------------------------------------------------------------------------


def test_cache_get_set_delete() -> None:
    out, result = probe(
        """
  const before = Date.now();
  out.missing = api.cache.get('k') === undefined;
  const set = api.cache.set('k', 'v');
  out.setType = set.type;
  out.defaultTtlOk = Math.abs(set.record.expires_at - before - 15 * 60 * 1000) < 5000;
  out.got = api.cache.get('k').value;
  out.ttl = api.cache.set('t', 'v', {ttl: 1000}).record.expires_at - Date.now() <= 1000;
  const at = Date.now() + 60000;
  out.earlier = api.cache.set('e', 'v', {ttl: 3600000, expires_at: at}).record.expires_at === at;
  out.deleted = api.cache.delete('k');
  out.again = api.cache.delete('k');
  out.gone = api.cache.get('k') === undefined;
"""
    )

    assert out == {
        "missing": True,
        "setType": "success",
        "defaultTtlOk": True,
        "got": "v",
        "ttl": True,
        "earlier": True,
        "deleted": {"type": "success"},
        "again": {"type": "error", "code": "CacheKeyDoesNotExist"},
        "gone": True,
    }
    assert [c.api for c in result.commands][:2] == ["cache.set", "cache.set"]


@pytest.mark.parametrize(
    ("call", "code"),
    [
        ("api.cache.set('k'.repeat(65), 'v')", "CacheKeySizeExceeded"),
        ("api.cache.set('k', 'v'.repeat(4097))", "CacheValueSizeExceeded"),
        ("api.cache.set('k', 'v', {ttl: Infinity})", "InvalidExpiry"),
        ("api.cache.set('k', 'v', {expires_at: NaN})", "InvalidExpiry"),
        ("api.cache.set('k', 'v', {expires_at: Date.now() - 1})", "ItemAlreadyExpired"),
        ("api.cache.set('k', 'v', {ttl: -5})", "ItemAlreadyExpired"),
    ],
)
def test_cache_set_errors(call: str, code: str) -> None:
    out, _ = probe(f"  out.r = {call};\n  out.after = api.cache.get('k') === undefined;")
    assert out == {"r": {"type": "error", "code": code}, "after": True}


def test_the_cache_is_shared_by_a_flow_and_by_the_runs_on_one_cache() -> None:
    write = named("  api.cache.set('token', 'abc');", "write")
    read = named(
        "  const hit = api.cache.get('token');\n"
        "  api.idToken.setCustomClaim('hit', hit ? hit.value : null);",
        "read",
    )
    assert run_flow([write, read], cache=ActionCache()).id_token_claims == {"hit": "abc"}
    kept = ActionCache()
    run_action(write, cache=kept)
    assert run_action(read, cache=kept).id_token_claims == {"hit": "abc"}
    assert run_action(read, cache=ActionCache()).id_token_claims == {"hit": None}


# --- api.transaction -----------------------------------------------------------------------------


def test_transaction_metadata_is_mirrored_into_later_actions() -> None:
    result = run_flow(
        [
            named(
                """
  api.transaction.setMetadata('step', 'one');
  api.transaction.setMetadata('count', 1);
  api.transaction.setMetadata('flag', true);
  api.idToken.setCustomClaim('own', event.transaction.metadata);
""",
                "one",
            ),
            named(
                """
  api.idToken.setCustomClaim('seen', {...event.transaction.metadata});
  api.transaction.setMetadata('step', null);
""",
                "two",
            ),
            named("  api.idToken.setCustomClaim('last', event.transaction.metadata);", "three"),
        ],
        "interactive",
    )

    assert result.ok
    expected = {"step": "one", "count": 1, "flag": True}
    assert result.id_token_claims == {
        "own": expected,
        "seen": expected,
        "last": {"count": 1, "flag": True},
    }


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            "'k'.repeat(65), 'v'",
            "Error: The transaction metadata key must be at most 64 characters.",
        ),
        (
            "'k', {a: 1}",
            "TypeError: Transaction metadata values must be a string, number, boolean or null.",
        ),
        ("'k', 2 ** 53", "TypeError: Transaction metadata numbers must be safe integers."),
        (
            "'k', 'v'.repeat(8 * 1024 + 1)",
            "Error: A transaction metadata value must be at most 8 KB.",
        ),
        ("'k' + i, 'v'.repeat(8000)", "Error: Transaction metadata must total at most 16 KB."),
    ],
)
def test_transaction_metadata_limits(args: str, message: str) -> None:
    body = f"  for (let i = 0; i < 3; i++) api.transaction.setMetadata({args});"
    assert failure(body, "interactive").message == message


# --- api.session ---------------------------------------------------------------------------------


def test_session_calls_are_recorded_and_mirrored() -> None:
    out, result = probe(
        """
  api.session.setMetadata('device', 'laptop');
  api.session.deleteMetadata('foo');
  api.session.setCookieMode('non-persistent');
  api.session.setExpiresAt(Date.UTC(2027, 0, 1));
  api.session.setIdleExpiresAt(Date.UTC(2026, 6, 1));
  out.metadata = event.session.metadata;
  out.cookie = event.session.cookie;
"""
    )

    assert out == {
        "metadata": {"fizz": "buzz", "device": "laptop"},
        "cookie": {"mode": "non-persistent"},
    }
    assert [c.api for c in result.commands][:5] == [
        "session.setMetadata",
        "session.deleteMetadata",
        "session.setCookieMode",
        "session.setExpiresAt",
        "session.setIdleExpiresAt",
    ]


def test_session_revoke_denies_the_login() -> None:
    result = run_flow(
        [
            named("  api.session.revoke('stolen', {preserveRefreshTokens: true});", "revoke"),
            named("  api.idToken.setCustomClaim('later', 1);", "later"),
        ]
    )

    assert result.ok
    assert result.actions_run == ["revoke"]
    assert result.denied == {"reason": "stolen", "action": "revoke", "by": "session.revoke"}


# --- api.refreshToken ----------------------------------------------------------------------------


def test_refresh_token_metadata_and_expiry() -> None:
    out, result = probe(
        """
  api.refreshToken.setMetadata('device', 'phone');
  api.refreshToken.setExpiresAt(Date.UTC(2027, 0, 1));
  api.refreshToken.evictMetadata();
  out.metadata = event.refresh_token.metadata;
""",
        "refresh",
    )
    assert out == {"metadata": {}}
    assert [c.api for c in result.commands][:3] == [
        "refreshToken.setMetadata",
        "refreshToken.setExpiresAt",
        "refreshToken.evictMetadata",
    ]


def test_refresh_token_revoke_only_during_a_refresh_exchange() -> None:
    result = run_action(handler("  api.refreshToken.revoke('rotated');"), "refresh")
    assert result.ok
    assert result.denied == {"reason": "rotated", "action": "action", "by": "refreshToken.revoke"}

    assert failure("  api.refreshToken.revoke('rotated');", "interactive").message == (
        "Error: api.refreshToken.revoke can only be called during a refresh token exchange."
    )


# --- api.validation, api.rules -------------------------------------------------------------------


def test_validation_error_denies_and_stops_the_flow() -> None:
    result = run_flow(
        [
            named("  api.validation.error('invalid_email', 'Use your work email.');", "check"),
            named("  api.idToken.setCustomClaim('later', 1);", "later"),
        ]
    )

    assert result.ok
    assert result.actions_run == ["check"]
    assert result.denied == {
        "reason": "Use your work email.",
        "error": "invalid_email",
        "action": "check",
        "by": "validation.error",
    }
    assert result.to_dict()["denied"] == {"reason": "Use your work email."}


def test_rules_were_never_executed_locally() -> None:
    out, result = probe("  out.ran = api.rules.wasExecuted('rul_123');")
    assert out == {"ran": False}
    assert [c.api for c in result.commands] == ["idToken.setCustomClaim"]


# --- api.prompt ----------------------------------------------------------------------------------


def test_prompt_render_suspends_the_flow() -> None:
    result = run_flow(
        [
            named("  api.prompt.render('prm_1', {vars: {name: 'Jo'}});", "prompt"),
            named("  api.idToken.setCustomClaim('later', 1);", "later"),
        ],
        "interactive",
    )

    assert result.ok
    assert result.actions_run == ["prompt"]
    assert result.suspended == {"by": "prompt.render", "action": "prompt"}
    assert result.commands[0].args == ["prm_1", {"vars": {"name": "Jo"}}]


# --- api.samlResponse ----------------------------------------------------------------------------


def test_saml_response_setters_are_recorded() -> None:
    _, result = probe(
        """
  api.samlResponse.setAttribute('http://schemas.example.com/role', 'admin');
  api.samlResponse.setAttribute('http://schemas.example.com/old', null);
  api.samlResponse.setSignatureAlgorithm('rsa-sha256');
  api.samlResponse.setDigestAlgorithm('sha1');
  api.samlResponse.setEncryptionAlgorithm('aes256-gcm');
  api.samlResponse.setLifetimeInSeconds(600);
  api.samlResponse.setSignResponse(true);
  api.samlResponse.setNameIdentifierProbes(['email']);
  api.samlResponse.setAudience('urn:example');
"""
    )
    assert [(c.api.split(".")[1], c.args) for c in result.commands][:9] == [
        ("setAttribute", ["http://schemas.example.com/role", "admin"]),
        ("setAttribute", ["http://schemas.example.com/old", None]),
        ("setSignatureAlgorithm", ["rsa-sha256"]),
        ("setDigestAlgorithm", ["sha1"]),
        ("setEncryptionAlgorithm", ["aes256-gcm"]),
        ("setLifetimeInSeconds", [600]),
        ("setSignResponse", [True]),
        ("setNameIdentifierProbes", [["email"]]),
        ("setAudience", ["urn:example"]),
    ]


# --- api.groups, api.roles -----------------------------------------------------------------------


def test_roles_are_async_and_paged() -> None:
    roles = [f"role-{i}" for i in range(120)]
    event = make_event("interactive", override={"authorization": {"roles": roles}})
    out, result = probe(
        """
  const first = api.roles.getUserEffectiveRoles({take: 100});
  out.isPromise = first instanceof Promise;
  const page1 = await first;
  const page2 = await api.roles.getUserEffectiveRoles({take: 100, from: page1.next});
  out.sizes = [page1.roles.length, page2.roles.length];
  out.next = [page1.next, page2.next === undefined];
  out.first = page1.roles[0];
  out.last = page2.roles[page2.roles.length - 1].name;
  const byName = await api.roles.getUserEffectiveRolesByNames(['role-3', 'nope']);
  out.byName = byName.roles.map((r) => r.name);
  const byId = await api.roles.getUserEffectiveRolesByIds([page1.roles[5].id]);
  out.byId = byId.roles.map((r) => r.name);
  const defaults = await api.roles.getUserEffectiveRoles();
  out.defaultPage = [defaults.roles.length, defaults.next];
""",
        event,
    )

    assert out == {
        "isPromise": True,
        "sizes": [100, 20],
        "next": ["100", True],
        "first": {"id": "rol_0000000000000000", "name": "role-0", "type": "direct"},
        "last": "role-119",
        "byName": ["role-3"],
        "byId": ["role-5"],
        "defaultPage": [50, "50"],
    }
    assert [c.api for c in result.commands][:3] == ["roles.getUserEffectiveRoles"] * 2 + [
        "roles.getUserEffectiveRolesByNames"
    ]
