"""Deploy an Action to an Auth0 tenant through auth0-python's Management client, safely.

The same code talks to a real tenant (``https://YOUR_TENANT.auth0.com``) and to claimlab's local
tenant served on 127.0.0.1 (over http); the SDK is used unchanged, handed an httpx client.

``Deployment.apply()`` does what the dashboard's Deploy button and the drag into the Login flow
do, and checks each step: create or update the Action by name, wait until it is built, deploy,
bind it into post-login keeping every other binding in its place, then read everything back.
If a step fails, the tenant is left as it was (a newly created Action is deleted again) or, once
the deploy went through, completed; never two Actions of one name, never a lost binding.

Credentials come from ``AUTH0_DOMAIN``, ``AUTH0_CLIENT_ID`` and ``AUTH0_CLIENT_SECRET``, a
git-ignored ``.env`` file, or a hidden prompt. They are never printed, logged or written.
"""

from __future__ import annotations

import difflib
import getpass
import json
import os
import sys
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from auth0.management import Auth0
from auth0.management.core.api_error import ApiError

from claimlab.errors import DeployError
from claimlab.oauth import base_url
from claimlab.runtime import Action, ActionResult
from claimlab.runtime import dependencies as deps

TRIGGER = "post-login"
TRIGGER_VERSION = "v3"
DEFAULT_RUNTIME = "node22"
BUILD_TIMEOUT = 60.0
RETRIES = 4
"""auth0-python retries 429 and 5xx itself, waiting as X-RateLimit-Reset says."""

# --- credentials ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Credentials:
    """A machine-to-machine application allowed to call the Management API."""

    domain: str
    client_id: str
    client_secret: str = field(repr=False)

    @property
    def scheme(self) -> str:
        """Local tenants speak http; every other domain https."""
        return self.base_url.split(":", 1)[0]

    @property
    def base_url(self) -> str:
        return base_url(self.domain)

    @classmethod
    def from_environment(
        cls,
        *,
        domain: str | None = None,
        env_file: str | Path = ".env",
        prompt: bool = True,
    ) -> Credentials:
        """Read ``AUTH0_DOMAIN``/``AUTH0_CLIENT_ID``/``AUTH0_CLIENT_SECRET`` from the environment,
        then a ``.env`` file, then (for what is still missing) a hidden prompt."""
        # An empty environment variable does not hide the .env file's value.
        values = {**read_env_file(Path(env_file)), **{k: v for k, v in os.environ.items() if v}}
        found = {
            "domain": domain or values.get("AUTH0_DOMAIN"),
            "client_id": values.get("AUTH0_CLIENT_ID"),
            "client_secret": values.get("AUTH0_CLIENT_SECRET"),
        }
        for key, secret in (("domain", False), ("client_id", False), ("client_secret", True)):
            if found[key]:
                continue
            name = f"AUTH0_{key.upper()}"
            if not prompt or not _can_prompt():
                raise DeployError(
                    f"{name} is not set. Put it in the environment or in a git-ignored .env file "
                    f"({name}=...), or run interactively to be asked for it."
                )
            ask = getpass.getpass if secret else input
            found[key] = ask(f"{name}: ").strip()
            if not found[key]:
                raise DeployError(f"{name} is empty; nothing to deploy with.")
        domain_value = str(found["domain"]).removeprefix("https://").removeprefix("http://")
        return cls(domain_value.rstrip("/"), str(found["client_id"]), str(found["client_secret"]))


def _can_prompt() -> bool:
    return sys.stdin is not None and (sys.stdin.isatty() or "ipykernel" in sys.modules)


def read_env_file(path: Path) -> dict[str, str]:
    """``KEY=VALUE`` lines of a ``.env`` file (``#`` comments, optional ``export`` and quotes)."""
    if not path.is_file():
        return {}
    values = {}
    for line in path.read_text().splitlines():
        line = line.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, _, value = line.removeprefix("export ").partition("=")
        values[key.strip()] = value.strip().strip("'\"")
    return values


def _credentials(target: Any) -> Credentials:
    """A LocalTenant (served on demand), a TenantServer, Credentials, a ``connect()``
    Connection, or None for a real one."""
    from claimlab.connect import Connection
    from claimlab.tenant import LocalTenant
    from claimlab.tenant.server import TenantServer

    if isinstance(target, Connection):
        target = target.target
    if isinstance(target, Credentials):
        return target
    if isinstance(target, LocalTenant):
        target = target.serve()
    if isinstance(target, TenantServer):
        m = target.management
        return Credentials(target.domain, m.client_id, m.client_secret)
    if target is None:
        return Credentials.from_environment()
    raise TypeError(
        f"Deploy to what connect() returns, a LocalTenant, a TenantServer or Credentials, not "
        f"{target!r}"
    )


# --- talking to the Management API ---------------------------------------------------------------


class _TokenSource:
    """Client-credentials tokens for the Management API, renewed before they expire."""

    def __init__(self, credentials: Credentials, http: httpx.Client) -> None:
        self._credentials = credentials
        self._http = http
        self._token: str | None = None
        self._expires = 0.0

    def __call__(self) -> str:
        if self._token is None or time.monotonic() > self._expires:
            c = self._credentials
            for attempt in range(RETRIES + 1):
                response = self._http.post(
                    f"{c.base_url}/oauth/token",
                    data={
                        "grant_type": "client_credentials",
                        "client_id": c.client_id,
                        "client_secret": c.client_secret,
                        "audience": f"{c.base_url}/api/v2/",
                    },
                )
                # The token endpoint is rate-limited too; wait as the Management calls do.
                if response.status_code != 429 and response.status_code < 500:
                    break
                if attempt < RETRIES:
                    time.sleep(_retry_wait(response, attempt))
            if response.status_code != 200:
                detail = _oauth_error_text(response)
                raise DeployError(
                    f"Could not get a Management API token from {c.domain}: {detail}. Check "
                    "AUTH0_CLIENT_ID and AUTH0_CLIENT_SECRET, and that the application is "
                    "authorized for the Auth0 Management API."
                )
            body = response.json()
            self._token = body["access_token"]
            self._expires = time.monotonic() + float(body.get("expires_in", 86400)) - 60
        return self._token


def _retry_wait(response: httpx.Response, attempt: int) -> float:
    """Until ``X-RateLimit-Reset`` (epoch seconds) if given, else 0.5 s doubling, at most 10 s."""
    reset = response.headers.get("x-ratelimit-reset")
    if reset is not None:
        try:
            return min(max(0.0, int(reset) - time.time()), 60.0)
        except ValueError:
            pass
    return min(0.5 * 2**attempt, 10.0)


def _oauth_error_text(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return f"HTTP {response.status_code}"
    if not isinstance(body, dict):
        return f"HTTP {response.status_code}"
    return f"{response.status_code} {body.get('error')}: {body.get('error_description')}"


def management_client(target: Any = None, *, http: httpx.Client | None = None) -> Auth0:
    """auth0-python's Management client for a tenant, local or real."""
    credentials = _credentials(target)
    http = http or httpx.Client(timeout=30.0)
    return Auth0(
        base_url=f"{credentials.base_url}/api/v2",
        token=_TokenSource(credentials, http),
        httpx_client=http,
        max_retries=RETRIES,
    )


def _explain(exc: ApiError, doing: str) -> DeployError:
    body = exc.body if isinstance(exc.body, dict) else {}
    message = body.get("message") or body.get("error_description") or str(exc.body)
    hint = {
        401: " The token was refused: check AUTH0_CLIENT_ID and AUTH0_CLIENT_SECRET.",
        403: " Grant the missing scope to the application under Applications > APIs > Auth0 "
        "Management API > Machine to Machine Applications.",
        429: " Auth0's rate limit held after retries; wait a minute and run it again.",
    }.get(exc.status_code or 0, "")
    return DeployError(f"{doing} failed ({exc.status_code}): {message}.{hint}")


def _dump(model: Any) -> dict[str, Any]:
    return (
        model.model_dump(mode="json", exclude_none=True) if hasattr(model, "model_dump") else model
    )


# --- plan and result ----------------------------------------------------------------------------


@dataclass
class Plan:
    """What ``apply()`` would change, secret values left out."""

    name: str
    exists: bool
    code_diff: str
    dependencies_added: list[str]
    dependencies_removed: list[str]
    secrets_added: list[str]
    secrets_removed: list[str]
    runtime: tuple[str | None, str]
    bound_at: int | None
    binds_at: int
    undeployed_changes: bool

    @property
    def changes(self) -> bool:
        return bool(
            not self.exists
            or self.code_diff
            or self.dependencies_added
            or self.dependencies_removed
            or self.secrets_added
            or self.secrets_removed
            or self.runtime[0] != self.runtime[1]
            or self.bound_at is None
            or self.undeployed_changes
        )

    def __str__(self) -> str:
        if not self.changes:
            return f"{self.name}: deployed and bound at position {self.bound_at}; nothing to do."
        lines = [f"{self.name}: {'update' if self.exists else 'create'}"]
        if self.code_diff:
            lines.append(self.code_diff.rstrip())
        for label, items in (
            ("add dependency", self.dependencies_added),
            ("remove dependency", self.dependencies_removed),
            ("add secret", self.secrets_added),
            ("remove secret", self.secrets_removed),
        ):
            lines += [f"  {label} {item}" for item in items]
        if self.exists and self.runtime[0] != self.runtime[1]:
            lines.append(f"  runtime {self.runtime[0] or '-'} -> {self.runtime[1]}")
        if self.bound_at is None:
            lines.append(f"  bind into {TRIGGER} at position {self.binds_at}")
        lines.append("  deploy a new version")
        return "\n".join(lines)

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        printer.text(str(self))

    def _repr_html_(self) -> str:
        """The plan as a notebook shows it: what would change, the code diff coloured."""
        from html import escape as esc

        if not self.changes:
            return (
                f"<div style='border-left:4px solid #1a7f37;padding:4px 10px'><b>"
                f"{esc(self.name)}</b>: deployed and bound at position {self.bound_at} of "
                f"{TRIGGER}; <b>nothing to do</b>.</div>"
            )
        steps = [
            f"{label} <code>{esc(item)}</code>"
            for label, items in (
                ("add dependency", self.dependencies_added),
                ("remove dependency", self.dependencies_removed),
                ("add secret", self.secrets_added),
                ("remove secret", self.secrets_removed),
            )
            for item in items
        ]
        if self.exists and self.runtime[0] != self.runtime[1]:
            steps.append(f"runtime {esc(self.runtime[0] or '-')} → {esc(self.runtime[1])}")
        if self.bound_at is None:
            steps.append(f"bind into {TRIGGER} at position {self.binds_at}")
        steps.append("deploy a new version")
        colours = {"+": "#1a7f37", "-": "#b91c1c", "@": "#6e7781"}
        diff = "".join(
            f"<div style='color:{colours.get(line[:1], 'inherit')}'>{esc(line) or ' '}</div>"
            for line in self.code_diff.rstrip().splitlines()
        )
        code = (
            f"<div style='font-family:monospace;font-size:12px;white-space:pre;overflow-x:auto;"
            f"background:#f6f8fa;padding:6px 10px;margin-top:4px'>{diff}</div>"
            if diff
            else ""
        )
        items = "".join(f"<li>{step}</li>" for step in steps)
        verb = "update" if self.exists else "create"
        return (
            f"<div style='border-left:4px solid #9a6700;padding:4px 10px'><b>{esc(self.name)}"
            f"</b>: apply() would <b>{verb}</b> it, then:<ul style='margin:4px 0'>{items}</ul>"
            f"{code}</div>"
        )


@dataclass(frozen=True)
class Applied:
    """The outcome of ``apply()``, read back from the tenant."""

    action_id: str
    version: int
    position: int
    changed: bool
    bindings: list[str]

    def _repr_html_(self) -> str:
        """What the tenant holds now: the version, and the Login flow in order."""
        from html import escape as esc

        done = (
            f"deployed version {self.version}"
            if self.changed
            else f"nothing changed: version {self.version} was already deployed and bound"
        )
        flow = "".join(
            f"<li{' style=font-weight:600' if i == self.position else ''}>{esc(name)}</li>"
            for i, name in enumerate(self.bindings)
        )
        return (
            f"<div style='border-left:4px solid #1a7f37;padding:4px 10px'>✔ {done}; "
            f"{TRIGGER} runs, in order:<ol start='0' style='margin:4px 0'>{flow}</ol></div>"
        )


@dataclass(frozen=True)
class Version:
    """One deployed version of an Action."""

    id: str
    number: int
    deployed: bool
    created_at: str | None
    code: str = field(repr=False)


# --- the deployment ------------------------------------------------------------------------------


class Deployment:
    """One Action, by name, on one tenant: plan, apply, versions, rollback, remove."""

    def __init__(
        self,
        action: str | Path | Action,
        *,
        name: str | None = None,
        dependencies: Iterable[str] | None = None,
        secrets: Mapping[str, str] | None = None,
        runtime: str = DEFAULT_RUNTIME,
        tenant: Any = None,
        rotate_secrets: bool = False,
        progress: Callable[[str], None] | None = None,
        build_timeout: float = BUILD_TIMEOUT,
    ) -> None:
        self.action = Action.load(action, name=name, secrets=secrets, dependencies=dependencies)
        self.name = self.action.name
        self.runtime = runtime
        self.rotate_secrets = rotate_secrets
        self.progress = progress or (lambda message: None)
        self.build_timeout = build_timeout
        self.client = management_client(tenant)

    # --- reading -------------------------------------------------------------------------------

    def _call(self, doing: str, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except ApiError as exc:
            raise _explain(exc, doing) from None
        except httpx.HTTPError as exc:
            raise DeployError(f"{doing} failed: cannot reach the tenant ({exc}).") from None

    def find(self) -> dict[str, Any] | None:
        """The Action of this name on the tenant, or None."""
        # By name only: names are unique across triggers, so one for another trigger would
        # make a create fail (after the SDK retried the 409 for a while).
        pager = self._call("Listing Actions", self.client.actions.list, action_name=self.name)
        matches = [_dump(a) for a in pager if a.name == self.name]
        if len(matches) > 1:
            raise DeployError(
                f"The tenant has {len(matches)} Actions named {self.name!r}; delete the extra "
                "ones in the dashboard before deploying."
            )
        if not matches:
            return None
        triggers = [t.get("id") for t in matches[0].get("supported_triggers", [])]
        if TRIGGER not in triggers:
            raise DeployError(
                f"The tenant's Action {self.name!r} is for {', '.join(map(str, triggers))}, not "
                f"{TRIGGER}; deploy under another name= or delete that Action first."
            )
        return matches[0]

    def bindings(self) -> list[dict[str, Any]]:
        """The post-login bindings, in execution order."""
        pager = self._call(
            "Reading the Login flow", self.client.actions.triggers.bindings.list, TRIGGER
        )
        return [_dump(b) for b in pager]

    def plan(self) -> Plan:
        """What ``apply()`` would change; nothing on the tenant changes."""
        return self._plan(self.find())

    def _plan(self, current: dict[str, Any] | None) -> Plan:
        bindings = self.bindings()
        names = [b["action"]["name"] for b in bindings]
        deployed = (current or {}).get("deployed_version") or {}
        old_code = deployed.get("code", "") if current else ""
        code_diff = "".join(
            difflib.unified_diff(
                old_code.splitlines(keepends=True),
                self.action.source.splitlines(keepends=True),
                fromfile=f"{self.name} (deployed)",
                tofile=f"{self.name} (local)",
            )
        )
        old_deps = {f"{d['name']}@{d['version']}" for d in deployed.get("dependencies", [])}
        new_deps = set(self._dependencies_specs())
        old_secrets = {s["name"] for s in (current or {}).get("secrets", [])}
        new_secrets = set(self.action.secrets)
        return Plan(
            name=self.name,
            exists=current is not None,
            code_diff=code_diff,
            dependencies_added=sorted(new_deps - old_deps),
            dependencies_removed=sorted(old_deps - new_deps),
            secrets_added=sorted(new_secrets - old_secrets),
            secrets_removed=sorted(old_secrets - new_secrets),
            runtime=(deployed.get("runtime"), self.runtime),
            bound_at=names.index(self.name) if self.name in names else None,
            binds_at=len(names),
            undeployed_changes=bool(current and not current.get("all_changes_deployed", True)),
        )

    def _dependencies_specs(self) -> list[str]:
        # A bare name means "latest" on Auth0 too; resolve it as npm would so plans are stable.
        parsed = [deps.parse_dependency(spec) for spec in self.action.dependencies]
        # Only a bare name needs npm; pinned versions deploy without installing anything here.
        versions = (
            deps.installed_versions(self.action.dependencies)
            if any(version is None for _, version in parsed)
            else {}
        )
        return [f"{name}@{version or versions.get(name, 'latest')}" for name, version in parsed]

    # --- changing ------------------------------------------------------------------------------

    def _fields(self) -> dict[str, Any]:
        from auth0.management import ActionVersionDependency

        dependencies = [
            ActionVersionDependency(name=n, version=v)
            for n, _, v in (s.rpartition("@") for s in self._dependencies_specs())
        ]
        return {"code": self.action.source, "dependencies": dependencies, "runtime": self.runtime}

    def _secrets(self) -> list[Any]:
        from auth0.management import ActionSecretRequest

        return [ActionSecretRequest(name=k, value=v) for k, v in self.action.secrets.items()]

    def apply(self) -> Applied:
        """Create or update, wait for the build, deploy, bind, and verify. Idempotent."""
        from auth0.management import ActionTrigger

        current = self.find()
        plan = self._plan(current)
        if not plan.changes and not self.rotate_secrets:
            self.progress(str(plan))
            return self._verify(changed=False)

        created = deployed = False
        previous: dict[str, Any] | None = None
        try:
            if current is None:
                self.progress(f"creating {self.name}")
                try:
                    made = self._call(
                        f"Creating {self.name}",
                        self.client.actions.create,
                        name=self.name,
                        supported_triggers=[ActionTrigger(id=TRIGGER, version=TRIGGER_VERSION)],
                        secrets=self._secrets(),
                        **self._fields(),
                    )
                    action_id = made.id
                    created = True
                except DeployError:
                    # A retried create may have gone through the first time: never make a twin.
                    current = self.find()
                    if current is None:
                        raise
            if current is not None:
                action_id = current["id"]
                previous = current
                self.progress(f"updating {self.name}")
                extra = {}
                if plan.secrets_added or plan.secrets_removed or self.rotate_secrets:
                    extra["secrets"] = self._secrets()
                self._call(
                    f"Updating {self.name}",
                    self.client.actions.update,
                    action_id,
                    **self._fields(),
                    **extra,
                )
            self._wait_built(action_id)
            self.progress(f"deploying {self.name}")
            self._call(f"Deploying {self.name}", self.client.actions.deploy, action_id)
            deployed = True
            self._bind(action_id)
        except DeployError:
            if created:
                # Deployed or not, an Action this run made and could not bind goes again.
                self._undo(action_id, None)
            elif not deployed:
                self._undo(None, previous)
            # An existing Action whose deploy went through runs the new version if it was
            # bound (and nothing if it was not): apply() again completes the binding.
            raise
        return self._verify(changed=True)

    def _wait_built(self, action_id: str) -> None:
        deadline = time.monotonic() + self.build_timeout
        delay = 0.1
        while True:
            action = self._call("Reading the build status", self.client.actions.get, action_id)
            status = str(action.status)
            if status == "built":
                return
            if status == "failed":
                raise DeployError(
                    f"Auth0 could not build {self.name}: check its dependencies "
                    f"({', '.join(self.action.dependencies) or 'none'}) and its code."
                )
            if time.monotonic() > deadline:
                raise DeployError(
                    f"{self.name} was still {status!r} after {self.build_timeout:.0f} s; run "
                    "apply() again later."
                )
            self.progress(f"waiting for the build ({status})")
            time.sleep(delay)
            delay = min(delay * 2, 2.0)

    def _undo(self, created_id: str | None, previous: dict[str, Any] | None) -> None:
        # Best effort: the error being raised matters more than one failing to clean up.
        try:
            if created_id is not None:
                self.progress(f"removing the half-made {self.name}")
                self.client.actions.delete(created_id, force=True)
            elif previous is not None:
                # Put the draft back as it was (secret values cannot be read back, so a changed
                # secret stays changed in the draft; the deployed version keeps the old one).
                from auth0.management import ActionVersionDependency

                self.client.actions.update(
                    previous["id"],
                    code=previous.get("code", ""),
                    dependencies=[
                        ActionVersionDependency(name=d["name"], version=d["version"])
                        for d in previous.get("dependencies", [])
                    ],
                    runtime=previous.get("runtime") or DEFAULT_RUNTIME,
                )
        except (ApiError, httpx.HTTPError):
            self.progress("could not undo every step; run apply() again to complete it")

    def _bind(self, action_id: str, *, keep: bool = True) -> None:
        from auth0.management import ActionBindingRef, ActionBindingWithRef

        bindings = self.bindings()
        ids = [b["action"]["id"] for b in bindings]
        if keep and action_id in ids:
            return
        refs = [
            ActionBindingWithRef(
                ref=ActionBindingRef(type="action_id", value=b["action"]["id"]),
                display_name=b.get("display_name") or b["action"]["name"],
            )
            for b in bindings
            if b["action"]["id"] != action_id
        ]
        if keep:
            refs.append(
                ActionBindingWithRef(
                    ref=ActionBindingRef(type="action_id", value=action_id),
                    display_name=self.name,
                )
            )
        self.progress(f"{'binding' if keep else 'unbinding'} {self.name} in {TRIGGER}")
        self._call(
            "Updating the Login flow",
            self.client.actions.triggers.bindings.update_many,
            TRIGGER,
            bindings=refs,
        )

    def _verify(self, *, changed: bool) -> Applied:
        current = self.find()
        if current is None:
            raise DeployError(f"{self.name} is not on the tenant after the deploy.")
        deployed = current.get("deployed_version") or {}
        if deployed.get("code") != self.action.source:
            raise DeployError(
                f"The tenant's deployed {self.name} differs from the local code; run apply() again."
            )
        names = [b["action"]["name"] for b in self.bindings()]
        if self.name not in names:
            raise DeployError(f"{self.name} is deployed but not bound in {TRIGGER}.")
        self.progress(f"{self.name} version {int(deployed.get('number', 0))} is live")
        return Applied(
            action_id=current["id"],
            version=int(deployed.get("number", 0)),
            position=names.index(self.name),
            changed=changed,
            bindings=names,
        )

    # --- versions ------------------------------------------------------------------------------

    def _require(self) -> dict[str, Any]:
        current = self.find()
        if current is None:
            raise DeployError(f"No Action named {self.name!r} on the tenant; apply() it first.")
        return current

    def versions(self) -> list[Version]:
        """The Action's versions, newest first."""
        current = self._require()
        pager = self._call("Listing versions", self.client.actions.versions.list, current["id"])
        return [
            Version(
                v["id"], int(v["number"]), bool(v.get("deployed")), v.get("created_at"), v["code"]
            )
            for v in (_dump(x) for x in pager)
        ]

    def rollback(self, version: int) -> Version:
        """Deploy again what version ``version`` was (Auth0 makes it a new version)."""
        current = self._require()
        match = [v for v in self.versions() if v.number == version]
        if not match:
            known = ", ".join(str(v.number) for v in self.versions())
            raise DeployError(f"{self.name} has no version {version}; versions: {known}.")
        self.progress(f"rolling {self.name} back to version {version}")
        made = _dump(
            self._call(
                f"Rolling back to version {version}",
                self.client.actions.versions.deploy,
                current["id"],
                match[0].id,
            )
        )
        return Version(made["id"], int(made["number"]), True, made.get("created_at"), made["code"])

    def remove(self) -> None:
        """Unbind the Action from the Login flow, then delete it."""
        current = self.find()
        if current is None:
            self.progress(f"{self.name} is not on the tenant; nothing to remove")
            return
        if any(b["action"]["id"] == current["id"] for b in self.bindings()):
            self._bind(current["id"], keep=False)
        self.progress(f"deleting {self.name}")
        self._call(f"Deleting {self.name}", self.client.actions.delete, current["id"])

    # --- parity ----------------------------------------------------------------------------------

    def test_remote(self, event: Mapping[str, Any] | str | None = None) -> Parity:
        """Run one mock event through the tenant's test endpoint and locally, and compare.

        Auth0 answers 200 whether the Action ran or threw; a throw is ``payload.error`` with the
        JavaScript error's name and message, and both runs' errors are compared. Whether the
        answer lists the api calls the Action made is not public (UNCONFIRMED): claimlab
        compares them when it finds a ``commands`` list of ``{"api", "args"}`` (its local
        tenant sends one), and says so when it does not.

        The event is sent as the payload itself, the shape of the sample event the dashboard's
        Test panel shows (Auth0's docs send API users there for a sample payload). Two SDK
        tests wrap it as ``{"event": ...}`` instead, but neither records a successful run: which
        one Auth0 reads is UNCONFIRMED until tried on a tenant.
        """
        from claimlab.events import load_event
        from claimlab.runtime import run_action

        current = self._require()
        full = load_event(event) if not isinstance(event, Mapping) else dict(event)
        remote = _dump(
            self._call(
                "Testing on the tenant", self.client.actions.test, current["id"], payload=full
            )
        )
        payload = remote.get("payload") if isinstance(remote, dict) else None
        return Parity.of(run_action(self.action, full), payload)


@dataclass(frozen=True)
class Parity:
    """The same event run locally and on the tenant.

    ``local`` and ``remote`` are the api calls each run made (``remote`` is ``None`` when the
    tenant's answer does not list them); ``local_error`` and ``remote_error`` are each run's
    failure as ``{name, message}``, or ``None``. ``same``: the same failure or none, and, where
    the tenant lists them, the same api calls with the same arguments. ``same_calls``: the same
    failure, and the same calls naming the same claims or keys whatever their values; values
    may differ without a parity problem when the Action draws random data (the tutorial's dog).
    """

    local: list[dict[str, Any]]
    remote: list[dict[str, Any]] | None
    local_error: dict[str, Any] | None = None
    remote_error: dict[str, Any] | None = None
    raw: dict[str, Any] = field(default_factory=dict, repr=False)

    @classmethod
    def of(cls, local: ActionResult, payload: Any) -> Parity:
        """Compare a local run with the ``payload`` of the tenant's test answer, whatever its
        shape: what is not the expected kind of value is left uncompared, not an error."""
        payload = payload if isinstance(payload, Mapping) else {}
        commands = payload.get("commands")
        error = payload.get("error")
        return cls(
            local=[c.to_dict() for c in local.commands],
            remote=[
                {"api": c.get("api"), "args": c.get("args")}
                for c in commands
                if isinstance(c, Mapping)
            ]
            if isinstance(commands, list)
            else None,
            local_error=None if local.error is None else _pick(local.error.as_auth0()),
            remote_error=None if error is None else _pick(error),
            raw=dict(payload),
        )

    @property
    def compares_calls(self) -> bool:
        """Whether the tenant's answer listed api calls to compare."""
        return self.remote is not None

    @property
    def same_error(self) -> bool:
        """Both runs failed the same way (JavaScript name and message), or neither failed."""
        return self.local_error == self.remote_error

    @property
    def same(self) -> bool:
        return self.same_error and (self.remote is None or self.local == self.remote)

    @property
    def same_calls(self) -> bool:
        def shape(commands: list[dict[str, Any]]) -> list[tuple[Any, Any]]:
            return [(c.get("api"), (c.get("args") or [None])[0]) for c in commands]

        return self.same_error and (self.remote is None or shape(self.local) == shape(self.remote))

    def __str__(self) -> str:
        def outcome(error: dict[str, Any] | None) -> str:
            return f"{error['name']}: {error['message']}" if error else "ran without error"

        unlisted = "the tenant's answer lists no api calls, so only the outcome was compared"
        if self.same:
            both = (
                f"both failed with {outcome(self.local_error)}"
                if self.local_error
                else "both ran without error"
            )
            if self.remote is None:
                return f"local and tenant agree: {both} ({unlisted})"
            calls = f"{len(self.local)} api call" + ("" if len(self.local) == 1 else "s")
            return f"local and tenant agree: {calls}, {both}"
        if self.same_calls:
            head = (
                "local and tenant made the same api calls with different values (expected when "
                "the Action uses random data, like the Dog API):"
            )
        else:
            head = "local and tenant differ" + (f" ({unlisted}):" if self.remote is None else ":")
        lines = [head]
        if not self.same_error:
            lines += [
                f"tenant: {outcome(self.remote_error)}",
                f"claimlab: {outcome(self.local_error)}",
            ]
        if self.remote is not None:
            lines += difflib.unified_diff(
                [str(c) for c in self.remote],
                [str(c) for c in self.local],
                "tenant",
                "claimlab",
                lineterm="",
            )
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        """The comparison as a notebook shows it: what both sides agree on first, then what
        differs, call by call."""
        from html import escape as esc

        def outcome(error: dict[str, Any] | None) -> str:
            return f"failed with {error['name']}: {error['message']}" if error else "ran"

        def call(command: dict[str, Any] | None) -> str:
            if command is None:
                return "<i>no call</i>"
            args = ", ".join(json.dumps(a, ensure_ascii=False) for a in command.get("args") or [])
            return (
                "<code style='white-space:normal;overflow-wrap:anywhere'>"
                f"api.{esc(str(command.get('api')))}({esc(args)})</code>"
            )

        agreed = []
        if self.same_error:
            agreed.append(
                f"the outcome (both {esc(outcome(self.local_error))})"
                if self.local_error
                else "the outcome (both ran without error)"
            )
        note = ""
        if self.remote is not None and self.same_calls:
            count = len(self.local)
            agreed.append(f"{count} api call{'' if count == 1 else 's'} and what they set")
            if not self.same:
                note = (
                    "<div>Their values differ, as expected when the Action draws random data: "
                    "each run got its own dog.</div>"
                )
        if self.same or self.same_calls:
            colour, head = "#1a7f37", f"local and tenant agree on {' and '.join(agreed)}"
        else:
            colour, head = "#b91c1c", "local and tenant differ"
        rows = []
        if not self.same_error:
            rows.append(
                f"<tr><td>outcome</td><td>{esc(outcome(self.remote_error))}</td>"
                f"<td>{esc(outcome(self.local_error))}</td></tr>"
            )
        if self.remote is not None and not self.same:
            for i in range(max(len(self.local), len(self.remote))):
                tenant = self.remote[i] if i < len(self.remote) else None
                local = self.local[i] if i < len(self.local) else None
                rows.append(
                    f"<tr><td style='white-space:nowrap'>call {i + 1}</td><td>{call(tenant)}</td>"
                    f"<td>{call(local)}</td></tr>"
                )
        table = (
            "<table style='width:100%;table-layout:fixed'><tr><th style='width:4em'></th>"
            "<th>tenant</th><th>claimlab</th></tr>" + "".join(rows) + "</table>"
            if rows
            else ""
        )
        unlisted = (
            "<div>The tenant's answer lists no api calls, so only the outcome was compared.</div>"
            if self.remote is None
            else ""
        )
        return (
            f"<div style='border-left:4px solid {colour};padding:4px 10px'><b>{head}</b>."
            f"{note}{unlisted}{table}</div>"
        )


def _pick(error: Any) -> dict[str, Any]:
    """``{name, message}`` of a reported failure; a bare value is taken as the message."""
    if isinstance(error, Mapping):
        return {"name": error.get("name"), "message": error.get("message")}
    return {"name": None, "message": str(error)}


# --- asking a real tenant what the documentation does not say ------------------------------------

PROBE_CLAIM = "https://claimlab.dev/probe"
PROBE_SOURCE = f"""/** claimlab's probe: says what the test endpoint handed it; safe to delete. */
exports.onExecutePostLogin = async (event, api) => {{
  console.log("claimlab-probe " + JSON.stringify({{
    user_id: (event.user && event.user.user_id) || null,
    protocol: (event.transaction && event.transaction.protocol) || null,
    has_authorization: "authorization" in event,
  }}));
  api.idToken.setCustomClaim("{PROBE_CLAIM}", "ok");
  // Values JSON cannot carry: what Auth0 does with them is undocumented (see ODD_CLAIMS).
  api.idToken.setCustomClaim("{PROBE_CLAIM}/function", function probe() {{}});
  api.idToken.setCustomClaim("{PROBE_CLAIM}/undefined", undefined);
  api.idToken.setCustomClaim("{PROBE_CLAIM}/symbol", Symbol("probe"));
  api.idToken.setCustomClaim("{PROBE_CLAIM}/nested", {{ kept: 1, dropped: undefined, f() {{}} }});
}};
"""


ODD_CLAIMS = ("function", "undefined", "symbol", "nested")
"""Claims the probe sets to values JSON cannot carry (under ``PROBE_CLAIM/<name>``): a function,
``undefined``, a Symbol, and an object holding ``undefined`` and a method. Auth0 documents no
behaviour for them; claimlab follows ``JSON.stringify`` (UNCONFIRMED): the first three are
dropped and the object keeps ``{"kept": 1}``. A BigInt is left out: it fails the run here, and a
failed run would hide the other answers."""

NOT_IN_ANSWER = "(not in the answer)"


@dataclass(frozen=True)
class ProbeAnswer:
    """What the test endpoint made of one payload shape."""

    shape: str
    """``"event"`` (the event as the payload) or ``"wrapped"`` (``{"event": <event>}``)."""
    keys: list[str]
    """The keys of the answer's ``payload``."""
    error: dict[str, Any] | None
    seen: dict[str, Any] | None
    """What the probe logged of its ``event`` (``user_id``, ``protocol``,
    ``has_authorization``), found anywhere in the answer; None if it logged nothing there."""
    read_the_event: bool
    """The probe saw the sample user's id: the payload reached the Action as its ``event``."""
    reports_api_calls: bool
    """The answer mentions the claim the probe set: it reports the Action's api calls."""
    odd_claims: dict[str, Any]
    """For each of :data:`ODD_CLAIMS`, the value the answer reports for that claim, or
    :data:`NOT_IN_ANSWER`."""
    raw: dict[str, Any] = field(repr=False)


def _probe_log(value: Any) -> dict[str, Any] | None:
    """The probe's log line, wherever the answer puts console output (its shape is not
    documented: a string in the beta, maybe a list now)."""
    if isinstance(value, str):
        at = value.find("claimlab-probe ")
        if at < 0:
            return None
        try:
            seen = json.loads(value[at + len("claimlab-probe ") :].splitlines()[0])
        except (ValueError, IndexError):
            return None
        return seen if isinstance(seen, dict) else None
    items = (
        value.values() if isinstance(value, Mapping) else value if isinstance(value, list) else []
    )
    for item in items:
        seen = _probe_log(item)
        if seen is not None:
            return seen
    return None


def _claim_value(value: Any, claim: str) -> Any:
    """The value reported beside ``claim``: the second argument of a command ``[claim, value]``
    or the value under the key ``claim``, wherever it sits in the answer."""
    if isinstance(value, list):
        if len(value) >= 2 and value[0] == claim:
            return value[1]
        items: Any = value
    elif isinstance(value, Mapping):
        if claim in value:
            return value[claim]
        items = value.values()
    else:
        return NOT_IN_ANSWER
    for item in items:
        found = _claim_value(item, claim)
        if found != NOT_IN_ANSWER:
            return found
    return NOT_IN_ANSWER


def probe_test_endpoint(
    tenant: Any = None, *, progress: Callable[[str], None] | None = None
) -> list[ProbeAnswer]:
    """Ask a tenant's Actions test endpoint what claimlab could not confirm from documentation:
    which payload shape it reads as the event, whether its answer reports the api calls, and
    what becomes of claim values JSON cannot carry (:data:`ODD_CLAIMS`).

    A probe Action is created, built and tested with the sample event sent both ways, then
    deleted. It is never deployed or bound, so no login on the tenant runs it. Needs the
    Management API scopes ``create:actions``, ``read:actions`` and ``delete:actions``.
    """
    from auth0.management import ActionTrigger

    from claimlab.events import load_event

    probe = Deployment(
        PROBE_SOURCE,
        name=f"claimlab probe {os.urandom(4).hex()}",
        tenant=tenant,
        progress=progress,
    )
    event = load_event("interactive")
    probe.progress(f"creating {probe.name} (not deployed, not bound; deleted at the end)")
    made = probe._call(
        f"Creating {probe.name}",
        probe.client.actions.create,
        name=probe.name,
        supported_triggers=[ActionTrigger(id=TRIGGER, version=TRIGGER_VERSION)],
        **probe._fields(),
    )
    try:
        probe._wait_built(made.id)
        answers = []
        for shape, payload in (("event", event), ("wrapped", {"event": event})):
            probe.progress(f"testing with the {shape} payload")
            answer = _dump(
                probe._call(
                    f"Testing {probe.name}", probe.client.actions.test, made.id, payload=payload
                )
            )
            found = answer.get("payload") if isinstance(answer, dict) else None
            found = found if isinstance(found, dict) else {}
            seen = _probe_log(found)
            answers.append(
                ProbeAnswer(
                    shape=shape,
                    keys=sorted(found),
                    error=_pick(found["error"]) if found.get("error") is not None else None,
                    seen=seen,
                    read_the_event=bool(seen) and seen.get("user_id") == event["user"]["user_id"],
                    reports_api_calls=PROBE_CLAIM in json.dumps(found),
                    odd_claims={
                        name: _claim_value(found, f"{PROBE_CLAIM}/{name}") for name in ODD_CLAIMS
                    },
                    raw=found,
                )
            )
        return answers
    finally:
        probe.progress(f"deleting {probe.name}")
        probe._call(f"Deleting {probe.name}", probe.client.actions.delete, made.id, force=True)


def deploy(action: str | Path | Action, **options: Any) -> Deployment:
    """A :class:`Deployment` of ``action``; call ``.plan()`` to look, ``.apply()`` to deploy."""
    return Deployment(action, **options)
