"""An ID token's encoded length, computed without signing: always that of the signed token."""

from __future__ import annotations

import base64
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from claimlab import LocalTenant, run_action, sweep, tokens
from claimlab.lab.encoded_size import EncodedSize, base64url_length
from claimlab.lab.generate import generate_logins

KEY = tokens.SigningKey.generate("encoded-size")

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**53), max_value=2**53)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.text(), inner, max_size=5),
    max_leaves=20,
)

# Non-ASCII of every UTF-8 width, and values large enough for a token past a cookie.
LOCALISED = """
exports.onExecutePostLogin = async (event, api) => {
  const roles = (event.authorization || {}).roles || [];
  const claim = (name, value) => api.idToken.setCustomClaim("https://example.com/" + name, value);
  claim("greeting", "Grüß Gott, 日本 👋 " + event.user.name);
  claim("notes", "ł€".repeat(400 * roles.length));
  if (roles.includes("admin")) claim("blob", "x".repeat(5000));
};
"""


def test_base64url_length_is_that_of_unpadded_base64url() -> None:
    for size in range(0, 50):
        assert base64url_length(size) == len(base64.urlsafe_b64encode(b"\0" * size).rstrip(b"="))
    assert base64url_length(256) == 342  # an RSA-2048 signature


@settings(max_examples=300, deadline=None)
@given(claims=st.dictionaries(st.text(), json_values, max_size=8))
def test_any_json_claims_measure_as_long_as_the_signed_token(claims: dict[str, Any]) -> None:
    assert EncodedSize(KEY)(claims) == len(tokens.mint(claims, KEY))


@pytest.mark.parametrize("size", [0, 1, 2, 3, 4_000, 4_001, 4_002, 110 * 1024])
def test_big_and_non_ascii_claims_measure_as_long_as_the_signed_token(size: int) -> None:
    claims = {"sub": "auth0|1", "https://example.com/x": "é" * size, "n": "日" * (size % 7)}
    assert EncodedSize(KEY)(claims) == len(tokens.mint(claims, KEY))


def test_generated_logins_measure_as_long_as_the_tokens_the_tenant_signs() -> None:
    tenant = LocalTenant(build_delay=0)
    key = tenant.keys.current
    measure = EncodedSize(key)
    logins = generate_logins(300, seed=11, tenant=tenant)
    flows = {g.flow for g in logins}
    assert len(flows) == 5 and any(not g.user.name.isascii() for g in logins)
    for login in logins:
        issued = tenant.issue(login.user, login.event, None, flow=login.flow)  # type: ignore[arg-type]
        claims, dropped = tenant.id_token_claims(login.user, login.event, None, flow=login.flow)  # type: ignore[arg-type]
        assert dropped == [] and claims is not None
        assert claims.keys() == issued.claims.keys()
        assert measure(claims) == len(issued.id_token or "")


def test_a_sweep_measures_each_token_as_a_real_login_signs_it() -> None:
    result = sweep(LOCALISED, n=60, seed=4, progress=False)
    assert not result.failures()
    sizes = [r.token_bytes for r in result.runs]
    assert min(sizes) < tokens.COOKIE_LIMIT < max(sizes)
    tenant = LocalTenant(build_delay=0)
    for run in result.runs:
        outcome = run_action(LOCALISED, run.login.event)
        issued = tenant.issue(run.login.user, run.login.event, outcome, flow=run.login.flow)  # type: ignore[arg-type]
        assert run.token_bytes == len(issued.id_token or "")
        assert run.claims == issued.custom_claims
        assert run.custom_claims_bytes == issued.size.custom_claims_bytes
