"""Tests for claimlab.events: the sample event, presets, merging, validation and loading."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from claimlab import events
from claimlab.errors import EventError
from claimlab.events import (
    PRESET_DESCRIPTIONS,
    PRESETS,
    load_event,
    make_event,
    merge,
    preset_names,
    sample_event,
    validate_event,
)

# --- the sample event ------------------------------------------------------------------------


def test_sample_matches_reference_values() -> None:
    event = sample_event()
    assert event["user"]["user_id"] == "auth0|5f7c8ec7c33c6c004bbafe82"
    assert event["user"]["email"] == "j+smith@example.com"
    assert event["user"]["email_verified"] is True
    assert event["stats"]["logins_count"] == 62
    assert event["client"]["client_id"] == "gmOWNgklfRm4tyl5YYnl3JDSJy19h1bR"
    assert event["connection"]["strategy"] == "auth0"
    assert event["transaction"]["protocol"] == "oidc-basic-profile"
    assert event["authorization"] == {"roles": []}


def test_sample_placeholders_are_filled() -> None:
    event = sample_event()
    assert event["tenant"]["id"] == "dev-claimlab"
    assert event["request"]["hostname"] == "dev-claimlab.auth0.com"
    assert event["custom_domain"]["domain"] == "login.dev-claimlab.com"
    assert event["user"]["created_at"] == "2026-01-01T00:00:00.000Z"
    assert event["session"]["expires_at"] == "2026-01-01T00:00:00.000Z"
    assert "{{" not in json.dumps(event)


def test_data_file_keeps_the_upstream_placeholders() -> None:
    raw = (Path(events.__file__).parent / "data" / "sample_event.json").read_text()
    assert "{{TENANT}}" in raw
    assert "{{DATE}}" in raw
    assert "{{YOUR_DOMAIN}}" in raw


def test_sample_event_returns_independent_deep_copies() -> None:
    first = sample_event()
    first["user"]["app_metadata"]["plan"] = "pro"
    first["user"]["identities"].append({"provider": "x"})
    first["stats"]["logins_count"] = 0
    second = sample_event()
    assert second["user"]["app_metadata"] == {}
    assert len(second["user"]["identities"]) == 1
    assert second["stats"]["logins_count"] == 62
    assert events.SAMPLE_EVENT["stats"]["logins_count"] == 62


def test_sample_is_valid() -> None:
    validate_event(sample_event())


def test_make_event_returns_a_copy_of_the_sample() -> None:
    event = make_event()
    assert event == events.SAMPLE_EVENT
    event["user"]["email"] = "changed@example.com"
    assert make_event()["user"]["email"] == "j+smith@example.com"


# --- presets ---------------------------------------------------------------------------------

EXPECTED_PRESETS = {
    "sample",
    "interactive",
    "refresh",
    "silent",
    "social",
    "organization",
    "first-login",
}


def test_preset_names_and_descriptions() -> None:
    names = preset_names()
    assert names[0] == "sample"
    assert set(names) == EXPECTED_PRESETS
    assert set(PRESETS) == set(PRESET_DESCRIPTIONS) == EXPECTED_PRESETS
    for name in names:
        description = PRESET_DESCRIPTIONS[name]
        assert description.strip() and "\n" not in description


def test_sample_preset_changes_nothing() -> None:
    assert PRESETS["sample"] == {}
    assert make_event("sample") == sample_event()


@pytest.mark.parametrize("name", sorted(EXPECTED_PRESETS))
def test_every_preset_builds_a_valid_event(name: str) -> None:
    event = make_event(name)
    validate_event(event)
    assert event["tenant"]["id"] == "dev-claimlab"


def test_interactive_preset() -> None:
    event = make_event("interactive")
    assert event["transaction"]["protocol"] == "oidc-basic-profile"
    assert event["transaction"]["prompt"] == ["login"]
    assert event["request"]["query"]["prompt"] == "login"
    assert event["authorization"]["roles"]
    assert all(isinstance(role, str) for role in event["authorization"]["roles"])


def test_refresh_preset_is_a_token_endpoint_exchange_with_roles() -> None:
    event = make_event("refresh")
    assert event["transaction"]["protocol"] == "oauth2-refresh-token"
    assert event["authorization"] == {"roles": ["admin", "editor"]}
    assert "prompt" not in event["transaction"]
    assert event["request"]["method"] == "POST"
    assert event["request"]["query"] == {}
    assert event["request"]["body"]["grant_type"] == "refresh_token"


def test_silent_preset_is_prompt_none_with_roles() -> None:
    event = make_event("silent")
    assert event["transaction"]["protocol"] == "oidc-basic-profile"
    assert event["transaction"]["prompt"] == ["none"]
    assert event["request"]["query"]["prompt"] == "none"
    assert event["authorization"] == {"roles": ["admin", "editor"]}


def test_authorization_can_be_overridden_away() -> None:
    # Auth0 types event.authorization as optional: an Action must cope without it.
    for preset in preset_names():
        assert "authorization" not in make_event(preset, {"authorization": None})


def test_social_preset_is_a_google_login() -> None:
    event = make_event("social")
    assert event["connection"]["name"] == "google-oauth2"
    assert event["connection"]["strategy"] == "google-oauth2"
    assert event["user"]["user_id"].startswith("google-oauth2|")
    [identity] = event["user"]["identities"]
    assert identity["isSocial"] is True
    assert identity["provider"] == "google-oauth2"
    assert event["user"]["user_id"] == f"google-oauth2|{identity['user_id']}"
    assert "last_password_reset" not in event["user"]


def test_organization_preset() -> None:
    organization = make_event("organization")["organization"]
    assert organization["id"].startswith("org_")
    assert organization["name"]
    assert organization["display_name"]
    assert organization["metadata"]


def test_only_the_organization_preset_logs_into_an_organization() -> None:
    for name in ("interactive", "refresh", "silent", "social", "first-login"):
        assert "organization" not in make_event(name), name


def test_first_login_preset() -> None:
    event = make_event("first-login")
    assert event["stats"]["logins_count"] == 1
    assert event["user"]["created_at"] == event["user"]["updated_at"]
    assert event["user"]["created_at"].startswith("2026-")


def test_presets_do_not_leak_into_each_other() -> None:
    make_event("social")
    make_event("refresh")
    event = make_event("interactive")
    assert event["user"]["user_id"] == "auth0|5f7c8ec7c33c6c004bbafe82"
    assert event["transaction"]["protocol"] == "oidc-basic-profile"
    assert events.SAMPLE_EVENT["authorization"] == {"roles": []}


def test_unknown_preset_lists_the_known_names() -> None:
    with pytest.raises(EventError) as info:
        make_event("refesh")
    message = str(info.value)
    assert "'refresh'" in message
    for name in EXPECTED_PRESETS:
        assert name in message


# --- merging ---------------------------------------------------------------------------------


def test_null_removes_a_field() -> None:
    event = make_event(override={"authorization": None})
    assert "authorization" not in event


def test_null_removes_a_nested_field_and_keeps_siblings() -> None:
    event = make_event(override={"user": {"email": None}})
    assert "email" not in event["user"]
    assert event["user"]["user_id"] == "auth0|5f7c8ec7c33c6c004bbafe82"


def test_null_for_a_missing_field_is_harmless() -> None:
    event = make_event("refresh", override={"organization": None})
    assert "organization" not in event


def test_nested_merge_keeps_siblings() -> None:
    event = make_event(override={"user": {"app_metadata": {"plan": "pro"}}})
    assert event["user"]["app_metadata"] == {"plan": "pro"}
    assert event["user"]["email"] == "j+smith@example.com"
    assert event["user"]["identities"][0]["provider"] == "auth0"
    assert event["stats"]["logins_count"] == 62


def test_lists_replace_rather_than_extend() -> None:
    event = make_event("interactive", override={"authorization": {"roles": ["viewer"]}})
    assert event["authorization"]["roles"] == ["viewer"]


def test_override_applies_after_the_preset() -> None:
    event = make_event("refresh", override={"authorization": {"roles": ["admin"]}})
    assert event["transaction"]["protocol"] == "oauth2-refresh-token"
    assert event["authorization"] == {"roles": ["admin"]}


def test_nulls_inside_a_new_object_are_dropped() -> None:
    event = make_event("refresh", override={"authorization": {"roles": ["a"], "extra": None}})
    assert event["authorization"] == {"roles": ["a"]}


def test_merge_does_not_mutate_its_inputs() -> None:
    base = {"a": {"b": [1, 2], "c": 1}}
    override = {"a": {"b": [3], "c": None}, "d": {"e": 1}}
    result = merge(base, override)
    assert result == {"a": {"b": [3]}, "d": {"e": 1}}
    assert base == {"a": {"b": [1, 2], "c": 1}}
    result["d"]["e"] = 2
    assert override["d"] == {"e": 1}


def test_override_must_be_an_object() -> None:
    with pytest.raises(EventError):
        make_event(override=["not", "an", "object"])  # type: ignore[arg-type]


# --- validation ------------------------------------------------------------------------------


def test_unknown_top_level_field_is_rejected_with_a_suggestion() -> None:
    with pytest.raises(EventError) as info:
        make_event(override={"usr": {"email": "a@example.com"}})
    assert info.value.path == "event.usr"
    assert "event.usr" in str(info.value)
    assert "'user'" in str(info.value)


def test_unknown_top_level_field_without_a_close_match_lists_known_fields() -> None:
    with pytest.raises(EventError) as info:
        validate_event({**sample_event(), "zzzzqqqq": {}})
    assert info.value.path == "event.zzzzqqqq"
    assert "did you mean" not in str(info.value)
    assert "transaction" in str(info.value)


@pytest.mark.parametrize(
    "key",
    ["agent", "anonymous_session", "custom_domain", "experiment", "security_context", "prompt"],
)
def test_documented_optional_top_level_fields_are_allowed(key: str) -> None:
    event = sample_event()
    event[key] = {}
    validate_event(event)


def test_unknown_nested_fields_are_allowed() -> None:
    make_event(override={"user": {"favourite_colour": "green"}, "request": {"new_field": 1}})


def test_wrong_boolean_names_path_expected_and_actual() -> None:
    with pytest.raises(EventError) as info:
        make_event(override={"user": {"email_verified": "yes"}})
    message = str(info.value)
    assert info.value.path == "event.user.email_verified"
    assert "event.user.email_verified must be a boolean (true/false)" in message
    assert "the string 'yes'" in message
    assert "true or false" in message


def test_logins_count_rejects_booleans() -> None:
    with pytest.raises(EventError) as info:
        make_event(override={"stats": {"logins_count": True}})
    assert info.value.path == "event.stats.logins_count"
    assert "integer" in str(info.value)


@pytest.mark.parametrize(
    ("override", "path"),
    [
        ({"user": {"user_id": 42}}, "event.user.user_id"),
        ({"user": {"email": ["a@example.com"]}}, "event.user.email"),
        ({"user": {"app_metadata": "pro"}}, "event.user.app_metadata"),
        ({"user": {"user_metadata": []}}, "event.user.user_metadata"),
        ({"user": {"identities": {"provider": "auth0"}}}, "event.user.identities"),
        ({"user": {"identities": ["auth0"]}}, "event.user.identities[0]"),
        ({"stats": {"logins_count": "3"}}, "event.stats.logins_count"),
        ({"stats": {"logins_count": 1.5}}, "event.stats.logins_count"),
        ({"authorization": {"roles": "admin"}}, "event.authorization.roles"),
        ({"authorization": {"roles": ["admin", 7]}}, "event.authorization.roles[1]"),
        ({"client": {"client_id": 1}}, "event.client.client_id"),
        ({"client": {"metadata": {"tier": 2}}}, "event.client.metadata.tier"),
        ({"connection": {"strategy": None, "name": 5}}, "event.connection.name"),
        ({"request": {"ip": 127001}}, "event.request.ip"),
        ({"request": {"query": "prompt=login"}}, "event.request.query"),
        ({"transaction": {"metadata": []}}, "event.transaction.metadata"),
        ({"transaction": {"metadata": {"k": {"nested": 1}}}}, "event.transaction.metadata.k"),
        ({"tenant": {"id": 1}}, "event.tenant.id"),
        ({"secrets": {"API_KEY": 123}}, "event.secrets.API_KEY"),
        ({"organization": {"id": 99}}, "event.organization.id"),
        ({"session": "sess_1"}, "event.session"),
    ],
)
def test_wrong_types_are_rejected_with_the_path(override: dict, path: str) -> None:
    with pytest.raises(EventError) as info:
        make_event(override=override)
    assert info.value.path == path
    assert str(info.value).startswith(f"{path} must be ")
    assert ", got " in str(info.value)


def test_transaction_metadata_accepts_scalars() -> None:
    make_event(override={"transaction": {"metadata": {"a": "x", "b": 1, "c": True}}})


@pytest.mark.parametrize("key", ["client", "connection", "request", "stats", "tenant", "user"])
def test_required_top_level_fields(key: str) -> None:
    with pytest.raises(EventError) as info:
        make_event(override={key: None})
    assert info.value.path == f"event.{key}"
    assert "missing" in str(info.value)


def test_removing_the_user_id_is_rejected() -> None:
    with pytest.raises(EventError) as info:
        make_event(override={"user": {"user_id": None}})
    assert info.value.path == "event.user.user_id"


def test_authorization_needs_roles_when_present() -> None:
    with pytest.raises(EventError) as info:
        make_event(override={"authorization": {"roles": None}})
    assert info.value.path == "event.authorization.roles"


def test_validate_rejects_a_non_object() -> None:
    with pytest.raises(EventError) as info:
        validate_event([])  # type: ignore[arg-type]
    assert info.value.path == "event"


# --- loading ---------------------------------------------------------------------------------


def test_load_event_none_is_the_sample() -> None:
    assert load_event(None) == sample_event()


def test_load_event_by_preset_name() -> None:
    assert load_event("refresh")["transaction"]["protocol"] == "oauth2-refresh-token"


def test_load_event_from_a_dict() -> None:
    event = load_event({"stats": {"logins_count": 3}})
    assert event["stats"]["logins_count"] == 3


def test_load_event_from_a_json_file(tmp_path: Path) -> None:
    path = tmp_path / "event.json"
    path.write_text(
        json.dumps({"authorization": None, "user": {"app_metadata": {"plan": "pro"}}}),
        encoding="utf-8",
    )
    for spec in (path, str(path)):
        event = load_event(spec)
        assert "authorization" not in event
        assert event["user"]["app_metadata"] == {"plan": "pro"}
        assert event["user"]["email"] == "j+smith@example.com"


def test_load_event_bad_json_names_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "broken.json"
    path.write_text('{\n  "user": {\n    "email": "a@example.com",\n  }\n}\n', encoding="utf-8")
    with pytest.raises(EventError) as info:
        load_event(path)
    message = str(info.value)
    assert str(path) in message
    assert "line 4" in message


def test_load_event_file_must_hold_an_object(tmp_path: Path) -> None:
    path = tmp_path / "list.json"
    path.write_text("[1, 2]", encoding="utf-8")
    with pytest.raises(EventError) as info:
        load_event(path)
    assert str(path) in str(info.value)


def test_load_event_invalid_file_content_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "typo.json"
    path.write_text('{"usr": {}}', encoding="utf-8")
    with pytest.raises(EventError) as info:
        load_event(path)
    assert info.value.path == "event.usr"
    assert str(path) in str(info.value)
    assert "'user'" in str(info.value)


def test_load_event_unknown_name_suggests_a_preset(tmp_path: Path) -> None:
    with pytest.raises(EventError) as info:
        load_event("socal")
    assert "'social'" in str(info.value)
    with pytest.raises(EventError):
        load_event(tmp_path / "missing.json")


# --- what JSON cannot carry ---------------------------------------------------------------------


def nested(depth: int) -> dict:
    """{"a": {"a": ... 1}}, ``depth`` objects deep."""
    value: object = 1
    for _ in range(depth):
        value = {"a": value}
    return value  # type: ignore[return-value]


@pytest.mark.parametrize("number", [float("nan"), float("inf"), float("-inf")])
def test_nan_and_infinity_are_refused_with_their_path(number: float) -> None:
    with pytest.raises(EventError, match="JSON cannot carry") as caught:
        make_event("sample", {"user": {"app_metadata": {"scores": [1, number]}}})
    assert caught.value.path == "event.user.app_metadata.scores[1]"


def test_validate_event_refuses_nan_in_a_built_event() -> None:
    event = sample_event()
    event["request"]["geoip"]["latitude"] = float("nan")
    with pytest.raises(EventError) as caught:
        validate_event(event)
    assert caught.value.path == "event.request.geoip.latitude"


def test_a_cycle_is_refused_with_its_path() -> None:
    loop: dict = {"name": "x"}
    loop["self"] = loop
    with pytest.raises(EventError, match="contains itself") as caught:
        make_event("sample", {"user": {"app_metadata": {"loop": loop}}})
    assert caught.value.path == "event.user.app_metadata.loop.self"


def test_a_shared_but_acyclic_value_is_fine() -> None:
    shared = {"plan": "gold"}
    event = make_event("sample", {"user": {"app_metadata": shared, "user_metadata": shared}})
    assert event["user"]["app_metadata"] == event["user"]["user_metadata"] == shared


def test_nesting_up_to_the_limit_is_allowed() -> None:
    # event (0) > user (1) > app_metadata (2) > a ... : MAX_DEPTH levels in all.
    event = make_event("sample", {"user": {"app_metadata": nested(events.MAX_DEPTH - 2)}})
    assert event["user"]["app_metadata"]["a"]["a"]


def test_nesting_past_the_limit_is_refused_with_its_path() -> None:
    with pytest.raises(EventError, match="nests deeper than 64 levels") as caught:
        make_event("sample", {"user": {"app_metadata": nested(events.MAX_DEPTH - 1)}})
    assert events.MAX_DEPTH == 64
    assert caught.value.path == "event.user.app_metadata" + ".a" * (events.MAX_DEPTH - 2)


def test_nesting_100k_deep_is_an_event_error_not_a_recursion_error() -> None:
    with pytest.raises(EventError, match="nests deeper"):
        make_event("sample", {"user": {"app_metadata": nested(100_000)}})
    with pytest.raises(EventError, match="nests deeper"):
        validate_event({**sample_event(), "user": {"user_id": "x", "deep": nested(100_000)}})


def test_a_json_file_100k_deep_is_an_event_error(tmp_path: Path) -> None:
    path = tmp_path / "deep.json"
    path.write_text('{"user": ' * 100_000 + "1" + "}" * 100_000)
    with pytest.raises(EventError, match="nests far deeper than 64 levels") as caught:
        load_event(path)
    assert str(path) in str(caught.value)


def test_values_json_has_no_type_for_are_refused() -> None:
    with pytest.raises(EventError, match="a Python set, which JSON cannot carry") as caught:
        make_event("sample", {"user": {"app_metadata": {"tags": {"a", "b"}}}})
    assert caught.value.path == "event.user.app_metadata.tags"
    with pytest.raises(EventError, match="a Python bytes") as caught:
        make_event("sample", {"user": {"user_metadata": {"list": [1, {"raw": b"x"}]}}})
    assert caught.value.path == "event.user.user_metadata.list[1].raw"


# --- encode_event: the check and the JSON text in one ----------------------------------------


def deep_with_brackets(depth: int) -> dict:
    """``depth`` objects deep, each holding strings with brackets, quotes and escapes that a
    look at the text alone could mistake for nesting."""
    value: object = ']]}} {"[ back\\slash\\ \u00e9t\u00e9 [x]'
    for _ in range(depth):
        value = {"a": value, "s": '}]\\"{[', "t": "\n"}
    return value  # type: ignore[return-value]


@pytest.mark.parametrize("deep", [nested, deep_with_brackets])
def test_encode_event_takes_what_validate_event_takes_and_gives_its_json(deep) -> None:
    # Up to the limit and one past it, with and without brackets inside strings.
    for depth in (events.MAX_DEPTH - 3, events.MAX_DEPTH - 2):
        event = make_event("interactive", {"user": {"app_metadata": deep(depth)}})
        validate_event(event)
        assert json.loads(events.encode_event(event)) == event
        assert events.encode_event(event).isascii()
    too_deep = {
        **make_event(),
        "user": {"user_id": "x", "app_metadata": deep(events.MAX_DEPTH - 1)},
    }
    for check in (validate_event, events.encode_event):
        with pytest.raises(EventError, match="nests deeper than 64 levels") as caught:
            check(too_deep)
        assert caught.value.path.startswith("event.user.app_metadata.a.a")


def test_encode_event_agrees_with_validate_event_on_random_values() -> None:
    chars = ["a", "[", "]", "{", "}", '"', "\\", "\u00e9", "\n", ":", ","]
    rng = random.Random(9)

    def value(depth: int) -> object:
        pick = rng.random()
        if depth and pick < 0.35:
            return {text(): value(depth - 1) for _ in range(rng.randint(0, 3))}
        if depth and pick < 0.7:
            return [value(depth - 1) for _ in range(rng.randint(0, 3))]
        return rng.choice([text(), 7, 2.5, None, True])

    def text() -> str:
        return "".join(rng.choices(chars, k=rng.randint(0, 5)))

    outcomes = set()
    for _ in range(300):
        # The metadata sits 2 deep: a value 60 to 66 deep lands on both sides of the limit.
        metadata = value(rng.randint(1, 4))
        for _ in range(rng.randint(59, 65)):
            metadata = {"k": metadata} if rng.random() < 0.5 else [metadata]
        event = {**make_event(), "user": {"user_id": "u", "app_metadata": {"m": metadata}}}
        try:
            validate_event(event)
        except EventError as refused:
            with pytest.raises(EventError) as caught:
                events.encode_event(event)
            assert (caught.value.path, str(caught.value)) == (refused.path, str(refused))
            outcomes.add("refused")
        else:
            assert json.loads(events.encode_event(event)) == event
            outcomes.add("taken")
    assert outcomes == {"taken", "refused"}


def test_encode_event_refuses_what_json_text_cannot_hold() -> None:
    from types import MappingProxyType

    event = {**make_event(), "user": {"user_id": "x", "extra": MappingProxyType({})}}
    validate_event(event)  # a mapping is a JSON object to the walk...
    with pytest.raises(EventError, match="cannot travel to Node as JSON") as caught:
        events.encode_event(event)  # ...but not to the encoder
    assert caught.value.path == "event"
    event["user"]["extra"] = {"n": float("nan")}
    with pytest.raises(EventError, match="JSON cannot carry") as caught:
        events.encode_event(event)
    assert caught.value.path == "event.user.extra.n"


@pytest.mark.parametrize("spec", [5, ["interactive"], b"sample"])
def test_wrong_argument_types_are_event_errors_that_are_value_errors(spec: object) -> None:
    with pytest.raises(ValueError, match="a preset name, a JSON file path or a dict"):
        load_event(spec)  # type: ignore[arg-type]
    with pytest.raises(EventError, match="preset= takes a preset name"):
        make_event(spec)  # type: ignore[arg-type]
