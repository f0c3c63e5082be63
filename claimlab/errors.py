"""Every error claimlab raises, as one tree.

The tree mirrors the path a login takes: the Action runs (``ActionError``), its claims go
through Auth0's rules (``ClaimError``), a token is minted and checked (``TokenError``), and the
Action is deployed (``DeployError``). Catch the branch you care about. Each message says what
went wrong, where, and what to do next.
"""

from __future__ import annotations


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


# --- claims and tokens -----------------------------------------------------------------------


class ClaimError(ClaimlabError):
    """A custom claim breaks one of Auth0's rules in a way that fails the login."""


class ClaimsTooLargeError(ClaimError):
    """A token's custom claims exceed Auth0's 100 KB cap: Auth0 fails the login."""


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


class DeployError(ClaimlabError):
    """A deploy to a tenant failed; the message says which step and what to check."""


# --- private: control flow inside claimlab, never raised to a caller ---------------------------


class _Reply(Exception):
    """The local tenant's server stops handling a request and answers it with ``status``, this
    JSON ``body`` and these ``headers`` (``tenant/server.py``)."""

    def __init__(self, status: int, body: object, headers: dict[str, str] | None = None) -> None:
        super().__init__(status)
        self.status = status
        self.body = body
        self.headers = headers or {}
