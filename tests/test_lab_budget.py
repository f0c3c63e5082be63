"""Size budgets: bytes per claim against Auth0's 100 KB cap and a 4,096-byte cookie."""

from __future__ import annotations

import json

import pytest

from claimlab import LocalTenant, size_budget, sweep
from claimlab.claims import CUSTOM_CLAIMS_LIMIT
from claimlab.errors import ClaimlabError, LoginDenied
from claimlab.tokens import COOKIE_LIMIT

CLAIMS = """
exports.onExecutePostLogin = async (event, api) => {
  api.idToken.setCustomClaim("https://example.com/roles", event.authorization.roles);
  api.idToken.setCustomClaim("https://example.com/notes", "n".repeat(3000));
};
"""


def _bytes(name: str, value: object) -> int:
    return len(json.dumps({name: value}, separators=(",", ":"), ensure_ascii=False)) - 2


def test_a_login_budget_counts_each_claim_and_both_limits(tenant: LocalTenant) -> None:
    tenant.bind(CLAIMS, name="claims")
    login = tenant.login("alice")
    budget = size_budget(login)
    assert budget.claims == {
        "https://example.com/notes": _bytes("https://example.com/notes", "n" * 3000),
        "https://example.com/roles": _bytes("https://example.com/roles", ["admin", "editor"]),
    }
    assert next(iter(budget.claims)) == "https://example.com/notes"
    assert budget.token_bytes == len(login.id_token)
    assert budget.custom_claims_bytes == sum(budget.claims.values()) + 2 + 1  # {} and a comma
    assert budget.custom_claims_limit == CUSTOM_CLAIMS_LIMIT
    assert budget.cookie_share == pytest.approx(len(login.id_token) / COOKIE_LIMIT)
    assert budget.cookie_share > 1  # 3,000 bytes of notes, base64-encoded, overflow a cookie
    text = str(budget)
    assert "ID token (encoded)" in text and f"of {COOKIE_LIMIT:,}" in text
    assert "<table>" in budget._repr_html_()


def test_a_sweep_budget_takes_the_largest_of_each() -> None:
    result = sweep(CLAIMS, n=40, seed=0, progress=False)
    budget = size_budget(result)
    assert budget.token_bytes == max(r.token_bytes for r in result.runs)
    assert budget.custom_claims_bytes == max(r.custom_claims_bytes for r in result.runs)
    longest_roles = max((r.claims["https://example.com/roles"] for r in result.runs), key=len)
    assert budget.claims["https://example.com/roles"] >= _bytes(
        "https://example.com/roles", longest_roles
    )


def test_plot_draws_two_bar_charts(tenant: LocalTenant) -> None:
    tenant.bind(CLAIMS, name="claims")
    figure = size_budget(tenant.login("dana")).plot()
    per_claim, limits = figure.axes
    assert len(per_claim.patches) == 2
    widths = [bar.get_width() for bar in limits.patches]
    assert widths[1] > 100  # the ID token is over the cookie


def test_a_denied_login_or_wrong_input_is_explained(tenant: LocalTenant) -> None:
    tenant.bind("exports.onExecutePostLogin = async (e, api) => api.access.deny('no');")
    with pytest.raises(LoginDenied) as denied:
        tenant.login("alice")
    with pytest.raises(ClaimlabError, match="denied"):
        size_budget(denied.value.result)
    with pytest.raises(TypeError, match=r"tenant\.login"):
        size_budget({"a": 1})
