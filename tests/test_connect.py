"""connect(): a real tenant when its credentials are set, the local one otherwise."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from claimlab import connect, deploy
from claimlab.connect import Connection
from claimlab.deploy import Credentials
from claimlab.errors import LoginSetupError

CREDENTIALS = {
    "AUTH0_DOMAIN": "dogfy-dev.eu.auth0.com",
    "AUTH0_CLIENT_ID": "m2m-client-id",
    "AUTH0_CLIENT_SECRET": "m2m-client-secret-never-printed",
}


@pytest.fixture(autouse=True)
def no_credentials(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No AUTH0_* from the developer's shell, no .env, and CLAIMLAB_LOCAL unset."""
    for name in [*CREDENTIALS, "AUTH0_LOGIN_CLIENT_ID", "CLAIMLAB_LOCAL"]:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)


@pytest.fixture
def local() -> Iterator[Connection]:
    connection = connect()
    try:
        yield connection
    finally:
        connection.server.stop()


def test_without_credentials_it_is_the_local_tenant(local: Connection) -> None:
    assert local.kind == "local" and local.network == "mock"
    assert str(local) == f"claimlab's local tenant at {local.domain}"
    assert local.domain.startswith("127.0.0.1:")


def test_the_local_login_is_alice_verified_with_the_tenants_keys(local: Connection) -> None:
    tokens = local.login()
    assert tokens.decoded.signature_verified
    assert tokens.claims["email"] == "alice@example.com"


def test_deploy_takes_the_connection_itself(local: Connection, dog_action: Path) -> None:
    applied = deploy(
        dog_action, name="Assign random dog", dependencies=["axios@1.7.9"], tenant=local
    ).apply()
    assert applied.bindings == ["Assign random dog"]
    assert "https://dogfy.com/random_dog" in local.login().claims


@pytest.mark.parametrize("source", ["environment", ".env"])
def test_credentials_make_it_a_real_tenant_without_printing_the_secret(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, source: str
) -> None:
    if source == "environment":
        for name, value in CREDENTIALS.items():
            monkeypatch.setenv(name, value)
    else:
        (tmp_path / ".env").write_text("".join(f"{k}={v}\n" for k, v in CREDENTIALS.items()))
    connection = connect()
    assert connection.kind == "auth0" and connection.network == "live"
    assert connection.domain == "dogfy-dev.eu.auth0.com"
    assert str(connection) == "your Auth0 tenant at dogfy-dev.eu.auth0.com"
    assert CREDENTIALS["AUTH0_CLIENT_SECRET"] not in repr(connection) + str(connection)
    # What deploy(..., tenant=connection) calls the Management API with.
    assert connection.management_credentials() == Credentials(*CREDENTIALS.values())
    with pytest.raises(LoginSetupError, match="AUTH0_LOGIN_CLIENT_ID") as caught:
        connection.login()
    # Typed, and still the ValueError it was before it had a type of its own.
    assert isinstance(caught.value, ValueError)


def test_claimlab_local_wins_over_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in CREDENTIALS.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("CLAIMLAB_LOCAL", "1")
    connection = connect()
    try:
        assert connection.kind == "local"
    finally:
        connection.server.stop()


def test_half_the_credentials_is_still_the_local_tenant(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AUTH0_DOMAIN", CREDENTIALS["AUTH0_DOMAIN"])
    connection = connect()
    try:
        assert connection.kind == "local"
    finally:
        connection.server.stop()
