"""Which tenant a notebook talks to: a real Auth0 tenant when its credentials are present, and
otherwise claimlab's local tenant, served on 127.0.0.1. The cells that follow are the same.

A real tenant needs, in the environment or a git-ignored ``.env``:

- ``AUTH0_DOMAIN``, ``AUTH0_CLIENT_ID``, ``AUTH0_CLIENT_SECRET``: a machine-to-machine
  application authorized for the Management API with ``read:actions create:actions
  update:actions delete:actions``;
- ``AUTH0_LOGIN_CLIENT_ID``: a Native application with the Device Code grant, to log in.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from claimlab.deploy.credentials import Credentials, ManagementTarget, read_env_file
from claimlab.errors import LoginSetupError
from claimlab.oauth import Tokens, login_device, login_password
from claimlab.tenant import LocalTenant

_NEEDED = ("AUTH0_DOMAIN", "AUTH0_CLIENT_ID", "AUTH0_CLIENT_SECRET")


@dataclass
class Connection:
    """A tenant to deploy to and log in on."""

    kind: str
    """``"local"`` or ``"auth0"``."""
    domain: str
    target: ManagementTarget = field(repr=False)
    """The Credentials or TenantServer behind it (``deploy(..., tenant=...)`` takes the
    Connection itself)."""
    login_client_id: str | None = None
    server: Any = field(default=None, repr=False)

    @property
    def network(self) -> str:
        """Where dog pictures come from: claimlab's offline Dog API locally, the real one else."""
        return "mock" if self.kind == "local" else "live"

    def __str__(self) -> str:
        where = "claimlab's local tenant" if self.kind == "local" else "your Auth0 tenant"
        return f"{where} at {self.domain}"

    def management_credentials(self) -> Credentials:
        """Who may call this tenant's Management API: what ``deploy(..., tenant=...)`` asks."""
        return self.target.management_credentials()

    def login(self, **options: Any) -> Tokens:
        """Log a user in and return verified tokens: the sample user Alice on the local tenant,
        you (through the device flow: open the link, confirm the code) on a real one."""
        if self.kind == "local":
            alice = self.server.tenant.user("alice")
            return login_password(
                self.domain,
                self.server.tenant.default_client_id,
                alice.username,
                alice.password,
                **options,
            )
        if not self.login_client_id:
            raise LoginSetupError(
                "Set AUTH0_LOGIN_CLIENT_ID to a Native application with the Device Code grant."
            )
        return login_device(self.domain, self.login_client_id, **options)


def connect(*, env_file: str | Path = ".env", local: bool | None = None) -> Connection:
    """A real tenant if ``AUTH0_DOMAIN``/``AUTH0_CLIENT_ID``/``AUTH0_CLIENT_SECRET`` are set
    (environment or ``.env``); claimlab's local tenant otherwise, or when ``local`` is True or
    ``CLAIMLAB_LOCAL=1`` (``make test`` sets it, so tests never touch a real tenant)."""
    values = {**read_env_file(Path(env_file)), **os.environ}
    if local is None:
        local = os.environ.get("CLAIMLAB_LOCAL") == "1"
    if not local and all(values.get(name) for name in _NEEDED):
        credentials = Credentials.from_environment(env_file=env_file, prompt=False)
        return Connection(
            "auth0", credentials.domain, credentials, values.get("AUTH0_LOGIN_CLIENT_ID")
        )
    server = LocalTenant().serve()
    return Connection("local", server.domain, server, server=server)
