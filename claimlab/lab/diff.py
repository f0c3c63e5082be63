"""``diff``: what changed between two ID tokens, or between two versions of an Action.

Standard claims (Auth0's protocol and OIDC profile claims) and custom claims are kept apart:
a designer reviewing a change to an Action cares about the second, and a change to the first
is usually a different login, not a different Action. Claims that differ on every login
(``iat``, ``exp``, ``sid``...) are left out unless asked for.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from claimlab import claims as claim_rules
from claimlab import tokens
from claimlab.errors import ClaimlabError
from claimlab.facts import ID_TOKEN
from claimlab.lab.generate import steady_mocks
from claimlab.runtime import Action, run_action
from claimlab.tenant.login import LoginResult

VOLATILE: frozenset[str] = frozenset({"iat", "exp", "auth_time", "sid", "nonce"})
"""Claims that differ between any two logins; ``diff`` ignores them by default."""

_STANDARD = (
    claim_rules.RESTRICTED_CLAIMS
    | claim_rules.RUNTIME_RESERVED_CLAIMS
    | frozenset(claim_rules.PROFILE_CLAIM_SCOPE)
)


@dataclass(frozen=True)
class _Side:
    claims: dict[str, Any]
    custom: frozenset[str]
    token_bytes: int | None


@dataclass
class TokenDiff:
    """Added, removed and changed claims, standard and custom apart, with sizes."""

    added: dict[str, Any]
    removed: dict[str, Any]
    changed: dict[str, tuple[Any, Any]]
    custom: frozenset[str] = field(repr=False)
    custom_bytes: tuple[int, int]
    """The custom claims' compact JSON, before and after (what Auth0's 100 KB cap counts)."""
    token_bytes: tuple[int | None, int | None]
    """The encoded ID tokens, before and after, when both sides were tokens."""

    @property
    def same(self) -> bool:
        return not (self.added or self.removed or self.changed)

    def _split(self, names: Iterable[str], custom: bool) -> list[str]:
        return [n for n in names if (n in self.custom) == custom]

    @property
    def custom_changes(self) -> dict[str, list[str]]:
        """The custom claims added, removed and changed, by name."""
        return {
            "added": self._split(self.added, True),
            "removed": self._split(self.removed, True),
            "changed": self._split(self.changed, True),
        }

    @property
    def standard_changes(self) -> dict[str, list[str]]:
        """The standard claims added, removed and changed, by name."""
        return {
            "added": self._split(self.added, False),
            "removed": self._split(self.removed, False),
            "changed": self._split(self.changed, False),
        }

    def to_dict(self) -> dict[str, Any]:
        """The JSON shape printed by ``claimlab diff --json``."""
        return {
            "custom": self.custom_changes,
            "standard": self.standard_changes,
            "added": self.added,
            "removed": self.removed,
            "changed": {k: {"before": a, "after": b} for k, (a, b) in self.changed.items()},
            "custom_bytes": {"before": self.custom_bytes[0], "after": self.custom_bytes[1]},
            "token_bytes": {"before": self.token_bytes[0], "after": self.token_bytes[1]},
        }

    def _lines(self) -> list[tuple[str, str, str]]:
        show = lambda v: json.dumps(v, ensure_ascii=False)  # noqa: E731
        lines = []
        for kind, custom in (("custom", True), ("standard", False)):
            for name in self._split(self.added, custom):
                lines.append(("+", kind, f"{name}: {show(self.added[name])}"))
            for name in self._split(self.removed, custom):
                lines.append(("-", kind, f"{name}: {show(self.removed[name])}"))
            for name in self._split(self.changed, custom):
                before, after = self.changed[name]
                lines.append(("~", kind, f"{name}: {show(before)} -> {show(after)}"))
        return lines

    def _sizes(self) -> str:
        a, b = self.custom_bytes
        text = f"custom claims {a:,} -> {b:,} bytes ({b - a:+,})"
        ta, tb = self.token_bytes
        if ta is not None and tb is not None:
            text += f"; ID token {ta:,} -> {tb:,} bytes ({tb - ta:+,})"
        return text

    def __str__(self) -> str:
        body = [f"{mark} [{kind}] {text}" for mark, kind, text in self._lines()]
        return "\n".join([*(body or ["no claim changed"]), self._sizes()])

    def __repr__(self) -> str:
        return (
            f"<TokenDiff +{len(self.added)} -{len(self.removed)} ~{len(self.changed)}; "
            f"{self._sizes()}>"
        )

    def _repr_html_(self) -> str:
        colors = {"+": "#e6ffec", "-": "#ffebe9", "~": "#fff8c5"}
        rows = "".join(
            f"<tr style='background:{colors[mark]}'><td>{mark}</td><td>{kind}</td>"
            f"<td><code>{html.escape(text)}</code></td></tr>"
            for mark, kind, text in self._lines()
        )
        rows = rows or "<tr><td colspan=3><i>no claim changed</i></td></tr>"
        return f"<table>{rows}</table><div>{html.escape(self._sizes())}</div>"


_JWT = re.compile(r"eyJ[\w-]*\.[\w-]+\.[\w-]*")


def _looks_like_jwt(text: str) -> bool:
    # A JWT's header is JSON, so its base64url always starts with "eyJ" ('{"').
    return _JWT.fullmatch(text) is not None


def _is_action(value: Any) -> bool:
    if isinstance(value, Action | Path):
        return True
    return isinstance(value, str) and not _looks_like_jwt(value.strip())


def _side(value: Any) -> _Side:
    if isinstance(value, LoginResult):
        if value.id_token is None:
            raise ClaimlabError("This login was denied: it has no ID token to compare.")
        return _Side(dict(value.claims), frozenset(value.custom_claims), len(value.id_token))
    if isinstance(value, tokens.DecodedToken):
        return _Side(dict(value.claims), _custom(value.claims), None)
    if isinstance(value, str):
        token = value.strip()
        decoded = tokens.decode_token(token, verify=False)
        return _Side(decoded.claims, _custom(decoded.claims), len(token))
    if isinstance(value, Mapping):
        return _Side(dict(value), _custom(value), None)
    raise TypeError(
        "diff() compares two logins, two tokens (encoded or decoded), two claim dicts, or two "
        f"Actions (with event=); got {type(value).__name__}"
    )


def _custom(claims: Mapping[str, Any]) -> frozenset[str]:
    return frozenset(n for n in claims if n not in _STANDARD or claim_rules.is_namespaced(n))


def _action_side(action: Any, event: Any, run_options: Mapping[str, Any]) -> _Side:
    result = run_action(action, event, **run_options).raise_for_error()
    scopes = (result.event or {}).get("transaction", {}).get("requested_scopes")
    kept, _ = claim_rules.apply_claim_rules(result.id_token_claims, token=ID_TOKEN, scope=scopes)
    return _Side(dict(kept), frozenset(kept), None)


def diff(
    a: Any,
    b: Any,
    *,
    event: Mapping[str, Any] | str | Path | None = None,
    ignore: Iterable[str] = VOLATILE,
    **run_options: Any,
) -> TokenDiff:
    """Compare the ID token claims of ``a`` (before) and ``b`` (after).

    ``a`` and ``b`` are two :class:`LoginResult` (what ``tenant.login()`` returns), two
    encoded JWTs, two :class:`DecodedToken`, or two claim dicts; or two versions of an Action
    (paths, sources or :class:`Action`), each run on ``event`` (Auth0's sample by default,
    ``run_options`` as for :func:`claimlab.run_action`), their ID token claims through
    Auth0's rules (the offline Dog API gives both the same dog). ``ignore`` names claims to
    leave out (by default the ones that differ on every login: ``iat``, ``exp``,
    ``auth_time``, ``sid``, ``nonce``).
    """
    if _is_action(a) and _is_action(b):
        if run_options.get("network", "mock") == "mock":
            # Both versions get the same dog, so only what the code changed shows.
            run_options = {**run_options, "mocks": steady_mocks(0, run_options.get("mocks"))}
        before, after = (_action_side(x, event, run_options) for x in (a, b))
    elif _is_action(a) or _is_action(b):
        raise ClaimlabError(
            "diff() got one Action and one token: compare two Actions (run on the same event) "
            "or two tokens. To compare an Action with a token, log in with it first."
        )
    elif event is not None or run_options:
        raise ClaimlabError("event= and run options only apply when comparing two Actions.")
    else:
        before, after = _side(a), _side(b)
    skip = frozenset(ignore)
    old = {k: v for k, v in before.claims.items() if k not in skip}
    new = {k: v for k, v in after.claims.items() if k not in skip}
    custom = before.custom | after.custom
    return TokenDiff(
        added={k: v for k, v in new.items() if k not in old},
        removed={k: v for k, v in old.items() if k not in new},
        changed={k: (old[k], v) for k, v in new.items() if k in old and old[k] != v},
        custom=custom,
        custom_bytes=(
            claim_rules.custom_claims_size({k: before.claims[k] for k in before.custom}),
            claim_rules.custom_claims_size({k: after.claims[k] for k in after.custom}),
        ),
        token_bytes=(before.token_bytes, after.token_bytes),
    )
