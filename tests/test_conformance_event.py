"""Conformance: the post-login v3 ``event``.

Every field of the type definition (auth0/auth0-actions src/post-login/v3/index.d.ts,
`PostLoginV3Event`, typed in by hand below with a value of its documented type) is accepted
by claimlab's event validation, and Auth0's sample event (src/post-login/v3/test/index.js,
`event`; the dashboard's Test tab) carries it.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest
from conformance import ok

from claimlab import EventError, sample_event
from claimlab.events import _FIELDS, validate_event

S = "text"
V3_EVENT_FIELDS: dict[str, Any] = {
    "agent.agent_id": "agt_1",
    "agent.agent_metadata": {},
    "agent.name": S,
    "authentication.methods": [{"name": "pwd", "timestamp": "2026-01-01T00:00:00Z"}],
    "authentication.riskAssessment": {"confidence": "low", "version": "1", "assessments": {}},
    "authorization.roles": ["admin"],
    "client.client_id": S,
    "client.metadata": {"k": S},
    "client.name": S,
    "client.refresh_token": {"policies": [{"audience": S, "scope": ["read"]}]},
    "configuration": {},
    "connection.id": "con_1",
    "connection.metadata": {"k": S},
    "connection.name": S,
    "connection.strategy": "auth0",
    "custom_domain.domain": S,
    "custom_domain.domain_metadata": {"k": S},
    "organization.display_name": S,
    "organization.id": "org_1",
    "organization.metadata": {"k": S},
    "organization.name": S,
    "prompt.id": S,
    "prompt.fields": {},
    "prompt.vars": {},
    "refresh_token.id": S,
    "refresh_token.client_id": S,
    "refresh_token.created_at": S,
    "refresh_token.device": {"initial_ip": "0.0.0.1"},
    "refresh_token.expires_at": S,
    "refresh_token.idle_expires_at": S,
    "refresh_token.last_exchanged_at": S,
    "refresh_token.metadata": {"k": S},
    "refresh_token.resource_servers": [{"audience": S, "scopes": "read"}],
    "refresh_token.rotating": True,
    "refresh_token.session_id": S,
    "refresh_token.session_transfer": {"parent_refresh_token": {"id": S}},
    "refresh_token.user_id": S,
    "request.asn": S,
    "request.body": {},
    "request.geoip": {"countryCode": "US", "latitude": 1.5},
    "request.hostname": S,
    "request.ip": "1.2.3.4",
    "request.language": "en",
    "request.method": "GET",
    "request.query": {},
    "request.user_agent": S,
    "resource_server.identifier": S,
    "secrets": {"KEY": S},
    "security_context.ja3": S,
    "security_context.ja4": S,
    "session.id": S,
    "session.actor": {"sub": S},
    "session.authenticated_at": S,
    "session.clients": [{"client_id": S}],
    "session.cookie": {"mode": "persistent"},
    "session.created_at": S,
    "session.device": {"last_ip": "0.0.0.0"},
    "session.expires_at": S,
    "session.idle_expires_at": S,
    "session.last_interacted_at": S,
    "session.metadata": {"k": S},
    "session.session_transfer": {"parent_refresh_token": {"id": S, "metadata": {}}},
    "session.updated_at": S,
    "session.user_id": S,
    "session_transfer_token.client_id": S,
    "session_transfer_token.request": {"ip": "0.0.0.1"},
    "session_transfer_token.scope": ["read"],
    "stats.logins_count": 3,
    "tenant.id": S,
    "transaction.acr_values": ["a"],
    "transaction.actor": {"sub": S, "act": {"sub": S}},
    "transaction.actor_token_type": S,
    "transaction.correlation_id": S,
    "transaction.id": S,
    "transaction.linking_id": S,
    "transaction.locale": "en",
    "transaction.login_hint": S,
    "transaction.metadata": {"k": S, "n": 1, "b": True},
    "transaction.prompt": ["login"],
    "transaction.protocol": "oidc-basic-profile",
    "transaction.redirect_uri": S,
    "transaction.requested_authorization_details": [{"type": "payment"}],
    "transaction.requested_scopes": ["openid"],
    "transaction.response_mode": "form_post",
    "transaction.response_type": ["code"],
    "transaction.state": S,
    "transaction.subject_token_type": S,
    "transaction.target_scopes": ["read:dogs"],
    "transaction.ui_locales": ["en"],
    "user.app_metadata": {},
    "user.created_at": S,
    "user.email": S,
    "user.email_verified": True,
    "user.enrolledFactors": [{"type": "otp"}],
    "user.family_name": S,
    "user.given_name": S,
    "user.identities": [{"provider": "auth0", "user_id": S}],
    "user.last_password_reset": S,
    "user.multifactor": ["guardian"],
    "user.name": S,
    "user.nickname": S,
    "user.phone_number": S,
    "user.phone_verified": False,
    "user.picture": S,
    "user.updated_at": S,
    "user.user_id": S,
    "user.user_metadata": {},
    "user.username": S,
}

# Typed in index.d.ts but absent from Auth0's sample event: target scopes sit behind the
# library's flag `actions_pl_transaction_target_scopes` (test/index.js `TransactionAPIImpl`).
NOT_IN_SAMPLE = {"transaction.target_scopes"}


def _set(event: dict[str, Any], path: str, value: Any) -> None:
    *parents, leaf = path.split(".")
    for part in parents:
        event = event[part]
    event[leaf] = value


def _has(event: dict[str, Any], path: str) -> bool:
    for part in path.split("."):
        if not isinstance(event, dict) or part not in event:
            return False
        event = event[part]
    return True


@pytest.fixture(scope="module")
def read_back() -> dict[str, Any]:
    """What one Action reads from an event carrying every field at once, each field put in a
    claim of its own (one Action for all 108 fields: a new Action is a new thread, ~50 ms)."""
    event = copy.deepcopy(sample_event())
    for path, value in V3_EVENT_FIELDS.items():
        _set(event, path, value)
    paths = sorted(V3_EVENT_FIELDS)
    body = "\n".join(
        f"  api.idToken.setCustomClaim('f{i}', event.{path});" for i, path in enumerate(paths)
    )
    # event.secrets are the Action's own secrets, as on Auth0.
    result = ok(body, event, secrets=V3_EVENT_FIELDS["secrets"])
    return {path: result.id_token_claims[f"f{i}"] for i, path in enumerate(paths)}


@pytest.mark.parametrize("path", sorted(V3_EVENT_FIELDS))
def test_validation_accepts_the_field_and_the_action_reads_it_unchanged(
    path: str, read_back: dict[str, Any]
) -> None:
    event = copy.deepcopy(sample_event())
    value = V3_EVENT_FIELDS[path]
    _set(event, path, value)
    validate_event(event)
    assert read_back[path] == value


@pytest.mark.parametrize("path", sorted(set(V3_EVENT_FIELDS) & {".".join(k) for k in _FIELDS}))
def test_validation_refuses_the_wrong_type_where_it_checks_one(path: str) -> None:
    event = copy.deepcopy(sample_event())
    value = V3_EVENT_FIELDS[path]
    _set(event, path, 12345 if isinstance(value, str | list | dict | bool) else "text")
    with pytest.raises(EventError, match=path.replace(".", r"\.")):
        validate_event(event)


@pytest.mark.parametrize("path", sorted(set(V3_EVENT_FIELDS) - NOT_IN_SAMPLE))
def test_the_sample_event_carries_the_field(path: str) -> None:
    assert _has(sample_event(), path)
