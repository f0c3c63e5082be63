"""Logging a user in over HTTP, from a notebook: the device flow and the password grant.

These talk to a tenant's ``/oauth/device/code`` and ``/oauth/token`` like any OAuth client, so
they work the same on a real Auth0 tenant and on the local tenant served on 127.0.0.1, and they
return the ID token verified against the tenant's JWKS, in the shape ``LocalTenant.login()``
returns it (:class:`~claimlab.issued.IssuedTokens`): ``decode()``, ``claims``, ``id_token``.

The device flow is the way to log in to a real tenant from Jupyter: claimlab shows a URL and a
code, you approve on any browser, and it polls ``/oauth/token`` (waiting ``interval`` seconds,
longer after ``slow_down``) until Auth0 answers with tokens, ``expired_token`` or
``access_denied``. The application must be Native, with the Device Code grant enabled.
"""

from __future__ import annotations

import html
import math
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx

from claimlab import tls
from claimlab.deploy.credentials import base_url
from claimlab.errors import ClaimlabError, LoginDenied
from claimlab.facts import DEVICE_GRANT, PASSWORD_REALM_GRANT
from claimlab.issued import IssuedTokens
from claimlab.tokens import decode_token


@dataclass(kw_only=True)
class Tokens(IssuedTokens):
    """What ``/oauth/token`` returned, its ID token verified: ``claims`` are the verified
    claims, ``decode()`` verifies again (against the tenant's JWKS URL) with any extra checks."""

    raw: dict[str, Any] = field(repr=False)
    """The token endpoint's whole answer (``expires_in``, ``scope``, ``token_type``...)."""


def _verified(domain: str, client_id: str, answer: dict[str, Any]) -> Tokens:
    root = base_url(domain)
    if "id_token" not in answer:
        raise ClaimlabError("The tenant returned no ID token: request the 'openid' scope.")
    issuer, jwks = f"{root}/", f"{root}/.well-known/jwks.json"
    # Verified before it is handed over, as an app's SDK does.
    decoded = decode_token(answer["id_token"], jwks=jwks, audience=client_id, issuer=issuer)
    return Tokens(
        id_token=answer["id_token"],
        access_token=answer.get("access_token"),
        claims=decoded.claims,
        client_id=client_id,
        issuer=issuer,
        jwks=jwks,
        raw=answer,
    )


@contextmanager
def _client(http: httpx.Client | None) -> Iterator[httpx.Client]:
    """The caller's client as is, or one of our own, closed afterwards."""
    if http is not None:
        yield http
        return
    with httpx.Client(timeout=30.0, verify=tls.context()) as client:
        yield client


def _post(client: httpx.Client, url: str, form: dict[str, str]) -> httpx.Response:
    try:
        return client.post(url, data=form)
    except httpx.HTTPError as exc:
        raise ClaimlabError(f"Cannot reach the tenant at {url}: {exc}") from None


def _answer(response: httpx.Response, what: str) -> dict[str, Any]:
    """The JSON object a tenant answered with; anything else is a ClaimlabError saying so."""
    try:
        body = response.json()
    except ValueError:
        body = None
    if not isinstance(body, dict):
        kind = response.headers.get("content-type", "no content type")
        raise ClaimlabError(
            f"{what}: {response.request.url} answered HTTP {response.status_code} with "
            f"{kind}, not a JSON object. Check the domain is your Auth0 tenant's "
            "(TENANT.auth0.com or a custom domain)."
        )
    return body


def _error(response: httpx.Response) -> tuple[str, str]:
    try:
        body = response.json()
    except ValueError:
        return "http_error", f"HTTP {response.status_code}"
    if not isinstance(body, dict):
        return "http_error", f"HTTP {response.status_code}"
    return str(body.get("error", "http_error")), str(body.get("error_description", ""))


def login_password(
    domain: str,
    client_id: str,
    username: str,
    password: str,
    *,
    scope: str = "openid profile email",
    audience: str | None = None,
    realm: str = "Username-Password-Authentication",
    http: httpx.Client | None = None,
) -> Tokens:
    """The resource-owner password grant (``password-realm``), as auth0-python's ``login()``.

    Meant for test users of a development tenant; the device flow is the right way for people.
    """
    with _client(http) as client:
        return _login_password(
            client, domain, client_id, username, password, scope, audience, realm
        )


def _login_password(
    client: httpx.Client,
    domain: str,
    client_id: str,
    username: str,
    password: str,
    scope: str,
    audience: str | None,
    realm: str,
) -> Tokens:
    form = {
        "grant_type": PASSWORD_REALM_GRANT,
        "client_id": client_id,
        "username": username,
        "password": password,
        "scope": scope,
        "realm": realm,
    }
    if audience:
        form["audience"] = audience
    response = _post(client, f"{base_url(domain)}/oauth/token", form)
    if response.status_code != 200:
        error, description = _error(response)
        if error == "access_denied":
            raise LoginDenied(error, description)
        raise ClaimlabError(f"The password login failed: {error}: {description}")
    return _verified(domain, client_id, _answer(response, "The password login"))


@dataclass(frozen=True)
class DeviceCode:
    """What to show the user: where to go and which code to enter."""

    verification_uri: str
    verification_uri_complete: str
    user_code: str
    expires_in: int
    interval: float
    device_code: str = field(repr=False)

    def __str__(self) -> str:
        return (
            f"Open {self.verification_uri_complete} and check that the code is {self.user_code} "
            f"(or go to {self.verification_uri} and type it). It expires in "
            f"{self.expires_in // 60} minutes."
        )


def _show(code: DeviceCode) -> None:
    try:
        from IPython.display import HTML, display

        url = html.escape(code.verification_uri_complete, quote=True)
        display(
            HTML(
                f"<p>Open <a href='{url}' target='_blank' rel='noopener'>{url}</a> and confirm "
                f"the code <b><code>{html.escape(code.user_code)}</code></b>.</p>"
            )
        )
    except ImportError:
        print(code)


def login_device(
    domain: str,
    client_id: str,
    *,
    scope: str = "openid profile email",
    audience: str | None = None,
    on_code: Callable[[DeviceCode], None] = _show,
    http: httpx.Client | None = None,
    sleep: Callable[[float], None] = time.sleep,
    max_wait: float = 900.0,
) -> Tokens:
    """Log a user in with the device authorization flow and return their verified tokens.

    Polls until the tenant answers with tokens, ``access_denied`` (raises ``LoginDenied``) or
    ``expired_token``; gives up after ``max_wait`` seconds or once the code has expired.
    """
    with _client(http) as client:
        return _login_device(client, domain, client_id, scope, audience, on_code, sleep, max_wait)


def _login_device(
    client: httpx.Client,
    domain: str,
    client_id: str,
    scope: str,
    audience: str | None,
    on_code: Callable[[DeviceCode], None],
    sleep: Callable[[float], None],
    max_wait: float,
) -> Tokens:
    root = base_url(domain)
    form = {"client_id": client_id, "scope": scope}
    if audience:
        form["audience"] = audience
    started = time.monotonic()
    response = _post(client, f"{root}/oauth/device/code", form)
    if response.status_code != 200:
        error, description = _error(response)
        raise ClaimlabError(
            f"The tenant refused to start a device login: {error}: {description}. The "
            "application must be Native with the Device Code grant enabled."
        )
    code = _device_code(_answer(response, "The device login"))
    on_code(code)
    interval = code.interval
    # The tenant says when the code expired (expired_token); this clock is only the backstop
    # for a tenant that keeps answering authorization_pending past it.
    expired_at = started + code.expires_in + max(interval, 1.0)
    give_up_at = started + max_wait
    while True:
        sleep(interval)
        answer = _post(
            client,
            f"{root}/oauth/token",
            {
                "grant_type": DEVICE_GRANT,
                "device_code": code.device_code,
                "client_id": client_id,
            },
        )
        if answer.status_code == 200:
            return _verified(domain, client_id, _answer(answer, "The device login"))
        error, description = _error(answer)
        if error == "authorization_pending":
            pass
        elif error == "slow_down":
            # RFC 8628: every slow_down adds five seconds to the polling interval.
            interval += 5
        elif error == "expired_token":
            raise ClaimlabError(_EXPIRED)
        elif error == "access_denied":
            raise LoginDenied(error, description or "The login was declined.")
        else:
            raise ClaimlabError(f"The device login failed: {error}: {description}")
        now = time.monotonic()
        if now > expired_at:
            raise ClaimlabError(_EXPIRED)
        if now > give_up_at:
            raise ClaimlabError(
                f"Gave up waiting for the device login to be approved after {max_wait:.0f} s."
            )


_EXPIRED = "The device code expired before it was approved; start again."


def _device_code(body: dict[str, Any]) -> DeviceCode:
    """RFC 8628's device authorization answer, checked: a tenant's nonsense is an error here,
    not a crash (or a sleep of NaN seconds) later."""
    texts = {}
    for name in ("device_code", "user_code", "verification_uri"):
        value = body.get(name)
        if not isinstance(value, str) or not value:
            raise ClaimlabError(f"The device login: the tenant's answer has no {name}.")
        texts[name] = value
    numbers = {}
    for name, default, low, high in (("expires_in", 900, 1, 86400), ("interval", 5, 0, 300)):
        value = body.get(name, default)
        if isinstance(value, bool) or not isinstance(value, int | float):
            value = math.nan
        if not (math.isfinite(value) and low <= value <= high):
            raise ClaimlabError(
                f"The device login: the tenant's {name} is {body.get(name)!r}; RFC 8628 wants "
                f"seconds, here from {low} to {high}."
            )
        numbers[name] = value
    complete = body.get("verification_uri_complete")
    return DeviceCode(
        verification_uri=texts["verification_uri"],
        verification_uri_complete=complete
        if isinstance(complete, str)
        else texts["verification_uri"],
        user_code=texts["user_code"],
        expires_in=int(numbers["expires_in"]),
        interval=float(numbers["interval"]),
        device_code=texts["device_code"],
    )
