"""Deploy one Action to an Auth0 tenant through auth0-python's Management client, safely.

``Deployment.apply()`` does what the dashboard's Deploy button and the drag into the Login flow
do, and checks each step: create or update the Action by name, wait until it is built, deploy,
bind it into post-login keeping every other binding in its place, then read everything back.
If a step fails, the tenant is left as it was (a newly created Action is deleted again) or, once
the deploy went through, completed; never two Actions of one name, never a lost binding.

``plan()`` says what ``apply()`` would change (:class:`Plan`), ``versions()`` and
``rollback()`` reach earlier versions, ``remove()`` unbinds and deletes, and ``test_remote()``
runs an event on the tenant and locally (:class:`~claimlab.deploy.parity.Parity`). The single
steps the probe needs (``create``, ``wait_built``, ``run_test``, ``delete``) are public too.
Where the tenant is and who may call it: :mod:`claimlab.deploy.credentials`.
"""

from __future__ import annotations

import difflib
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from auth0.management import (
    ActionBindingRef,
    ActionBindingWithRef,
    ActionSecretRequest,
    ActionTrigger,
    ActionVersionDependency,
)

from claimlab.deploy.client import as_dict, call, management_client
from claimlab.deploy.credentials import ManagementTarget
from claimlab.deploy.parity import Parity
from claimlab.errors import DeployError
from claimlab.events import load_event
from claimlab.facts import DEFAULT_RUNTIME, TRIGGER, TRIGGER_VERSION
from claimlab.runtime import Action, run_action
from claimlab.runtime import dependencies as deps

BUILD_TIMEOUT = 60.0
"""Seconds ``apply()`` waits for Auth0 to build an Action before giving up."""

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
        tenant: ManagementTarget | None = None,
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

    def find(self) -> dict[str, Any] | None:
        """The Action of this name on the tenant, or None."""
        # By name only: names are unique across triggers, so one for another trigger would
        # make a create fail (after the SDK retried the 409 for a while).
        pager = call("Listing Actions", self.client.actions.list, action_name=self.name)
        matches = [as_dict(a) for a in pager if a.name == self.name]
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
        pager = call("Reading the Login flow", self.client.actions.triggers.bindings.list, TRIGGER)
        return [as_dict(b) for b in pager]

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
        dependencies = [
            ActionVersionDependency(name=n, version=v)
            for n, _, v in (s.rpartition("@") for s in self._dependencies_specs())
        ]
        return {"code": self.action.source, "dependencies": dependencies, "runtime": self.runtime}

    def _secrets(self) -> list[ActionSecretRequest]:
        return [ActionSecretRequest(name=k, value=v) for k, v in self.action.secrets.items()]

    def apply(self) -> Applied:
        """Create or update, wait for the build, deploy, bind, and verify. Idempotent."""
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
                    action_id = self.create()
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
                call(
                    f"Updating {self.name}",
                    self.client.actions.update,
                    action_id,
                    **self._fields(),
                    **extra,
                )
            self.wait_built(action_id)
            self.progress(f"deploying {self.name}")
            call(f"Deploying {self.name}", self.client.actions.deploy, action_id)
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

    def create(self) -> str:
        """Create the Action (its code, dependencies, runtime and secrets) for post-login, not
        deployed and not bound, and return its id."""
        made = call(
            f"Creating {self.name}",
            self.client.actions.create,
            name=self.name,
            supported_triggers=[ActionTrigger(id=TRIGGER, version=TRIGGER_VERSION)],
            secrets=self._secrets(),
            **self._fields(),
        )
        return str(made.id)

    def wait_built(self, action_id: str) -> None:
        """Wait until Auth0 has built the Action ``action_id`` (its draft, with dependencies),
        at most ``build_timeout`` seconds."""
        deadline = time.monotonic() + self.build_timeout
        delay = 0.1
        while True:
            action = call("Reading the build status", self.client.actions.get, action_id)
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
                self.delete(created_id, force=True)
            elif previous is not None:
                # Put the draft back as it was (secret values cannot be read back, so a changed
                # secret stays changed in the draft; the deployed version keeps the old one).
                call(
                    f"Restoring {self.name}",
                    self.client.actions.update,
                    previous["id"],
                    code=previous.get("code", ""),
                    dependencies=[
                        ActionVersionDependency(name=d["name"], version=d["version"])
                        for d in previous.get("dependencies", [])
                    ],
                    runtime=previous.get("runtime") or DEFAULT_RUNTIME,
                )
        except DeployError:
            self.progress("could not undo every step; run apply() again to complete it")

    def _bind(self, action_id: str, *, keep: bool = True) -> None:
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
        call(
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
        pager = call("Listing versions", self.client.actions.versions.list, current["id"])
        return [
            Version(
                v["id"], int(v["number"]), bool(v.get("deployed")), v.get("created_at"), v["code"]
            )
            for v in (as_dict(x) for x in pager)
        ]

    def rollback(self, version: int) -> Version:
        """Deploy again what version ``version`` was (Auth0 makes it a new version)."""
        current = self._require()
        match = [v for v in self.versions() if v.number == version]
        if not match:
            known = ", ".join(str(v.number) for v in self.versions())
            raise DeployError(f"{self.name} has no version {version}; versions: {known}.")
        self.progress(f"rolling {self.name} back to version {version}")
        made = as_dict(
            call(
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
        self.delete(current["id"])

    def delete(self, action_id: str, *, force: bool = False) -> None:
        """Delete the Action ``action_id`` and its versions; ``force`` also when it is bound."""
        call(f"Deleting {self.name}", self.client.actions.delete, action_id, force=force)

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
        current = self._require()
        full = load_event(event) if not isinstance(event, Mapping) else dict(event)
        return Parity.of(run_action(self.action, full), self.run_test(current["id"], full))

    def run_test(self, action_id: str, payload: Mapping[str, Any]) -> Any:
        """Send ``payload`` to the tenant's test endpoint for the Action ``action_id`` (built,
        not necessarily deployed) and return the ``payload`` of its answer, whose shape Auth0
        does not document, or None."""
        answer = as_dict(
            call(
                f"Testing {self.name} on the tenant",
                self.client.actions.test,
                action_id,
                payload=dict(payload),
            )
        )
        return answer.get("payload") if isinstance(answer, dict) else None


def deploy(action: str | Path | Action, **options: Any) -> Deployment:
    """A :class:`Deployment` of ``action``; call ``.plan()`` to look, ``.apply()`` to deploy."""
    return Deployment(action, **options)
