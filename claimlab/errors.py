"""Every error claimlab raises, as one tree.

The tree mirrors the path a login takes: the Action runs (``ActionError``) on a Node worker
(``WorkerDied``, ``WorkerTimedOut``), its claims go through Auth0's rules (``ClaimError``), a
token is minted and checked (``TokenError``), the local tenant answers Management API calls
(``ManagementError``), and the Action is deployed (``DeployError``). Catch the branch you care
about. Each message says what went wrong, where, and what to do next. Every attribute is set by
the constructor::

    Exception
    ├── ClaimlabError
    │   ├── EventError (ValueError)
    │   ├── OptionError (ValueError)
    │   ├── OptionTypeError (TypeError)
    │   ├── UnknownDogImageError (ValueError)
    │   ├── ActionError
    │   │   ├── ActionSyntaxError
    │   │   ├── ActionRuntimeError
    │   │   ├── ActionTimeoutError
    │   │   ├── BadExportError
    │   │   ├── DependencyError (ValueError)
    │   │   ├── ActionNetworkError
    │   │   ├── WorkerCrashError
    │   │   └── ActionInterruptedError
    │   ├── WorkerDied
    │   │   └── WorkerStuck
    │   ├── WorkerTimedOut
    │   ├── ClaimError
    │   │   └── ClaimsTooLargeError
    │   ├── TokenError
    │   │   ├── MalformedTokenError (ValueError)
    │   │   ├── UnsignedTokenError
    │   │   ├── AlgorithmConfusionError
    │   │   ├── UnknownKeyError
    │   │   ├── BadSignatureError
    │   │   ├── TokenExpiredError
    │   │   ├── TokenNotYetValidError
    │   │   ├── WrongAudienceError
    │   │   ├── WrongIssuerError
    │   │   └── NonceMismatchError
    │   ├── LoginDenied
    │   ├── ManagementError
    │   └── DeployError
    │
    │   private control flow, never seen outside claimlab:
    ├── _Usage            (cli: bad command-line input, exit 2)
    ├── _WriteTimedOut    (runtime.worker: a write to the worker missed its deadline)
    └── _NotJSON          (events: a value JSON cannot carry, on its way to an EventError)
"""

from __future__ import annotations

__all__ = [
    "ActionError",
    "ActionInterruptedError",
    "ActionNetworkError",
    "ActionRuntimeError",
    "ActionSyntaxError",
    "ActionTimeoutError",
    "AlgorithmConfusionError",
    "BadExportError",
    "BadSignatureError",
    "ClaimError",
    "ClaimlabError",
    "ClaimsTooLargeError",
    "DependencyError",
    "DeployError",
    "EventError",
    "LoginDenied",
    "MalformedTokenError",
    "ManagementError",
    "NonceMismatchError",
    "OptionError",
    "OptionTypeError",
    "TokenError",
    "TokenExpiredError",
    "TokenNotYetValidError",
    "UnknownDogImageError",
    "UnknownKeyError",
    "UnsignedTokenError",
    "WorkerCrashError",
    "WorkerDied",
    "WorkerStuck",
    "WorkerTimedOut",
    "WrongAudienceError",
    "WrongIssuerError",
]


class ClaimlabError(Exception):
    """Root of every error claimlab raises on purpose."""


# --- input -------------------------------------------------------------------------------


class EventError(ClaimlabError, ValueError):
    """A mock login event is malformed: an unknown field, or a field of the wrong type."""

    def __init__(self, message: str, path: str | None = None) -> None:
        super().__init__(message)
        self.path = path


class OptionError(ClaimlabError, ValueError):
    """A run option or setting has a value claimlab cannot use: a ``timeout`` that is not a
    finite number of seconds in (0, 600], an unknown ``network``, a bad ``CLAIMLAB_WORKERS``."""


class OptionTypeError(ClaimlabError, TypeError):
    """A value has the wrong type: an Action's secrets and configuration are text on Auth0."""


class UnknownDogImageError(ClaimlabError, ValueError):
    """A breed or URL that claimlab's offline Dog API does not serve."""


# --- the Action ----------------------------------------------------------------------------


class ActionError(ClaimlabError):
    """The Action failed. ``file`` and ``line`` point into the Action's code where known;
    ``thrown`` is the JavaScript error's own ``{name, message}`` when the Action threw an Error."""

    kind = "ActionError"

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        line: int | None = None,
        action: str | None = None,
        stack: str | None = None,
        thrown: dict[str, str] | None = None,
    ) -> None:
        self.message = message
        self.file = file
        self.line = line
        self.action = action
        self.stack = stack
        self.thrown = thrown
        super().__init__(self._render())

    def _render(self) -> str:
        where = ""
        if self.file:
            where = f"{self.file}:{self.line}: " if self.line else f"{self.file}: "
        return f"{where}{self.message}"

    def to_dict(self) -> dict:
        """The JSON shape used by ``claimlab run --json``."""
        return {"type": self.kind, "message": self.message, "line": self.line}

    def as_auth0(self) -> dict[str, str]:
        """The failure as Auth0's Actions test endpoint reports one: ``{name, message, stack}``
        with the JavaScript error's own name and message (``TypeError``, ``Cannot read…``).

        Source: a recorded answer of ``POST /api/v2/actions/actions/{id}/test`` (go-auth0's
        ``test/data/recordings/TestActionManager_Test.yaml``): HTTP 200, the error under
        ``payload.error``. Failures that are no JavaScript Error (a timeout, a thrown string)
        are named by their claimlab kind."""
        thrown = self.thrown or {}
        if "name" in thrown and "message" in thrown:
            name, message = thrown["name"], thrown["message"]
        else:
            name, message = self.kind, self.message
        return {"name": name, "message": message, "stack": self.stack or ""}


class ActionSyntaxError(ActionError):
    """The Action's JavaScript does not parse."""

    kind = "SyntaxError"


class ActionRuntimeError(ActionError):
    """The Action threw (or rejected) while it ran."""

    kind = "RuntimeError"


class ActionTimeoutError(ActionError):
    """The Action (or the flow) ran past its execution budget, 20 s on Auth0."""

    kind = "TimeoutError"


class BadExportError(ActionError):
    """The module does not export the handlers Auth0 expects, or a handler is not async."""

    kind = "BadExportError"


class DependencyError(ActionError, ValueError):
    """An npm dependency is missing, undeclared, over Auth0's limit of 10, or failed to install.

    Also a ``ValueError``: most are a declared value (``"axios@1.7.9"``) that cannot be used."""

    kind = "DependencyError"


class ActionNetworkError(ActionError):
    """An outbound request from the Action failed: no mock route matched, or the network did
    (refused, reset, timed out). ``url`` is where the failed request was going, where known."""

    kind = "NetworkError"

    def __init__(self, message: str, *, url: str | None = None, **where: object) -> None:
        self.url = url
        super().__init__(message, **where)  # type: ignore[arg-type]


class WorkerCrashError(ActionError):
    """The Node worker died under the Action (``process.exit``, out of memory, a crash).

    The worker is restarted; the next run works."""

    kind = "WorkerCrashError"


class ActionInterruptedError(ActionError):
    """Another Action took the Node worker down while this run was in flight.

    Not this Action's failure. In mock mode claimlab runs it again on a worker of its own; in
    live mode it does not (the run's requests may have reached real services), so run it again
    yourself."""

    kind = "Interrupted"


# --- the Node worker -------------------------------------------------------------------------


class WorkerDied(ClaimlabError):
    """The Node process ended while a request was in flight.

    ``stderr_tail`` is the worker's last lines of stderr. ``alone`` is true when that request
    was the only run in flight, so the run itself took the process down; otherwise the culprit
    is unknown, and the run should not be blamed."""

    def __init__(self, message: str, stderr_tail: str = "", *, alone: bool = False) -> None:
        super().__init__(message)
        self.stderr_tail = stderr_tail
        self.alone = alone


class WorkerStuck(WorkerDied):
    """The Node process stopped answering liveness pings and was killed."""


class WorkerTimedOut(ClaimlabError):
    """A run was not answered in time, and the Node process was killed. ``alone`` as for
    :class:`WorkerDied`."""

    def __init__(self, message: str, *, alone: bool = False) -> None:
        super().__init__(message)
        self.alone = alone


# --- claims and tokens -----------------------------------------------------------------------


class ClaimError(ClaimlabError):
    """A custom claim breaks one of Auth0's rules in a way that fails the login."""


class ClaimsTooLargeError(ClaimError):
    """A token's custom claims exceed Auth0's 100 KB cap: Auth0 fails the login.

    Structured copies of what the message says, for callers that render JSON: ``token``
    (``"id_token"`` or ``"access_token"``), ``size`` and ``limit`` in bytes, ``largest`` as up
    to three (claim name, bytes) pairs, largest first, and ``rule`` (``"too-large"``)."""

    def __init__(
        self,
        message: str,
        *,
        token: str | None = None,
        size: int | None = None,
        limit: int | None = None,
        largest: list[tuple[str, int]] | None = None,
        rule: str | None = None,
    ) -> None:
        super().__init__(message)
        self.token = token
        self.size = size
        self.limit = limit
        self.largest = list(largest or [])
        self.rule = rule


class TokenError(ClaimlabError):
    """A token did not pass a check. Subclasses name the check."""


class MalformedTokenError(TokenError, ValueError):
    """The text is not a JWT: it needs three base64url parts separated by dots."""


class UnsignedTokenError(TokenError):
    """The token says ``alg: none``: anyone could have written it."""


class AlgorithmConfusionError(TokenError):
    """The token is HS256-signed but the key on hand is an RSA public key."""


class UnknownKeyError(TokenError):
    """The token's ``kid`` is not in the JWKS."""


class BadSignatureError(TokenError):
    """The signature does not match the token's content under the tenant's key."""


class TokenExpiredError(TokenError):
    """``exp`` is in the past."""


class TokenNotYetValidError(TokenError):
    """``nbf`` or ``iat`` is in the future."""


class WrongAudienceError(TokenError):
    """``aud`` is not the application the token is checked for."""


class WrongIssuerError(TokenError):
    """``iss`` is not the tenant the token is checked against."""


class NonceMismatchError(TokenError):
    """``nonce`` differs from the one sent with the login request."""


# --- logins and deploys ----------------------------------------------------------------------


class LoginDenied(ClaimlabError):
    """An Action denied the login; carries the OAuth ``error`` and ``error_description``."""

    def __init__(self, error: str, error_description: str, *, action: str | None = None) -> None:
        self.error = error
        self.error_description = error_description
        self.action = action
        by = f" by the Action {action!r}" if action else ""
        super().__init__(f"login denied{by}: {error}: {error_description}")


class ManagementError(ClaimlabError):
    """A request the local tenant's Management API refuses: ``status`` is the HTTP status,
    ``error_code`` Auth0's ``errorCode``. The store turns it into Auth0's error body."""

    def __init__(self, status: int, message: str, error_code: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.error_code = error_code


class DeployError(ClaimlabError):
    """A deploy to a tenant failed; the message says which step and what to check."""


# --- private control flow --------------------------------------------------------------------
# Raised and caught inside claimlab, never part of its API; here so the tree is whole.


class _Usage(Exception):
    """Bad input from the command line: ``claimlab`` exits 2 with the message."""


class _WriteTimedOut(Exception):
    """A write to the Node worker could not finish before its deadline (it is not reading)."""


class _NotJSON(Exception):
    """A value JSON cannot carry; ``parts`` collects its path, innermost first, on the way out."""

    def __init__(self, problem: str, parts: list[str] | None = None) -> None:
        super().__init__(problem)
        self.problem = problem
        self.parts: list[str] = [] if parts is None else parts
