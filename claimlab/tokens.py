"""Signing keys, minting and checking Auth0-shaped tokens, and token size reports.

A local tenant signs its ID tokens the way Auth0 does: RS256, a header of
``{"alg": "RS256", "typ": "JWT", "kid": ...}``, and a JWKS whose keys carry an X.509
certificate (``x5c``) and its SHA-1 thumbprint (``x5t``, which is also the ``kid``).
:func:`decode_token` checks a token the way real Auth0 clients do and says in plain words
which check failed, so it works the same on a token from the local tenant and on one from
a real Auth0 tenant (give it ``https://TENANT/.well-known/jwks.json``).
"""

from __future__ import annotations

import base64
import datetime as dt
import functools
import hashlib
import hmac
import json
import os
import re
import secrets
import ssl
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

import jwt
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed448, ed25519, padding, rsa
from cryptography.x509.oid import NameOID

from .errors import (
    AlgorithmConfusionError,
    BadSignatureError,
    ClaimlabError,
    ClaimsTooLargeError,
    MalformedTokenError,
    NonceMismatchError,
    TokenError,
    TokenExpiredError,
    TokenNotYetValidError,
    UnknownKeyError,
    UnsignedTokenError,
    WrongAudienceError,
    WrongIssuerError,
)
from .home import home

__all__ = [
    "COOKIE_LIMIT",
    "CUSTOM_CLAIMS_LIMIT",
    "DEFAULT_TENANT",
    "ID_TOKEN_LIFETIME",
    "DecodedToken",
    "KeyStore",
    "SigningKey",
    "TokenSize",
    "check_custom_claims_size",
    "decode_token",
    "mint",
    "token_size",
]

#: Auth0's default ID token lifetime, in seconds (10 hours).
ID_TOKEN_LIFETIME = 36000
#: Auth0's cap on the custom claims of one token: names and values, in bytes.
CUSTOM_CLAIMS_LIMIT = 100 * 1024
#: What browsers reliably keep in one cookie, in bytes.
COOKIE_LIMIT = 4096
#: The tenant whose keys :class:`KeyStore` uses when given no path.
DEFAULT_TENANT = "local"

_KEY_SIZE = 2048
_MAX_PUBLISHED_KEYS = 2
_CERT_LIFETIME = dt.timedelta(days=3650)
_INDEX_FILE = "keys.json"
# Auth0 sits behind a firewall that answers urllib's default User-Agent with HTTP 403.
_USER_AGENT = "claimlab (PyJWT JWKS client)"


# --- keys ------------------------------------------------------------------------------------


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _uint_b64url(value: int) -> str:
    return _b64url(value.to_bytes((value.bit_length() + 7) // 8 or 1, "big"))


class SigningKey:
    """An RSA-2048 private key with a self-signed certificate, as in an Auth0 tenant's JWKS.

    ``kid`` equals ``x5t``: the base64url SHA-1 thumbprint of the DER certificate. The repr
    shows only the ``kid``; the private key is never printed.
    """

    __slots__ = ("_x5t", "certificate", "private_key")

    def __init__(self, private_key: rsa.RSAPrivateKey, certificate: x509.Certificate) -> None:
        if not isinstance(private_key, rsa.RSAPrivateKey):
            raise TypeError("SigningKey needs an RSA private key")
        if certificate.public_key().public_numbers() != private_key.public_key().public_numbers():
            raise ValueError("the certificate does not belong to this private key")
        self.private_key = private_key
        self.certificate = certificate
        der = certificate.public_bytes(serialization.Encoding.DER)
        self._x5t = _b64url(hashlib.sha1(der, usedforsecurity=False).digest())

    @classmethod
    def generate(cls, common_name: str = DEFAULT_TENANT) -> SigningKey:
        """A fresh RSA-2048 key and a self-signed certificate for ``CN=common_name``."""
        private_key = rsa.generate_private_key(public_exponent=65537, key_size=_KEY_SIZE)
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
        # Backdated a little so a token minted right away is not "from the future" for a
        # checker whose clock runs slightly behind.
        start = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=5)
        certificate = (
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(name)
            .public_key(private_key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(start)
            .not_valid_after(start + _CERT_LIFETIME)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(private_key, hashes.SHA256())
        )
        return cls(private_key, certificate)

    @property
    def kid(self) -> str:
        """The key id put in token headers and the JWKS (same as ``x5t``)."""
        return self._x5t

    @property
    def x5t(self) -> str:
        """base64url SHA-1 thumbprint of the DER certificate."""
        return self._x5t

    @property
    def x5c(self) -> list[str]:
        """The certificate chain as JWKS publishes it: standard base64 DER, one entry."""
        der = self.certificate.public_bytes(serialization.Encoding.DER)
        return [base64.b64encode(der).decode("ascii")]

    @property
    def public_key(self) -> rsa.RSAPublicKey:
        """The public half, which is all a verifier ever needs."""
        return self.private_key.public_key()

    def public_jwk(self) -> dict[str, Any]:
        """The key's JWKS entry, in the field order Auth0 publishes."""
        numbers = self.public_key.public_numbers()
        return {
            "alg": "RS256",
            "kty": "RSA",
            "use": "sig",
            "n": _uint_b64url(numbers.n),
            "e": _uint_b64url(numbers.e),
            "kid": self.kid,
            "x5t": self.x5t,
            "x5c": self.x5c,
        }

    def public_pem(self) -> bytes:
        """The public key as PEM (SubjectPublicKeyInfo)."""
        return self.public_key.public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )

    def _private_pem(self) -> bytes:
        return self.private_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )

    def _cert_pem(self) -> bytes:
        return self.certificate.public_bytes(serialization.Encoding.PEM)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, SigningKey) and other.kid == self.kid

    def __hash__(self) -> int:
        return hash(self.kid)

    def __repr__(self) -> str:
        return f"SigningKey(kid={self.kid!r})"


def _write_file(path: Path, data: bytes, mode: int) -> None:
    """Write via a temp file and rename, so a reader never sees half a key.

    The temp file is created with ``mode`` from the start: a private key must never exist,
    even briefly, with the umask's looser default permissions.
    """
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(6)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        # os.open's mode is filtered by the umask; chmod makes it exact.
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


class KeyStore:
    """A tenant's signing keys, kept as PEM files so tokens stay verifiable across runs.

    Files live in ``home() / "keys" / <tenant>`` unless ``path`` is given: per key a private
    key ``<kid>.key.pem`` (mode 0600) and its certificate ``<kid>.crt.pem``, plus
    ``keys.json`` listing the published kids, newest first. The first key is created on
    first use. :meth:`rotate` makes a new current key and keeps the previous one published,
    as Auth0 does during a key rotation; at most two keys are kept.
    """

    def __init__(self, path: Path | None = None) -> None:
        self.path = Path(path) if path is not None else home() / "keys" / DEFAULT_TENANT
        self._loaded: dict[str, SigningKey] = {}

    @classmethod
    def for_tenant(cls, name: str) -> KeyStore:
        """The key store of the tenant ``name`` (e.g. ``"dev-abc.us.auth0.com"``)."""
        if not name or name in {".", ".."} or "/" in name or "\\" in name or "\0" in name:
            raise ValueError(f"{name!r} is not usable as a tenant name (it names a folder)")
        return cls(home() / "keys" / name)

    @property
    def name(self) -> str:
        """The tenant name: the folder's name, also the certificates' common name."""
        return self.path.name

    @property
    def keys(self) -> list[SigningKey]:
        """The published keys, current first."""
        return [self._load(kid) for kid in self._kids()]

    @property
    def current(self) -> SigningKey:
        """The key new tokens are signed with."""
        return self._load(self._kids()[0])

    def rotate(self) -> SigningKey:
        """Make a new current key; the previous one stays published. Returns the new key."""
        kids = self._kids()
        new = self._create_key()
        keep = [new.kid, *kids][:_MAX_PUBLISHED_KEYS]
        self._write_index(keep)
        for kid in kids:
            if kid not in keep:
                # A retired key is deleted rather than left on disk unused.
                self._key_file(kid).unlink(missing_ok=True)
                self._cert_file(kid).unlink(missing_ok=True)
                self._loaded.pop(kid, None)
        return new

    def jwks(self) -> dict[str, list[dict[str, Any]]]:
        """The JWKS document, ``{"keys": [...]}``, current key first."""
        return {"keys": [key.public_jwk() for key in self.keys]}

    def __repr__(self) -> str:
        return f"KeyStore({str(self.path)!r})"

    # -- files --

    def _key_file(self, kid: str) -> Path:
        return self.path / f"{kid}.key.pem"

    def _cert_file(self, kid: str) -> Path:
        return self.path / f"{kid}.crt.pem"

    def _index_file(self) -> Path:
        return self.path / _INDEX_FILE

    def _broken(self, problem: str) -> ClaimlabError:
        return ClaimlabError(
            f"the key store at {self.path} is damaged: {problem}. Delete that folder to "
            "start over with new keys (tokens signed with the old keys will stop verifying)."
        )

    def _kids(self) -> list[str]:
        index = self._index_file()
        if not index.exists():
            return self._create_first_key()
        try:
            kids = json.loads(index.read_text("utf-8"))["kids"]
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise self._broken(f"{index.name} cannot be read ({exc})") from None
        if not isinstance(kids, list) or not kids or not all(isinstance(k, str) for k in kids):
            raise self._broken(f"{index.name} lists no keys")
        return kids

    def _create_first_key(self) -> list[str]:
        key = self._create_key()
        index = self._index_file()
        tmp = index.with_name(f".{index.name}.{secrets.token_hex(6)}.new")
        tmp.write_text(json.dumps({"kids": [key.kid]}), "utf-8")
        try:
            # A hard link fails if another process published its first key meanwhile;
            # then its key wins and ours is discarded, so both agree on one current key.
            os.link(tmp, index)
        except FileExistsError:
            self._key_file(key.kid).unlink(missing_ok=True)
            self._cert_file(key.kid).unlink(missing_ok=True)
            self._loaded.pop(key.kid, None)
            return self._kids()
        except OSError:
            # Some filesystems have no hard links; a plain rename is nearly as good.
            os.replace(tmp, index)
            return [key.kid]
        finally:
            tmp.unlink(missing_ok=True)
        return [key.kid]

    def _create_key(self) -> SigningKey:
        self.path.mkdir(parents=True, exist_ok=True, mode=0o700)
        key = SigningKey.generate(self.name)
        _write_file(self._key_file(key.kid), key._private_pem(), 0o600)
        _write_file(self._cert_file(key.kid), key._cert_pem(), 0o644)
        self._loaded[key.kid] = key
        return key

    def _write_index(self, kids: list[str]) -> None:
        _write_file(self._index_file(), json.dumps({"kids": kids}).encode("utf-8"), 0o644)

    def _load(self, kid: str) -> SigningKey:
        if kid in self._loaded:
            return self._loaded[kid]
        try:
            private_key = serialization.load_pem_private_key(
                self._key_file(kid).read_bytes(), password=None
            )
            certificate = x509.load_pem_x509_certificate(self._cert_file(kid).read_bytes())
        except (OSError, ValueError) as exc:
            raise self._broken(f"key {kid} cannot be loaded ({type(exc).__name__})") from None
        if not isinstance(private_key, rsa.RSAPrivateKey):
            raise self._broken(f"key {kid} is not an RSA key")
        key = SigningKey(private_key, certificate)
        if key.kid != kid:
            raise self._broken(f"the certificate of key {kid} has another thumbprint")
        self._loaded[kid] = key
        return key


# --- minting ---------------------------------------------------------------------------------


def _json_bytes(value: Any) -> bytes:
    # Compact and raw UTF-8, like JSON.stringify in Auth0's Node runtime; NaN is not JSON.
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode(
        "utf-8"
    )


def mint(claims: dict[str, Any], key: SigningKey) -> str:
    """Sign ``claims`` as an RS256 JWT with the header ``{"alg": "RS256", "typ": "JWT", "kid"}``.

    The claims are signed as given; shaping them (``iss``, ``aud``, ``exp``...) is the
    caller's job.
    """
    if not isinstance(claims, dict):
        raise TypeError(f"claims must be a dict, not {type(claims).__name__}")
    if not isinstance(key, SigningKey):
        hint = " (use store.current)" if isinstance(key, KeyStore) else ""
        raise TypeError(f"key must be a SigningKey, not {type(key).__name__}{hint}")
    # Serialised by hand (not jwt.encode) so the header's keys keep Auth0's order.
    header = {"alg": "RS256", "typ": "JWT", "kid": key.kid}
    signing_input = f"{_b64url(_json_bytes(header))}.{_b64url(_json_bytes(claims))}"
    signature = key.private_key.sign(
        signing_input.encode("ascii"), padding.PKCS1v15(), hashes.SHA256()
    )
    return f"{signing_input}.{_b64url(signature)}"


# --- decoding and checking -------------------------------------------------------------------


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


class _Key(NamedTuple):
    key: Any
    label: str  # a noun phrase: "key <kid>", "the key passed as key="
    family: str  # a JWK kty: "RSA", "EC", "OKP" or "oct"


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


def _alg_family(alg: str) -> str | None:
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


_FAMILY_WORDS = {
    "RSA": "an RSA public key",
    "EC": "an elliptic-curve public key",
    "OKP": "an Ed25519/Ed448 public key",
    "oct": "a shared secret (HMAC)",
}


def _explicit_key(key: Any) -> _Key:
    """Whatever the caller passed as ``key=``, as a verification key."""
    if isinstance(key, SigningKey):
        return _Key(key.public_key, f"key {key.kid}", "RSA")
    if isinstance(key, jwt.PyJWK):
        label = f"key {key.key_id}" if key.key_id else "the key passed as key="
        return _Key(_public(key.key), label, key.key_type or "")
    if isinstance(key, dict):
        try:
            jwk = jwt.PyJWK(key)
        except jwt.PyJWTError as exc:
            raise TokenError(f"key= is a dict but not a usable JWK: {exc}") from None
        return _explicit_key(jwk)
    if isinstance(key, str | bytes):
        data = key.encode("utf-8") if isinstance(key, str) else key
        if data.lstrip().startswith(b"-----BEGIN"):
            return _Key(*_pem_key(data))
        # Anything else is an HMAC secret (an Auth0 application's client secret for HS256).
        return _Key(data, "the shared secret passed as key=", "oct")
    public = _public(key)
    try:
        return _Key(public, "the key passed as key=", _family_of(public))
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
    context = ssl.create_default_context()
    try:
        import certifi

        # Added to the system roots, not instead of them: a corporate proxy's CA is in
        # the system store, while certifi rescues Pythons that ship without roots (macOS).
        context.load_verify_locations(certifi.where())
    except (ImportError, OSError):
        pass
    return jwt.PyJWKClient(
        url,
        headers={"User-Agent": _USER_AGENT, "Accept": "application/json"},
        timeout=10,
        ssl_context=context,
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


def _key_from_jwks(jwks: dict | str | Path, kid: Any) -> _Key:
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
    return _Key(_public(match.key), label, match.key_type or "")


def _match(keys: list[jwt.PyJWK], kid: Any) -> jwt.PyJWK | None:
    if kid is None:
        return keys[0] if len(keys) == 1 else None
    return next((k for k in keys if k.key_id == kid), None)


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
        explicit = _explicit_key(key) if key is not None else None
        asymmetric = explicit is None or explicit.family != "oct"
        # Checked before anything else touches the key: verifying HS256 with public-key
        # bytes as the secret is exactly the forgery this attack relies on.
        if alg.startswith("HS") and asymmetric:
            what = "published in a JWKS" if explicit is None else "you passed"
            raise AlgorithmConfusionError(
                f"the token's header says {alg} (a shared-secret HMAC) but the key {what} is "
                f"{_FAMILY_WORDS.get(explicit.family if explicit else 'RSA', 'a public key')}. "
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
            signer = _key_from_jwks(jwks, header.get("kid"))
        if _alg_family(alg) != signer.family:
            raise TokenError(
                f"the token is signed with {alg} but {signer.label} is "
                f"{_FAMILY_WORDS.get(signer.family, 'of another type')}; they cannot match."
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


# --- size ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TokenSize:
    """How big a token is, against Auth0's claims cap and the browser cookie limit."""

    token_bytes: int
    custom_claims_bytes: int
    over_cap: bool
    cookie_warning: str | None
    custom_claims_limit: int = CUSTOM_CLAIMS_LIMIT
    cookie_limit: int = COOKIE_LIMIT


def _claims_bytes(custom_claims: dict[str, Any]) -> int:
    # Auth0 counts claim names and values alike; compact JSON holds exactly those.
    return len(_json_bytes(custom_claims))


def token_size(token: str, custom_claims: dict[str, Any]) -> TokenSize:
    """Measure ``token`` and its ``custom_claims`` (compact UTF-8 JSON, names and values)."""
    token_bytes = len(token.encode("utf-8"))
    claims_bytes = _claims_bytes(custom_claims)
    warning = None
    if token_bytes > COOKIE_LIMIT:
        warning = (
            f"this token is {token_bytes:,} bytes, over the {COOKIE_LIMIT:,} bytes a browser "
            "keeps in one cookie. Cookie-based SDKs such as nextjs-auth0 keep the ID token in "
            "their session cookie, which would overflow (or be split across cookies). Move "
            "large data out of the token and fetch it from an API instead."
        )
    return TokenSize(
        token_bytes=token_bytes,
        custom_claims_bytes=claims_bytes,
        over_cap=claims_bytes > CUSTOM_CLAIMS_LIMIT,
        cookie_warning=warning,
    )


def check_custom_claims_size(custom_claims: dict[str, Any], token_name: str = "ID token") -> int:
    """The size of ``custom_claims`` in bytes; raises ClaimsTooLargeError over 100 KB.

    Auth0 fails the whole login in that case, rather than dropping claims.
    """
    size = _claims_bytes(custom_claims)
    if size <= CUSTOM_CLAIMS_LIMIT:
        return size
    largest = sorted(
        ((len(_json_bytes({name: value})) - 2, name) for name, value in custom_claims.items()),
        reverse=True,
    )[:3]
    listing = ", ".join(f"{name!r} ({n:,} bytes)" for n, name in largest)
    raise ClaimsTooLargeError(
        f"the {token_name}'s custom claims take {size:,} bytes, over Auth0's cap of "
        f"{CUSTOM_CLAIMS_LIMIT:,} bytes (100 KB, counting claim names and values), so Auth0 "
        f"fails the login. Largest: {listing}. Put a smaller value or a reference in the "
        "token and fetch the rest from an API."
    )
