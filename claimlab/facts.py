"""Auth0's facts, each written once, each with its source.

Every limit, name, pattern and default that claimlab copies from Auth0 lives here, so that a
fidelity fix changes one line. The rules that *apply* these facts live where they act: the
custom-claim rules (reserved names, namespaces, the 100 KB cap) in ``claims.py``, the
Management API's checks in ``tenant/management.py``, the runtime's in ``runtime/run.py``.

Sources, as ``../shared/reference/auth0-actions.md`` names them:

- D-LIM: https://auth0.com/docs/customize/actions/limitations
- D-ENT: Auth0's entity-limit policy, "Actions" table
- D-LIM-OLD: https://auth0.com/docs/actions/limitations (the older copy of D-LIM)
- D-DEPS: https://auth0.com/docs/customize/actions/manage-dependencies
- D-CLAIMS: https://auth0.com/docs/secure/tokens/json-web-tokens/create-custom-claims
- D-MIG: https://auth0.com/docs/troubleshoot/product-lifecycle/past-migrations/custom-claims-migration
- D-NODE22: Auth0's Node 22 runtime notes; TF: terraform-provider-auth0 ``resources/action``
- PY5: auth0-python 6.x ``actions`` client and ``ActionTriggerTypeEnum``
- A-TS: ``auth0/auth0-actions``, post-login v3 types
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from types import MappingProxyType

# --- triggers and runtimes ------------------------------------------------------------------

TRIGGER = "post-login"
"""The trigger claimlab runs: the tutorial's Action is a post-login Action."""

TRIGGER_VERSION = "v3"
"""The current post-login version (A-TS ``post-login/v3``; TF examples)."""

HANDLERS: tuple[str, ...] = ("onExecutePostLogin", "onContinuePostLogin")
"""What a post-login Action may export: the login handler and the one resumed after a
redirect (A-TS)."""

TRIGGERS: Mapping[str, str] = MappingProxyType(
    {
        "post-login": "v3",
        "credentials-exchange": "v2",
        "pre-user-registration": "v2",
        "post-user-registration": "v2",
        "post-change-password": "v2",
        "send-phone-message": "v2",
    }
)
"""The triggers the local tenant offers and their current version (``GET /actions/triggers``).
claimlab runs only post-login; the others exist so that Actions for them can be created,
deployed and bound as on Auth0."""

TRIGGER_IDS: frozenset[str] = frozenset(
    {
        *TRIGGERS,
        "custom-phone-provider",
        "custom-email-provider",
        "password-reset-post-challenge",
        "custom-token-exchange",
        "event-stream",
        "password-hash-migration",
        "login-post-identifier",
        "signup-post-identifier",
        "post-credential-validation",
    }
)
"""Every trigger id Auth0 knows (PY5 ``ActionTriggerTypeEnum``)."""

DEFAULT_RUNTIME = "node22"
"""The runtime Auth0 uses when an Action names none (PY5; D-NODE22: Node 22 is recommended)."""

RUNTIMES: tuple[str, ...] = ("node18-actions", "node22")
"""Runtimes every trigger offers, as ``GET /actions/triggers`` lists them."""

RUNTIME_ALIASES: Mapping[str, str] = MappingProxyType({"node18": "node18-actions"})
"""``node18`` was Node 18 *beta*; like terraform-provider-auth0 it is stored as node18-actions."""

END_OF_LIFE_RUNTIMES: tuple[str, ...] = ("node12", "node16")
"""Auth0 ended Node 12 and 16 on 15 August 2025; creating or updating onto them is a 400."""

# --- limits ----------------------------------------------------------------------------------

EXECUTION_TIMEOUT = 20.0
"""Seconds one execution of a trigger may take before it ends in an error (D-LIM)."""

MAX_CODE_BYTES = 100 * 1024
"""An Action's code "should not exceed 100 kB", npm dependencies excluded (D-LIM): a
recommendation for latency, not a documented hard limit, so claimlab warns past it."""

MAX_BINDINGS = 20
"""Actions bound to one trigger ("Actions per Trigger per Tenant", D-ENT; "a maximum of 20
active bound Actions" per flow, D-LIM-OLD)."""

MAX_VERSIONS = 50
"""Versions kept per Action; the oldest unused one is deleted beyond that (D-ENT)."""

MAX_DEPENDENCIES = 10
"""npm dependencies per Action (D-ENT)."""

MAX_SECRETS = 30
"""Secrets per Action (D-ENT)."""

MAX_SECRET_NAME = 128
"""Characters in a secret's name (D-ENT, D-LIM)."""

MAX_SECRET_VALUE = 4096
"""Characters in a secret's value (D-LIM; older docs said 2048)."""

CUSTOM_CLAIMS_LIMIT = 100 * 1024
"""Auth0's cap on one token's custom claims, in bytes of compact UTF-8 JSON, counted per token
(D-CLAIMS; D-MIG "Maximum token size"). Over it, the whole login fails; ``claims.py`` is where
the rule is applied."""

COOKIE_LIMIT = 4096
"""Bytes in one browser cookie (RFC 6265 §6.1's minimum that browsers honour): not Auth0's
limit, but the one an app that keeps the ID token in a cookie meets first."""

ID_TOKEN_LIFETIME = 36000
"""Seconds an ID token lives by default (an application's "ID Token Expiration": 10 hours)."""

ACCESS_TOKEN_LIFETIME = 86400
"""Seconds an access token lives by default (an API's "Token Expiration": 24 hours)."""

DEFAULT_PER_PAGE = 20
"""Management API list endpoints: items per page when ``per_page`` is not given."""

MAX_PER_PAGE = 100
"""Management API list endpoints: the largest ``per_page`` accepted."""

# --- claims ----------------------------------------------------------------------------------

ID_TOKEN = "id_token"
ACCESS_TOKEN = "access_token"
TOKENS: tuple[str, ...] = (ID_TOKEN, ACCESS_TOKEN)

RESTRICTED_CLAIMS: frozenset[str] = frozenset(
    {
        "acr",
        "act",
        "active",
        "amr",
        "at_hash",
        "ath",
        "attest",
        "aud",
        "auth_time",
        "authorization_details",
        "azp",
        "c_hash",
        "client_id",
        "cnf",
        "cty",
        "dest",
        "entitlements",
        "events",
        "exp",
        "groups",
        "gty",
        "htm",
        "htu",
        "iat",
        "internalService",
        "iss",
        "jcard",
        "jku",
        "jti",
        "jwe",
        "jwk",
        "kid",
        "may_act",
        "mky",
        "nbf",
        "nonce",
        "object_id",
        "org_id",
        "org_name",
        "orig",
        "origid",
        "permissions",
        "roles",
        "rph",
        "s_hash",
        "sid",
        "sip_callid",
        "sip_cseq_num",
        "sip_date",
        "sip_from_tag",
        "sip_via_branch",
        "sub",
        "sub_jwk",
        "toe",
        "txn",
        "typ",
        "uuid",
        "vot",
        "vtm",
        "x5t#S256",
    }
)
"""Auth0's "General restrictions" (D-CLAIMS, and the custom-claims migration guide): setting
any of these names is ignored without an error."""

RUNTIME_RESERVED_CLAIMS: frozenset[str] = frozenset({"scope"})
"""Names the Actions runtime refuses inside ``setCustomClaim`` (``The "scope" claim cannot be
set.``, A-TS shared validators), so the Action fails before Auth0 would filter anything."""

PROFILE_CLAIMS_BY_SCOPE: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        "profile": (
            "name",
            "family_name",
            "given_name",
            "middle_name",
            "nickname",
            "preferred_username",
            "profile",
            "picture",
            "website",
            "gender",
            "birthdate",
            "zoneinfo",
            "locale",
            "updated_at",
        ),
        "email": ("email", "email_verified"),
        "address": ("address",),
        "phone": ("phone_number", "phone_number_verified"),
    }
)
"""Which OIDC scope each standard profile claim needs (OpenID Connect Core §5.4)."""

FORBIDDEN_NAMESPACE_HOSTS: tuple[str, ...] = ("auth0.com", "webtask.io", "webtask.run")
"""A URL-namespaced claim on one of these hosts, or any subdomain of them, is dropped
(D-CLAIMS)."""

AUTH0_API_HOSTS: tuple[str, ...] = ("auth0.com", "auth0app.com")
"""Hosts (and their subdomains) whose APIs count as Auth0's own for the audience rule
(D-CLAIMS: non-namespaced claims are dropped on tokens for Auth0's APIs)."""

# --- grants ----------------------------------------------------------------------------------

DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"
"""The device authorization grant (RFC 8628), as Auth0's ``/oauth/token`` takes it."""

PASSWORD_REALM_GRANT = "http://auth0.com/oauth/grant-type/password-realm"
"""Auth0's password grant with a named connection (realm)."""

# --- Management API --------------------------------------------------------------------------

READ_ACTIONS, CREATE_ACTIONS, UPDATE_ACTIONS, DELETE_ACTIONS = (
    "read:actions",
    "create:actions",
    "update:actions",
    "delete:actions",
)
"""The Management API scopes the Actions endpoints check."""

# --- npm -------------------------------------------------------------------------------------

NPM_PACKAGE_NAME = re.compile(r"^(@[a-z0-9][\w.-]*/)?[a-z0-9][\w.-]*$", re.IGNORECASE)
"""An npm package name, scoped or not (D-DEPS: public npm packages only)."""

NPM_VERSION = re.compile(r"^[^\s@]+$")
"""A version or range as an Action's dependency lists it (``1.7.9``, ``^1``, ``latest``)."""
