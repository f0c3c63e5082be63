"""Which key checks a token's signature: the ``key=`` a caller passed, or a JWKS entry.

A JWKS may be a dict, a JSON file, or an ``http(s)://`` URL such as
``https://TENANT/.well-known/jwks.json`` (fetched with PyJWT's client, cached per URL, and
fetched again when the token names a ``kid`` it lacks, as after a key rotation). A ``key=``
may be a :class:`~claimlab.tokens.keys.SigningKey`, a JWK, a ``jwt.PyJWK``, a cryptography
key, PEM, or an HMAC secret. Either way the answer is a :class:`VerifyingKey`: the key, a
label for messages, and its family, so :mod:`claimlab.tokens.verify` can refuse an algorithm
that does not fit it.
"""

from __future__ import annotations

import functools
import json
import re
from pathlib import Path
from typing import Any, NamedTuple

import jwt
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed448, ed25519, rsa

from claimlab import tls
from claimlab.errors import TokenError, UnknownKeyError
from claimlab.tokens.keys import SigningKey

__all__ = ["FAMILY_WORDS", "VerifyingKey", "alg_family", "explicit_key", "key_from_jwks"]

# Auth0 sits behind a firewall that answers urllib's default User-Agent with HTTP 403.
_USER_AGENT = "claimlab (PyJWT JWKS client)"


class VerifyingKey(NamedTuple):
    """A key that checks signatures, a label naming it in messages, and its family."""

    key: Any
    label: str  # a noun phrase: "key <kid>", "the key passed as key="
    family: str  # a JWK kty: "RSA", "EC", "OKP" or "oct"


def alg_family(alg: str) -> str | None:
    """The JWK family (``kty``) whose keys can check ``alg``; ``None`` for an unknown alg."""
    if alg.startswith("HS"):
        return "oct"
    if alg.startswith(("RS", "PS")):
        return "RSA"
    if alg.startswith("ES"):
        return "EC"
    if alg in {"EdDSA", "Ed25519", "Ed448"}:
        return "OKP"
    return None


def _family_of(key: Any) -> str:
    if isinstance(key, rsa.RSAPublicKey):
        return "RSA"
    if isinstance(key, ec.EllipticCurvePublicKey):
        return "EC"
    if isinstance(key, ed25519.Ed25519PublicKey | ed448.Ed448PublicKey):
        return "OKP"
    raise TypeError(f"unsupported key type {type(key).__name__}")


def _public(key: Any) -> Any:
    # A private key can verify too, but only through its public half.
    if isinstance(
        key,
        rsa.RSAPrivateKey
        | ec.EllipticCurvePrivateKey
        | ed25519.Ed25519PrivateKey
        | ed448.Ed448PrivateKey,
    ):
        return key.public_key()
    return key


#: Each key family in words, for messages: "the key you passed is an RSA public key".
FAMILY_WORDS = {
    "RSA": "an RSA public key",
    "EC": "an elliptic-curve public key",
    "OKP": "an Ed25519/Ed448 public key",
    "oct": "a shared secret (HMAC)",
}


def explicit_key(key: Any) -> VerifyingKey:
    """Whatever the caller passed as ``key=``, as a verification key."""
    if isinstance(key, SigningKey):
        return VerifyingKey(key.public_key, f"key {key.kid}", "RSA")
    if isinstance(key, jwt.PyJWK):
        label = f"key {key.key_id}" if key.key_id else "the key passed as key="
        return VerifyingKey(_public(key.key), label, key.key_type or "")
    if isinstance(key, dict):
        try:
            jwk = jwt.PyJWK(key)
        except jwt.PyJWTError as exc:
            raise TokenError(f"key= is a dict but not a usable JWK: {exc}") from None
        return explicit_key(jwk)
    if isinstance(key, str | bytes):
        data = key.encode("utf-8") if isinstance(key, str) else key
        if data.lstrip().startswith(b"-----BEGIN"):
            return VerifyingKey(*_pem_key(data))
        # Anything else is an HMAC secret (an Auth0 application's client secret for HS256).
        return VerifyingKey(data, "the shared secret passed as key=", "oct")
    public = _public(key)
    try:
        return VerifyingKey(public, "the key passed as key=", _family_of(public))
    except TypeError:
        raise TypeError(
            "key= must be a SigningKey, a JWK dict, a jwt.PyJWK, a cryptography public key, "
            f"PEM text, or an HMAC secret; got {type(key).__name__}"
        ) from None


def _pem_key(data: bytes) -> tuple[Any, str, str]:
    loaders = (
        lambda: serialization.load_pem_public_key(data),
        lambda: x509.load_pem_x509_certificate(data).public_key(),
        lambda: serialization.load_pem_private_key(data, password=None).public_key(),
    )
    for load in loaders:
        try:
            public = load()
        except (ValueError, TypeError):
            continue
        try:
            return public, "the PEM key passed as key=", _family_of(public)
        except TypeError:
            break
    raise TokenError(
        "key= looks like PEM but is not a public key, certificate, or unencrypted private "
        "key this tool can read."
    )


_URL = re.compile(r"https?://", re.IGNORECASE)


@functools.lru_cache(maxsize=16)
def _jwks_client(url: str) -> jwt.PyJWKClient:
    # One client per URL keeps its 5-minute JWKS cache across calls. cooldown_duration=0
    # lets an unknown kid refetch at once, so a key rotated a moment ago is found.
    return jwt.PyJWKClient(
        url,
        headers={"User-Agent": _USER_AGENT, "Accept": "application/json"},
        timeout=10,
        ssl_context=tls.jwks_context(),
        cooldown_duration=0,
    )


def _signing_keys(jwk_set: jwt.PyJWKSet) -> list[jwt.PyJWK]:
    return [k for k in jwk_set.keys if k.public_key_use in ("sig", None)]


def _jwks_keys(jwks: dict | str | Path, *, refresh: bool = False) -> tuple[list[jwt.PyJWK], str]:
    """The signing keys of a JWKS, and a short description of where they came from."""
    if isinstance(jwks, str) and _URL.match(jwks):
        client = _jwks_client(jwks)
        try:
            return _signing_keys(client.get_jwk_set(refresh=refresh)), jwks
        except jwt.PyJWKClientConnectionError as exc:
            raise TokenError(
                f"could not fetch the JWKS from {jwks}: {exc.__cause__ or exc}. Check the URL "
                "and your network; an Auth0 tenant's JWKS is at "
                "https://TENANT/.well-known/jwks.json (https, not http)."
            ) from None
        except (jwt.PyJWKClientError, jwt.PyJWKSetError) as exc:
            raise TokenError(
                f"{jwks} did not return a usable JWKS ({exc}). An Auth0 tenant's JWKS is at "
                "https://TENANT/.well-known/jwks.json."
            ) from None
        except ValueError:
            # PyJWT parses the answer with json.load and lets its error through.
            raise TokenError(
                f"{jwks} did not answer with JSON (an HTML page, perhaps a login or error page?). "
                "Check the URL: an Auth0 tenant's JWKS is at "
                "https://TENANT/.well-known/jwks.json."
            ) from None
    if isinstance(jwks, dict):
        document, where = jwks, "the JWKS"
    elif isinstance(jwks, str | Path):
        path = Path(jwks).expanduser()
        where = str(path)
        try:
            document = json.loads(path.read_text("utf-8"))
        except FileNotFoundError:
            raise TokenError(
                f"no JWKS file at {path}. jwks= takes a dict, a JSON file path, or an "
                "http(s):// URL."
            ) from None
        except (OSError, ValueError) as exc:
            raise TokenError(f"cannot read the JWKS file {path}: {exc}") from None
    else:
        raise TypeError(f"jwks= must be a dict, a path, or a URL; got {type(jwks).__name__}")
    if not isinstance(document, dict) or not isinstance(document.get("keys"), list):
        raise TokenError(
            f'{where} is not a JWKS: expected {{"keys": [...]}}. For a single JWK, pass key=.'
        )
    try:
        return _signing_keys(jwt.PyJWKSet(document["keys"])), where
    except jwt.PyJWTError as exc:
        raise TokenError(f"{where} has no usable signing keys ({exc}).") from None


def key_from_jwks(jwks: dict | str | Path, kid: Any) -> VerifyingKey:
    """The key in ``jwks`` (dict, file or URL) with id ``kid``, or its only key if ``kid`` is
    ``None``. Raises :class:`~claimlab.errors.UnknownKeyError` listing the kids it has."""
    keys, where = _jwks_keys(jwks)
    match = _match(keys, kid)
    if match is None and isinstance(jwks, str) and _URL.match(jwks):
        # The tenant may have rotated since the JWKS was cached.
        keys, where = _jwks_keys(jwks, refresh=True)
        match = _match(keys, kid)
    if match is None:
        present = ", ".join(str(k.key_id) for k in keys) or "none"
        if kid is None:
            raise UnknownKeyError(
                f"the token's header has no 'kid' and {where} has {len(keys)} signing keys "
                f"({present}), so the key cannot be chosen. Pass key= to pick one."
            )
        raise UnknownKeyError(
            f"the token was signed with key {kid!r}, which {where} does not publish; it has: "
            f"{present}. Check the token came from this tenant, or that the key was not "
            "rotated out."
        )
    label = f"key {match.key_id}" if match.key_id else "the only key in the JWKS"
    return VerifyingKey(_public(match.key), label, match.key_type or "")


def _match(keys: list[jwt.PyJWK], kid: Any) -> jwt.PyJWK | None:
    if kid is None:
        return keys[0] if len(keys) == 1 else None
    return next((k for k in keys if k.key_id == kid), None)
