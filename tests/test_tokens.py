"""Tests for claimlab.tokens: keys on disk, minting, checking, and size reports."""

from __future__ import annotations

import ast
import base64
import hashlib
import hmac
import json
import pkgutil
import sys
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import jwt
import pytest
from cryptography import x509
from serving import serving

import claimlab.tokens
from claimlab.claims import apply_claim_rules
from claimlab.errors import (
    AlgorithmConfusionError,
    BadSignatureError,
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
from claimlab.facts import CUSTOM_CLAIMS_LIMIT
from claimlab.tokens import (
    COOKIE_LIMIT,
    ID_TOKEN_LIFETIME,
    KeyStore,
    SigningKey,
    TokenSize,
    decode_token,
    mint,
    token_size,
)

ISSUER = "https://dev-claimlab.us.auth0.com/"
CLIENT_ID = "k5u3o2fiAA8XweXEEX604KCwCjzjtMU6"
NOW = 1_700_000_000


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def segment(value: Any) -> str:
    return b64url(json.dumps(value, separators=(",", ":")).encode())


def parts(token: str) -> tuple[dict, dict]:
    header, payload, _ = token.split(".")
    pad = lambda s: s + "=" * (-len(s) % 4)  # noqa: E731
    return (
        json.loads(base64.urlsafe_b64decode(pad(header))),
        json.loads(base64.urlsafe_b64decode(pad(payload))),
    )


def claims(**overrides: Any) -> dict[str, Any]:
    base = {
        "iss": ISSUER,
        "sub": "auth0|5f7c8ec7c33c6c004bbafe82",
        "aud": CLIENT_ID,
        "iat": NOW,
        "exp": NOW + ID_TOKEN_LIFETIME,
        "sid": "sess-123",
        "nonce": "n-0S6_WzA2Mj",
    }
    base.update(overrides)
    return {k: v for k, v in base.items() if v is not None}


@pytest.fixture(autouse=True)
def claimlab_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "claimlab-home"
    monkeypatch.setenv("CLAIMLAB_HOME", str(home))
    return home


@pytest.fixture(scope="session")
def key() -> SigningKey:
    return SigningKey.generate("dev-claimlab.us.auth0.com")


@pytest.fixture(scope="session")
def other_key() -> SigningKey:
    return SigningKey.generate("someone-else")


@pytest.fixture(scope="session")
def jwks(key: SigningKey) -> dict:
    return {"keys": [key.public_jwk()]}


@pytest.fixture(scope="session")
def token(key: SigningKey) -> str:
    return mint(claims(), key)


def check(token: str, jwks: dict, **kwargs: Any):
    kwargs.setdefault("audience", CLIENT_ID)
    kwargs.setdefault("issuer", ISSUER)
    kwargs.setdefault("now", NOW + 60)
    return decode_token(token, jwks=jwks, **kwargs)


# --- keys ------------------------------------------------------------------------------------


def test_keys_persist_and_are_reused_across_stores(claimlab_home: Path) -> None:
    first = KeyStore.for_tenant("dev-claimlab.us.auth0.com")
    kid = first.current.kid
    assert first.path == claimlab_home / "keys" / "dev-claimlab.us.auth0.com"
    again = KeyStore.for_tenant("dev-claimlab.us.auth0.com")
    assert again.current.kid == kid
    assert again.jwks() == first.jwks()
    assert KeyStore(first.path).current.kid == kid


def test_default_store_lives_under_home(claimlab_home: Path) -> None:
    store = KeyStore()
    store.current  # noqa: B018
    assert store.path.parent == claimlab_home / "keys"
    assert list(store.path.glob("*.key.pem"))


def test_tenants_have_separate_keys() -> None:
    assert KeyStore.for_tenant("a").current.kid != KeyStore.for_tenant("b").current.kid


@pytest.mark.parametrize("name", ["", "..", "a/b", "a\\b"])
def test_tenant_name_cannot_escape_the_keys_folder(name: str) -> None:
    with pytest.raises(ValueError):
        KeyStore.for_tenant(name)


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX permissions")
def test_private_key_file_is_owner_only() -> None:
    store = KeyStore.for_tenant("t")
    key_file = store.path / f"{store.current.kid}.key.pem"
    assert key_file.stat().st_mode & 0o777 == 0o600
    rotated = store.rotate()
    assert (store.path / f"{rotated.kid}.key.pem").stat().st_mode & 0o777 == 0o600


def test_rotation_keeps_the_previous_key_published() -> None:
    store = KeyStore.for_tenant("t")
    old = store.current
    old_token = mint(claims(), old)
    new = store.rotate()

    assert new.kid != old.kid
    assert store.current.kid == new.kid
    assert KeyStore.for_tenant("t").current.kid == new.kid
    assert [k["kid"] for k in store.jwks()["keys"]] == [new.kid, old.kid]

    new_token = mint(claims(), store.current)
    assert parts(new_token)[0]["kid"] == new.kid
    assert check(new_token, store.jwks()).signature_verified
    # Tokens issued before the rotation keep verifying while the old key is published.
    assert check(old_token, store.jwks()).signature_verified


def test_rotation_keeps_at_most_two_keys_and_deletes_retired_ones() -> None:
    store = KeyStore.for_tenant("t")
    first = store.current
    store.rotate()
    third = store.rotate()
    kids = [k["kid"] for k in store.jwks()["keys"]]
    assert len(kids) == 2
    assert kids[0] == third.kid
    assert first.kid not in kids
    assert not (store.path / f"{first.kid}.key.pem").exists()
    with pytest.raises(UnknownKeyError):
        check(mint(claims(), first), store.jwks())


def test_jwks_entries_look_like_auth0s() -> None:
    store = KeyStore.for_tenant("t")
    (entry,) = store.jwks()["keys"]
    assert list(entry) == ["alg", "kty", "use", "n", "e", "kid", "x5t", "x5c"]
    assert entry["alg"] == "RS256"
    assert entry["kty"] == "RSA"
    assert entry["use"] == "sig"
    assert entry["e"] == "AQAB"
    der = base64.b64decode(entry["x5c"][0])
    assert entry["x5t"] == b64url(hashlib.sha1(der).digest())
    assert entry["kid"] == entry["x5t"]
    cert = x509.load_der_x509_certificate(der)
    n = int.from_bytes(base64.urlsafe_b64decode(entry["n"] + "=" * (-len(entry["n"]) % 4)))
    assert cert.public_key().public_numbers().n == n
    assert n.bit_length() == 2048


def test_signing_key_repr_shows_no_key_material(key: SigningKey) -> None:
    assert repr(key) == f"SigningKey(kid={key.kid!r})"
    assert "PRIVATE" not in repr(key)


# --- minting ---------------------------------------------------------------------------------


def test_header_is_exactly_alg_typ_kid(token: str, key: SigningKey) -> None:
    header, _ = parts(token)
    assert header == {"alg": "RS256", "typ": "JWT", "kid": key.kid}
    assert list(header) == ["alg", "typ", "kid"]
    assert jwt.get_unverified_header(token) == header


def test_minted_token_verifies_with_plain_pyjwt(token: str, jwks: dict) -> None:
    (jwk,) = jwks["keys"]
    public_key = jwt.PyJWK(jwk).key
    payload = jwt.decode(
        token,
        public_key,
        algorithms=["RS256"],
        audience=CLIENT_ID,
        issuer=ISSUER,
        options={"verify_exp": False, "verify_iat": False},
    )
    assert payload == claims()


def test_store_token_verifies_with_plain_pyjwt_jwk_set() -> None:
    store = KeyStore.for_tenant("t")
    store.rotate()
    token = mint(claims(), store.current)
    key_set = jwt.PyJWKSet.from_dict(store.jwks())
    signing = key_set[jwt.get_unverified_header(token)["kid"]]
    assert jwt.decode(token, signing.key, algorithms=["RS256"], audience=CLIENT_ID, leeway=1e10)


def test_mint_keeps_unicode_as_utf8(key: SigningKey) -> None:
    token = mint(claims(name="Zoë"), key)
    assert parts(token)[1]["name"] == "Zoë"


# --- decode_token: success -------------------------------------------------------------------


def test_decode_lists_the_checks_that_passed(token: str, jwks: dict, key: SigningKey) -> None:
    decoded = check(token, jwks, nonce="n-0S6_WzA2Mj")
    assert decoded.signature_verified
    assert decoded.header["kid"] == key.kid
    assert decoded.claims == claims()
    assert decoded.checks[0] == f"signature verified with key {key.kid} (RS256)"
    assert f"issuer is {ISSUER}" in decoded.checks
    assert f"audience includes {CLIENT_ID}" in decoded.checks
    assert "not expired: expires in 9h 59m" in decoded.checks
    assert "nonce matches" in decoded.checks


def test_decode_accepts_audience_lists_with_matching_azp(key: SigningKey, jwks: dict) -> None:
    token = mint(claims(aud=[CLIENT_ID, "https://api"], azp=CLIENT_ID), key)
    assert "audience includes " + CLIENT_ID in check(token, jwks).checks
    bad = mint(claims(aud=[CLIENT_ID, "https://api"], azp="other"), key)
    with pytest.raises(WrongAudienceError, match="azp"):
        check(bad, jwks)


def test_decode_accepts_an_auth0_access_token_for_its_api(key: SigningKey, jwks: dict) -> None:
    # Auth0 access tokens name the API and /userinfo as audiences and the client as azp.
    api = "https://api.dogfy.example/"
    token = mint(claims(aud=[api, f"{ISSUER}userinfo"], azp=CLIENT_ID, scope="openid profile"), key)
    decoded = check(token, jwks, audience=api)
    assert f"audience includes {api}" in decoded.checks


@pytest.mark.parametrize(
    "as_key",
    [
        lambda k: k,
        lambda k: k.public_key,
        lambda k: k.private_key,
        lambda k: k.public_pem(),
        lambda k: k.public_pem().decode(),
        lambda k: k.public_jwk(),
        lambda k: jwt.PyJWK(k.public_jwk()),
    ],
    ids=["SigningKey", "public", "private", "pem-bytes", "pem-str", "jwk", "pyjwk"],
)
def test_decode_with_an_explicit_key(token: str, key: SigningKey, as_key) -> None:
    decoded = decode_token(token, key=as_key(key), now=NOW)
    assert decoded.signature_verified


def test_decode_jwks_from_a_file(token: str, jwks: dict, tmp_path: Path) -> None:
    path = tmp_path / "jwks.json"
    path.write_text(json.dumps(jwks))
    assert check(token, path).signature_verified
    assert check(token, str(path)).signature_verified
    with pytest.raises(TokenError, match="no JWKS file"):
        check(token, tmp_path / "missing.json")


def test_leeway_tolerates_small_clock_skew(token: str, jwks: dict) -> None:
    late = NOW + ID_TOKEN_LIFETIME + 5
    with pytest.raises(TokenExpiredError):
        check(token, jwks, now=late)
    assert check(token, jwks, now=late, leeway=10).signature_verified


def test_hs256_with_a_shared_secret_is_accepted_when_allowed() -> None:
    secret = "an-application-client-secret-that-is-long-enough"
    token = jwt.encode(claims(), secret, algorithm="HS256")
    decoded = decode_token(token, key=secret, algorithms=["HS256"], now=NOW)
    assert decoded.signature_verified


def test_verify_false_reads_without_checking(key: SigningKey) -> None:
    token = mint(claims(exp=NOW - 10), key)
    decoded = decode_token(token, verify=False, now=NOW)
    assert not decoded.signature_verified
    assert decoded.checks == []
    assert decoded.claims["sub"].startswith("auth0|")


def test_verify_without_a_key_source_says_what_to_pass(token: str) -> None:
    with pytest.raises(TokenError, match="jwks="):
        decode_token(token)


# --- decode_token: each failure --------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("", "empty"),
        ("abc.def", "three"),
        ("a.b.c.d.e", "JWE"),
        ("opaque-access-token", "opaque"),
        ("Bearer a.b.c", "Bearer"),
        ("ab$c.def.ghi", "base64url"),
        (f"{b64url(b'not json')}.{segment({})}.", "not JSON"),
        (f"{segment([1])}.{segment({})}.", "not an object"),
        (f"{segment({'typ': 'JWT'})}.{segment({})}.", "alg"),
    ],
)
def test_malformed_tokens(text: str, match: str, jwks: dict) -> None:
    with pytest.raises(MalformedTokenError, match=match):
        decode_token(text, jwks=jwks)


def test_alg_none_is_rejected(jwks: dict) -> None:
    token = f"{segment({'alg': 'none', 'typ': 'JWT'})}.{segment(claims())}."
    with pytest.raises(UnsignedTokenError, match="none"):
        check(token, jwks)


def test_hs256_signed_with_the_public_key_is_algorithm_confusion(
    key: SigningKey, jwks: dict
) -> None:
    # The attack: use the published public key's PEM as an HMAC secret.
    signing_input = f"{segment({'alg': 'HS256', 'typ': 'JWT', 'kid': key.kid})}.{segment(claims())}"
    mac = hmac.new(key.public_pem(), signing_input.encode(), hashlib.sha256).digest()
    forged = f"{signing_input}.{b64url(mac)}"
    with pytest.raises(AlgorithmConfusionError, match="HS256"):
        check(forged, jwks)
    with pytest.raises(AlgorithmConfusionError):
        decode_token(forged, key=key.public_pem(), now=NOW)
    # Even when the caller (wrongly) allows HS256, RSA key material is never an HMAC secret.
    with pytest.raises(AlgorithmConfusionError):
        check(forged, jwks, algorithms=["RS256", "HS256"])


def test_unknown_kid_lists_the_kids_present(other_key: SigningKey, jwks: dict) -> None:
    token = mint(claims(), other_key)
    with pytest.raises(UnknownKeyError) as caught:
        check(token, jwks)
    assert other_key.kid in str(caught.value)
    assert jwks["keys"][0]["kid"] in str(caught.value)


def test_tampered_payload_fails_the_signature(token: str, jwks: dict) -> None:
    header, _, signature = token.split(".")
    tampered = f"{header}.{segment(claims(sub='auth0|admin'))}.{signature}"
    with pytest.raises(BadSignatureError, match="signature"):
        check(tampered, jwks)


def test_signed_by_another_key_with_the_same_kid(key: SigningKey, other_key: SigningKey) -> None:
    token = mint(claims(), other_key)
    lying_jwks = {"keys": [{**key.public_jwk(), "kid": other_key.kid}]}
    with pytest.raises(BadSignatureError):
        check(token, lying_jwks)


def test_expired_token_says_when(key: SigningKey, jwks: dict) -> None:
    token = mint(claims(), key)
    with pytest.raises(TokenExpiredError) as caught:
        check(token, jwks, now=NOW + ID_TOKEN_LIFETIME + 3 * 3600)
    message = str(caught.value)
    assert "2023-11-15 08:13:20 UTC" in message
    assert "3h 0m ago" in message


def test_nbf_in_the_future(key: SigningKey, jwks: dict) -> None:
    token = mint(claims(nbf=NOW + 600), key)
    with pytest.raises(TokenNotYetValidError, match="not valid until"):
        check(token, jwks, now=NOW)
    assert check(token, jwks, now=NOW + 600).signature_verified


def test_iat_in_the_future(key: SigningKey, jwks: dict) -> None:
    token = mint(claims(iat=NOW + 120), key)
    with pytest.raises(TokenNotYetValidError, match="issued"):
        check(token, jwks, now=NOW)
    assert check(token, jwks, now=NOW, leeway=120).signature_verified


def test_wrong_audience_says_expected_and_got(token: str, jwks: dict) -> None:
    with pytest.raises(WrongAudienceError) as caught:
        check(token, jwks, audience="https://my-api")
    assert "https://my-api" in str(caught.value)
    assert CLIENT_ID in str(caught.value)


def test_wrong_issuer(token: str, jwks: dict) -> None:
    with pytest.raises(WrongIssuerError, match="other-tenant"):
        check(token, jwks, issuer="https://other-tenant.eu.auth0.com/")


def test_issuer_differing_only_by_trailing_slash(token: str, jwks: dict) -> None:
    with pytest.raises(WrongIssuerError, match="trailing slash") as caught:
        check(token, jwks, issuer=ISSUER.rstrip("/"))
    assert repr(ISSUER) in str(caught.value)


def test_token_issuer_without_the_slash_is_flagged(key: SigningKey, jwks: dict) -> None:
    token = mint(claims(iss=ISSUER.rstrip("/")), key)
    with pytest.raises(WrongIssuerError, match="may not come from Auth0"):
        check(token, jwks)


def test_mint_wants_a_signing_key() -> None:
    with pytest.raises(TypeError, match=r"store\.current"):
        mint(claims(), KeyStore.for_tenant("t"))  # type: ignore[arg-type]


def test_issuer_given_as_bare_domain(token: str, jwks: dict) -> None:
    with pytest.raises(WrongIssuerError, match="not a bare domain"):
        check(token, jwks, issuer="dev-claimlab.us.auth0.com")


def test_nonce_mismatch(token: str, jwks: dict, key: SigningKey) -> None:
    with pytest.raises(NonceMismatchError, match="expected 'other'"):
        check(token, jwks, nonce="other")
    without = mint(claims(nonce=None), key)
    with pytest.raises(NonceMismatchError, match="no 'nonce'"):
        check(without, jwks, nonce="n-0S6_WzA2Mj")


def test_algorithm_outside_the_allowed_list_is_named(key: SigningKey, jwks: dict) -> None:
    token = jwt.encode(claims(), key.private_key, algorithm="PS256", headers={"kid": key.kid})
    with pytest.raises(TokenError, match="PS256"):
        check(token, jwks)
    assert check(token, jwks, algorithms=["RS256", "PS256"]).signature_verified


def test_missing_exp_is_rejected(key: SigningKey, jwks: dict) -> None:
    with pytest.raises(TokenError, match="'exp'"):
        check(mint(claims(exp=None), key), jwks)


def test_every_failure_is_a_token_error() -> None:
    for cls in (
        MalformedTokenError,
        UnsignedTokenError,
        AlgorithmConfusionError,
        UnknownKeyError,
        BadSignatureError,
        TokenExpiredError,
        TokenNotYetValidError,
        WrongAudienceError,
        WrongIssuerError,
        NonceMismatchError,
    ):
        assert issubclass(cls, TokenError)


# --- JWKS over HTTP --------------------------------------------------------------------------


@pytest.fixture
def jwks_server() -> Iterator[tuple[str, dict, list[str]]]:
    """A real HTTP server on 127.0.0.1 serving a mutable JWKS; yields (url, doc, hits)."""
    document: dict = {"keys": []}
    hits: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            hits.append(self.headers.get("User-Agent", ""))
            if self.path == "/login":
                # What a wrong URL often answers: a web page, with status 200.
                page = b"<!doctype html><html><body>Log in</body></html>"
                self.send_response(200)
                self.send_header("Content-Type", "text/html")
                self.send_header("Content-Length", str(len(page)))
                self.end_headers()
                self.wfile.write(page)
                return
            if self.path != "/.well-known/jwks.json":
                self.send_error(404)
                return
            body = json.dumps(document).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    with serving(ThreadingHTTPServer(("127.0.0.1", 0), Handler)) as port:
        yield f"http://127.0.0.1:{port}/.well-known/jwks.json", document, hits


def test_decode_with_a_jwks_url(jwks_server) -> None:
    url, document, hits = jwks_server
    store = KeyStore.for_tenant("served")
    document["keys"] = store.jwks()["keys"]
    token = mint(claims(), store.current)

    decoded = decode_token(token, jwks=url, audience=CLIENT_ID, issuer=ISSUER, now=NOW)
    assert decoded.signature_verified
    assert decoded.checks[0] == f"signature verified with key {store.current.kid} (RS256)"
    assert hits and "Python-urllib" not in hits[0]

    # After a rotation the cached JWKS lacks the new kid; it is fetched again.
    store.rotate()
    document["keys"] = store.jwks()["keys"]
    rotated = mint(claims(), store.current)
    assert decode_token(rotated, jwks=url, now=NOW).signature_verified
    assert len(hits) == 2


def test_jwks_url_failures_are_explained(jwks_server, token: str) -> None:
    url, _, _ = jwks_server
    with pytest.raises(TokenError, match="could not fetch the JWKS"):
        decode_token(token, jwks=url.replace("jwks.json", "nope.json"), now=NOW)


def test_a_jwks_url_answering_html_is_a_token_error(jwks_server, token: str) -> None:
    url, _, _ = jwks_server
    html = url.replace("/.well-known/jwks.json", "/login")
    with pytest.raises(TokenError) as caught:
        decode_token(token, jwks=html, now=NOW)
    assert str(caught.value).startswith(f"{html} did not answer with JSON (an HTML page")
    assert "https://TENANT/.well-known/jwks.json" in str(caught.value)
    assert caught.value.__cause__ is None


def test_wrong_token_types_and_values_are_also_python_errors(token: str) -> None:
    with pytest.raises(TypeError, match="jwks= must be a dict, a path, or a URL; got int"):
        decode_token(token, jwks=5)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="a token is a str, not int"):
        decode_token(5, verify=False)  # type: ignore[arg-type]


# --- size ------------------------------------------------------------------------------------


def test_token_size_counts_names_and_values(token: str) -> None:
    custom = {"https://claimlab.dev/roles": ["admin", "ünïcode"]}
    size = token_size(token, custom)
    assert isinstance(size, TokenSize)
    assert size.token_bytes == len(token)
    compact = json.dumps(custom, separators=(",", ":"), ensure_ascii=False)
    assert size.custom_claims_bytes == len(compact.encode("utf-8"))
    assert not size.over_cap
    assert size.cookie_warning is None
    assert size.custom_claims_limit == CUSTOM_CLAIMS_LIMIT == 102400


def test_big_token_gets_a_cookie_warning(key: SigningKey) -> None:
    custom = {"https://claimlab.dev/blob": "x" * 5000}
    token = mint(claims(**custom), key)
    size = token_size(token, custom)
    assert size.token_bytes > COOKIE_LIMIT
    assert not size.over_cap
    assert "nextjs-auth0" in size.cookie_warning
    assert "cookie" in size.cookie_warning


def test_over_cap_is_reported_exactly_where_the_claims_rule_fails_the_login() -> None:
    # The report only measures; the rule is claims.apply_claim_rules. They agree at the edge.
    name = "https://claimlab.dev/blob"
    overhead = len(json.dumps({name: ""}, separators=(",", ":")))
    at_cap = {name: "x" * (CUSTOM_CLAIMS_LIMIT - overhead)}
    size = token_size("a.b.c", at_cap)
    assert size.custom_claims_bytes == CUSTOM_CLAIMS_LIMIT
    assert not size.over_cap
    assert apply_claim_rules(at_cap, token="id_token", scope="openid") == (at_cap, [])

    over = {name: at_cap[name] + "x"}
    assert token_size("a.b.c", over).over_cap
    with pytest.raises(ClaimsTooLargeError):
        apply_claim_rules(over, token="id_token", scope="openid")


def test_the_real_clock_is_used_by_default(key: SigningKey, jwks: dict) -> None:
    now = int(time.time())
    token = mint(claims(iat=now, exp=now + ID_TOKEN_LIFETIME), key)
    assert decode_token(token, jwks=jwks).signature_verified


# --- layout ----------------------------------------------------------------------------------


def test_token_modules_import_only_the_ones_listed_before_them() -> None:
    # The order claimlab/tokens/__init__.py's docstring gives; importing upwards only means
    # no cycles, and a newcomer can read the package top to bottom.
    order = ["encoding", "keys", "signing", "jwks", "verify", "size"]
    package = Path(claimlab.tokens.__file__).parent
    assert {m.name for m in pkgutil.iter_modules([str(package)])} == set(order)
    for position, name in enumerate(order):
        tree = ast.parse((package / f"{name}.py").read_text("utf-8"))
        siblings = {
            node.module.removeprefix("claimlab.tokens.")
            for node in ast.walk(tree)
            if isinstance(node, ast.ImportFrom)
            and node.module
            and node.module.startswith("claimlab.tokens.")
        }
        assert siblings <= set(order[:position]), name
