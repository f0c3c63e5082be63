"""A tenant's signing keys: generating them, keeping them on disk, rotating and publishing them.

:class:`SigningKey` is one RSA-2048 key with the self-signed certificate Auth0 publishes
(``x5c``) and its SHA-1 thumbprint (``x5t``, which is also the ``kid``). :class:`KeyStore`
keeps a tenant's keys as PEM files under ``home() / "keys" / <tenant>``: written atomically,
private keys owner-only (0600), at most two published during a rotation, and served as the
tenant's JWKS (:meth:`KeyStore.jwks`).

Signing with a key is :mod:`claimlab.tokens.signing`; checking a token against a JWKS is
:mod:`claimlab.tokens.verify`.
"""

from __future__ import annotations

import base64
import datetime as dt
import functools
import hashlib
import json
import os
import secrets
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from claimlab.errors import ClaimlabError
from claimlab.home import home
from claimlab.tokens.encoding import b64url, uint_b64url

__all__ = ["DEFAULT_TENANT", "KeyStore", "SigningKey"]

#: The tenant whose keys :class:`KeyStore` uses when given no path.
DEFAULT_TENANT = "local"

_KEY_SIZE = 2048
_MAX_PUBLISHED_KEYS = 2
_CERT_LIFETIME = dt.timedelta(days=3650)
_INDEX_FILE = "keys.json"


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
        self._x5t = b64url(hashlib.sha1(der, usedforsecurity=False).digest())

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
            "n": uint_b64url(numbers.n),
            "e": uint_b64url(numbers.e),
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


@functools.lru_cache(maxsize=64)
def _parsed_private_key(pem: bytes) -> Any:
    """The private key in ``pem``, parsed once per process.

    Parsing checks the RSA key, which takes about 30 ms; every LocalTenant reads its key file
    again, so the same bytes are parsed once and the key object (immutable) is shared.
    """
    return serialization.load_pem_private_key(pem, password=None)


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
            private_key = _parsed_private_key(self._key_file(kid).read_bytes())
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
