"""Checking a token: :func:`decode_token`, which says in plain words which check failed.

It checks a token the way real Auth0 clients do: the text is a signed JWT (not ``Bearer ...``,
not an encrypted JWE, not an opaque token), ``alg`` is not ``none`` and fits the key (no
algorithm confusion), the signature holds under the key from ``jwks=`` or ``key=`` (found by
:mod:`claimlab.tokens.jwks`), then ``exp``/``nbf``/``iat``, ``iss``, ``aud``/``azp`` and
``nonce``. It works the same on a token from the local tenant and on one from a real Auth0
tenant (give it ``https://TENANT/.well-known/jwks.json``). Every failure is a
:class:`~claimlab.errors.TokenError` subclass naming the check.
"""

from __future__ import annotations

import base64
import datetime as dt
import hmac
import json
import re
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

import jwt

from claimlab.errors import (
    AlgorithmConfusionError,
    BadSignatureError,
    MalformedTokenError,
    NonceMismatchError,
    TokenError,
    TokenExpiredError,
    TokenNotYetValidError,
    UnsignedTokenError,
    WrongAudienceError,
    WrongIssuerError,
)
from claimlab.tokens.jwks import FAMILY_WORDS, alg_family, explicit_key, key_from_jwks

__all__ = ["DecodedToken", "decode_token", "format_duration"]


@dataclass
class DecodedToken:
    """A decoded token and, in plain words, every check it passed."""

    header: dict[str, Any]
    claims: dict[str, Any]
    checks: list[str] = field(default_factory=list)
    signature_verified: bool = False


class _Parsed(NamedTuple):
    header: dict[str, Any]
    claims: dict[str, Any]
    signing_input: bytes
    signature: bytes


_B64URL = re.compile(r"[A-Za-z0-9_-]*")


def _b64url_decode(part: str, name: str) -> bytes:
    if not _B64URL.fullmatch(part):
        bad = sorted({c for c in part if not _B64URL.fullmatch(c)})
        raise MalformedTokenError(
            f"the token's {name} is not base64url: it contains {''.join(bad)!r}. A JWT uses "
            "only A-Z a-z 0-9 - _ (no padding '='); was it cut or wrapped when copied?"
        )
    if len(part) % 4 == 1:
        raise MalformedTokenError(
            f"the token's {name} has an impossible base64url length; it was probably cut "
            "short when copied."
        )
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


def _json_object(part: str, name: str) -> dict[str, Any]:
    raw = _b64url_decode(part, name)
    try:
        value = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise MalformedTokenError(
            f"the token's {name} decodes from base64url but is not JSON; the token is damaged."
        ) from None
    if not isinstance(value, dict):
        raise MalformedTokenError(
            f"the token's {name} is JSON but not an object ({type(value).__name__})."
        )
    return value


def _parse(token: str) -> _Parsed:
    if not isinstance(token, str):
        raise MalformedTokenError(f"a token is a str, not {type(token).__name__}")
    text = token.strip()
    if not text:
        raise MalformedTokenError("the token is empty.")
    if text.lower().startswith("bearer "):
        raise MalformedTokenError(
            "the text starts with 'Bearer ': that is the HTTP header's prefix. Pass only "
            "the token after it."
        )
    parts = text.split(".")
    if len(parts) == 5:
        raise MalformedTokenError(
            "the token has five parts: it is an encrypted JWE, not a signed JWT. Auth0 ID "
            "tokens are signed (three parts); this cannot be decoded without the decryption key."
        )
    if len(parts) != 3:
        hint = (
            " An Auth0 access token requested without an audience is opaque (not a JWT); "
            "ask for one with an API audience to get a JWT."
            if len(parts) == 1
            else ""
        )
        raise MalformedTokenError(
            "a JWT has three base64url parts separated by dots (header.payload.signature); "
            f"this text has {len(parts)}.{hint}"
        )
    header = _json_object(parts[0], "header")
    claims = _json_object(parts[1], "payload")
    signature = _b64url_decode(parts[2], "signature")
    alg = header.get("alg")
    if not isinstance(alg, str) or not alg:
        raise MalformedTokenError("the token's header has no 'alg' naming its algorithm.")
    return _Parsed(header, claims, f"{parts[0]}.{parts[1]}".encode("ascii"), signature)


def format_duration(seconds: float) -> str:
    """A length of time for people: '9h 59m', '3d 2h', '4m 10s', '12s'."""
    total = int(abs(seconds))
    days, rest = divmod(total, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        return f"{days}d {hours}h"
    if hours:
        return f"{hours}h {minutes}m"
    if minutes:
        return f"{minutes}m {secs}s"
    return f"{secs}s"


def _when(timestamp: float) -> str:
    moment = dt.datetime.fromtimestamp(timestamp, dt.UTC)
    return moment.strftime("%Y-%m-%d %H:%M:%S UTC")


def _numeric_date(claims: dict[str, Any], name: str) -> float | None:
    value = claims.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TokenError(
            f"the token's '{name}' is {value!r}; it must be a number of seconds since 1970."
        )
    return float(value)


def _required_date(claims: dict[str, Any], name: str) -> float:
    value = _numeric_date(claims, name)
    if value is None:
        raise TokenError(
            f"the token has no '{name}' claim; Auth0 tokens always carry one, and clients "
            "reject tokens without it."
        )
    return value


def _check_issuer(claims: dict[str, Any], issuer: str) -> str:
    got = claims.get("iss")
    if got == issuer:
        return f"issuer is {issuer}"
    if got is None:
        raise WrongIssuerError(f"the token has no 'iss' claim; expected issuer {issuer!r}.")
    if isinstance(got, str) and got.rstrip("/") == issuer.rstrip("/"):
        if got.endswith("/"):
            advice = f"Auth0 issuers end with a slash (https://DOMAIN/): pass issuer={got!r}."
        else:
            advice = (
                "Auth0 issuers end with a slash (https://DOMAIN/), and this token's does "
                "not: it may not come from Auth0."
            )
        raise WrongIssuerError(
            f"the issuer differs only by the trailing slash: expected {issuer!r}, the token "
            f"says {got!r}. {advice}"
        )
    hint = ""
    if isinstance(got, str) and got in {f"https://{issuer}/", f"https://{issuer}"}:
        hint = f" The issuer is a URL, not a bare domain: pass issuer={got!r}."
    raise WrongIssuerError(
        f"wrong issuer: expected {issuer!r}, the token says {got!r}. The token was issued by "
        f"another tenant or domain (a custom domain changes the issuer).{hint}"
    )


def _check_audience(claims: dict[str, Any], audience: str) -> list[str]:
    got = claims.get("aud")
    audiences = got if isinstance(got, list) else [got]
    if got is None:
        raise WrongAudienceError(f"the token has no 'aud' claim; expected audience {audience!r}.")
    if audience not in audiences:
        raise WrongAudienceError(
            f"wrong audience: expected {audience!r}, the token's aud is {got!r}. An ID "
            "token's aud is the application's client_id; an access token's is the API "
            "identifier."
        )
    checks = [f"audience includes {audience}"]
    # With several audiences, OIDC says an ID token's azp names the client it was issued to.
    # Access tokens (they carry a scope) have an API and /userinfo as audiences and the client
    # as azp, so the rule does not apply to them.
    if isinstance(got, list) and len(got) > 1 and "scope" not in claims:
        azp = claims.get("azp")
        if azp != audience:
            raise WrongAudienceError(
                f"the token has several audiences {got!r}, so its 'azp' must be "
                f"{audience!r}, but it is {azp!r}."
            )
        checks.append(f"authorized party (azp) is {audience}")
    return checks


def _check_times(claims: dict[str, Any], leeway: float, now: float) -> list[str]:
    checks = []
    exp = _required_date(claims, "exp")
    if now > exp + leeway:
        raise TokenExpiredError(
            f"the token expired at {_when(exp)}, {format_duration(now - exp)} ago. Get a new "
            "token (log in again); if clocks just disagree, pass a small leeway=."
        )
    if now > exp:
        checks.append(f"not expired: expired {format_duration(now - exp)} ago, within leeway")
    else:
        checks.append(f"not expired: expires in {format_duration(exp - now)}")

    nbf = _numeric_date(claims, "nbf")
    if nbf is not None:
        if nbf > now + leeway:
            raise TokenNotYetValidError(
                f"the token is not valid until {_when(nbf)} (in {format_duration(nbf - now)}). "
                "Check this computer's clock, or pass leeway= for a small skew."
            )
        checks.append(f"valid since {_when(nbf)} (nbf)")

    iat = _required_date(claims, "iat")
    if iat > now + leeway:
        raise TokenNotYetValidError(
            f"the token says it was issued at {_when(iat)}, {format_duration(iat - now)} in the "
            "future. Check this computer's clock, or pass leeway= for a small skew."
        )
    checks.append(f"issued {format_duration(now - iat)} ago, not in the future")
    return checks


def _check_nonce(claims: dict[str, Any], nonce: str) -> str:
    got = claims.get("nonce")
    if got is None:
        raise NonceMismatchError(
            f"the token has no 'nonce' but {nonce!r} was expected: the login request did not "
            "send this nonce, or the token belongs to another login."
        )
    if not (isinstance(got, str) and hmac.compare_digest(got.encode(), nonce.encode())):
        raise NonceMismatchError(
            f"nonce mismatch: expected {nonce!r}, the token has {got!r}. The token belongs to "
            "another login request (or is being replayed)."
        )
    return "nonce matches"


def decode_token(
    token: str,
    *,
    jwks: dict | str | Path | None = None,
    key: Any = None,
    audience: str | None = None,
    issuer: str | None = None,
    nonce: str | None = None,
    algorithms: Sequence[str] = ("RS256",),
    leeway: float = 0,
    now: float | None = None,
    verify: bool = True,
) -> DecodedToken:
    """Decode ``token`` and check it the way an Auth0 client does.

    The signature is checked with the key from ``jwks`` matching the token's ``kid`` (a JWKS
    dict, a JSON file path, or an ``http(s)://`` URL such as
    ``https://TENANT/.well-known/jwks.json``) or with ``key`` (a :class:`SigningKey`, JWK
    dict, ``jwt.PyJWK``, cryptography public key, PEM, or an HMAC secret for HS256). Then
    ``exp``, ``nbf`` and ``iat`` against ``now`` (default: the clock) give or take
    ``leeway`` seconds, and ``iss``, ``aud``, ``nonce`` when given.

    With ``verify=False`` nothing is verified except the ``audience``, ``issuer`` and
    ``nonce`` you pass: use it only to look inside a token.

    Raises a :class:`~claimlab.errors.TokenError` subclass naming the failed check.
    """
    parsed = _parse(token)
    header, claims = parsed.header, parsed.claims
    alg: str = header["alg"]
    checks: list[str] = []

    if verify:
        if alg.lower() == "none":
            raise UnsignedTokenError(
                "the token's header says alg 'none': it carries no signature, so anyone could "
                "have written it. Auth0 never issues such tokens; reject it."
            )
        if jwks is None and key is None:
            raise TokenError(
                "nothing to verify the signature with: pass jwks= (a JWKS dict, a file, or "
                "https://TENANT/.well-known/jwks.json) or key=, or verify=False to only read "
                "the token."
            )
        if jwks is not None and key is not None:
            raise TypeError("pass jwks= or key=, not both")
        explicit = explicit_key(key) if key is not None else None
        asymmetric = explicit is None or explicit.family != "oct"
        # Checked before anything else touches the key: verifying HS256 with public-key
        # bytes as the secret is exactly the forgery this attack relies on.
        if alg.startswith("HS") and asymmetric:
            what = "published in a JWKS" if explicit is None else "you passed"
            raise AlgorithmConfusionError(
                f"the token's header says {alg} (a shared-secret HMAC) but the key {what} is "
                f"{FAMILY_WORDS.get(explicit.family if explicit else 'RSA', 'a public key')}. "
                "This is the algorithm-confusion attack: someone signed the token using the "
                "public key as an HMAC secret. Reject the token; Auth0 RS256 tokens say RS256."
            )
        if alg not in algorithms:
            raise TokenError(
                f"the token is signed with {alg}, which is not among the accepted algorithms "
                f"{list(algorithms)}. If this application really signs with {alg}, add it to "
                "algorithms=."
            )
        try:
            algorithm = jwt.get_algorithm_by_name(alg)
        except NotImplementedError:
            raise TokenError(f"the algorithm {alg} is not supported.") from None
        if explicit is not None:
            signer = explicit
        else:
            assert jwks is not None  # both None was refused above
            signer = key_from_jwks(jwks, header.get("kid"))
        if alg_family(alg) != signer.family:
            raise TokenError(
                f"the token is signed with {alg} but {signer.label} is "
                f"{FAMILY_WORDS.get(signer.family, 'of another type')}; they cannot match."
            )
        try:
            prepared = algorithm.prepare_key(signer.key)
            valid = algorithm.verify(parsed.signing_input, prepared, parsed.signature)
        except jwt.PyJWTError as exc:
            raise TokenError(f"{signer.label} cannot be used with {alg}: {exc}") from None
        if not valid:
            raise BadSignatureError(
                f"the signature does not match the token's content under {signer.label}: "
                "the header or payload was changed after signing, or another key signed it."
            )
        checks.append(f"signature verified with {signer.label} ({alg})")

    if issuer is not None:
        checks.append(_check_issuer(claims, issuer))
    if audience is not None:
        checks.extend(_check_audience(claims, audience))
    if verify:
        checks.extend(_check_times(claims, leeway, time.time() if now is None else now))
    if nonce is not None:
        checks.append(_check_nonce(claims, nonce))
    return DecodedToken(header=header, claims=claims, checks=checks, signature_verified=verify)
