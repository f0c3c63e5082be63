"""The Actions part of Auth0's Management API v2, as a pure-Python model with one request handler.

``ActionStore`` keeps a tenant's Actions, their immutable versions and the bindings of each
trigger, and answers Management API requests for them the way Auth0 does, so that auth0-python
6.8 (``auth0.management.Auth0(base_url=...)``) works against claimlab unchanged. It knows nothing
about HTTP: the server hands ``handle()`` the method, the path, the decoded query, the raw body
and the scopes of the caller's (already authenticated) token, and writes back what it returns::

    store = ActionStore(on_bindings_changed=reload)
    status, headers, body = store.handle(
        "POST", "/api/v2/actions/actions", {}, b'{"name": "dog", ...}', {"create:actions"}
    )

Lifecycle, as on Auth0 (reference ``auth0-actions.md`` section 7):

1. ``POST /actions/actions`` creates the Action; its draft is ``pending``, then ``building``,
   and ``built`` once ``build_delay`` seconds have passed (on the injectable ``clock``).
2. ``POST /actions/actions/{id}/deploy`` before that fails with 400 "A draft must be in the
   'built' state before it can be deployed." (the text real deploy tools look for); after it,
   a new immutable version (number 1, 2, ...) is deployed and returned with 200 and
   ``deployed: false`` (see ``_deploy_answer``).
3. ``PATCH /actions/triggers/post-login/bindings`` replaces the ordered list of bound Actions.
   Bound Actions run their *deployed* version: later drafts change nothing until deployed.
4. ``POST /actions/actions/{id}/versions/{version}/deploy`` rolls back by deploying a new
   version identical to an old one.

Error bodies have Auth0's shape ``{statusCode, error, message, errorCode}``. Where the reference
marks something UNCONFIRMED, this module makes a choice and says so in the docstring concerned:

- Exact error messages and ``errorCode`` values are UNCONFIRMED except the deploy-before-built
  text above (used verbatim by auth0-deploy-cli and others), "Unable to delete an action bound
  to a trigger." (409, quoted by terraform-provider-auth0 users), "can't upgrade to this
  trigger." and "Trying to create a binding between an incompatible action and trigger." (400s
  quoted in auth0-cli and terraform issues), and ``invalid_body`` for payload validation. Scope
  errors use ``Insufficient scope, expected any of: <scope>`` / ``insufficient_scope`` as the
  rest of the Management API does. Other 404/409/400 texts and codes are claimlab's own.
- ``actionName`` matches the name exactly (case-sensitive); names are unique per tenant, also
  case-sensitively.
- ``per_page`` defaults to 20 (the API's documented server default; auth0-python always sends
  its own 50) and may be at most 100; larger values are a 400, not clamped.
- Unknown paths, and known paths with another method, are 404 like Auth0's router.
"""

from __future__ import annotations

import json
import logging
import threading
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any
from urllib.parse import unquote

from claimlab.errors import ClaimlabError, ManagementError
from claimlab.facts import CREATE_ACTIONS as CREATE
from claimlab.facts import (
    DEFAULT_PER_PAGE,
    DEFAULT_RUNTIME,
    END_OF_LIFE_RUNTIMES,
    MAX_BINDINGS,
    MAX_DEPENDENCIES,
    MAX_PER_PAGE,
    MAX_SECRET_NAME,
    MAX_SECRET_VALUE,
    MAX_SECRETS,
    MAX_VERSIONS,
    NPM_PACKAGE_NAME,
    NPM_VERSION,
    RUNTIME_ALIASES,
    RUNTIMES,
    TRIGGER,
    TRIGGER_IDS,
    TRIGGERS,
)
from claimlab.facts import DELETE_ACTIONS as DELETE
from claimlab.facts import READ_ACTIONS as READ
from claimlab.facts import UPDATE_ACTIONS as UPDATE
from claimlab.runtime.dependencies import parse_dependency

log = logging.getLogger(__name__)

API_PREFIX = "/api/v2"

BUILT_STATE_MESSAGE = "A draft must be in the 'built' state before it can be deployed."

_ALL_SCOPES = frozenset({READ, CREATE, UPDATE, DELETE})

_REASONS = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    409: "Conflict",
    429: "Too Many Requests",
    500: "Internal Server Error",
    501: "Not Implemented",
}

Tester = Callable[[dict[str, Any], dict[str, Any]], dict[str, Any]]
BindingsHook = Callable[[str, list[dict[str, Any]]], None]
Response = tuple[int, dict[str, str], Any]


# --- errors -----------------------------------------------------------------------------------


def error_body(status: int, message: str, error_code: str | None = None) -> dict[str, Any]:
    """An Auth0 Management API error body; the HTTP layer uses it for its own 401s too."""
    body: dict[str, Any] = {
        "statusCode": status,
        "error": _REASONS.get(status, "Error"),
        "message": message,
    }
    if error_code:
        body["errorCode"] = error_code
    return body


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object" if isinstance(value, dict) else type(value).__name__


def _invalid(detail: str, prop: str | None = None) -> ManagementError:
    """A 400 in the format Auth0's payload validator uses (UNCONFIRMED beyond that format)."""
    where = f" on property {prop}." if prop else "."
    return ManagementError(400, f"Payload validation error: '{detail}'{where}", "invalid_body")


def _bad_query(detail: str, prop: str) -> ManagementError:
    return ManagementError(
        400, f"Query validation error: '{detail}' on property {prop}.", "invalid_query_string"
    )


def _not_found(message: str) -> ManagementError:
    return ManagementError(404, message, "not_found")


def _expect(value: Any, kind: str, prop: str) -> Any:
    found = _json_type(value)
    if found != kind and not (kind == "number" and found == "integer"):
        raise _invalid(f"Expected type {kind} but found type {found}", prop)
    return value


def _no_extra(obj: Mapping[str, Any], allowed: set[str], prefix: str = "") -> None:
    extra = sorted(set(obj) - allowed)
    if extra:
        where = prefix.rstrip(".") or None
        raise _invalid(f"Additional properties not allowed: {', '.join(extra)}", where)


# --- records ----------------------------------------------------------------------------------


def _iso(epoch: float) -> str:
    """``2026-01-02T03:04:05.678Z``: UTC with milliseconds, as Auth0 writes timestamps."""
    return datetime.fromtimestamp(epoch, UTC).isoformat(timespec="milliseconds")[:-6] + "Z"


@dataclass(frozen=True)
class _Secret:
    name: str
    value: str
    updated_at: str


@dataclass(frozen=True)
class _Content:
    """What a draft holds and a version freezes: everything a deploy builds."""

    code: str
    dependencies: tuple[tuple[str, str], ...]
    runtime: str
    secrets: tuple[_Secret, ...]
    trigger: tuple[str, str]

    def same_as(self, other: _Content) -> bool:
        """Equal for deployment purposes (a secret's updated_at is no change)."""
        return (
            self.code == other.code
            and self.dependencies == other.dependencies
            and self.runtime == other.runtime
            and self.trigger == other.trigger
            and [(s.name, s.value) for s in self.secrets]
            == [(s.name, s.value) for s in other.secrets]
        )


@dataclass
class _Version:
    id: str
    action_id: str
    number: int
    content: _Content
    created_at: str


@dataclass
class _Action:
    id: str
    name: str
    draft: _Content
    created_at: str
    updated_at: str
    build_started: float  # on the store's clock
    build_wall: float  # wall-clock epoch of the same moment
    previous_built_at: str | None = None
    deploy_on_build: bool = False
    versions: list[_Version] = field(default_factory=list)
    next_number: int = 1
    deployed_version_id: str | None = None

    def deployed(self) -> _Version | None:
        return next((v for v in self.versions if v.id == self.deployed_version_id), None)


@dataclass
class _Binding:
    id: str
    trigger_id: str
    action_id: str
    display_name: str
    secrets: tuple[_Secret, ...]
    created_at: str
    updated_at: str


@dataclass(frozen=True)
class _Unlocked:
    """The rest of a request's answer, run after the store's lock is released: the draft it
    works on was copied under the lock."""

    run: Callable[[], Response]


@dataclass(frozen=True)
class _Route:
    method: str
    pattern: tuple[str, ...]  # "*" matches one path segment
    scope: str
    handler: str


_ROUTES = (
    _Route("GET", ("actions", "actions"), READ, "_list_actions"),
    _Route("POST", ("actions", "actions"), CREATE, "_create_action"),
    _Route("GET", ("actions", "actions", "*"), READ, "_get_action"),
    _Route("PATCH", ("actions", "actions", "*"), UPDATE, "_update_action"),
    _Route("DELETE", ("actions", "actions", "*"), DELETE, "_delete_action"),
    _Route("POST", ("actions", "actions", "*", "deploy"), CREATE, "_deploy_action"),
    _Route("POST", ("actions", "actions", "*", "test"), CREATE, "_test_action"),
    _Route("GET", ("actions", "actions", "*", "versions"), READ, "_list_versions"),
    _Route("GET", ("actions", "actions", "*", "versions", "*"), READ, "_get_version"),
    _Route("POST", ("actions", "actions", "*", "versions", "*", "deploy"), CREATE, "_rollback"),
    _Route("GET", ("actions", "triggers"), READ, "_list_triggers"),
    _Route("GET", ("actions", "triggers", "*", "bindings"), READ, "_list_bindings"),
    _Route("PATCH", ("actions", "triggers", "*", "bindings"), UPDATE, "_update_bindings"),
)


# --- the store --------------------------------------------------------------------------------

BUILD_DELAY = 0.5
"""Seconds a saved Action takes to build on the local tenant unless told otherwise: Auth0's
builds take a moment, so a deploy's wait for ``built`` is exercised; short enough for a
notebook cell."""


class ActionStore:
    """A tenant's Actions, versions and trigger bindings, served as Management API v2.

    ``build_delay``: seconds a saved draft takes to become ``built`` (``pending`` for the first
    half, ``building`` for the second; 0 builds at once). ``clock`` measures that delay;
    ``wall_clock`` (epoch seconds) stamps ``created_at``/``updated_at``/``built_at``.

    ``tester(action, event) -> dict`` runs ``POST /actions/actions/{id}/test``: it gets the
    current draft as ``{id, name, code, dependencies: ["name@version"], secrets: {name: value},
    runtime, version_number: None}`` and the request's ``payload``, and what it returns is sent
    back, with status 200, as ``{"payload": ...}``: Auth0 answers 200 even when the Action
    threw (see ``LocalTenant._test_action`` for the shape of the payload). Without a tester
    that endpoint answers 501; if the tester raises, 500 (with the message of a claimlab error;
    any other error's text goes to the log only). The tester runs outside the store's lock, on
    a copy of the draft, so other requests are answered while an Action test runs.

    ``on_bindings_changed(trigger, bound_actions)`` is called after a trigger's binding list is
    replaced, and after an Action bound to it gets a new deployed version, is renamed or is
    force-deleted, with :meth:`bound_actions` for that trigger. It runs under the store's
    (re-entrant) lock, so keep it quick; it may call back into the store. If it raises, the
    error is logged and the API request still succeeds (the change is already made).

    All methods are thread-safe.
    """

    def __init__(
        self,
        build_delay: float = BUILD_DELAY,
        *,
        clock: Callable[[], float] = time.monotonic,
        wall_clock: Callable[[], float] = time.time,
        tester: Tester | None = None,
        on_bindings_changed: BindingsHook | None = None,
    ) -> None:
        self.build_delay = max(0.0, float(build_delay))
        self.clock = clock
        self.wall_clock = wall_clock
        self.tester = tester
        self.on_bindings_changed = on_bindings_changed
        self._lock = threading.RLock()
        self._actions: dict[str, _Action] = {}
        self._bindings: dict[str, list[_Binding]] = {trigger: [] for trigger in TRIGGERS}

    # --- plain-Python accessors ---------------------------------------------------------------

    def bound_actions(self, trigger: str = TRIGGER) -> list[dict[str, Any]]:
        """The deployed Actions bound to ``trigger``, in execution order.

        Each is ``{name, code, dependencies: ["name@version", ...], secrets: {name: value},
        version_number, version_id, runtime, action_id, binding_id, display_name}``. Secrets are
        the deployed version's, overlaid with any the binding itself was given.
        """
        with self._lock:
            self._settle()
            if trigger not in self._bindings:
                raise ValueError(f"Unknown trigger {trigger!r}; known: {', '.join(TRIGGERS)}.")
            return self._bound(trigger)

    def install(
        self,
        name: str,
        code: str,
        *,
        dependencies: Sequence[str] = (),
        secrets: Mapping[str, str] | None = None,
        position: int | None = None,
        trigger: str = TRIGGER,
    ) -> None:
        """Save, build, deploy and bind an Action in one step, as the dashboard's Deploy button
        and drag into a flow do together. It keeps its place if already bound; otherwise it goes
        to ``position`` (the end by default). Used by ``LocalTenant.bind``."""
        content: dict[str, Any] = {
            "code": code,
            "dependencies": [
                {"name": n, "version": v or "latest"}
                for n, v in (parse_dependency(d) for d in dependencies)
            ],
            "secrets": [{"name": k, "value": v} for k, v in (secrets or {}).items()],
        }
        with self._lock:
            existing = self._by_name(name)
            if existing is None:
                created = self._request(
                    "POST",
                    "/actions/actions",
                    {**content, "name": name, "supported_triggers": [{"id": trigger}]},
                )
                action = self._actions[created["id"]]
            else:
                action = existing
                self._request("PATCH", f"/actions/actions/{action.id}", content)
            self._mark_built_now(action)
            self._request("POST", f"/actions/actions/{action.id}/deploy", None)
            order = [b.action_id for b in self._bindings[trigger]]
            if action.id not in order:
                order.insert(len(order) if position is None else position, action.id)
                self._rebind(trigger, order)

    def uninstall(self, name: str, trigger: str = TRIGGER) -> None:
        """Take an Action out of a trigger's bindings (it stays in the library)."""
        with self._lock:
            action = self._by_name(name)
            order = [b.action_id for b in self._bindings[trigger]]
            if action is None or action.id not in order:
                raise ValueError(f"No Action named {name!r} is bound to {trigger}.")
            order.remove(action.id)
            self._rebind(trigger, order)

    def _rebind(self, trigger: str, order: Sequence[str]) -> None:
        names = {b.action_id: b.display_name for b in self._bindings[trigger]}
        refs = [
            {
                "ref": {"type": "action_id", "value": i},
                "display_name": names.get(i) or self._actions[i].name,
            }
            for i in order
        ]
        self._request("PATCH", f"/actions/triggers/{trigger}/bindings", {"bindings": refs})

    def _request(self, method: str, path: str, body: Any) -> Any:
        data = None if body is None else json.dumps(body).encode()
        status, _, answer = self.handle(method, path, {}, data, _ALL_SCOPES)
        if status >= 400:
            raise ValueError(answer["message"])
        return answer

    def handle(
        self,
        method: str,
        path: str,
        query: Mapping[str, str],
        body: bytes | None,
        scopes: set[str] | frozenset[str],
    ) -> Response:
        """Answer one Management API request: ``(status, extra headers, JSON body or None)``.

        ``path`` may include the ``/api/v2`` prefix; ``query`` is the decoded query string;
        ``scopes`` are the scopes granted to the caller's token (authentication is the HTTP
        layer's job). Route, then scope, then body and resources are checked, in that order.
        """
        try:
            with self._lock:
                self._settle()
                route, ids = _match(method.upper(), path)
                if route is None:
                    raise _not_found("Not Found")
                if route.scope not in scopes:
                    raise ManagementError(
                        403,
                        f"Insufficient scope, expected any of: {route.scope}",
                        "insufficient_scope",
                    )
                answer = getattr(self, route.handler)(ids, dict(query), body)
            if isinstance(answer, _Unlocked):
                # An Action test runs for up to its timeout: other requests go on meanwhile.
                return answer.run()
            return answer
        except ManagementError as error:
            return error.status, {}, error_body(error.status, error.message, error.error_code)

    # --- time and build status ------------------------------------------------------------------

    def _now(self) -> str:
        return _iso(self.wall_clock())

    def _status(self, action: _Action) -> str:
        elapsed = self.clock() - action.build_started
        if elapsed >= self.build_delay:
            return "built"
        return "pending" if elapsed < self.build_delay / 2 else "building"

    def _built_at(self, action: _Action) -> str | None:
        if self._status(action) == "built":
            return _iso(action.build_wall + self.build_delay)
        return action.previous_built_at

    def _start_build(self, action: _Action) -> None:
        action.previous_built_at = self._built_at(action)
        action.build_started = self.clock()
        action.build_wall = self.wall_clock()

    def _mark_built_now(self, action: _Action) -> None:
        action.build_started = self.clock() - self.build_delay
        action.build_wall = self.wall_clock() - self.build_delay

    def _settle(self) -> None:
        """Deploy the Actions created with ``deploy: true`` whose first build has finished."""
        for action in list(self._actions.values()):
            if action.deploy_on_build and self._status(action) == "built":
                built_at = self._built_at(action) or self._now()
                self._deploy_version(action, action.draft, at=built_at)

    # --- versions and bindings ------------------------------------------------------------------

    def _deploy_version(self, action: _Action, content: _Content, *, at: str) -> _Version:
        version = _Version(str(uuid.uuid4()), action.id, action.next_number, content, at)
        action.next_number += 1
        action.versions.append(version)
        action.deployed_version_id = version.id
        action.deploy_on_build = False
        action.updated_at = at
        while len(action.versions) > MAX_VERSIONS:
            oldest = next(v for v in action.versions if v.id != action.deployed_version_id)
            action.versions.remove(oldest)
        self._notify_action(action.id)
        return version

    def _triggers_binding(self, action_id: str) -> list[str]:
        return [
            t
            for t, bindings in self._bindings.items()
            if any(b.action_id == action_id for b in bindings)
        ]

    def _notify_action(self, action_id: str) -> None:
        for trigger in self._triggers_binding(action_id):
            self._notify(trigger)

    def _notify(self, trigger: str) -> None:
        hook = self.on_bindings_changed
        if hook is None:
            return
        try:
            hook(trigger, self._bound(trigger))
        except Exception:
            log.exception("on_bindings_changed(%r) failed", trigger)

    def _bound(self, trigger: str) -> list[dict[str, Any]]:
        out = []
        for binding in self._bindings[trigger]:
            action = self._actions[binding.action_id]
            version = action.deployed()
            if version is None:  # cannot happen: binding needs a deployed version
                continue
            secrets = {s.name: s.value for s in version.content.secrets}
            secrets.update({s.name: s.value for s in binding.secrets})
            out.append(
                {
                    "name": action.name,
                    "code": version.content.code,
                    "dependencies": [f"{n}@{v}" for n, v in version.content.dependencies],
                    "secrets": secrets,
                    "version_number": version.number,
                    "version_id": version.id,
                    "runtime": version.content.runtime,
                    "action_id": action.id,
                    "binding_id": binding.id,
                    "display_name": binding.display_name,
                }
            )
        return out

    # --- JSON shapes (auth0-python types/action.py, action_version.py, action_binding.py) -------

    def _trigger_json(self, trigger: tuple[str, str]) -> dict[str, Any]:
        return {"id": trigger[0], "version": trigger[1]}

    def _action_base_json(self, action: _Action) -> dict[str, Any]:
        return {
            "id": action.id,
            "name": action.name,
            "supported_triggers": [self._trigger_json(action.draft.trigger)],
            "all_changes_deployed": self._all_changes_deployed(action),
            "created_at": action.created_at,
            "updated_at": action.updated_at,
        }

    def _all_changes_deployed(self, action: _Action) -> bool:
        deployed = action.deployed()
        return deployed is not None and deployed.content.same_as(action.draft)

    def _content_json(self, content: _Content) -> dict[str, Any]:
        return {
            "code": content.code,
            "dependencies": [{"name": n, "version": v} for n, v in content.dependencies],
            "runtime": content.runtime,
            "secrets": [{"name": s.name, "updated_at": s.updated_at} for s in content.secrets],
        }

    def _action_json(self, action: _Action) -> dict[str, Any]:
        body = self._action_base_json(action)
        body.update(self._content_json(action.draft))
        body["status"] = self._status(action)
        built_at = self._built_at(action)
        if built_at:
            body["built_at"] = built_at
        deployed = action.deployed()
        if deployed is not None:
            body["deployed_version"] = self._version_json(action, deployed)
        return body

    def _version_json(self, action: _Action, version: _Version) -> dict[str, Any]:
        body: dict[str, Any] = {"id": version.id, "action_id": action.id}
        body.update(self._content_json(version.content))
        body.update(
            {
                "deployed": version.id == action.deployed_version_id,
                "number": version.number,
                "status": "built",
                "action": self._action_base_json(action),
                "built_at": version.created_at,
                "created_at": version.created_at,
                "updated_at": version.created_at,
                "supported_triggers": [self._trigger_json(version.content.trigger)],
            }
        )
        return body

    def _binding_json(self, binding: _Binding) -> dict[str, Any]:
        return {
            "id": binding.id,
            "trigger_id": binding.trigger_id,
            "display_name": binding.display_name,
            "action": self._action_json(self._actions[binding.action_id]),
            "created_at": binding.created_at,
            "updated_at": binding.updated_at,
        }

    # --- lookups ----------------------------------------------------------------------------------

    def _action(self, action_id: str) -> _Action:
        action = self._actions.get(action_id)
        if action is None:
            raise _not_found(f"Action {action_id!r} does not exist.")
        return action

    def _by_name(self, name: str) -> _Action | None:
        return next((a for a in self._actions.values() if a.name == name), None)

    def _trigger(self, trigger_id: str) -> str:
        if trigger_id not in self._bindings:
            raise _not_found(f"Trigger {trigger_id!r} does not exist.")
        return trigger_id

    # --- /actions/actions -------------------------------------------------------------------------

    def _list_actions(self, ids: list[str], query: dict[str, str], body: bytes | None) -> Response:
        """``actionName`` is an exact, case-sensitive match (UNCONFIRMED); ``installed=true``
        lists Marketplace Actions, of which this tenant has none."""
        page, per_page = _paging(query)
        trigger_id = query.get("triggerId")
        if trigger_id is not None and trigger_id not in TRIGGER_IDS:
            raise _bad_query(f"No enum match for: {trigger_id}", "triggerId")
        deployed = _bool_query(query, "deployed")
        installed = _bool_query(query, "installed")
        name = query.get("actionName")
        found = [
            a
            for a in self._actions.values()
            if (trigger_id is None or a.draft.trigger[0] == trigger_id)
            and (name is None or a.name == name)
            and (deployed is None or (a.deployed_version_id is not None) == deployed)
            and installed is not True
        ]
        return _page("actions", found, self._action_json, page, per_page)

    def _create_action(self, ids: list[str], query: dict[str, str], body: bytes | None) -> Response:
        """``deploy: true`` deploys the first build as soon as it is ``built``. Action modules
        (early access) are not emulated: a non-empty ``modules`` is a 400."""
        data = _object_body(body)
        _no_extra(
            data,
            {
                "name",
                "supported_triggers",
                "code",
                "dependencies",
                "runtime",
                "secrets",
                "modules",
                "deploy",
            },
        )
        if data.get("name") is None:
            raise _invalid("Missing required property: name")
        if data.get("supported_triggers") is None:
            raise _invalid("Missing required property: supported_triggers")
        name = _name(data["name"])
        now = self._now()
        content = _Content(
            code=_code(data.get("code")),
            dependencies=_dependencies(data.get("dependencies")),
            runtime=_runtime(data.get("runtime")),
            secrets=_secrets(data.get("secrets"), (), now),
            trigger=_supported_trigger(data["supported_triggers"]),
        )
        _modules(data.get("modules"))
        deploy = data.get("deploy")
        if deploy is not None:
            _expect(deploy, "boolean", "deploy")
        if self._by_name(name) is not None:
            raise ManagementError(
                409, f"An action with the name {name!r} already exists.", "conflict"
            )
        action = _Action(
            id=str(uuid.uuid4()),
            name=name,
            draft=content,
            created_at=now,
            updated_at=now,
            build_started=self.clock(),
            build_wall=self.wall_clock(),
            deploy_on_build=bool(deploy),
        )
        self._actions[action.id] = action
        self._settle()  # with no build delay, deploy: true deploys at once
        return 201, {}, self._action_json(action)

    def _get_action(self, ids: list[str], query: dict[str, str], body: bytes | None) -> Response:
        return 200, {}, self._action_json(self._action(ids[0]))

    def _update_action(self, ids: list[str], query: dict[str, str], body: bytes | None) -> Response:
        """Updates the draft. Sending ``code``, ``dependencies``, ``runtime``, ``secrets`` or
        ``supported_triggers`` starts a new build (status ``pending``); ``all_changes_deployed``
        is whether the draft now equals the deployed version. A name alone rebuilds nothing.

        Secrets: the list replaces the draft's; an entry without ``value`` keeps the value the
        draft has under that name (UNCONFIRMED; Auth0 documents values as write-only). Changing
        the trigger of a bound Action is a 400, as on Auth0.
        """
        action = self._action(ids[0])
        data = _object_body(body)
        _no_extra(
            data,
            {"name", "supported_triggers", "code", "dependencies", "runtime", "secrets", "modules"},
        )
        now = self._now()
        renamed = False
        if data.get("name") is not None:
            name = _name(data["name"])
            other = self._by_name(name)
            if other is not None and other.id != action.id:
                raise ManagementError(
                    409, f"An action with the name {name!r} already exists.", "conflict"
                )
            renamed = name != action.name
        draft = action.draft
        changes: dict[str, Any] = {}
        if data.get("code") is not None:
            changes["code"] = _code(data["code"])
        if data.get("dependencies") is not None:
            changes["dependencies"] = _dependencies(data["dependencies"])
        if data.get("runtime") is not None:
            changes["runtime"] = _runtime(data["runtime"])
        if data.get("secrets") is not None:
            changes["secrets"] = _secrets(data["secrets"], draft.secrets, now)
        if data.get("supported_triggers") is not None:
            trigger = _supported_trigger(data["supported_triggers"])
            if trigger != draft.trigger and self._triggers_binding(action.id):
                raise ManagementError(400, "can't upgrade to this trigger.", "invalid_body")
            changes["trigger"] = trigger
        _modules(data.get("modules"))
        if renamed:
            action.name = data["name"]
        if changes:
            action.draft = replace(draft, **changes)
            self._start_build(action)
        action.updated_at = now
        if renamed:
            self._notify_action(action.id)
        return 200, {}, self._action_json(action)

    def _delete_action(self, ids: list[str], query: dict[str, str], body: bytes | None) -> Response:
        """409 while bound, unless ``force=true``, which also removes its bindings."""
        action = self._action(ids[0])
        force = _bool_query(query, "force")
        bound = self._triggers_binding(action.id)
        if bound and not force:
            raise ManagementError(
                409,
                f"Unable to delete an action bound to a trigger. Action {action.name!r} is bound "
                f"to a trigger ({', '.join(bound)}); remove the binding first or pass force=true.",
                "conflict",
            )
        del self._actions[action.id]
        for trigger in bound:
            self._bindings[trigger] = [
                b for b in self._bindings[trigger] if b.action_id != action.id
            ]
            self._notify(trigger)
        return 204, {}, None

    def _deploy_action(self, ids: list[str], query: dict[str, str], body: bytes | None) -> Response:
        action = self._action(ids[0])
        _optional_body(body)  # no body is defined; only malformed JSON is refused
        if self._status(action) != "built":
            raise ManagementError(400, BUILT_STATE_MESSAGE, "invalid_body")
        version = self._deploy_version(action, action.draft, at=self._now())
        return self._deploy_answer(action, version)

    def _deploy_answer(self, action: _Action, version: _Version) -> Response:
        """What deploy and rollback answer. The Management API reference says 202, but
        go-auth0's recordings of a real tenant (``management/testdata/recordings/
        TestActionManager_Deploy.yaml`` and ``..._Rollback.yaml``) show 200 with the new
        version's ``deployed: false``: Auth0 deploys it moments later. claimlab follows the
        recordings; the version reads as deployed on the next GET."""
        body = self._version_json(action, version)
        body["deployed"] = False
        return 200, {}, body

    def _test_action(self, ids: list[str], query: dict[str, str], body: bytes | None) -> Response:
        """Runs the current draft (built or not) through ``tester``; see the class docstring."""
        action = self._action(ids[0])
        data = _object_body(body)
        _no_extra(data, {"payload"})
        if data.get("payload") is None:
            raise _invalid("Missing required property: payload")
        event = _expect(data["payload"], "object", "payload")
        tester = self.tester
        if tester is None:
            raise ManagementError(
                501,
                "Testing Actions needs a runner and none is configured for this tenant.",
                "not_implemented",
            )
        content = action.draft
        draft = {
            "id": action.id,
            "name": action.name,
            "code": content.code,
            "dependencies": [f"{n}@{v}" for n, v in content.dependencies],
            "secrets": {s.name: s.value for s in content.secrets},
            "runtime": content.runtime,
            "version_number": None,
        }
        return _Unlocked(lambda: self._run_test(tester, draft, event))

    @staticmethod
    def _run_test(tester: Tester, draft: dict[str, Any], event: dict[str, Any]) -> Response:
        try:
            result = tester(draft, event)
        except ClaimlabError as error:  # the runner's failure, reported like Auth0's 5xx
            raise ManagementError(500, f"The test run failed: {error}", "test_failed") from error
        except Exception as error:
            # Python's own text stays in the log, never in the answer.
            log.exception("Action test runner failed")
            raise ManagementError(
                500, "The test run failed inside claimlab; its log has the details.", "test_failed"
            ) from error
        return 200, {}, {"payload": result}

    # --- versions ---------------------------------------------------------------------------------

    def _list_versions(self, ids: list[str], query: dict[str, str], body: bytes | None) -> Response:
        """Newest first."""
        action = self._action(ids[0])
        page, per_page = _paging(query)
        versions = sorted(action.versions, key=lambda v: v.number, reverse=True)
        return _page("versions", versions, lambda v: self._version_json(action, v), page, per_page)

    def _version(self, action: _Action, version_id: str) -> _Version:
        version = next((v for v in action.versions if v.id == version_id), None)
        if version is None:
            raise _not_found(f"Version {version_id!r} of action {action.id!r} does not exist.")
        return version

    def _get_version(self, ids: list[str], query: dict[str, str], body: bytes | None) -> Response:
        action = self._action(ids[0])
        return 200, {}, self._version_json(action, self._version(action, ids[1]))

    def _rollback(self, ids: list[str], query: dict[str, str], body: bytes | None) -> Response:
        """Deploys a new version identical to the given one; ``{"update_draft": true}`` also
        copies it (code, dependencies, runtime, secrets) into the draft, already built."""
        action = self._action(ids[0])
        source = self._version(action, ids[1])
        data = _optional_body(body)
        if data is not None:
            _expect(data, "object", "body")
            _no_extra(data, {"update_draft"})
        update_draft = (data or {}).get("update_draft")
        if update_draft is not None:
            _expect(update_draft, "boolean", "update_draft")
        if update_draft:
            action.draft = source.content
            self._mark_built_now(action)
        version = self._deploy_version(action, source.content, at=self._now())
        return self._deploy_answer(action, version)

    # --- triggers and bindings ----------------------------------------------------------------

    def _list_triggers(self, ids: list[str], query: dict[str, str], body: bytes | None) -> Response:
        return (
            200,
            {},
            {
                "triggers": [
                    {
                        "id": trigger,
                        "version": version,
                        "status": "CURRENT",
                        "runtimes": list(RUNTIMES),
                        "default_runtime": DEFAULT_RUNTIME,
                        "compatible_triggers": [],
                        "binding_policy": "trigger-bound",
                    }
                    for trigger, version in TRIGGERS.items()
                ]
            },
        )

    def _list_bindings(self, ids: list[str], query: dict[str, str], body: bytes | None) -> Response:
        """In execution order."""
        trigger = self._trigger(ids[0])
        page, per_page = _paging(query)
        bindings = self._bindings[trigger]
        return _page("bindings", bindings, self._binding_json, page, per_page)

    def _update_bindings(
        self, ids: list[str], query: dict[str, str], body: bytes | None
    ) -> Response:
        """Replaces the trigger's bindings; list order is execution order.

        ``display_name`` defaults to the Action's name. A binding for an Action that was already
        bound keeps its id and ``created_at``. Binding-level ``secrets`` are kept and overlay the
        version's secrets at run time (UNCONFIRMED; Auth0 uses them for Marketplace Actions).
        Binding the same Action twice is a 400 (UNCONFIRMED).
        """
        trigger = self._trigger(ids[0])
        data = _object_body(body)
        _no_extra(data, {"bindings"})
        if data.get("bindings") is None:
            raise _invalid("Missing required property: bindings")
        items = _expect(data["bindings"], "array", "bindings")
        if len(items) > MAX_BINDINGS:
            raise _invalid(f"Array is too long ({len(items)}), maximum {MAX_BINDINGS}", "bindings")
        previous = {b.action_id: b for b in self._bindings[trigger]}
        by_binding_id = {b.id: b for b in self._bindings[trigger]}
        now = self._now()
        resolved: list[_Binding] = []
        seen: set[str] = set()
        for index, item in enumerate(items):
            prop = f"bindings[{index}]"
            _expect(item, "object", prop)
            _no_extra(item, {"ref", "display_name", "secrets"}, prop)
            ref = item.get("ref")
            if ref is None:
                raise _invalid("Missing required property: ref", prop)
            _expect(ref, "object", f"{prop}.ref")
            _no_extra(ref, {"type", "value"}, f"{prop}.ref")
            ref_type, value = ref.get("type"), ref.get("value")
            if ref_type not in ("action_name", "action_id", "binding_id"):
                raise _invalid(f"No enum match for: {ref_type}", f"{prop}.ref.type")
            _expect(value, "string", f"{prop}.ref.value")
            if ref_type == "action_name":
                action = self._by_name(value)
            elif ref_type == "action_id":
                action = self._actions.get(value)
            else:
                old = by_binding_id.get(value)
                action = self._actions.get(old.action_id) if old else None
            if action is None:
                raise _not_found(f"The {ref_type.replace('_', ' ')} {value!r} does not exist.")
            deployed = action.deployed()
            if deployed is None:
                raise ManagementError(
                    400,
                    "Trying to create a binding for an action that has not been deployed yet: "
                    f"action {action.name!r} must be deployed before it can be bound.",
                    "invalid_body",
                )
            if deployed.content.trigger[0] != trigger:
                raise ManagementError(
                    400,
                    "Trying to create a binding between an incompatible action and trigger.",
                    "invalid_body",
                )
            if action.id in seen:
                raise _invalid(f"Action {action.name!r} is bound more than once", prop)
            seen.add(action.id)
            display_name = item.get("display_name")
            if display_name is None:
                display_name = action.name
            _expect(display_name, "string", f"{prop}.display_name")
            old = previous.get(action.id)
            kept = old.secrets if old else ()
            secrets = kept
            if item.get("secrets") is not None:
                secrets = _secrets(item["secrets"], kept, now, prop=f"{prop}.secrets")
            if old is None:
                resolved.append(
                    _Binding(str(uuid.uuid4()), trigger, action.id, display_name, secrets, now, now)
                )
            else:
                changed = display_name != old.display_name or secrets != old.secrets
                resolved.append(
                    replace(
                        old,
                        display_name=display_name,
                        secrets=secrets,
                        updated_at=now if changed else old.updated_at,
                    )
                )
        self._bindings[trigger] = resolved
        self._notify(trigger)
        return 200, {}, {"bindings": [self._binding_json(b) for b in resolved]}


# --- routing, query and body parsing ------------------------------------------------------------


def _match(method: str, path: str) -> tuple[_Route | None, list[str]]:
    path = path.split("?", 1)[0]
    if path.startswith(API_PREFIX + "/"):
        path = path[len(API_PREFIX) :]
    parts = [unquote(p) for p in path.strip("/").split("/")]
    for route in _ROUTES:
        if route.method != method or len(route.pattern) != len(parts):
            continue
        ids = []
        for want, got in zip(route.pattern, parts, strict=True):
            if want == "*":
                if not got:
                    break
                ids.append(got)
            elif want != got:
                break
        else:
            return route, ids
    return None, []


def _int_query(query: Mapping[str, str], name: str, default: int, low: int, high: int) -> int:
    raw = query.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise _bad_query("Expected type integer but found type string", name) from None
    if value < low:
        raise _bad_query(f"Value {value} is less than minimum {low}", name)
    if value > high:
        raise _bad_query(f"Value {value} is greater than maximum {high}", name)
    return value


def _paging(query: Mapping[str, str]) -> tuple[int, int]:
    page = _int_query(query, "page", 0, 0, 10**9)
    per_page = _int_query(query, "per_page", DEFAULT_PER_PAGE, 1, MAX_PER_PAGE)
    return page, per_page


def _page(
    key: str, items: list[Any], render: Callable[[Any], Any], page: int, per_page: int
) -> Response:
    """A page of a list, shaped as Auth0's list endpoints answer with ``include_totals``."""
    shown = items[page * per_page : (page + 1) * per_page]
    return (
        200,
        {},
        {"total": len(items), "page": page, "per_page": per_page, key: [render(x) for x in shown]},
    )


def _bool_query(query: Mapping[str, str], name: str) -> bool | None:
    raw = query.get(name)
    if raw is None or raw == "":
        return None
    if raw.lower() in ("true", "false"):
        return raw.lower() == "true"
    raise _bad_query("Expected type boolean but found type string", name)


def _optional_body(body: bytes | None) -> Any:
    if body is None or not body.strip():
        return None
    try:
        return json.loads(body, parse_constant=_no_constant)
    except (ValueError, UnicodeDecodeError, RecursionError):
        # RecursionError: nesting thousands deep, which JSON.parse on Auth0 reads as invalid too.
        raise ManagementError(400, "Invalid request payload JSON format", "invalid_body") from None


def _no_constant(name: str) -> Any:
    # Python's json reads NaN and Infinity; JSON (and Auth0's parser) does not.
    raise ValueError(f"{name} is not JSON")


def _object_body(body: bytes | None) -> dict[str, Any]:
    data = _optional_body(body)
    if data is None:
        raise _invalid("Expected type object but found type null")
    if not isinstance(data, dict):
        raise _invalid(f"Expected type object but found type {_json_type(data)}")
    return data


# --- field validation ----------------------------------------------------------------------------


def _name(value: Any) -> str:
    _expect(value, "string", "name")
    if not value.strip():
        raise _invalid("String is too short (0 chars), minimum 1", "name")
    return value


def _code(value: Any) -> str:
    if value is None:
        return ""
    _expect(value, "string", "code")
    # No documented hard limit on code size exists (100 kB is a latency recommendation on the
    # Actions limitations page), so large code is accepted; Action.check_limits warns locally.
    return value


def _runtime(value: Any) -> str:
    if value is None:
        return DEFAULT_RUNTIME
    _expect(value, "string", "runtime")
    value = RUNTIME_ALIASES.get(value, value)
    if value in END_OF_LIFE_RUNTIMES:
        raise ManagementError(
            400,
            f"The {value} runtime reached end of life on 15 August 2025; use {DEFAULT_RUNTIME}.",
            "invalid_body",
        )
    if value not in RUNTIMES:
        raise ManagementError(
            400,
            f"runtime is not supported: {value!r} (use one of {', '.join(RUNTIMES)}).",
            "invalid_body",
        )
    return value


def _supported_trigger(value: Any) -> tuple[str, str]:
    """Exactly one trigger. A missing version means the trigger's current one; another
    version (post-login v1/v2) is refused: claimlab emulates only the current versions."""
    _expect(value, "array", "supported_triggers")
    if len(value) != 1:
        raise _invalid(
            f"Exactly one trigger is supported per action, got {len(value)}", "supported_triggers"
        )
    item = _expect(value[0], "object", "supported_triggers[0]")
    trigger_id = item.get("id")
    if trigger_id is None:
        raise _invalid("Missing required property: id", "supported_triggers[0]")
    _expect(trigger_id, "string", "supported_triggers[0].id")
    if trigger_id not in TRIGGERS:
        raise _invalid(
            f"Unknown trigger {trigger_id!r}; this tenant offers {', '.join(TRIGGERS)}",
            "supported_triggers[0].id",
        )
    version = item.get("version")
    if version is None:
        version = TRIGGERS[trigger_id]
    _expect(version, "string", "supported_triggers[0].version")
    if version != TRIGGERS[trigger_id]:
        raise _invalid(
            f"Trigger {trigger_id} {version} is not available; use {TRIGGERS[trigger_id]}",
            "supported_triggers[0].version",
        )
    return trigger_id, version


def _dependencies(value: Any) -> tuple[tuple[str, str], ...]:
    """``[{name, version}]``; a missing version is stored as ``latest`` (Auth0 resolves and pins
    it; claimlab cannot offline). ``registry_url`` is refused: Actions use public npm only."""
    if value is None:
        return ()
    _expect(value, "array", "dependencies")
    if len(value) > MAX_DEPENDENCIES:
        raise _invalid(
            f"Array is too long ({len(value)}), maximum {MAX_DEPENDENCIES}", "dependencies"
        )
    out: list[tuple[str, str]] = []
    for index, item in enumerate(value):
        prop = f"dependencies[{index}]"
        _expect(item, "object", prop)
        _no_extra(item, {"name", "version", "registry_url"}, prop)
        name = item.get("name")
        if name is None:
            raise _invalid("Missing required property: name", prop)
        _expect(name, "string", f"{prop}.name")
        if not NPM_PACKAGE_NAME.match(name):
            raise _invalid(f"{name!r} is not an npm package name", f"{prop}.name")
        version = item.get("version") or "latest"
        _expect(version, "string", f"{prop}.version")
        if not NPM_VERSION.match(version):
            raise _invalid(f"{version!r} is not an npm version", f"{prop}.version")
        if item.get("registry_url") is not None:
            raise _invalid(
                "Private registries are not supported; dependencies come from the public npm "
                "registry",
                f"{prop}.registry_url",
            )
        if any(n == name for n, _ in out):
            raise _invalid(f"Dependency {name!r} is listed twice", prop)
        out.append((name, version))
    return tuple(out)


def _secrets(
    value: Any, existing: tuple[_Secret, ...], now: str, *, prop: str = "secrets"
) -> tuple[_Secret, ...]:
    """``[{name, value}]`` replacing the list. An entry without ``value`` keeps the value of
    the same name in ``existing``; a new name needs one. A value's ``updated_at`` moves only
    when the value changes."""
    if value is None:
        return ()
    _expect(value, "array", prop)
    if len(value) > MAX_SECRETS:
        raise _invalid(f"Array is too long ({len(value)}), maximum {MAX_SECRETS}", prop)
    old = {s.name: s for s in existing}
    out: list[_Secret] = []
    for index, item in enumerate(value):
        where = f"{prop}[{index}]"
        _expect(item, "object", where)
        _no_extra(item, {"name", "value"}, where)
        name = item.get("name")
        if name is None:
            raise _invalid("Missing required property: name", where)
        _expect(name, "string", f"{where}.name")
        if not name or len(name) > MAX_SECRET_NAME:
            raise _invalid(
                f"A secret name must be 1 to {MAX_SECRET_NAME} characters", f"{where}.name"
            )
        if any(s.name == name for s in out):
            raise _invalid(f"Secret {name!r} is listed twice", where)
        secret_value = item.get("value")
        if secret_value is None:
            if name not in old:
                raise _invalid(f"Missing required property: value (secret {name!r} is new)", where)
            out.append(old[name])
            continue
        _expect(secret_value, "string", f"{where}.value")
        if len(secret_value) > MAX_SECRET_VALUE:
            # Only the length: a secret's value is never echoed.
            raise _invalid(
                f"String is too long ({len(secret_value)} chars), maximum {MAX_SECRET_VALUE}",
                f"{where}.value",
            )
        before = old.get(name)
        if before is not None and before.value == secret_value:
            out.append(before)
        else:
            out.append(_Secret(name, secret_value, now))
    return tuple(out)


def _modules(value: Any) -> None:
    if value is None:
        return
    _expect(value, "array", "modules")
    if value:
        raise _invalid("Action modules are not supported by claimlab's tenant", "modules")
