"""Sweeps: thousands of generated logins through the warm runtime, summarised."""

from __future__ import annotations

import dataclasses
import gc

import pytest

from claimlab import LocalTenant, sweep, tokens
from claimlab.errors import EventError
from claimlab.lab.generate import generate_logins

DOG = "https://dogfy.com/random_dog"

NOT_ON_REFRESH = """
exports.onExecutePostLogin = async (event, api) => {
  if (event.transaction && event.transaction.protocol === "oauth2-refresh-token") return;
  api.idToken.setCustomClaim("https://example.com/fresh", true);
};
"""

BIG_FOR_ADMINS = """
exports.onExecutePostLogin = async (event, api) => {
  const roles = (event.authorization || {}).roles || [];
  api.idToken.setCustomClaim("https://example.com/roles", roles);
  const blob = "x".repeat(4000);
  if (roles.includes("admin")) api.idToken.setCustomClaim("https://example.com/blob", blob);
};
"""

FAILS_IN_ORGS = """
exports.onExecutePostLogin = async (event, api) => {
  if (event.organization) throw new Error("no org support yet");
  if (event.stats.logins_count === 1) api.access.deny("first logins must verify email");
  api.idToken.setCustomClaim("https://example.com/ok", 1);
};
"""

HUGE = """
exports.onExecutePostLogin = async (event, api) => {
  if ((event.authorization.roles || []).includes("billing"))
    api.idToken.setCustomClaim("https://example.com/huge", "y".repeat(110 * 1024));
};
"""


def test_the_same_seed_gives_the_same_summary_whatever_the_workers(dog_action, axios) -> None:
    one = sweep(dog_action, n=120, seed=5, dependencies=axios, progress=False)
    two = sweep(dog_action, n=120, seed=5, dependencies=axios, progress=False, workers=2)
    assert one.summary() == two.summary()
    assert [r.row()["user_id"] for r in one.runs] == [r.row()["user_id"] for r in two.runs]
    assert [r.token_bytes for r in one.runs] == [r.token_bytes for r in two.runs]
    assert two.workers == 2
    assert one.summary()["claims"]["refresh"][DOG] == 1.0


def test_claim_presence_is_per_flow() -> None:
    result = sweep(NOT_ON_REFRESH, n=100, seed=1, progress=False)
    presence = result.claim_presence()
    assert presence["refresh"]["https://example.com/fresh"] == 0.0
    for flow in ("interactive", "silent", "password", "device"):
        assert presence[flow]["https://example.com/fresh"] == 1.0


def test_sizes_are_those_of_real_tokens_and_count_the_ones_over_a_cookie() -> None:
    result = sweep(BIG_FOR_ADMINS, n=150, seed=2, progress=False)
    logins = generate_logins(150, seed=2)
    admins = [g.index for g in logins if "admin" in g.user.roles]
    assert 0 < len(admins) < 150
    over = [r.login.index for r in result.runs if r.token_bytes > tokens.COOKIE_LIMIT]
    assert over == admins
    sizes = result.sizes()
    assert sizes["over_cookie_limit"] == pytest.approx(len(admins) / 150)
    assert sizes["min"] < tokens.COOKIE_LIMIT < sizes["max"]


def test_errors_are_grouped_by_type_with_one_example_and_denials_counted() -> None:
    result = sweep(FAILS_IN_ORGS, n=200, seed=3, progress=False)
    logins = generate_logins(200, seed=3)
    in_org = [g.index for g in logins if g.user.organization]
    first = [g.index for g in logins if not g.user.organization and g.user.logins_count == 0]
    errors = result.errors()
    assert set(errors) == {"ActionRuntimeError"}
    assert errors["ActionRuntimeError"]["count"] == len(in_org)
    assert errors["ActionRuntimeError"]["example"] == in_org[0]
    assert "no org support yet" in errors["ActionRuntimeError"]["message"]
    assert [r.login.index for r in result.failures()] == in_org
    assert all(r.login.event["organization"] for r in result.failures())
    assert result.denied() == len(first)


def test_claims_over_100_kb_fail_the_login_as_auth0_does() -> None:
    result = sweep(HUGE, n=60, seed=4, progress=False)
    billing = [r for r in result.runs if "billing" in r.login.user.roles]
    assert billing
    assert all(r.error_type == "ClaimsTooLargeError" for r in billing)
    assert "ClaimsTooLargeError" in result.errors()


def test_frame_json_and_text(dog_action, axios) -> None:
    result = sweep(dog_action, n=30, seed=0, dependencies=axios, progress=False)
    frame = result.to_frame()
    assert len(frame) == 30
    assert {"user_id", "flow", "roles", "token_bytes", "status", "duration_ms"} <= set(frame)
    data = result.to_dict()
    assert {"runs", "errors", "claims", "sizes", "duration_s", "events_per_s"} <= set(data)
    assert data["runs"] == 30
    assert "claim presence per flow" in str(result)
    assert "<table>" in result._repr_html_()
    assert len(result.slowest()) == 5


def test_progress_goes_to_stderr_only_when_asked(capsys: pytest.CaptureFixture[str]) -> None:
    sweep(NOT_ON_REFRESH, n=10, progress=False)
    assert capsys.readouterr().err == ""
    sweep(NOT_ON_REFRESH, n=10, progress=True)
    captured = capsys.readouterr()
    # tqdm redraws at most every 0.1 s and clears its bar at the end: the count it last drew
    # depends on timing, the bar itself does not.
    assert "/10 [" in captured.err and "login/s" in captured.err
    assert captured.out == ""


def test_each_event_is_still_checked_before_it_runs() -> None:
    # The sweep builds events unchecked (check=False) and leaves the check to run_many: an
    # event JSON cannot carry fails the sweep as it failed login_event before.
    odd = dataclasses.replace(
        LocalTenant(build_delay=0).user("alice"), app_metadata={"score": float("nan")}
    )
    unchecked = LocalTenant(build_delay=0).login_event(odd, check=False)
    assert unchecked["user"]["app_metadata"] == {"score": odd.app_metadata["score"]}
    with pytest.raises(EventError, match="app_metadata"):
        LocalTenant(build_delay=0).login_event(odd)
    with pytest.raises(EventError, match="app_metadata"):
        sweep(NOT_ON_REFRESH, n=3, users=[odd], progress=False)  # type: ignore[list-item]


def test_the_garbage_collector_rests_during_a_sweep_and_is_put_back() -> None:
    collections: list[int] = []

    def record(phase: str, info: dict) -> None:
        if phase == "start":
            collections.append(info["generation"])

    gc.callbacks.append(record)
    try:
        sweep(NOT_ON_REFRESH, n=400, seed=1, progress=False)
        # Unpaused, 400 logins set off dozens of collections. Paused, at most the one the
        # allocations left due runs as the collector comes back (young, or the middle
        # generation when ten young ones have run since it last did).
        assert len(collections) <= 1 and collections != [2]
        assert gc.isenabled()
        gc.disable()
        sweep(NOT_ON_REFRESH, n=20, seed=1, progress=False)
        assert not gc.isenabled()  # left as the caller had it
    finally:
        gc.enable()
        gc.callbacks.remove(record)
