"""The people and applications of the local tenant.

A handful of sample users covers what changes a token: a database user with roles, a social
user, a user in an Organization, a user with rich metadata. The applications mirror the
tutorial: a single-page app like its React sample, a native app for device logins, and a
machine-to-machine app that may call the Management API.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any, Literal

from claimlab.facts import DEVICE_GRANT, ID_TOKEN_LIFETIME, PASSWORD_REALM_GRANT

AppType = Literal["spa", "native", "regular_web", "non_interactive"]


@dataclass
class User:
    """A user profile as Auth0 stores it, plus what the tenant knows around it."""

    user_id: str
    email: str
    name: str
    connection: str = "Username-Password-Authentication"
    strategy: str = "auth0"
    given_name: str | None = None
    family_name: str | None = None
    nickname: str | None = None
    picture: str | None = None
    email_verified: bool = True
    username: str | None = None
    password: str | None = None
    roles: list[str] = field(default_factory=list)
    organization: dict[str, Any] | None = None
    app_metadata: dict[str, Any] = field(default_factory=dict)
    user_metadata: dict[str, Any] = field(default_factory=dict)
    created_at: str = "2025-09-01T09:30:00.000Z"
    updated_at: str = "2026-01-01T00:00:00.000Z"
    logins_count: int = 0

    @property
    def is_social(self) -> bool:
        return self.strategy != "auth0"

    def profile(self) -> dict[str, Any]:
        """The user as ``event.user`` shows it."""
        provider, _, bare_id = self.user_id.partition("|")
        profile: dict[str, Any] = {
            "user_id": self.user_id,
            "email": self.email,
            "email_verified": self.email_verified,
            "name": self.name,
            "given_name": self.given_name,
            "family_name": self.family_name,
            "nickname": self.nickname,
            "picture": self.picture,
            "username": self.username,
            "created_at": self.created_at,
            "updated_at": self.updated_at,
            "app_metadata": copy.deepcopy(self.app_metadata),
            "user_metadata": copy.deepcopy(self.user_metadata),
            "identities": [
                {
                    "connection": self.connection,
                    "isSocial": self.is_social,
                    "provider": provider,
                    "user_id": bare_id,
                    "userId": bare_id,
                    "profileData": {},
                }
            ],
            "multifactor": [],
            "enrolledFactors": [],
        }
        return {k: v for k, v in profile.items() if v is not None}


@dataclass
class Application:
    """An application (Auth0 "client") that users log in to."""

    client_id: str
    name: str
    app_type: AppType
    client_secret: str | None = None
    callbacks: list[str] = field(default_factory=list)
    grant_types: list[str] = field(default_factory=list)
    metadata: dict[str, str] = field(default_factory=dict)
    id_token_lifetime: int = ID_TOKEN_LIFETIME


def sample_users() -> dict[str, User]:
    """The sample users, by a short handle (``"alice"``…)."""
    users = [
        User(
            user_id="auth0|65f0c0ffee0000000000a11c",
            email="alice@example.com",
            name="Alice Martin",
            given_name="Alice",
            family_name="Martin",
            nickname="alice",
            username="alice",
            picture="https://example.com/avatars/alice.png",
            password="correct-horse-battery-staple",
            roles=["admin", "editor"],
            logins_count=41,
        ),
        User(
            user_id="google-oauth2|108912345678901234567",
            email="bob.nguyen@gmail.com",
            name="Bob Nguyen",
            given_name="Bob",
            family_name="Nguyen",
            nickname="bob.nguyen",
            picture="https://lh3.googleusercontent.com/a/bob-nguyen",
            connection="google-oauth2",
            strategy="google-oauth2",
            logins_count=7,
        ),
        User(
            user_id="auth0|65f0c0ffee0000000000ca01",
            email="carol@acme.example",
            name="Carol Diaz",
            given_name="Carol",
            family_name="Diaz",
            nickname="carol",
            username="carol",
            password="acme-rocks-2026",
            roles=["member"],
            organization={
                "id": "org_Acme7Y3kQ2pLm9Xz",
                "name": "acme",
                "display_name": "Acme Corp",
                "metadata": {"plan": "enterprise"},
            },
            logins_count=12,
        ),
        User(
            user_id="auth0|65f0c0ffee0000000000da7e",
            email="dana@example.com",
            name="Dana Kowalski",
            given_name="Dana",
            family_name="Kowalski",
            nickname="dana",
            username="dana",
            password="dana-loves-dogs",
            roles=["viewer"],
            app_metadata={"plan": "pro", "customer_id": "cus_8842", "features": ["beta", "export"]},
            user_metadata={"favorite_breed": "corgi", "locale": "pl-PL", "newsletter": True},
            logins_count=130,
        ),
    ]
    # The handles are the first names, as the notebooks and `claimlab login --user` use them
    # (Bob's nickname is "bob.nguyen", like a Google account's).
    handles = ("alice", "bob", "carol", "dana")
    return dict(zip(handles, users, strict=True))


def sample_applications(domain: str) -> dict[str, Application]:
    """The sample applications, by client id."""
    apps = [
        Application(
            client_id="dogfySpaClient00000000000000001",
            name="Dogfy (React SPA)",
            app_type="spa",
            callbacks=["http://localhost:3000"],
            grant_types=["authorization_code", "implicit", "refresh_token"],
        ),
        Application(
            client_id="dogfyNotebook000000000000000002",
            name="claimlab notebook (native)",
            app_type="native",
            grant_types=[
                DEVICE_GRANT,
                "password",
                PASSWORD_REALM_GRANT,
                "refresh_token",
            ],
        ),
        Application(
            client_id="dogfyDeployM2M0000000000000003",
            name="claimlab deploy (machine to machine)",
            app_type="non_interactive",
            grant_types=["client_credentials"],
            metadata={"purpose": "Management API access for claimlab.deploy"},
        ),
    ]
    return {a.client_id: a for a in apps}
