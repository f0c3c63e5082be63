"""Where a tenant's Management API is and the application allowed to call it.

:class:`Credentials` is a tenant's domain and a machine-to-machine application's id and secret.
They come from ``AUTH0_DOMAIN``, ``AUTH0_CLIENT_ID`` and ``AUTH0_CLIENT_SECRET``, a git-ignored
``.env`` file, or a hidden prompt, and are never printed, logged or written.

Anything that can be deployed to says how to reach its Management API through one method,
``management_credentials()`` (:class:`ManagementTarget`): claimlab's local tenant, its server,
what ``connect()`` returns, and Credentials themselves. :func:`credentials_for` asks it, so this
module knows none of their classes.

Imports nothing from claimlab but its errors: the tenant, ``connect()`` and ``oauth`` import it.
"""

from __future__ import annotations

import getpass
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol, runtime_checkable

from claimlab.errors import DeployError

_LOCAL_HOSTS = ("127.0.0.1", "localhost", "[::1]")


def base_url(domain: str) -> str:
    """``https://DOMAIN``, or ``http://`` for a tenant on this machine."""
    domain = domain.removeprefix("https://").removeprefix("http://").rstrip("/")
    host = domain.split("]", 1)[0] + "]" if domain.startswith("[") else domain.rsplit(":", 1)[0]
    return f"{'http' if host in _LOCAL_HOSTS else 'https'}://{domain}"


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

    def management_credentials(self) -> Credentials:
        """These credentials: Credentials are a :class:`ManagementTarget` too."""
        return self

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


@runtime_checkable
class ManagementTarget(Protocol):
    """Something to deploy to: it says which credentials reach its Management API (a local
    tenant serves itself first)."""

    def management_credentials(self) -> Credentials: ...


def credentials_for(target: ManagementTarget | None) -> Credentials:
    """The credentials of a :class:`ManagementTarget`, or, for None, of the real tenant named by
    the environment (``.env`` or a prompt)."""
    if target is None:
        return Credentials.from_environment()
    if isinstance(target, ManagementTarget):
        return target.management_credentials()
    raise TypeError(
        f"Deploy to what connect() returns, a LocalTenant, a TenantServer or Credentials, not "
        f"{target!r}"
    )
