"""The local tenant over HTTP, on 127.0.0.1: the endpoints a notebook and auth0-python talk to.

- ``/.well-known/openid-configuration`` and ``/.well-known/jwks.json``;
- ``/oauth/token`` with the client-credentials grant (a Management API token with scopes), the
  password grants and the device-code grant; ``/oauth/device/code``; ``/userinfo``;
- ``/api/v2/actions/...``: the Management API for Actions (see ``management.py``), behind a
  bearer token whose scopes are checked per endpoint.

Logins through these endpoints run the deployed, bound Actions. Faults (429 with rate-limit
headers, 5xx, slow answers) can be injected per route, for testing clients against them.
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
import math
import re
import secrets
import selectors
import socket
import sys
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlsplit

from claimlab import tokens
from claimlab.claims import profile_claims
from claimlab.deploy.credentials import Credentials
from claimlab.errors import ClaimlabError, LoginDenied, TokenError, _Reply
from claimlab.facts import (
    ACCESS_TOKEN_LIFETIME,
    CREATE_ACTIONS,
    DELETE_ACTIONS,
    DEVICE_GRANT,
    PASSWORD_REALM_GRANT,
    READ_ACTIONS,
    UPDATE_ACTIONS,
)
from claimlab.runtime import local_access

if TYPE_CHECKING:
    from claimlab.tenant.local import LocalTenant

log = logging.getLogger(__name__)

MANAGEMENT_SCOPES = (READ_ACTIONS, CREATE_ACTIONS, UPDATE_ACTIONS, DELETE_ACTIONS)
"""What the Management API application is granted on each new server."""
PASSWORD_GRANTS = ("password", PASSWORD_REALM_GRANT)
FORGET_EXPIRED_DEVICES_AFTER = 600.0
"""Seconds an expired device code is kept, to answer ``expired_token`` once, before it is freed."""
MAX_BODY = 4 * 1024 * 1024
"""The largest request body read (413 above): ten times Auth0's 100 KB limit on an Action's code,
room for its secrets and dependencies too."""
READ_TIMEOUT = 30.0
"""Seconds a connection may sit idle, mid-request or between requests, before it is closed."""


@dataclass
class Fault:
    """One injected failure: the next ``times`` requests matching ``method`` and ``path``."""

    method: str
    path: str
    status: int
    times: int = 1
    headers: dict[str, str] = field(default_factory=dict)
    body: Any = None
    delay: float = 0.0
    reset_in: float | None = None

    def answer_headers(self) -> dict[str, str]:
        """The headers of one answer; ``X-RateLimit-Reset`` counts from the moment it is sent."""
        headers = dict(self.headers)
        if self.reset_in is not None:
            # An epoch second, rounded up: a client waiting until then waits at least reset_in.
            headers.setdefault("X-RateLimit-Reset", str(math.ceil(time.time() + self.reset_in)))
        return headers

    def matches(self, method: str, path: str) -> bool:
        if self.method not in ("*", method):
            return False
        pattern = "^" + re.escape(self.path).replace(r"\*", "[^?]*") + "$"
        return re.match(pattern, path) is not None


class Faults:
    """Failures to inject, for testing what a client does with them."""

    def __init__(self) -> None:
        self._faults: list[Fault] = []
        self._lock = threading.Lock()

    def inject(
        self,
        method: str,
        path: str,
        status: int,
        *,
        times: int = 1,
        headers: dict[str, str] | None = None,
        body: Any = None,
        delay: float = 0.0,
        reset_in: float = 1,
    ) -> Fault:
        """Answer the next ``times`` matching requests with ``status`` (``*`` globs the path).

        A 429 carries Auth0's ``X-RateLimit-Limit/Remaining/Reset`` headers unless given; its
        reset is ``reset_in`` seconds after each answer (not after this call).
        """
        extra = dict(headers or {})
        if status == 429:
            extra.setdefault("X-RateLimit-Limit", "10")
            extra.setdefault("X-RateLimit-Remaining", "0")
        fault = Fault(
            method.upper(),
            path,
            status,
            times,
            extra,
            body,
            delay,
            reset_in if status == 429 else None,
        )
        with self._lock:
            self._faults.append(fault)
        return fault

    def take(self, method: str, path: str) -> Fault | None:
        with self._lock:
            for fault in self._faults:
                if fault.times > 0 and fault.matches(method, path):
                    fault.times -= 1
                    return fault
        return None

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()


@dataclass
class _DeviceRequest:
    device_code: str
    user_code: str
    client_id: str
    scope: str
    audience: str | None
    expires_at: float
    interval: float
    state: str = "pending"
    user: str | None = None
    last_poll: float = 0.0


def _oauth_error(status: int, error: str, description: str) -> _Reply:
    return _Reply(status, {"error": error, "error_description": description})


def _phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


def _bad_request(target: str, status: int, message: str) -> _Reply:
    """A request the server cannot read, answered in the shape its endpoint's clients expect."""
    if target.startswith("/oauth/"):
        return _oauth_error(status, "invalid_request", message)
    return _Reply(status, {"statusCode": status, "error": _phrase(status), "message": message})


def _api_error(status: int, message: str, code: str) -> _Reply:
    return _Reply(
        status,
        {
            "statusCode": status,
            "error": _phrase(status),
            "message": message,
            "errorCode": code,
        },
    )


class _HTTPServer(ThreadingHTTPServer):
    """A ThreadingHTTPServer whose :meth:`shutdown` returns at once: its loop waits on the
    listening socket and on a wake-up socket, not on a poll interval (the standard loop's
    shutdown waits up to one interval; a notebook or a test suite stops many servers)."""

    daemon_threads = True

    def __init__(self, address: tuple[str, int], handler: type[BaseHTTPRequestHandler]) -> None:
        super().__init__(address, handler)
        self._wake_reader, self._wake_writer = socket.socketpair()
        self._stopping = False
        self._stopped = threading.Event()

    def serve_forever(self, poll_interval: float | None = None) -> None:
        self._stopped.clear()
        try:
            with selectors.DefaultSelector() as selector:
                selector.register(self, selectors.EVENT_READ)
                selector.register(self._wake_reader, selectors.EVENT_READ)
                while not self._stopping:
                    ready = selector.select(poll_interval)
                    if self._stopping:
                        break
                    if any(key.fileobj is self for key, _ in ready):
                        self._handle_request_noblock()
        finally:
            self._stopping = False
            self._stopped.set()

    def shutdown(self) -> None:
        """Stop :meth:`serve_forever` (called from another thread) and wait until it has."""
        self._stopping = True
        self._wake_writer.send(b"\0")
        self._stopped.wait()

    def server_close(self) -> None:
        super().server_close()
        self._wake_reader.close()
        self._wake_writer.close()

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that hung up (or went silent) is not a server error: no traceback for it.
        if isinstance(sys.exc_info()[1], ConnectionError | TimeoutError):
            return
        log.exception("claimlab tenant: a request from %s failed", client_address)


class TenantServer:
    """Serves a :class:`LocalTenant` on 127.0.0.1 in a background thread.

    >>> server = tenant.serve()          # or: with tenant.serve() as server: ...
    >>> server.domain, server.management.client_id
    """

    def __init__(
        self,
        tenant: LocalTenant,
        *,
        port: int = 0,
        scopes: Iterable[str] = MANAGEMENT_SCOPES,
        device_interval: float = 5.0,
        device_expires_in: int = 900,
        read_timeout: float = READ_TIMEOUT,
    ) -> None:
        if isinstance(port, bool) or not isinstance(port, int) or not 0 <= port <= 65535:
            raise ValueError(
                f"port must be a whole number from 0 to 65535 (0 picks a free one), got {port!r}"
            )
        self.tenant = tenant
        self.faults = Faults()
        self.device_interval = device_interval
        self.device_expires_in = device_expires_in
        self.forget_expired_after = FORGET_EXPIRED_DEVICES_AFTER
        self._devices: dict[str, _DeviceRequest] = {}
        self._lock = threading.Lock()
        self.read_timeout = read_timeout
        self._httpd = _HTTPServer(("127.0.0.1", port), self._handler_class())
        self.port = self._httpd.server_address[1]
        self.domain = f"127.0.0.1:{self.port}"
        self.url = f"http://{self.domain}"
        # The tenant's tokens now name this server as their issuer.
        tenant.served_by(self)
        m2m = next(a for a in tenant.applications.values() if a.app_type == "non_interactive")
        # A fresh secret per server, handed out by describe() only.
        secret = tenant.rotate_client_secret(m2m.client_id)
        self.grants: dict[str, set[str]] = {m2m.client_id: set(scopes)}
        self.management = _Credentials(m2m.client_id, secret, tenant.management_audience)
        self._thread: threading.Thread | None = None
        self._closed = False

    # --- lifecycle -----------------------------------------------------------------------------

    def start(self) -> TenantServer:
        if self._closed:
            raise ClaimlabError("This server was stopped; call tenant.serve() for a new one.")
        if self._thread is None:
            self._thread = threading.Thread(
                target=self._httpd.serve_forever,
                name=f"claimlab-tenant-{self.port}",
                daemon=True,
            )
            self._thread.start()
            # An Action in live mode may call its own tenant, as on Auth0.
            local_access.allow(self.domain)
        return self

    @property
    def running(self) -> bool:
        return self._thread is not None

    def stop(self) -> None:
        if self._thread is not None:
            self._httpd.shutdown()
            self._thread.join(timeout=5)
            self._thread = None
            local_access.revoke(self.domain)
        self._httpd.server_close()
        # Stopped for good: the next tenant.serve() starts a new server.
        self._closed = True

    def __enter__(self) -> TenantServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def describe(self) -> dict[str, Any]:
        """What ``claimlab tenant serve --json`` prints (the one place the secret is shown)."""
        return {
            "domain": self.domain,
            "issuer": f"{self.url}/",
            "management": {
                "client_id": self.management.client_id,
                "client_secret": self.management.client_secret,
                "audience": self.management.audience,
            },
        }

    def management_credentials(self) -> Credentials:
        """What ``deploy(..., tenant=server)`` calls the Management API with."""
        return Credentials(self.domain, self.management.client_id, self.management.client_secret)

    # --- device flow, the user's side ----------------------------------------------------------

    def approve_device(self, user_code: str, user: str = "alice") -> None:
        """Do what the user does at ``/activate``: log in and approve the device."""
        request = self._device_by_user_code(user_code)
        request.user = self.tenant.user(user).user_id
        request.state = "approved"

    def deny_device(self, user_code: str) -> None:
        """The user presses "Decline" at ``/activate``."""
        self._device_by_user_code(user_code).state = "denied"

    def _device_by_user_code(self, user_code: str) -> _DeviceRequest:
        wanted = user_code.replace("-", "").upper()
        now = time.monotonic()
        with self._lock:
            for request in self._devices.values():
                if request.user_code.replace("-", "") == wanted and now < request.expires_at:
                    return request
        raise ClaimlabError(
            f"No pending device login with user code {user_code!r}: it expired, was used, or "
            "never existed. Start a new device login."
        )

    @property
    def device_logins(self) -> int:
        """How many device logins the server holds: pending ones, and expired ones whose device
        has not been told yet (for at most ``forget_expired_after`` seconds)."""
        with self._lock:
            return len(self._devices)

    def _forget_expired_devices(self, now: float) -> None:
        # Each device is told of its expiry once, if it polls within forget_expired_after;
        # after that its code is unknown. Called with self._lock held.
        for code, request in list(self._devices.items()):
            if now >= request.expires_at + self.forget_expired_after:
                del self._devices[code]

    # --- HTTP ----------------------------------------------------------------------------------

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            # Headers and body go out in two writes: without TCP_NODELAY, Nagle's algorithm
            # and the client's delayed ACK add some 40 ms to every answer.
            disable_nagle_algorithm = True
            # A client that stops sending mid-request must not hold a thread for ever.
            timeout = server.read_timeout
            # A request line too garbled to name its version is answered with a status line and
            # headers all the same (http.server would answer it as HTTP/0.9: a bare body).
            default_request_version = "HTTP/1.0"

            def log_message(self, format: str, *args: Any) -> None:
                # Quiet by default: request lines can carry codes and tokens.
                pass

            def _serve(self) -> None:
                try:
                    body = self._body()
                except _Reply as reply:
                    # The body's end is unknown: answer, then drop the connection.
                    self.close_connection = True
                    self._answer(reply.status, {"Connection": "close"}, reply.body)
                    return
                status, headers, payload = server.dispatch(
                    self.command, self.path, dict(self.headers.items()), body
                )
                self._answer(status, headers, payload)

            def _body(self) -> bytes:
                path = self.path
                if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
                    raise _bad_request(path, 411, "Send the body with a Content-Length header.")
                lengths = set(self.headers.get_all("Content-Length") or [])
                if not lengths:
                    return b""
                raw = lengths.pop().strip()
                if lengths or not (raw.isascii() and raw.isdigit()):
                    raise _bad_request(path, 400, "Content-Length must be one whole number >= 0.")
                length = int(raw)
                if length > MAX_BODY:
                    raise _bad_request(path, 413, f"The body is over {MAX_BODY} bytes.")
                try:
                    body = self.rfile.read(length)
                except TimeoutError:
                    raise _bad_request(path, 408, "The body did not arrive in time.") from None
                if len(body) < length:
                    raise _bad_request(
                        path, 400, f"The body ended after {len(body)} of {length} bytes."
                    )
                return body

            def send_error(
                self, code: int, message: str | None = None, explain: str | None = None
            ) -> None:
                # http.server's own refusals (a garbled request line, an unknown method, headers
                # too long) in JSON like every other answer, not its HTML page.
                self.close_connection = True
                reply = _bad_request(getattr(self, "path", ""), code, message or _phrase(code))
                self._answer(code, {"Connection": "close"}, reply.body)

            def _answer(self, status: int, headers: dict[str, str], payload: Any) -> None:
                data = b"" if payload is None else json.dumps(payload).encode()
                self.send_response(status)
                if payload is not None:
                    self.send_header("Content-Type", "application/json; charset=utf-8")
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_PATCH = do_DELETE = do_PUT = _serve

        return Handler

    def dispatch(
        self, method: str, target: str, headers: dict[str, str], body: bytes
    ) -> tuple[int, dict[str, str], Any]:
        """Answer one request: ``(status, headers, JSON body or None)``."""
        parts = urlsplit(target)
        path = parts.path
        query = dict(parse_qsl(parts.query))
        fault = self.faults.take(method, path)
        if fault is not None:
            if fault.delay:
                time.sleep(fault.delay)
            default = {
                "statusCode": fault.status,
                "error": _phrase(fault.status),
                "message": "injected by claimlab for a test",
            }
            body_out = default if fault.body is None else fault.body
            return fault.status, fault.answer_headers(), body_out
        try:
            return self._route(method, path, query, headers, body)
        except _Reply as reply:
            return reply.status, reply.headers, reply.body
        except Exception:  # a bug here must still answer, not drop the connection
            # The details go to the log, never to the client.
            log.exception("claimlab tenant: %s %s failed", method, path)
            message = "Internal error in claimlab's local tenant; its log has the details."
            return 500, {}, _api_error(500, message, "server_error").body

    def _route(
        self, method: str, path: str, query: dict[str, str], headers: dict[str, str], body: bytes
    ) -> tuple[int, dict[str, str], Any]:
        lower = {k.lower(): v for k, v in headers.items()}
        if path.startswith("/api/v2/"):
            scopes = self._bearer_scopes(lower)
            return self.tenant.actions_store.handle(
                method, path[len("/api/v2") :], query, body, scopes
            )
        routes = {
            ("GET", "/.well-known/openid-configuration"): lambda: self.tenant.discovery(),
            ("GET", "/.well-known/jwks.json"): lambda: self.tenant.jwks(),
            ("POST", "/oauth/token"): lambda: self._token(_form(lower, body)),
            ("POST", "/oauth/device/code"): lambda: self._device_code(_form(lower, body)),
            ("GET", "/userinfo"): lambda: self._userinfo(lower),
        }
        handler = routes.get((method, path))
        if handler is None:
            raise _api_error(404, f"Not found: {method} {path}", "not_found")
        return 200, {}, handler()

    # --- /api/v2 authentication ----------------------------------------------------------------

    def _bearer_scopes(self, headers: dict[str, str]) -> set[str]:
        auth = headers.get("authorization", "")
        if not auth.lower().startswith("bearer "):
            raise _api_error(401, "Missing authentication", "missing_authentication")
        claims = self._access_claims(auth[7:], self.tenant.management_audience)
        if claims is None:
            raise _api_error(401, "Invalid token", "invalid_token")
        # Only what the application was granted: a user's access token for this audience
        # (asking for scope=create:actions at login) gets no Actions scope, as on Auth0.
        subject = str(claims.get("sub", ""))
        if claims.get("gty") != "client-credentials" or not subject.endswith("@clients"):
            return set()
        granted = self.grants.get(subject.removesuffix("@clients"), set())
        return set(str(claims.get("scope", "")).split()) & granted

    def _access_claims(self, token: str, audience: str) -> dict[str, Any] | None:
        """The claims of an access token signed by this tenant for ``audience``, or None."""
        try:
            return tokens.decode_token(
                token.strip(), jwks=self.tenant.jwks(), audience=audience, issuer=self.tenant.issuer
            ).claims
        except TokenError:
            return None

    # --- /oauth/token --------------------------------------------------------------------------

    def _token(self, form: dict[str, str]) -> dict[str, Any]:
        grant = form.get("grant_type", "")
        if grant == "client_credentials":
            return self._client_credentials(form)
        if grant in PASSWORD_GRANTS:
            return self._password(form)
        if grant == DEVICE_GRANT:
            return self._device_token(form)
        raise _oauth_error(400, "unsupported_grant_type", f"Unsupported grant type: {grant}")

    def _client_credentials(self, form: dict[str, str]) -> dict[str, Any]:
        client_id = form.get("client_id", "")
        app = self.tenant.applications.get(client_id)
        if (
            app is None
            or not app.client_secret
            or not secrets.compare_digest(app.client_secret, form.get("client_secret", ""))
        ):
            raise _oauth_error(401, "access_denied", "Unauthorized")
        audience = form.get("audience")
        if audience != self.tenant.management_audience:
            raise _oauth_error(
                403,
                "access_denied",
                f"Client has not been granted scopes for {audience}; the Management API "
                f"audience is {self.tenant.management_audience}",
            )
        granted = sorted(self.grants.get(client_id, set()))
        now = int(time.time())
        claims = {
            "iss": self.tenant.issuer,
            "sub": f"{client_id}@clients",
            "aud": audience,
            "iat": now,
            "exp": now + ACCESS_TOKEN_LIFETIME,
            "scope": " ".join(granted),
            "gty": "client-credentials",
            "azp": client_id,
        }
        return {
            "access_token": tokens.mint(claims, self.tenant.keys.current),
            "expires_in": ACCESS_TOKEN_LIFETIME,
            "scope": " ".join(granted),
            "token_type": "Bearer",
        }

    def _login_response(self, **login: Any) -> dict[str, Any]:
        # Without an audience Auth0's access token is good for /userinfo only.
        login["audience"] = login.get("audience") or f"{self.tenant.issuer}userinfo"
        try:
            result = self.tenant.login(**login)
        except LoginDenied as denied:
            raise _oauth_error(403, denied.error, denied.error_description) from None
        except ClaimlabError as exc:
            # An Action that fails, fails the login; the app sees a server error.
            raise _oauth_error(500, "server_error", str(exc)) from None
        answer: dict[str, Any] = {
            "access_token": result.access_token,
            "scope": login.get("scope", ""),
            "expires_in": ACCESS_TOKEN_LIFETIME,
            "token_type": "Bearer",
        }
        if result.id_token is not None:
            answer["id_token"] = result.id_token
        return answer

    def _password(self, form: dict[str, str]) -> dict[str, Any]:
        self._public_client(form)
        username = form.get("username", "")
        try:
            user = self.tenant.user(username)
        except ClaimlabError:
            user = None
        if (
            user is None
            or not user.password
            or not secrets.compare_digest(user.password, form.get("password", ""))
        ):
            raise _oauth_error(403, "invalid_grant", "Wrong email or password.")
        return self._login_response(
            user=user,
            client_id=form["client_id"],
            scope=form.get("scope") or "openid",
            audience=form.get("audience"),
            flow="password",
        )

    def _public_client(self, form: dict[str, str]) -> None:
        if form.get("client_id") not in self.tenant.applications:
            raise _oauth_error(401, "invalid_client", "Unknown client.")

    # --- device authorization flow -------------------------------------------------------------

    def _device_code(self, form: dict[str, str]) -> dict[str, Any]:
        self._public_client(form)
        device_code = secrets.token_urlsafe(24)
        letters = "BCDFGHJKLMNPQRSTVWXZ"
        raw = "".join(secrets.choice(letters) for _ in range(8))
        user_code = f"{raw[:4]}-{raw[4:]}"
        request = _DeviceRequest(
            device_code=device_code,
            user_code=user_code,
            client_id=form["client_id"],
            scope=form.get("scope", "openid"),
            audience=form.get("audience"),
            expires_at=time.monotonic() + self.device_expires_in,
            interval=self.device_interval,
        )
        with self._lock:
            self._forget_expired_devices(time.monotonic())
            self._devices[device_code] = request
        verification = f"{self.tenant.issuer}activate"
        return {
            "device_code": device_code,
            "user_code": user_code,
            "verification_uri": verification,
            "verification_uri_complete": f"{verification}?user_code={user_code}",
            "expires_in": self.device_expires_in,
            "interval": self.device_interval,
        }

    def _device_token(self, form: dict[str, str]) -> dict[str, Any]:
        now = time.monotonic()
        with self._lock:
            self._forget_expired_devices(now)
            request = self._devices.get(form.get("device_code", ""))
            if request is None or request.client_id != form.get("client_id"):
                raise _oauth_error(403, "invalid_grant", "Invalid or expired device code.")
            if now >= request.expires_at:
                # Said once, then forgotten: later polls get invalid_grant, as an unknown code.
                del self._devices[request.device_code]
                raise _oauth_error(403, "expired_token", "The device code has expired.")
            too_fast = request.last_poll and now - request.last_poll < request.interval
            request.last_poll = now
            if request.state == "denied":
                raise _oauth_error(403, "access_denied", "The user declined the device login.")
            if request.state == "pending":
                if too_fast:
                    raise _Reply(429, {"error": "slow_down", "error_description": "Slow down."})
                raise _oauth_error(
                    403, "authorization_pending", "User has yet to authorize device code."
                )
            del self._devices[request.device_code]
        return self._login_response(
            user=request.user,
            client_id=request.client_id,
            scope=request.scope,
            audience=request.audience,
            flow="device",
        )

    # --- /userinfo -----------------------------------------------------------------------------

    def _userinfo(self, headers: dict[str, str]) -> dict[str, Any]:
        auth = headers.get("authorization", "")
        claims = None
        if auth.lower().startswith("bearer "):
            # An opaque token (a login without a custom API) or a JWT for /userinfo.
            claims = self.tenant.opaque_token_claims(auth[7:]) or self._access_claims(
                auth[7:], f"{self.tenant.issuer}userinfo"
            )
        if claims is None:
            raise _oauth_error(401, "invalid_token", "Invalid or missing access token.")
        try:
            profile = self.tenant.user(str(claims.get("sub"))).profile()
        except ClaimlabError:
            # The user was deleted since the token was issued.
            raise _oauth_error(401, "invalid_token", "The token's user no longer exists.") from None
        return {"sub": claims["sub"], **profile_claims(profile, str(claims.get("scope", "")))}


@dataclass(frozen=True)
class _Credentials:
    client_id: str
    client_secret: str = field(repr=False)
    audience: str


def _form(headers: dict[str, str], body: bytes) -> dict[str, str]:
    """OAuth endpoints take form or JSON bodies, and client credentials in Basic auth too."""
    kind = headers.get("content-type", "").split(";")[0].strip().lower()
    text = body.decode("utf-8", "replace")
    if kind == "application/json" or kind.endswith("+json"):
        data = _json_object(text)
        # Objects and lists are no OAuth parameter: dropped, they fail the checks needing them.
        form = {k: str(v) for k, v in data.items() if isinstance(v, str | int | float | bool)}
    elif kind in ("", "application/x-www-form-urlencoded"):
        form = dict(parse_qsl(text))
    else:
        raise _oauth_error(
            400,
            "invalid_request",
            f"Unsupported Content-Type {kind!r}: send application/x-www-form-urlencoded or "
            "application/json.",
        )
    auth = headers.get("authorization", "")
    if auth.lower().startswith("basic "):
        try:
            decoded = base64.b64decode(auth[6:].strip(), validate=True).decode()
        except (binascii.Error, UnicodeDecodeError):
            raise _oauth_error(401, "invalid_client", "Malformed Basic authorization.") from None
        client_id, _, client_secret = decoded.partition(":")
        form.setdefault("client_id", client_id)
        form.setdefault("client_secret", client_secret)
    return form


def _json_object(text: str) -> dict[str, Any]:
    try:
        data = json.loads(text or "{}", parse_constant=_no_constant)
    except (ValueError, RecursionError):
        raise _oauth_error(400, "invalid_request", "The body is not valid JSON.") from None
    if not isinstance(data, dict):
        raise _oauth_error(
            400, "invalid_request", "The body must be a JSON object of OAuth parameters."
        )
    return data


def _no_constant(name: str) -> Any:
    # Python's json reads NaN and Infinity; JSON (and Auth0's parser) does not.
    raise ValueError(f"{name} is not JSON")
