"""auth0-python's Management client, pointed at a tenant, and its failures made readable.

:func:`management_client` hands the SDK, unchanged, an httpx client and a token source that
fetches client-credentials tokens and renews them before they expire. The same code talks to a
real tenant (``https://YOUR_TENANT.auth0.com``) and to claimlab's local tenant on 127.0.0.1
(over http). :func:`call` runs one SDK call and turns its failure into a :class:`DeployError`
that says which step failed and what to check.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import httpx
from auth0.management import Auth0
from auth0.management.core.api_error import ApiError

from claimlab import tls
from claimlab.deploy.credentials import Credentials, ManagementTarget, credentials_for
from claimlab.errors import DeployError

RETRIES = 4
"""auth0-python retries 429 and 5xx itself, waiting as X-RateLimit-Reset says."""


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


def management_client(
    target: ManagementTarget | None = None, *, http: httpx.Client | None = None
) -> Auth0:
    """auth0-python's Management client for a tenant, local or real."""
    credentials = credentials_for(target)
    http = http or httpx.Client(timeout=30.0, verify=tls.context())
    return Auth0(
        base_url=f"{credentials.base_url}/api/v2",
        token=_TokenSource(credentials, http),
        httpx_client=http,
        max_retries=RETRIES,
    )


def call(doing: str, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """``fn(*args, **kwargs)``, an SDK call; its failure a DeployError that starts with
    ``doing`` ("Deploying X failed (400): ...") and says what to check."""
    try:
        return fn(*args, **kwargs)
    except ApiError as exc:
        raise _explain(exc, doing) from None
    except httpx.HTTPError as exc:
        raise DeployError(f"{doing} failed: cannot reach the tenant ({exc}).") from None


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


def as_dict(model: Any) -> dict[str, Any]:
    """An SDK model as the JSON the tenant sent (unset fields left out)."""
    return (
        model.model_dump(mode="json", exclude_none=True) if hasattr(model, "model_dump") else model
    )
