"""Mock ``event`` objects for post-login Actions.

Auth0 calls ``onExecutePostLogin(event, api)`` with a read-only ``event`` describing one login:
who the user is, which application and connection they used, the HTTP request, and the OAuth
transaction. This module builds such events locally: the dashboard's default test event (the
"sample"), named presets for the flows that change what a token gets, and overrides on top.

``event.authorization`` (the user's role names) is optional in Auth0's own type definitions, and
Auth0's examples guard it with ``if (event.authorization)``. Auth0 documents no flow in which it
is absent: post-login also runs when a refresh token is exchanged, and Auth0 says tokens from a
refresh usually have the same custom claims, the Actions running again. So every preset carries
it (UNCONFIRMED for ``refresh`` and ``silent`` until checked on a tenant). To see an Action
against an event without it, override it away: ``make_event("interactive", {"authorization":
None})``.
"""

from __future__ import annotations

import copy
import difflib
import json
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from claimlab.errors import EventError, _NotJSON

__all__ = [
    "KNOWN_TOP_LEVEL",
    "MAX_DEPTH",
    "PRESETS",
    "PRESET_DESCRIPTIONS",
    "REQUIRED_TOP_LEVEL",
    "SAMPLE_DATE",
    "SAMPLE_EVENT",
    "SAMPLE_TENANT",
    "load_event",
    "make_event",
    "merge",
    "preset_names",
    "sample_event",
    "validate_event",
]

MAX_DEPTH = 64
"""How deeply objects and lists may nest in an event (the event itself is depth 0). Auth0's own
events nest 5 deep; the limit keeps a runaway override from exhausting Python's or Node's stack."""

SAMPLE_TENANT = "dev-claimlab"
"""Tenant name in the sample event (``{{TENANT}}`` and ``{{YOUR_DOMAIN}}`` in Auth0's fixture)."""

SAMPLE_DATE = "2026-01-01T00:00:00.000Z"
"""The fixed "now" of the sample event (``{{DATE}}``), so runs are reproducible."""

_SAMPLE_PATH = Path(__file__).parent / "data" / "sample_event.json"

# The data file keeps Auth0's template placeholders so it stays diffable against the upstream one.
_PLACEHOLDERS = {
    "{{TENANT}}": SAMPLE_TENANT,
    "{{YOUR_DOMAIN}}": SAMPLE_TENANT,
    "{{DATE}}": SAMPLE_DATE,
}


def _fill(value: Any) -> Any:
    if isinstance(value, str):
        for placeholder, replacement in _PLACEHOLDERS.items():
            value = value.replace(placeholder, replacement)
        return value
    if isinstance(value, dict):
        return {key: _fill(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_fill(item) for item in value]
    return value


def _load_sample() -> dict[str, Any]:
    with _SAMPLE_PATH.open(encoding="utf-8") as handle:
        return _fill(json.load(handle))


SAMPLE_EVENT: dict[str, Any] = _load_sample()
"""Auth0's default test event, placeholders filled. Shared: use :func:`sample_event` for a copy."""


def sample_event() -> dict[str, Any]:
    """Return a fresh deep copy of the default sample event.

    Returns:
        The event the Auth0 dashboard's "Test" tab pre-fills, with the tenant set to
        ``dev-claimlab`` and every date set to ``2026-01-01T00:00:00.000Z``.
    """
    return copy.deepcopy(SAMPLE_EVENT)


# --- presets ---------------------------------------------------------------------------------

_GOOGLE_SUB = "109876543210987654321"
_ORG_ID = "org_9Xc2TqLmW4bRk7Hd"

# Only the "organization" preset logs in through an Organization; the sample's organization would
# otherwise leak into every flow (and, through it, an org_id claim into every token).
_NO_ORG: dict[str, Any] = {"organization": None}

# The roles of the presets' user, in every flow (see the module docstring).
_ROLES = {"authorization": {"roles": ["admin", "editor"]}}

# A web login's /authorize query, as the browser sends it; shared by the interactive-style presets.
_AUTHORIZE_QUERY = {
    "protocol": "oauth2",
    "client_id": SAMPLE_EVENT["client"]["client_id"],
    "response_type": "code",
    "connection": "Username-Password-Authentication",
    "scope": "openid profile email",
    "redirect_uri": "https://app.example.com/callback",
}

# A login through Universal Login with the authorization-code flow (oidc-basic-profile).
_INTERACTIVE_TRANSACTION = {
    "protocol": "oidc-basic-profile",
    "prompt": ["login"],
    "response_type": ["code"],
    "response_mode": "query",
    "requested_scopes": ["openid", "profile", "email"],
    "redirect_uri": "https://app.example.com/callback",
}


@dataclass(frozen=True)
class _Preset:
    description: str
    override: dict[str, Any]


_PRESETS: dict[str, _Preset] = {
    "sample": _Preset(
        "Auth0's default test event, unchanged (database user, 62 logins, every optional field).",
        {},
    ),
    "interactive": _Preset(
        "Web login, authorization-code flow, prompt=login; event.authorization carries roles.",
        {
            **_NO_ORG,
            "transaction": _INTERACTIVE_TRANSACTION,
            "request": {"query": {**_AUTHORIZE_QUERY, "prompt": "login"}},
            **_ROLES,
        },
    ),
    "refresh": _Preset(
        "Refresh-token exchange at /oauth/token: no prompt, no browser; the Actions run again.",
        {
            **_NO_ORG,
            **_ROLES,
            "transaction": {
                "protocol": "oauth2-refresh-token",
                "prompt": None,
                "login_hint": None,
                "redirect_uri": None,
                "response_mode": None,
                "response_type": None,
                "state": None,
                "requested_scopes": ["openid", "profile", "email", "offline_access"],
            },
            "request": {
                "method": "POST",
                # The token endpoint takes its parameters in the POST body, not the query string.
                "query": {key: None for key in SAMPLE_EVENT["request"]["query"]},
                "body": {
                    "grant_type": "refresh_token",
                    "client_id": SAMPLE_EVENT["client"]["client_id"],
                },
            },
        },
    ),
    "silent": _Preset(
        "Silent authentication (prompt=none) reusing the session; the Actions run again.",
        {
            **_NO_ORG,
            **_ROLES,
            "transaction": {**_INTERACTIVE_TRANSACTION, "prompt": ["none"]},
            "request": {"query": {**_AUTHORIZE_QUERY, "prompt": "none"}},
        },
    ),
    "social": _Preset(
        "Login with Google (google-oauth2 social connection); user_id is google-oauth2|….",
        {
            **_NO_ORG,
            "connection": {
                "id": "con_G00gLe0AuTh2xYz1",
                "name": "google-oauth2",
                "strategy": "google-oauth2",
            },
            "transaction": _INTERACTIVE_TRANSACTION,
            "request": {
                "query": {**_AUTHORIZE_QUERY, "connection": "google-oauth2", "prompt": "login"}
            },
            "authentication": {"methods": [{"name": "federated", "timestamp": SAMPLE_DATE}]},
            "session": {"user_id": f"google-oauth2|{_GOOGLE_SUB}"},
            "refresh_token": {"user_id": f"google-oauth2|{_GOOGLE_SUB}"},
            "user": {
                "user_id": f"google-oauth2|{_GOOGLE_SUB}",
                "email": "jane.doe@gmail.com",
                "email_verified": True,
                "name": "Jane Doe",
                "given_name": "Jane",
                "family_name": "Doe",
                "nickname": "jane.doe",
                "picture": "https://lh3.googleusercontent.com/a/default-user",
                # Social users have no password and no database username.
                "last_password_reset": None,
                "username": None,
                "phone_number": None,
                "phone_verified": None,
                "identities": [
                    {
                        "connection": "google-oauth2",
                        "isSocial": True,
                        "provider": "google-oauth2",
                        "user_id": _GOOGLE_SUB,
                        "userId": _GOOGLE_SUB,
                        "profileData": {},
                    }
                ],
            },
        },
    ),
    "organization": _Preset(
        "Login into an Organization; event.organization carries id, name, display_name, metadata.",
        {
            "transaction": _INTERACTIVE_TRANSACTION,
            "request": {"query": {**_AUTHORIZE_QUERY, "prompt": "login", "organization": _ORG_ID}},
            "organization": {
                "id": _ORG_ID,
                "name": "acme-corp",
                "display_name": "Acme Corp",
                "metadata": {"plan": "enterprise", "region": "eu"},
            },
            "authorization": {"roles": ["member"]},
        },
    ),
    "first-login": _Preset(
        "The user's first login, right after signup: logins_count 1, created_at == updated_at.",
        {
            **_NO_ORG,
            "stats": {"logins_count": 1},
            "transaction": _INTERACTIVE_TRANSACTION,
            "request": {"query": {**_AUTHORIZE_QUERY, "prompt": "login"}},
            # A brand-new account has no refresh token, roles, password reset or MFA yet.
            "refresh_token": None,
            "authorization": {"roles": []},
            "authentication": {"methods": [{"name": "pwd", "timestamp": SAMPLE_DATE}]},
            "user": {
                "created_at": SAMPLE_DATE,
                "updated_at": SAMPLE_DATE,
                "last_password_reset": None,
                "app_metadata": {},
                "user_metadata": {},
                "multifactor": [],
                "enrolledFactors": [],
            },
        },
    ),
}

PRESETS: dict[str, dict[str, Any]] = {name: p.override for name, p in _PRESETS.items()}
"""Preset name -> the override it applies to the sample event (``None`` removes a field)."""

PRESET_DESCRIPTIONS: dict[str, str] = {name: p.description for name, p in _PRESETS.items()}
"""Preset name -> one line saying which login it mimics."""


def preset_names() -> list[str]:
    """Return the preset names, ``"sample"`` first.

    Returns:
        Every name :func:`make_event` accepts.
    """
    return list(PRESETS)


def _preset_advice(name: str) -> str:
    close = difflib.get_close_matches(name, preset_names(), n=1, cutoff=0.6)
    guess = f"did you mean {close[0]!r}? " if close else ""
    return f"{guess}presets: {', '.join(preset_names())}"


# --- merging ---------------------------------------------------------------------------------


def merge(base: Mapping[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    """Deep-merge ``override`` onto ``base`` and return a new dict; neither input is changed.

    Objects merge key by key; lists and scalars replace; a ``None`` (JSON ``null``) value removes
    the key, so ``{"authorization": None}`` drops ``event.authorization``.

    Args:
        base: The event (or part of it) to start from.
        override: The changes to apply.

    Returns:
        The merged copy.
    """
    result = copy.deepcopy(dict(base))
    _merge_into(result, override)
    return result


def _merge_into(target: dict[str, Any], override: Mapping[str, Any]) -> None:
    for key, value in override.items():
        if value is None:
            target.pop(key, None)
        elif isinstance(value, Mapping):
            current = target.get(key)
            # Merging into a fresh dict (not copying) also strips nulls nested in new objects.
            branch = current if isinstance(current, dict) else {}
            _merge_into(branch, value)
            target[key] = branch
        else:
            target[key] = copy.deepcopy(value)


def make_event(preset: str = "sample", override: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Build a validated event: the sample, then a preset, then your override.

    Args:
        preset: One of :func:`preset_names`.
        override: Changes merged on top of the preset (see :func:`merge`); ``None`` values remove
            fields.

    Returns:
        A new event dict, safe to mutate.

    Raises:
        EventError: The preset is unknown, the override is not an object, or the result is not a
            valid post-login event.
    """
    if not isinstance(preset, str):
        raise EventError(
            f"preset= takes a preset name ({', '.join(preset_names())}), got {_describe(preset)}"
        )
    if preset not in PRESETS:
        raise EventError(f"unknown event preset {preset!r}; {_preset_advice(preset)}")
    event = merge(SAMPLE_EVENT, PRESETS[preset])
    if override is not None:
        if not isinstance(override, Mapping):
            raise EventError(
                f"an event override must be a JSON object, got {_describe(override)}",
                path="event",
            )
        # Before merging: merging walks the override, and a cycle or a deep chain would recurse.
        _check_json(override, "event")
        _merge_into(event, override)
    # The sample and presets are JSON already and the override was just checked: only the
    # shape is left to check, which keeps a login's event quick to build.
    _check_shape(event)
    return event


# --- validation ------------------------------------------------------------------------------

# Top-level keys of the post-login v3 event: the sample's, plus every documented optional one.
_DOCUMENTED_KEYS = frozenset(
    {
        "agent",
        "anonymous_session",
        "authentication",
        "authorization",
        "client",
        "configuration",
        "connection",
        "custom_domain",
        "experiment",
        "organization",
        "prompt",
        "refresh_token",
        "request",
        "resource_server",
        "secrets",
        "security_context",
        "session",
        "session_transfer_token",
        "stats",
        "tenant",
        "transaction",
        "user",
    }
)
KNOWN_TOP_LEVEL: frozenset[str] = _DOCUMENTED_KEYS | frozenset(SAMPLE_EVENT)

REQUIRED_TOP_LEVEL: tuple[str, ...] = ("client", "connection", "request", "stats", "tenant", "user")


@dataclass(frozen=True)
class _Kind:
    name: str  # how the message names the expected type
    check: Callable[[Any], bool]
    hint: str  # how to fix it


def _is_int(value: Any) -> bool:
    # bool is a subclass of int in Python, but true is not a login count in JSON.
    return isinstance(value, int) and not isinstance(value, bool)


def _is_scalar(value: Any) -> bool:
    # Transaction metadata takes strings, numbers and booleans (bool is an int subclass).
    return isinstance(value, str | int | float)


_STRING = _Kind("a string", lambda v: isinstance(v, str), 'put the value in quotes, e.g. "text"')
_BOOLEAN = _Kind(
    "a boolean (true/false)", lambda v: isinstance(v, bool), "write true or false without quotes"
)
_INTEGER = _Kind("an integer", _is_int, "write a whole number without quotes, e.g. 1")
_OBJECT = _Kind(
    "an object", lambda v: isinstance(v, dict), 'use a JSON object, e.g. {"key": "value"}'
)
_ARRAY = _Kind("a list", lambda v: isinstance(v, list), "use a JSON list, e.g. []")
_METADATA_VALUE = _Kind(
    "a string, number or boolean", _is_scalar, "use a plain string, number or boolean"
)

# (kind, kind of each list item or object value, required)
_Spec = tuple[_Kind, _Kind | None, bool]


def _f(kind: _Kind, element: _Kind | None = None, *, required: bool = False) -> _Spec:
    return (kind, element, required)


# Fields whose type the event reference states, by path below ``event``. "required" means required
# whenever the parent object is present (e.g. authorization.roles only when authorization exists).
_FIELDS: dict[tuple[str, ...], _Spec] = {
    ("user", "user_id"): _f(_STRING, required=True),
    ("user", "email"): _f(_STRING),
    ("user", "email_verified"): _f(_BOOLEAN),
    ("user", "phone_number"): _f(_STRING),
    ("user", "phone_verified"): _f(_BOOLEAN),
    ("user", "name"): _f(_STRING),
    ("user", "nickname"): _f(_STRING),
    ("user", "given_name"): _f(_STRING),
    ("user", "family_name"): _f(_STRING),
    ("user", "picture"): _f(_STRING),
    ("user", "username"): _f(_STRING),
    ("user", "created_at"): _f(_STRING),
    ("user", "updated_at"): _f(_STRING),
    ("user", "last_password_reset"): _f(_STRING),
    ("user", "app_metadata"): _f(_OBJECT),
    ("user", "user_metadata"): _f(_OBJECT),
    ("user", "identities"): _f(_ARRAY, _OBJECT),
    ("user", "multifactor"): _f(_ARRAY, _STRING),
    ("user", "enrolledFactors"): _f(_ARRAY, _OBJECT),
    ("stats", "logins_count"): _f(_INTEGER, required=True),
    ("authorization", "roles"): _f(_ARRAY, _STRING, required=True),
    ("client", "client_id"): _f(_STRING, required=True),
    ("client", "name"): _f(_STRING),
    ("client", "metadata"): _f(_OBJECT, _STRING),
    ("connection", "id"): _f(_STRING),
    ("connection", "name"): _f(_STRING),
    ("connection", "strategy"): _f(_STRING),
    ("connection", "metadata"): _f(_OBJECT, _STRING),
    ("request", "ip"): _f(_STRING),
    ("request", "method"): _f(_STRING),
    ("request", "hostname"): _f(_STRING),
    ("request", "language"): _f(_STRING),
    ("request", "user_agent"): _f(_STRING),
    ("request", "query"): _f(_OBJECT),
    ("request", "body"): _f(_OBJECT),
    ("request", "geoip"): _f(_OBJECT),
    ("transaction", "protocol"): _f(_STRING),
    ("transaction", "locale"): _f(_STRING),
    ("transaction", "prompt"): _f(_ARRAY, _STRING),
    ("transaction", "acr_values"): _f(_ARRAY, _STRING),
    ("transaction", "requested_scopes"): _f(_ARRAY, _STRING),
    ("transaction", "response_type"): _f(_ARRAY, _STRING),
    ("transaction", "ui_locales"): _f(_ARRAY, _STRING),
    ("transaction", "metadata"): _f(_OBJECT, _METADATA_VALUE),
    ("tenant", "id"): _f(_STRING, required=True),
    ("organization", "id"): _f(_STRING, required=True),
    ("organization", "name"): _f(_STRING),
    ("organization", "display_name"): _f(_STRING),
    ("organization", "metadata"): _f(_OBJECT, _STRING),
    ("resource_server", "identifier"): _f(_STRING),
    ("custom_domain", "domain"): _f(_STRING),
    ("custom_domain", "domain_metadata"): _f(_OBJECT, _STRING),
    ("session", "id"): _f(_STRING),
    ("refresh_token", "id"): _f(_STRING),
    ("agent", "agent_id"): _f(_STRING),
    ("agent", "agent_metadata"): _f(_OBJECT),
}

# Whole top-level values that are maps of strings rather than objects with fixed fields.
_STRING_MAPS = frozenset({"secrets"})


def _describe(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return f"the boolean {str(value).lower()}"
    if isinstance(value, int | float):
        return f"the number {value!r}"
    if isinstance(value, str):
        shown = value if len(value) <= 40 else value[:37] + "..."
        return f"the string {shown!r}"
    if isinstance(value, list):
        return f"a list of {len(value)} item{'' if len(value) == 1 else 's'}"
    if isinstance(value, dict):
        return "an object"
    return f"a Python {type(value).__name__}"


def _type_error(path: str, kind: _Kind, value: Any) -> EventError:
    return EventError(f"{path} must be {kind.name}, got {_describe(value)}; {kind.hint}", path=path)


def _check_value(path: str, value: Any, kind: _Kind, element: _Kind | None) -> None:
    if not kind.check(value):
        raise _type_error(path, kind, value)
    if element is None:
        return
    if isinstance(value, list):
        for index, item in enumerate(value):
            if not element.check(item):
                raise _type_error(f"{path}[{index}]", element, item)
    elif isinstance(value, dict):
        for key, item in value.items():
            if not element.check(item):
                raise _type_error(f"{path}.{key}", element, item)


def validate_event(event: Mapping[str, Any]) -> None:
    """Check that ``event`` has the shape of a post-login event.

    Rejects what JSON cannot carry (NaN, Infinity, cycles, values that are not JSON types, nesting
    deeper than :data:`MAX_DEPTH`), unknown top-level fields (suggesting the closest known name),
    missing required top-level objects, and wrong types for the fields whose types Auth0
    documents. Extra fields
    below the top level are allowed: Auth0 adds new ones over time and ``event.user`` takes any.

    Args:
        event: The event to check.

    Raises:
        EventError: The first problem found; ``path`` names the field, e.g.
            ``event.user.email_verified``.
    """
    if not isinstance(event, Mapping):
        raise EventError(f"the event must be a JSON object, got {_describe(event)}", path="event")
    _check_json(event, "event")
    _check_shape(event)


def _check_shape(event: Mapping[str, Any]) -> None:
    for key in event:
        if key not in KNOWN_TOP_LEVEL:
            raise _unknown_field(key)
    for key in REQUIRED_TOP_LEVEL:
        if key not in event:
            raise EventError(
                f"event.{key} is missing; every post-login event has it (expected an object). "
                f"Add it back, or drop the null that removes it from your override",
                path=f"event.{key}",
            )
    for key, value in event.items():
        if not isinstance(value, dict):
            raise _type_error(f"event.{key}", _OBJECT, value)
        if key in _STRING_MAPS:
            _check_value(f"event.{key}", value, _OBJECT, _STRING)
    for (parent, field), (kind, element, required) in _FIELDS.items():
        container = event.get(parent)
        if not isinstance(container, dict):
            continue
        path = f"event.{parent}.{field}"
        if field not in container:
            if required:
                raise EventError(
                    f"{path} is missing; it is required whenever event.{parent} is present "
                    f"(expected {kind.name})",
                    path=path,
                )
            continue
        _check_value(path, container[field], kind, element)


def _check_json(value: Any, path: str) -> None:
    """Refuse what the Action's ``event`` (JSON, in Node) cannot hold, naming the path."""
    try:
        _walk_json(value, 0, set())
    except _NotJSON as bad:
        where = path + "".join(reversed(bad.parts))
        raise EventError(f"{where} {bad.problem}", path=where) from None


# Types of JSON leaves that need no look inside (bool is an int subclass, but exact types here).
_PLAIN = frozenset({str, int, bool, type(None)})


def _walk_json(value: Any, depth: int, parents: set[int]) -> None:
    # Runs on every event of a sweep: leaves are skipped with one set lookup, without a call.
    if isinstance(value, float):
        if not math.isfinite(value):
            raise _NotJSON(
                f"is {value!r}, which JSON cannot carry; use a finite number, or null to "
                "remove the field"
            )
        return
    if isinstance(value, Mapping):
        children: Any = value.values()
    elif isinstance(value, list | tuple):
        children = value
    elif isinstance(value, str | int):
        return
    else:
        raise _NotJSON(
            f"is a Python {type(value).__name__}, which JSON cannot carry; use a string, "
            "number, boolean, null, list or object"
        )
    if depth >= MAX_DEPTH:
        raise _NotJSON(
            f"nests deeper than {MAX_DEPTH} levels, claimlab's limit for events; flatten the data"
        )
    if id(value) in parents:
        raise _NotJSON("contains itself (a cycle), which JSON cannot carry; give it a copy instead")
    parents.add(id(value))
    for item in children:
        if type(item) in _PLAIN:
            continue
        try:
            _walk_json(item, depth + 1, parents)
        except _NotJSON as bad:
            bad.parts.append(_step(value, item))
            raise
    parents.discard(id(value))


def _step(container: Any, item: Any) -> str:
    """How the path goes from ``container`` to ``item``: ``.key`` or ``[index]`` (found again
    only when reporting, so the walk itself carries no keys)."""
    if isinstance(container, Mapping):
        return next(f".{k}" for k, v in container.items() if v is item)
    return next(f"[{i}]" for i, v in enumerate(container) if v is item)


def _unknown_field(key: str) -> EventError:
    path = f"event.{key}"
    close = difflib.get_close_matches(str(key), sorted(KNOWN_TOP_LEVEL), n=1, cutoff=0.6)
    if close:
        advice = f"did you mean {close[0]!r}?"
    else:
        advice = f"known fields: {', '.join(sorted(KNOWN_TOP_LEVEL))}"
    return EventError(f"{path} is not a field of the post-login event; {advice}", path=path)


# --- loading ---------------------------------------------------------------------------------


def load_event(spec: str | Path | Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Turn a CLI-style event argument into a validated event.

    Args:
        spec: ``None`` for the sample event; a preset name (see :func:`preset_names`); a path to a
            JSON file holding an override for the sample; or an override dict.

    Returns:
        A new, validated event.

    Raises:
        EventError: Unknown preset and no such file, an unreadable file, invalid JSON (the message
            names the file and line), or an event that fails :func:`validate_event`.
    """
    if spec is None:
        return make_event("sample")
    if not isinstance(spec, str | Path | Mapping):
        raise EventError(
            f"an event must be a preset name, a JSON file path or a dict, got {_describe(spec)}",
            path="event",
        )
    if isinstance(spec, Mapping):
        return make_event("sample", override=spec)
    if isinstance(spec, str) and spec in PRESETS:
        return make_event(spec)
    path = Path(spec)
    if not path.is_file():
        raise EventError(
            f"{str(spec)!r} is neither an event preset nor a JSON file; {_preset_advice(str(spec))}"
        )
    try:
        override = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise EventError(
            f"{path}: line {exc.lineno}, column {exc.colno}: invalid JSON ({exc.msg})"
        ) from exc
    except RecursionError:
        raise EventError(
            f"{path}: the JSON nests far deeper than {MAX_DEPTH} levels, claimlab's limit for "
            "events; flatten the data",
            path="event",
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise EventError(f"{path}: cannot read the event file ({exc})") from exc
    if not isinstance(override, dict):
        raise EventError(
            f"{path}: an event file must hold a JSON object, got {_describe(override)}",
            path="event",
        )
    try:
        return make_event("sample", override=override)
    except EventError as exc:
        raise EventError(f"{path}: {exc}", path=exc.path) from exc
