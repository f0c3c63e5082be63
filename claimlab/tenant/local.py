"""``LocalTenant``: an Auth0 tenant in a Python object, the default for every notebook.

It holds what a login needs: a signing key (kept under ``$CLAIMLAB_HOME/keys``, reused across
runs, rotatable), applications, sample users, and the Actions bound to post-login in order.
``login()`` builds the event Auth0 would send, runs the bound Actions on the Node runtime,
applies Auth0's claim rules and mints tokens shaped like Auth0's.
"""

from __future__ import annotations

import copy
import difflib
import functools
import hashlib
import pickle
import secrets
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any, Literal
from urllib.parse import parse_qsl, urlsplit

from claimlab import claims as claim_rules
from claimlab import events, tokens
from claimlab.deploy.credentials import Credentials
from claimlab.errors import ClaimlabError, EventError, LoginDenied, OptionError
from claimlab.facts import (
    ACCESS_TOKEN,
    ACCESS_TOKEN_LIFETIME,
    DEVICE_GRANT,
    ID_TOKEN,
    MAX_BINDINGS,
    PASSWORD_REALM_GRANT,
    TRIGGER,
)
from claimlab.runtime import Action, ActionCache, ActionResult, run_action, run_flow
from claimlab.runtime.run import DEFAULT_TIMEOUT, Network, check_timeout
from claimlab.tenant.directory import Application, User, sample_applications, sample_users
from claimlab.tenant.management import BUILD_DELAY, ActionStore
from claimlab.tenant.result import LoginResult
from claimlab.tenant.server import TenantServer

Flow = Literal["interactive", "silent", "refresh", "password", "device"]

# Which Auth0 protocol each flow is, and which event preset it starts from.
_FLOWS: dict[str, tuple[str, str]] = {
    "interactive": ("interactive", "oidc-basic-profile"),
    "silent": ("silent", "oidc-basic-profile"),
    "refresh": ("refresh", "oauth2-refresh-token"),
    "password": ("interactive", "oauth2-password"),
    "device": ("interactive", "oauth2-device-code"),
}

DEFAULT_SCOPE = "openid profile email"
MAX_OPAQUE_TOKENS = 10_000
"""Opaque access tokens a LocalTenant remembers for /userinfo; older ones stop working."""
DEFAULT_API = "https://api.dogfy.example/"
"""A custom API (resource server) of the sample tenant, for access tokens with custom claims."""


@functools.cache
def _preset_pickle(preset: str) -> bytes:
    # make_event deep-copies Auth0's whole sample event; a sweep logs thousands of users in, and
    # loading a cached copy is an order of magnitude faster (a pickle of this plain JSON data,
    # made here, loads in half the time of its JSON text).
    return pickle.dumps(events.make_event(preset), protocol=pickle.HIGHEST_PROTOCOL)


class LocalTenant:
    """A local Auth0 tenant: keys, applications, users and post-login bindings.

    >>> tenant = LocalTenant()
    >>> tenant.bind("actions/assign-random-dog.js", dependencies=["axios@1.7.9"])
    >>> result = tenant.login("alice")
    >>> result.claims["https://dogfy.com/random_dog"]

    ``namespaced_claims_only=True`` is a tenant created before 28 July 2022 that still has the
    legacy "Custom claims must be namespaced" setting on: its logins drop every custom claim
    without an http(s) namespace (rule ``not-namespaced``). ``cache`` holds the Actions'
    ``api.cache`` entries between logins.
    """

    def __init__(
        self,
        name: str = "dev-claimlab",
        *,
        domain: str | None = None,
        issuer: str | None = None,
        network: Network = "mock",
        mocks: Mapping[str, Any] | None = None,
        cassette: str | Path | None = None,
        keys: tokens.KeyStore | None = None,
        build_delay: float = BUILD_DELAY,
        namespaced_claims_only: bool = False,
    ) -> None:
        self.name = name
        # A tenant created before 28 July 2022 may still have "Custom claims must be
        # namespaced" on; its logins drop every non-namespaced custom claim.
        self.namespaced_claims_only = namespaced_claims_only
        # api.cache entries live on between logins, per trigger, as on Auth0 (up to their TTL).
        self.cache = ActionCache()
        # Access tokens issued without a custom API are opaque: only this tenant knows them.
        self._opaque_tokens: dict[str, dict[str, Any]] = {}
        self.domain = domain or f"{name}.claimlab.local"
        # Auth0's issuer is the tenant URL with a trailing slash.
        self.issuer = issuer or f"https://{self.domain}/"
        self.network: Network = network
        self.mocks = dict(mocks or {})
        # With network="record" or "replay": the JSON file of real services' answers.
        self.cassette = cassette
        self.keys = keys or tokens.KeyStore.for_tenant(name)
        self.users: dict[str, User] = sample_users()
        self.applications: dict[str, Application] = sample_applications(self.domain)
        self.apis: list[str] = [DEFAULT_API]
        # The Actions library and the Login flow, as the Management API sees them; logins run
        # what is deployed and bound there.
        self.actions_store = ActionStore(
            build_delay, tester=self._test_action, on_bindings_changed=self._reload_bindings
        )
        self.bindings: list[Action] = []
        # Logins may come from many threads (a notebook's sweep, the HTTP server): what they
        # change on the tenant (session numbers, metadata, login counts, the first key) is
        # changed under this lock; the Actions run outside it.
        self._lock = threading.RLock()
        self._files: dict[str, str] = {}
        self._server: TenantServer | None = None
        # The JWKS that publishes the current key, and that key's kid: every login's result
        # carries it, and it changes only with a rotation.
        self._published: tuple[str, dict[str, Any]] | None = None
        self._sessions = 0

    # --- setup ---------------------------------------------------------------------------------

    @property
    def default_client_id(self) -> str:
        """The SPA, like the tutorial's React sample app."""
        return next(a.client_id for a in self.applications.values() if a.app_type == "spa")

    @property
    def management_audience(self) -> str:
        return f"{self.issuer}api/v2/"

    def bind(
        self,
        action: str | Path | Action,
        *,
        name: str | None = None,
        secrets: Mapping[str, str] | None = None,
        dependencies: Iterable[str] | None = None,
        position: int | None = None,
    ) -> Action:
        """Bind an Action to post-login (the dashboard's drag into the Login flow).

        Binding a name that is already bound replaces it in place, as a redeploy does.
        """
        loaded = Action.load(action, name=name, secrets=secrets, dependencies=dependencies)
        # JavaScript passed as text without name= is called "action"; a second such Action
        # would otherwise replace the first without a word.
        unnamed_source = name is None and isinstance(action, str) and loaded.file == "action.js"
        for bound in self.bindings:
            if bound.name == loaded.name and unnamed_source and bound.source != loaded.source:
                raise ClaimlabError(
                    f"An Action named {loaded.name!r} is already bound, and this code has no "
                    "name of its own. Pass name= to bind it beside the first one, or "
                    f"unbind({loaded.name!r}) first to replace it."
                )
        if len(self.bindings) >= MAX_BINDINGS and loaded.name not in {
            a.name for a in self.bindings
        }:
            raise ClaimlabError(
                f"Auth0 allows {MAX_BINDINGS} Actions per trigger; unbind one first."
            )
        self._files[loaded.name] = loaded.file
        try:
            self.actions_store.install(
                loaded.name,
                loaded.source,
                dependencies=loaded.dependencies,
                secrets=loaded.secrets,
                position=position,
            )
        except ValueError as exc:
            raise ClaimlabError(f"Could not bind {loaded.name!r}: {exc}") from None
        return next(a for a in self.bindings if a.name == loaded.name)

    def unbind(self, name: str) -> None:
        """Remove an Action from post-login (it stays in the tenant's Actions library)."""
        try:
            self.actions_store.uninstall(name)
        except ValueError:
            bound = ", ".join(a.name for a in self.bindings) or "none"
            raise ClaimlabError(f"No Action named {name!r} is bound (bound: {bound}).") from None

    def _reload_bindings(self, trigger: str, bound: list[dict[str, Any]]) -> None:
        if trigger != TRIGGER:
            return
        self.bindings = [
            Action(
                source=item["code"],
                name=item["name"],
                file=self._files.get(item["name"], f"{item['name']}.js"),
                secrets=dict(item["secrets"]),
                dependencies=tuple(item["dependencies"]),
            )
            for item in bound
        ]

    def _test_action(self, action: dict[str, Any], event: dict[str, Any]) -> dict[str, Any]:
        """``POST /actions/actions/{id}/test``: the draft against one event, on this runtime.

        The answer is shaped as Auth0's: a failure is not an HTTP error but ``error: {name,
        message, stack}`` (as in a recorded answer of Auth0's, see
        :meth:`~claimlab.errors.ActionError.as_auth0`), with ``stats`` beside it; console
        output is one string under ``logs``, as Auth0's answer had it in the Actions beta.
        ``commands``, the api calls in order, is claimlab's own: whether Auth0's answer lists
        them, and how, is not public. A malformed event is reported the same way, not as a
        server error (which clients would retry).
        """
        try:
            if event:
                events.validate_event(event)
        except EventError as exc:
            return {"error": {"name": "EventError", "message": str(exc), "stack": ""}}
        result = run_action(
            Action(
                source=action["code"],
                name=action["name"],
                secrets=dict(action["secrets"]),
                dependencies=tuple(action["dependencies"]),
            ),
            event or None,
            network=self.network,
            mocks=self.mocks,
            cassette=self.cassette,
        )
        answer: dict[str, Any] = {
            "commands": [c.to_dict() for c in result.commands],
            "logs": "".join(f"{line.message}\n" for line in result.logs),
            "stats": {"action_duration_ms": round(result.duration_ms)},
        }
        if result.error is not None:
            answer["error"] = result.error.as_auth0()
        return answer

    def serve(self, port: int = 0, **options: Any) -> TenantServer:
        """Serve this tenant over HTTP on 127.0.0.1 (in a background thread) and return the
        server; its ``management`` credentials let auth0-python deploy to it."""
        server = self.server
        if server is not None:
            if (port and port != server.port) or options:
                raise ClaimlabError(
                    f"This tenant is already served at {server.url}; call "
                    "tenant.server.stop() first to serve it with other options."
                )
            return server
        return TenantServer(self, port=port, **options).start()

    @property
    def server(self) -> TenantServer | None:
        """The server serving this tenant over HTTP, while it runs; else ``None``."""
        server = self._server
        return server if server is not None and server.running else None

    def served_by(self, server: TenantServer) -> None:
        """Take ``server``'s address as this tenant's: its domain and issuer, which the tokens
        issued from now on carry (as a custom domain's do on Auth0). ``serve()`` hands back
        this server while it runs, unless another one already serves the tenant.

        A :class:`TenantServer` calls this as it is made; call ``serve()`` rather than this.
        """
        self.domain = server.domain
        # Auth0's issuer is the tenant URL with a trailing slash.
        self.issuer = f"{server.url}/"
        if self.server is None:
            self._server = server

    def rotate_client_secret(self, client_id: str) -> str:
        """Give the application ``client_id`` a new client secret and return it; the old one
        stops working (the dashboard's "Rotate" on an application's credentials)."""
        app = self.application(client_id)
        # Fresh and in memory only: it is never written to a file or a log.
        app.client_secret = secrets.token_urlsafe(32)
        return app.client_secret

    def management_credentials(self) -> Credentials:
        """What ``deploy(..., tenant=tenant)`` calls the Management API with: this tenant is
        served first if it is not yet."""
        return self.serve().management_credentials()

    def user(self, who: str | User) -> User:
        """Find a user by handle (``"alice"``), user id, email or nickname."""
        if isinstance(who, User):
            return who
        for handle, user in self.users.items():
            if who in (handle, user.user_id, user.email, user.nickname):
                return user
        known = ", ".join(self.users)
        raise OptionError(
            f"No user {who!r} in the local tenant.{_did_you_mean(who, self.users)} "
            f"Sample users: {known}."
        )

    def application(self, client_id: str | None) -> Application:
        client_id = client_id or self.default_client_id
        try:
            return self.applications[client_id]
        except KeyError:
            known = ", ".join(f"{a.client_id} ({a.name})" for a in self.applications.values())
            raise ClaimlabError(
                f"Unknown client_id {client_id!r}. Applications: {known}."
            ) from None

    def jwks(self) -> dict[str, Any]:
        """The tenant's ``/.well-known/jwks.json``."""
        return self.keys.jwks()

    def rotate_key(self) -> tokens.SigningKey:
        """Start signing with a new key; the old one stays in the JWKS for a while."""
        return self.keys.rotate()

    def discovery(self) -> dict[str, Any]:
        """The tenant's ``/.well-known/openid-configuration``."""
        base = self.issuer
        return {
            "issuer": base,
            "authorization_endpoint": f"{base}authorize",
            "token_endpoint": f"{base}oauth/token",
            "device_authorization_endpoint": f"{base}oauth/device/code",
            "userinfo_endpoint": f"{base}userinfo",
            "jwks_uri": f"{base}.well-known/jwks.json",
            "mfa_challenge_endpoint": f"{base}mfa/challenge",
            "registration_endpoint": f"{base}oidc/register",
            "revocation_endpoint": f"{base}oauth/revoke",
            "scopes_supported": [
                "openid",
                "profile",
                "offline_access",
                "name",
                "given_name",
                "family_name",
                "nickname",
                "email",
                "email_verified",
                "picture",
                "created_at",
                "identities",
                "phone",
                "address",
            ],
            "response_types_supported": [
                "code",
                "token",
                "id_token",
                "code token",
                "code id_token",
                "token id_token",
                "code token id_token",
            ],
            "code_challenge_methods_supported": ["S256", "plain"],
            "response_modes_supported": ["query", "fragment", "form_post"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["HS256", "RS256", "PS256"],
            "token_endpoint_auth_methods_supported": [
                "client_secret_basic",
                "client_secret_post",
                "private_key_jwt",
            ],
            "claims_supported": [
                "aud",
                "auth_time",
                "created_at",
                "email",
                "email_verified",
                "exp",
                "family_name",
                "given_name",
                "iat",
                "identities",
                "iss",
                "name",
                "nickname",
                "phone_number",
                "picture",
                "sub",
            ],
            "request_uri_parameter_supported": False,
            "request_parameter_supported": False,
            "token_endpoint_auth_signing_alg_values_supported": [
                "RS256",
                "RS384",
                "PS256",
                "PS384",
                "ES256",
                "ES384",
            ],
        }

    # --- logging in ----------------------------------------------------------------------------

    def login_event(
        self,
        user: str | User,
        *,
        client_id: str | None = None,
        scope: str = DEFAULT_SCOPE,
        audience: str | None = None,
        flow: Flow = "interactive",
        prompt: str | None = None,
        session_id: str | None = None,
        check: bool = True,
    ) -> dict[str, Any]:
        """The ``event`` Auth0 would hand post-login Actions for this login.

        ``check=False`` skips validating it, for a caller that hands it straight to
        :func:`claimlab.run_many`, which validates every event it runs (a sweep, so that each
        of its events is checked once).
        """
        if flow not in _FLOWS:
            raise OptionError(
                f"Unknown flow {flow!r}.{_did_you_mean(flow, _FLOWS)} "
                f"Use one of {', '.join(_FLOWS)}."
            )
        person = self.user(user)
        app = self.application(client_id)
        preset, protocol = _FLOWS[flow]
        event = pickle.loads(_preset_pickle(preset))
        profile = person.profile()
        event["user"] = profile
        event["client"] = {
            "client_id": app.client_id,
            "name": app.name,
            "metadata": dict(app.metadata),
        }
        event["connection"] = {
            "id": "con_" + hashlib.sha1(person.connection.encode()).hexdigest()[:16],
            "name": person.connection,
            "strategy": person.strategy,
            "metadata": {},
        }
        event["tenant"] = {"id": self.name}
        event["stats"] = {"logins_count": person.logins_count + 1}
        transaction = event.setdefault("transaction", {})
        transaction["protocol"] = protocol
        transaction["requested_scopes"] = scope.split()
        # Docs (handling-scopes-in-actions): the target set starts as the requested scopes.
        transaction["target_scopes"] = list(dict.fromkeys(scope.split()))
        request = event.setdefault("request", {})
        request["hostname"] = self.domain
        if flow in ("interactive", "silent"):
            prompt = prompt or ("none" if flow == "silent" else "login")
            request["query"] = {
                **request.get("query", {}),
                "client_id": app.client_id,
                "scope": scope,
                "connection": person.connection,
                "prompt": prompt,
                **({"audience": audience} if audience else {}),
            }
            transaction["prompt"] = prompt.split()
        else:
            # A token-endpoint grant: no browser, so none of /authorize's parameters.
            for name in (
                "prompt",
                "response_type",
                "response_mode",
                "redirect_uri",
                "state",
                "login_hint",
            ):
                transaction.pop(name, None)
            request["method"] = "POST"
            request["query"] = {}
            grant = {
                "password": PASSWORD_REALM_GRANT,
                "device": DEVICE_GRANT,
                "refresh": "refresh_token",
            }[flow]
            request["body"] = {"grant_type": grant, "client_id": app.client_id}
        # Every flow: Auth0 documents none without it (see claimlab.events).
        event["authorization"] = {"roles": list(person.roles)}
        if person.organization:
            event["organization"] = copy.deepcopy(person.organization)
        else:
            event.pop("organization", None)
        if audience:
            event["resource_server"] = {"identifier": audience}
        else:
            event.pop("resource_server", None)
        sid = session_id or self._new_session_id(person)
        event["session"] = {
            **event.get("session", {}),
            "id": sid,
            "user_id": person.user_id,
            "clients": [{"client_id": app.client_id}],
        }
        if flow != "refresh":
            # Auth0 only describes a refresh token in the exchange that uses one.
            event.pop("refresh_token", None)
        elif "refresh_token" in event:
            event["refresh_token"] = {
                **event["refresh_token"],
                "user_id": person.user_id,
                "client_id": app.client_id,
                "session_id": sid,
            }
        if check:
            events.validate_event(event)
        return event

    def _new_session_id(self, user: User) -> str:
        self._sessions += 1
        digest = hashlib.sha256(
            f"{self.name}|{user.user_id}|{self._sessions}|{time.time()}".encode()
        )
        return digest.hexdigest()[:32]

    def login(
        self,
        user: str | User = "alice",
        client_id: str | None = None,
        scope: str = DEFAULT_SCOPE,
        audience: str | None = None,
        nonce: str | None = None,
        flow: Flow = "interactive",
        *,
        prompt: str | None = None,
        max_age: int | None = None,
        timeout: float = DEFAULT_TIMEOUT,
        event_override: Callable[[dict[str, Any]], None] | Mapping[str, Any] | None = None,
    ) -> LoginResult:
        """Log a user in: run the bound Actions and return the tokens Auth0 would issue.

        ``event_override`` changes the event before the Actions see it, for logins Auth0 can
        produce that the sample users do not: a mapping is merged in as
        :func:`claimlab.make_event` overrides are (``{"authorization": None}`` removes a key),
        a callable edits the event in place. The result is validated again.

        Raises ``LoginDenied`` when an Action denies access, the Action's ``ActionError`` when
        one fails (Auth0 fails the login too), and ``ClaimsTooLargeError`` past 100 KB of
        custom claims in one token.
        """
        check_timeout(timeout)
        person = self.user(user)
        app = self.application(client_id)
        with self._lock:
            event = self.login_event(
                person,
                client_id=app.client_id,
                scope=scope,
                audience=audience,
                flow=flow,
                prompt=prompt,
            )
        if callable(event_override):
            event_override(event)
            events.validate_event(event)
        elif event_override is not None:
            event = events.merge(event, event_override)
            events.validate_event(event)
        outcome = self._run_bindings(event, timeout) if self.bindings else None

        if outcome is not None:
            if outcome.error is not None:
                raise outcome.error
            # Metadata asked for before a deny is still written ("deny does not cancel other
            # user-related side-effects such as metadata changes").
            with self._lock:
                self._apply_metadata(person, outcome.app_metadata, outcome.user_metadata)
            # A redirect where none is possible (prompt=none, a token-endpoint grant) is
            # recorded without an error; Auth0 then fails the login (index.d.ts sendUserTo).
            blocked = (
                outcome.redirect if (outcome.redirect or {}).get("interaction_required") else None
            )
            if outcome.denied or blocked:
                denied = outcome.denied or {
                    "error": "interaction_required",
                    "reason": (
                        f"The Action {blocked['action']!r} called api.redirect.sendUserTo, but "
                        f"this {flow} login cannot show the user a page; guard the redirect "
                        "with a check of event.transaction.protocol and event.request.query."
                    ),
                    "action": blocked["action"],
                }
                error = LoginDenied(
                    denied.get("error") or "access_denied",
                    denied.get("reason") or "",
                    action=denied.get("action"),
                )
                # No tokens, but what ran is kept so explain() can say why a claim is missing.
                error.result = self._login_result(  # type: ignore[attr-defined]
                    event,
                    outcome,
                    client_id=app.client_id,
                    jwks=self._signing()[1],
                    flow=flow,
                    scope=scope,
                    audience=audience,
                    id_token=None,
                    access_token=None,
                    claims={},
                    access_token_claims=None,
                    warnings=[],
                )
                raise error

        issued = self.issue(
            person,
            event,
            outcome,
            client_id=app.client_id,
            scope=scope,
            audience=audience,
            nonce=nonce,
            flow=flow,
            prompt=prompt,
            max_age=max_age,
        )
        with self._lock:
            person.logins_count += 1
        return issued

    def issue(
        self,
        user: str | User,
        event: dict[str, Any],
        outcome: ActionResult | None,
        *,
        client_id: str | None = None,
        scope: str = DEFAULT_SCOPE,
        audience: str | None = None,
        nonce: str | None = None,
        flow: Flow = "interactive",
        prompt: str | None = None,
        max_age: int | None = None,
    ) -> LoginResult:
        """The tokens Auth0 issues once the Actions of a login have run and neither failed nor
        denied it: their claims through Auth0's rules, signed with the tenant's key.

        ``login()`` ends here; sweeps that ran many events at once through
        :func:`claimlab.run_many` call it to get the same tokens. Raises
        ``ClaimsTooLargeError`` past 100 KB of custom claims in one token.
        """
        person = self.user(user)
        app = self.application(client_id)
        now = int(time.time())
        scopes = _target_scopes(scope.split(), outcome)
        signing_key, jwks = self._signing()
        id_claims, id_dropped = self.id_token_claims(
            person,
            event,
            outcome,
            client_id=app.client_id,
            scope=scope,
            nonce=nonce,
            flow=flow,
            prompt=prompt,
            max_age=max_age,
            now=now,
        )
        claims = id_claims or {}
        id_token = tokens.mint(claims, signing_key) if id_claims is not None else None
        warnings = list(id_dropped)
        access_claims = None
        if audience and audience != self.userinfo_audience:
            at_custom, at_dropped = claim_rules.apply_claim_rules(
                outcome.access_token_claims if outcome else {},
                token=ACCESS_TOKEN,
                scope=scopes,
                audience=audience,
                auth0_api=self._is_own_api(audience) or None,
                namespaced_only=self.namespaced_claims_only,
            )
            warnings += at_dropped
            access_claims = self._access_token_claims(
                person, app, scopes, audience, now, at_custom, outcome, flow
            )
            access_token = tokens.mint(access_claims, signing_key)
        else:
            # Without a custom API Auth0 issues an opaque access token, good for /userinfo only:
            # no JWT, so no custom claims (docs: tokens/access-tokens, "opaque access tokens").
            with self._lock:
                access_token = self._opaque_token(person, scopes, now)
        return self._login_result(
            event,
            outcome,
            client_id=app.client_id,
            jwks=jwks,
            flow=flow,
            scope=scope,
            audience=audience,
            id_token=id_token,
            access_token=access_token,
            claims=claims,
            access_token_claims=access_claims,
            warnings=warnings,
        )

    def id_token_claims(
        self,
        user: str | User,
        event: Mapping[str, Any],
        outcome: ActionResult | None,
        *,
        client_id: str | None = None,
        scope: str = DEFAULT_SCOPE,
        nonce: str | None = None,
        flow: Flow = "interactive",
        prompt: str | None = None,
        max_age: int | None = None,
        now: int | None = None,
    ) -> tuple[dict[str, Any] | None, list[claim_rules.DroppedClaim]]:
        """The claims :meth:`issue` signs into the ID token of this login, unsigned, and the
        custom claims Auth0's rules dropped from it. The claims are ``None`` when the scope
        (after the Actions) lacks ``openid``: Auth0 then issues no ID token.

        A sweep measures thousands of tokens with these (see
        :mod:`claimlab.lab.encoded_size`) rather than signing each. Raises
        ``ClaimsTooLargeError`` past 100 KB of custom claims, as ``issue`` does.
        """
        now = int(time.time()) if now is None else now
        scopes = _target_scopes(scope.split(), outcome)
        custom, dropped = claim_rules.apply_claim_rules(
            outcome.id_token_claims if outcome else {},
            token=ID_TOKEN,
            scope=scopes,
            namespaced_only=self.namespaced_claims_only,
        )
        if "openid" not in scopes:
            return None, dropped
        # Auth0 adds auth_time when the login asked for prompt=login or max_age.
        effective_prompt = prompt or ("login" if flow == "interactive" else None)
        claims = self._id_token_claims(
            self.user(user),
            self.application(client_id),
            event,
            scopes,
            now,
            nonce,
            custom,
            auth_time=now if (effective_prompt == "login" or max_age is not None) else None,
        )
        return claims, dropped

    def _login_result(
        self,
        event: dict[str, Any],
        outcome: ActionResult | None,
        **tokens_and_claims: Any,
    ) -> LoginResult:
        return LoginResult(
            action_result=outcome,
            event=event,
            bound=[a.name for a in self.bindings],
            bound_sources={a.name: a.source for a in self.bindings},
            issuer=self.issuer,
            **tokens_and_claims,
        )

    def _signing(self) -> tuple[tokens.SigningKey, dict[str, Any]]:
        """The key new tokens are signed with, and the JWKS that publishes it (and the key
        before it), made again only after a rotation: a sweep issues thousands of logins."""
        with self._lock:
            key = self.keys.current
            if self._published is None or self._published[0] != key.kid:
                self._published = (key.kid, self.keys.jwks())
            return key, self._published[1]

    @property
    def userinfo_audience(self) -> str:
        """``https://<domain>/userinfo``: what an access token without a custom API is for."""
        return f"{self.issuer}userinfo"

    def _opaque_token(self, user: User, scopes: list[str], now: int) -> str:
        # A sweep of many logins must not grow this without end: the oldest tokens go first.
        while len(self._opaque_tokens) >= MAX_OPAQUE_TOKENS:
            del self._opaque_tokens[next(iter(self._opaque_tokens))]
        token = secrets.token_urlsafe(24)
        self._opaque_tokens[token] = {
            "sub": user.user_id,
            "scope": " ".join(scopes),
            "exp": now + ACCESS_TOKEN_LIFETIME,
        }
        return token

    def opaque_token_claims(self, token: str) -> dict[str, Any] | None:
        """What this tenant knows of an opaque access token it issued (``sub``, ``scope``),
        or ``None`` if it did not issue it or it has expired. ``/userinfo`` accepts these."""
        found = self._opaque_tokens.get(token.strip())
        if found is None or found["exp"] < time.time():
            return None
        return dict(found)

    def _continue_event(self, event: dict[str, Any], redirect: Mapping[str, Any]) -> dict[str, Any]:
        """The event of ``onContinuePostLogin``: a new ``event.request`` from the ``/continue``
        call (docs, Actions limitations: "A new event.request object is issued anytime an Action
        trigger is suspended and then subsequently resumed"). The user comes back with the
        transaction's ``state`` and the query the Action sent them away with, e.g. the
        ``session_token`` an external site hands back."""
        resumed = copy.deepcopy(event)
        before = event.get("request", {})
        state = (event.get("transaction") or {}).get("state") or secrets.token_urlsafe(16)
        query = dict(parse_qsl(urlsplit(str(redirect.get("url", ""))).query))
        resumed["request"] = {
            **{
                k: before[k]
                for k in ("ip", "asn", "geoip", "hostname", "language", "user_agent")
                if k in before
            },
            "method": "GET",
            "query": {**query, "state": state},
            "body": {},
        }
        return resumed

    def _run_bindings(self, event: dict[str, Any], timeout: float) -> ActionResult:
        """Run the Login flow to its end, as a user who completes every step Auth0 asks for.

        When an Action redirects (``api.redirect.sendUserTo``), Auth0 pauses the flow; the user
        comes back to ``/continue``, the same Action's ``onContinuePostLogin`` runs, then the
        Actions after it. A challenge, an enrollment or a rendered prompt pauses the Actions
        after it until the user is done. claimlab takes the user through each pause (the
        command log keeps every call, in order) and Actions already run are not run again.
        """
        options = {
            "network": self.network,
            "mocks": self.mocks,
            "cassette": self.cassette,
            "timeout": timeout,
            "cache": self.cache,
        }
        bound = list(self.bindings)
        parts = [run_flow(bound, event, **options)]
        while parts[-1].error is None and not parts[-1].denied:
            if len(parts) > 2 * len(self.bindings) + 2:
                raise ClaimlabError(
                    "The Login flow kept pausing (an Action redirects from onContinuePostLogin "
                    "every time?); Auth0 would never finish this login."
                )
            last = parts[-1]
            pause = last.redirect or last.suspended
            if not pause or (last.redirect or {}).get("interaction_required"):
                break
            index = next(i for i, a in enumerate(bound) if a.name == pause["action"])
            if last.redirect:
                event = self._continue_event(event, last.redirect)
                parts.append(
                    run_flow([bound[index]], event, handler="onContinuePostLogin", **options)
                )
                if parts[-1].error or parts[-1].denied or parts[-1].redirect:
                    continue
            bound = bound[index + 1 :]
            if not bound:
                break
            parts.append(run_flow(bound, event, **options))
        return _joined(parts, event)

    def _is_own_api(self, audience: str) -> bool:
        """Is ``audience`` one of this tenant's own APIs (Management, MFA...)? /userinfo is not:
        Auth0 keeps private claims on tokens for it."""
        if not audience.startswith(self.issuer):
            return False
        return audience[len(self.issuer) :].strip("/") != "userinfo"

    def _apply_metadata(
        self, user: User, app_metadata: Mapping[str, Any], user_metadata: Mapping[str, Any]
    ) -> None:
        # Auth0 writes all metadata changes of a flow in one profile update at its end.
        for target, updates in (
            (user.app_metadata, app_metadata),
            (user.user_metadata, user_metadata),
        ):
            for key, value in updates.items():
                if value is None:
                    target.pop(key, None)
                else:
                    target[key] = value

    def _id_token_claims(
        self,
        user: User,
        app: Application,
        event: Mapping[str, Any],
        scopes: list[str],
        now: int,
        nonce: str | None,
        custom: Mapping[str, Any],
        auth_time: int | None,
    ) -> dict[str, Any]:
        profile = event["user"]
        claims: dict[str, Any] = {}
        # Custom claims first, then profile claims by scope, then the protocol claims: the
        # order of real Auth0 tokens. A custom value for a profile claim replaces Auth0's own
        # (UNCONFIRMED on Auth0; the docs only say such claims are allowed).
        claims.update(custom)
        for name, value in claim_rules.profile_claims(profile, scopes).items():
            claims.setdefault(name, value)
        claims.update(
            {
                "iss": self.issuer,
                "sub": user.user_id,
                "aud": app.client_id,
                "iat": now,
                "exp": now + app.id_token_lifetime,
                "sid": event["session"]["id"],
            }
        )
        if auth_time is not None:
            claims["auth_time"] = auth_time
        if user.organization:
            claims["org_id"] = user.organization["id"]
        if nonce is not None:
            claims["nonce"] = nonce
        return claims

    def _access_token_claims(
        self,
        user: User,
        app: Application,
        scopes: list[str],
        audience: str,
        now: int,
        custom: Mapping[str, Any],
        outcome: Any,
        flow: str,
    ) -> dict[str, Any]:
        # addScope and removeScope apply in the order the Actions called them.
        granted = list(dict.fromkeys(scopes))
        for command in outcome.commands if outcome else []:
            if command.api == "accessToken.addScope" and command.args[0] not in granted:
                granted.append(command.args[0])
            elif command.api == "accessToken.removeScope" and command.args[0] in granted:
                granted.remove(command.args[0])
        userinfo = f"{self.issuer}userinfo"
        aud: str | list[str] = audience
        if "openid" in scopes and audience != userinfo:
            aud = [audience, userinfo]
        claims: dict[str, Any] = dict(custom)
        claims.update(
            {
                "iss": self.issuer,
                "sub": user.user_id,
                "aud": aud,
                "iat": now,
                "exp": now + ACCESS_TOKEN_LIFETIME,
                "scope": " ".join(granted),
                "azp": app.client_id,
            }
        )
        if flow == "password":
            claims["gty"] = "password"
        if user.organization:
            claims["org_id"] = user.organization["id"]
        return claims


def _target_scopes(requested: list[str], outcome: ActionResult | None) -> list[str]:
    """The scopes the login goes on with after the Actions changed its target set.

    Docs (customize/actions/handling-scopes-in-actions): the set starts as the requested scopes;
    api.transaction.addTargetScope/removeTargetScope/setTargetScopes/clearTargetScopes change it
    in call order; Auth0 then drops what authorization policies do not allow. A local tenant has
    no such policies, so every target scope is kept; removing ``openid`` means no ID token.
    """
    target = list(dict.fromkeys(requested))
    for command in outcome.commands if outcome else []:
        if command.api == "transaction.addTargetScope" and command.args[0] not in target:
            target.append(command.args[0])
        elif command.api == "transaction.removeTargetScope" and command.args[0] in target:
            target.remove(command.args[0])
        elif command.api == "transaction.setTargetScopes":
            target = list(command.args[0])
        elif command.api == "transaction.clearTargetScopes":
            target = []
    return target


def _joined(parts: list[ActionResult], event: dict[str, Any]) -> ActionResult:
    """One result for a flow that ran in several stretches around its pauses."""
    last = parts[-1]
    return ActionResult(
        commands=[c for p in parts for c in p.commands],
        logs=[g for p in parts for g in p.logs],
        error=last.error,
        duration_ms=sum(p.duration_ms for p in parts),
        node_version=last.node_version,
        actions_run=[name for p in parts for name in p.actions_run],
        denied=last.denied,
        redirect=next((p.redirect for p in parts if p.redirect), None),
        suspended=next((p.suspended for p in parts if p.suspended), None),
        logs_truncated=any(p.logs_truncated for p in parts),
        requests=[r for p in parts for r in p.requests],
        event=event,
    )


def _did_you_mean(word: object, choices: Iterable[str]) -> str:
    close = difflib.get_close_matches(str(word), list(choices), n=1, cutoff=0.6)
    return f" Did you mean {close[0]!r}?" if close else ""
