"""Tests for claimlab.widgets: the profile card, the token inspector and the Action result view."""

from __future__ import annotations

import base64
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import ipywidgets as widgets
import pytest

from claimlab import dogs
from claimlab import widgets as cw
from claimlab.errors import ActionRuntimeError
from claimlab.runtime.result import ActionResult, Command, LogLine
from claimlab.tokens import ID_TOKEN_LIFETIME, KeyStore, decode_token, mint, token_size

ISSUER = "https://dev-claimlab.us.auth0.com/"
CLIENT_ID = "k5u3o2fiAA8XweXEEX604KCwCjzjtMU6"
DOG = "https://dogfy.com/random_dog"
SCRIPT = "<script>alert(1)</script>"
IMG_XSS = "<img src=x onerror=alert(document.cookie)>"


# --- helpers --------------------------------------------------------------------------------


def walk(widget: widgets.Widget) -> Iterator[widgets.Widget]:
    yield widget
    for child in getattr(widget, "children", ()):
        yield from walk(child)


def html_of(widget: widgets.Widget) -> str:
    """Every HTML widget's value under ``widget``, joined."""
    return "\n".join(w.value for w in walk(widget) if isinstance(w, widgets.HTML))


def user_claims(**extra: Any) -> dict[str, Any]:
    now = int(time.time())
    claims = {
        "given_name": "Jane",
        "family_name": "Doe",
        "nickname": "jane.doe",
        "name": "Jane Doe",
        "picture": "https://s.gravatar.com/avatar/1b2c3d?s=480&r=pg&d=https%3A%2F%2Fcdn.auth0.com%2Favatars%2Fjd.png",
        "updated_at": "2025-05-01T09:30:00.000Z",
        "email": "jane.doe@example.com",
        "email_verified": True,
        "iss": ISSUER,
        "aud": CLIENT_ID,
        "sub": "auth0|6650f1a2b3c4d5e6f7a8b9c0",
        "iat": now,
        "exp": now + ID_TOKEN_LIFETIME,
        "sid": "qHn7yQGxIbYkVXbq3pO0JoQ6bnY0c1Zl",
        "nonce": "bm9uY2UtMTIz",
        DOG: dogs.image_url("pug"),
    }
    claims.update(extra)
    return claims


@pytest.fixture
def store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> KeyStore:
    monkeypatch.setenv("CLAIMLAB_HOME", str(tmp_path))
    return KeyStore(tmp_path / "keys")


@pytest.fixture
def fetches(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str]]:
    """Record every dogs.fetch_image call (and still serve it)."""
    calls: list[tuple[str, str]] = []
    real = dogs.fetch_image

    def spy(url: str, *, network: str = "mock", **kwargs: Any) -> tuple[bytes, str]:
        calls.append((url, network))
        return real(url, network=network, **kwargs)

    monkeypatch.setattr(dogs, "fetch_image", spy)
    return calls


def action_result(**overrides: Any) -> ActionResult:
    fields: dict[str, Any] = {
        "commands": [
            Command("idToken.setCustomClaim", [DOG, dogs.image_url("pug")], "add-dog"),
            Command("user.setAppMetadata", ["dogs_seen", 3], "add-dog"),
        ],
        "logs": [
            LogLine("log", "fetched https://dog.ceo/api/breeds/image/random", "add-dog"),
            LogLine("warn", "slow Dog API: 812 ms", "add-dog"),
        ],
        "error": None,
        "duration_ms": 41.27,
        "node_version": "v22.20.0",
        "actions_run": ["add-dog"],
    }
    fields.update(overrides)
    return ActionResult(**fields)


# --- profile card -----------------------------------------------------------------------------


def test_profile_card_shows_the_dog_from_the_claim(fetches: list[tuple[str, str]]) -> None:
    claims = user_claims()
    card = cw.profile_card(claims)

    assert isinstance(card, cw.ProfileCard)
    assert isinstance(card, widgets.VBox)
    assert isinstance(card.dog_image, widgets.Image)
    assert bytes(card.dog_image.value) == dogs.image_bytes(dogs.image_url("pug"))
    assert card.dog_image.format == "svg+xml"
    assert card.dog_image.width == "240"
    assert card.dog_image in card.dog_section.children
    assert "Our doggy!" in html_of(card)
    assert card.claims == claims
    assert (dogs.image_url("pug"), "mock") in fetches


def test_profile_card_shows_name_email_and_verified_badge() -> None:
    card = cw.profile_card(user_claims())
    text = card.identity.value
    assert "Jane Doe" in text
    assert "jane.doe@example.com" in text
    assert "verified" in text and "not verified" not in text

    unverified = cw.profile_card(user_claims(email_verified=False))
    assert "not verified" in unverified.identity.value


def test_gravatar_picture_gets_an_initials_avatar_without_a_fetch(
    fetches: list[tuple[str, str]],
) -> None:
    card = cw.profile_card(user_claims())

    assert card.avatar.format == "svg+xml"
    svg = bytes(card.avatar.value)
    assert svg.startswith(b"<svg") and b">JD</text>" in svg
    assert all("gravatar" not in url for url, _ in fetches)


def test_claimlab_dog_picture_is_fetched_for_the_avatar(fetches: list[tuple[str, str]]) -> None:
    picture = dogs.image_url("husky")
    card = cw.profile_card(user_claims(picture=picture))
    assert card.avatar.format == "svg+xml"
    assert bytes(card.avatar.value) == dogs.image_bytes(picture)
    assert (picture, "mock") in fetches


def test_absent_dog_claim_explains_why() -> None:
    claims = user_claims()
    del claims[DOG]
    card = cw.profile_card(claims)

    assert card.dog_image is None
    assert not any(isinstance(w, widgets.Image) and w is not card.avatar for w in walk(card))
    text = card.dog_message.value
    assert "No dog in this token" in text
    assert DOG in text
    assert "event.authorization" in text and "optional" in text
    assert "not bound" in text


def test_dog_claim_name_is_configurable() -> None:
    claims = user_claims()
    other = "https://example.com/dog"
    claims[other] = claims.pop(DOG)
    card = cw.profile_card(claims, dog_claim=other)
    assert card.dog_image is not None
    assert "No dog" not in card.dog_message.value


def test_unknown_dog_url_offline_shows_a_message_not_an_exception() -> None:
    card = cw.profile_card(
        user_claims(**{DOG: "https://images.dog.ceo/breeds/pug/n02110958_1975.jpg"})
    )
    assert card.dog_image is None
    assert "could not be shown" in card.dog_message.value
    assert "network=&#x27;live&#x27;" in card.dog_message.value


def test_non_url_dog_claim_is_reported() -> None:
    card = cw.profile_card(user_claims(**{DOG: 42}))
    assert card.dog_image is None
    assert "not an image URL" in card.dog_message.value


def test_new_dog_button_updates_the_card_in_place() -> None:
    calls = []

    def on_new_dog() -> dict[str, Any]:
        calls.append(1)
        return user_claims(**{DOG: dogs.image_url("corgi")})

    card = cw.profile_card(user_claims(), on_new_dog=on_new_dog)
    first_image = card.dog_image
    assert first_image is not None
    assert isinstance(card.new_dog_button, widgets.Button)
    assert card.new_dog_button.description == "New dog"
    assert card.new_dog_button in card.children

    card.new_dog_button.click()

    assert calls == [1]
    assert card.dog_image is first_image  # same widget, new picture
    assert bytes(card.dog_image.value) == dogs.image_bytes(dogs.image_url("corgi"))
    assert bytes(card.dog_image.value) != dogs.image_bytes(dogs.image_url("pug"))
    assert card.claims[DOG] == dogs.image_url("corgi")
    assert not card.new_dog_button.disabled
    assert card.new_dog_button.description == "New dog"


def test_new_dog_after_a_missing_claim_shows_the_image() -> None:
    claims = user_claims()
    del claims[DOG]
    card = cw.profile_card(claims, on_new_dog=lambda: user_claims(**{DOG: dogs.image_url("shiba")}))
    assert card.dog_image is None
    assert card.new_dog_button is not None
    card.new_dog_button.click()
    assert card.dog_image is not None
    assert bytes(card.dog_image.value) == dogs.image_bytes(dogs.image_url("shiba"))
    assert card.dog_section.children[1:] == (card.dog_image, card.dog_caption)


def test_new_dog_failure_is_shown_and_the_button_recovers() -> None:
    def broken() -> dict[str, Any]:
        raise RuntimeError(f"Dog API down {SCRIPT}")

    card = cw.profile_card(user_claims(), on_new_dog=broken)
    before = bytes(card.dog_image.value)
    card.new_dog_button.click()

    assert "Could not get a new dog" in card.status.value
    assert "&lt;script&gt;" in card.status.value and SCRIPT not in card.status.value
    assert not card.new_dog_button.disabled
    assert bytes(card.dog_image.value) == before


def test_no_button_without_on_new_dog() -> None:
    card = cw.profile_card(user_claims())
    assert card.new_dog_button is None
    assert not any(isinstance(w, widgets.Button) for w in walk(card))


def test_update_accepts_a_decoded_token(store: KeyStore) -> None:
    token = mint(user_claims(**{DOG: dogs.image_url("beagle")}), store.current)
    card = cw.profile_card(user_claims())
    card.update(decode_token(token, verify=False))
    assert bytes(card.dog_image.value) == dogs.image_bytes(dogs.image_url("beagle"))


def test_profile_card_escapes_claim_values() -> None:
    card = cw.profile_card(user_claims(name=SCRIPT, email=IMG_XSS))
    text = html_of(card)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text
    assert "&lt;img src=x onerror=alert(document.cookie)&gt;" in text
    assert SCRIPT not in text and IMG_XSS not in text
    # The initials avatar is SVG markup: the name goes into it escaped too.
    assert b"<script" not in bytes(card.avatar.value)


# --- claims table and token inspector ---------------------------------------------------------


def kinds(html_text: str) -> dict[str, str]:
    rows = re.findall(r"<tr data-kind='(\w+)'><td[^>]*><code[^>]*>([^<]*)</code>", html_text)
    return {name: kind for kind, name in rows}


def test_claim_kinds() -> None:
    found = kinds(cw.render_claims_html(user_claims(**{"https://example.com/roles": ["admin"]})))
    assert found["sub"] == "standard"
    assert found["exp"] == "standard"
    assert found["email"] == "profile"
    assert found["picture"] == "profile"
    assert found[DOG] == "custom"
    assert found["https://example.com/roles"] == "custom"
    assert cw.claim_kind("org_id") == "standard"
    assert cw.claim_kind("email_verified") == "profile"
    assert cw.claim_kind("favourite_colour") == "custom"


def test_numeric_dates_render_as_utc_and_relative() -> None:
    now = 1_700_000_000
    text = cw.render_claims_html(
        {"iat": now, "exp": now + ID_TOKEN_LIFETIME, "auth_time": now - 90}, now=now
    )
    assert str(now + ID_TOKEN_LIFETIME) in text
    assert "2023-11-15T08:13:20Z" in text  # exp, 10 h after iat
    assert "2023-11-14T22:13:20Z" in text  # iat
    assert "in 10h 0m" in text
    assert "1m 30s ago" in text


def test_claims_table_escapes_names_and_values() -> None:
    text = cw.render_claims_html({"https://example.com/note": SCRIPT, IMG_XSS: {"a": SCRIPT}})
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text
    assert "&lt;img src=x onerror=alert(document.cookie)&gt;" in text
    assert SCRIPT not in text and IMG_XSS not in text


def test_image_claims_embed_claimlab_dogs_and_only_link_others(
    fetches: list[tuple[str, str]],
) -> None:
    real_dog = "https://images.dog.ceo/breeds/hound-afghan/n02088094_1003.jpg"
    text = cw.render_claims_html(
        {
            DOG: dogs.image_url("pug"),
            "https://example.com/real_dog": real_dog,
            "https://example.com/evil": "javascript:alert(1)//x.png",
        }
    )
    data = base64.b64encode(dogs.image_bytes(dogs.image_url("pug"))).decode()
    assert f"src='data:image/svg+xml;base64,{data}'" in text
    assert f"href='{real_dog}'" in text
    assert f"src='{real_dog}'" not in text
    assert "href='javascript:" not in text
    assert fetches == []


def test_token_inspector_from_token_only(store: KeyStore) -> None:
    claims = user_claims()
    token = mint(claims, store.current)
    view = cw.token_inspector(token)

    assert isinstance(view, widgets.VBox)
    assert view.decoded.claims == claims
    text = html_of(view)
    assert "signature was not checked" in text
    assert store.current.kid in view.header_html.value
    assert "RS256" in view.header_html.value
    assert kinds(view.claims_html.value)[DOG] == "custom"
    assert view.custom_claims == {DOG: dogs.image_url("pug")}


def test_token_inspector_lists_passed_checks(store: KeyStore) -> None:
    token = mint(user_claims(), store.current)
    decoded = decode_token(token, key=store.current, audience=CLIENT_ID, issuer=ISSUER)
    view = cw.token_inspector(token, decoded=decoded)

    checks = view.checks_html.value
    assert "signature verified" in checks
    assert f"issuer is {ISSUER}" in checks
    assert "not expired" in checks
    assert "not checked" not in checks


def test_size_meter_values(store: KeyStore) -> None:
    token = mint(user_claims(), store.current)
    custom = {DOG: dogs.image_url("pug")}
    size = token_size(token, custom)
    view = cw.token_inspector(token, custom_claims=custom)

    assert isinstance(view.claims_meter, widgets.IntProgress)
    assert view.claims_meter.value == size.custom_claims_bytes
    assert view.claims_meter.max == 100 * 1024
    assert view.cookie_meter is not None
    assert view.cookie_meter.value == size.token_bytes == len(token)
    assert view.cookie_meter.max == 4096
    assert view.cookie_meter.bar_style == "success"
    assert f"{size.token_bytes:,} of 4,096 bytes" in html_of(view)
    assert view.size_html.value.count("cookie") == 0


def test_size_meter_warns_over_the_cookie_limit(store: KeyStore) -> None:
    big = {"https://example.com/blob": "x" * 5000}
    token = mint(user_claims(**big), store.current)
    view = cw.token_inspector(token)

    assert view.cookie_meter is not None
    assert view.cookie_meter.value == 4096  # clamped; the label has the real number
    assert view.cookie_meter.bar_style == "danger"
    assert f"{len(token):,} of 4,096 bytes" in html_of(view)
    assert "nextjs-auth0" in view.size_html.value
    assert view.claims_meter.value == token_size(token, view.custom_claims).custom_claims_bytes


def test_inspector_from_decoded_only_has_no_cookie_meter(store: KeyStore) -> None:
    decoded = decode_token(mint(user_claims(), store.current), key=store.current)
    view = cw.token_inspector(decoded=decoded)
    assert view.cookie_meter is None
    assert view.claims_meter.value > 0
    assert "Pass the token string" in view.size_html.value


def test_inspector_needs_something() -> None:
    with pytest.raises(ValueError):
        cw.token_inspector()


def test_inspector_escapes_token_content(store: KeyStore) -> None:
    token = mint(user_claims(**{"https://example.com/note": SCRIPT}), store.current)
    text = html_of(cw.token_inspector(token))
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text
    assert SCRIPT not in text


# --- Action result ------------------------------------------------------------------------------


def test_action_result_view_header_and_commands() -> None:
    view = cw.action_result_view(action_result())

    assert isinstance(view, widgets.VBox)
    header = view.header_html.value
    assert "add-dog" in header and "ran" in header
    assert "41.3 ms" in header and "v22.20.0" in header
    table = view.commands_html.value
    assert "api.idToken.setCustomClaim" in table
    # compact JSON arguments, escaped for HTML
    assert f"&quot;{DOG}&quot;,&quot;{dogs.image_url('pug')}&quot;" in table
    assert "api.user.setAppMetadata" in table and "&quot;dogs_seen&quot;,3" in table
    assert table.count("<td style='padding:4px 8px;border-bottom:1px solid #f1f5f9;") >= 6
    assert view.error_html.value == "" and view.denied_html.value == ""


def test_action_result_view_colours_logs_and_escapes_them() -> None:
    result = action_result(
        logs=[
            LogLine("log", IMG_XSS, "add-dog"),
            LogLine("error", f"bad {SCRIPT}", "add-dog"),
        ]
    )
    view = cw.action_result_view(result)
    logs = view.logs_html.value

    assert "&lt;img src=x onerror=alert(document.cookie)&gt;" in logs
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in logs
    text = html_of(view)
    assert IMG_XSS not in text and SCRIPT not in text
    assert "color:#b91c1c" in logs  # error lines in red


def test_action_result_view_escapes_command_arguments() -> None:
    result = action_result(commands=[Command("idToken.setCustomClaim", [DOG, IMG_XSS], "add-dog")])
    text = html_of(cw.action_result_view(result))
    assert IMG_XSS not in text
    assert "&lt;img src=x onerror=alert(document.cookie)&gt;" in text


def test_action_result_view_shows_the_error_with_file_and_line() -> None:
    error = ActionRuntimeError(
        f"Cannot read properties of undefined (reading 'message') {SCRIPT}",
        file="add-dog.js",
        line=7,
        action="add-dog",
        stack="TypeError: Cannot read properties of undefined\n    at add-dog.js:7:31",
    )
    view = cw.action_result_view(action_result(commands=[], logs=[], error=error))

    assert view.error_html in view.children
    text = view.error_html.value
    assert "RuntimeError" in text
    assert "add-dog.js:7" in text
    assert "Cannot read properties of undefined" in text
    assert "&lt;script&gt;" in text and SCRIPT not in text
    assert "#991b1b" in text  # styled as an error
    assert "failed" in view.header_html.value
    assert "no api calls" in view.commands_html.value


def test_action_result_view_shows_the_deny_reason() -> None:
    result = action_result(commands=[], denied={"reason": f"No dogs allowed {SCRIPT}"})
    view = cw.action_result_view(result)
    assert view.denied_html in view.children
    assert "Login denied" in view.denied_html.value
    assert "No dogs allowed &lt;script&gt;" in view.denied_html.value
    assert SCRIPT not in html_of(view)
    assert "denied the login" in view.header_html.value


# --- what a learner believes and reads ------------------------------------------------------------


def test_the_card_names_the_breed_beneath_the_dog() -> None:
    card = cw.profile_card(user_claims(**{DOG: dogs.image_url("dalmatian")}))
    assert card.breed == "dalmatian"
    assert card.dog_section.children[1:] == (card.dog_image, card.dog_caption)
    assert ">Dalmatian</div>" in card.dog_caption.value


def test_new_dog_logs_in_again_until_the_dog_differs_from_the_card() -> None:
    # The card shows a pug; the next two logins bring the pug back, the third a corgi.
    answers = iter(["pug", "pug", "corgi", "beagle"])
    calls: list[str] = []

    def on_new_dog() -> dict[str, Any]:
        calls.append(next(answers))
        return user_claims(**{DOG: dogs.image_url(calls[-1])})

    card = cw.profile_card(user_claims(), on_new_dog=on_new_dog)
    card.new_dog_button.click()
    assert calls == ["pug", "pug", "corgi"]
    assert card.breed == "corgi" and card.status.value == ""


def test_new_dog_that_never_changes_says_so_and_keeps_the_card() -> None:
    calls: list[int] = []

    def same_dog() -> dict[str, Any]:
        calls.append(1)
        return user_claims()

    card = cw.profile_card(user_claims(), on_new_dog=same_dog)
    card.new_dog_button.click()
    assert len(calls) > 1
    assert f"{len(calls)} logins in a row brought back the dog" in card.status.value
    assert card.breed == "pug" and not card.new_dog_button.disabled


def test_new_dog_on_a_tenant_never_shows_the_dog_just_shown() -> None:
    # Real logins through the tutorial's Action; refresh logins in between draw dogs the card
    # never sees, as other notebook cells do.
    from claimlab import LocalTenant

    tenant = LocalTenant()
    tenant.bind(
        Path(__file__).resolve().parent.parent / "notebooks" / "actions" / "assign-random-dog.js",
        dependencies=["axios@1.7.9"],
    )
    card = cw.profile_card(
        tenant.login("alice"), on_new_dog=lambda: tenant.login("alice").decode().claims
    )
    for _ in range(6):
        shown = card.claims[DOG]
        tenant.login("alice", flow="refresh")
        card.new_dog_button.click()
        assert card.status.value == ""
        assert card.claims[DOG] != shown


def test_a_card_for_a_login_names_the_known_cause_first() -> None:
    from claimlab import LocalTenant

    card = cw.profile_card(LocalTenant().login("alice"))
    text = card.dog_message.value
    assert "No dog in this token" in text
    known, others = text.split("Other usual causes:")
    assert "No Action is bound" in known
    assert "not bound" not in others and "event.authorization" in others


def test_the_inspector_says_there_are_no_custom_claims(store: KeyStore) -> None:
    claims = user_claims()
    del claims[DOG]
    view = cw.token_inspector(mint(claims, store.current))
    text = html_of(view)
    assert "no custom claims" in text
    assert "2 of 102,400" not in text


def test_the_result_view_keeps_api_names_whole() -> None:
    table = cw.action_result_view(action_result()).commands_html.value
    assert "break-all" not in table
    cell = table.split("api.idToken.setCustomClaim")[0].rsplit("<td", 1)[1]
    assert "white-space:nowrap" in cell


# --- static snapshots ---------------------------------------------------------------------------


@pytest.fixture
def shell() -> Any:
    from IPython.core.interactiveshell import InteractiveShell

    return InteractiveShell.instance()


def displayed(shell: Any, action: Any) -> list[Any]:
    from IPython.utils.capture import capture_output

    with capture_output() as captured:
        action()
    return captured.outputs


def test_a_view_displays_the_live_widget_then_a_snapshot(shell: Any, store: KeyStore) -> None:
    from IPython.display import display

    views = [
        cw.profile_card(user_claims()),
        cw.token_inspector(mint(user_claims(), store.current)),
        cw.action_result_view(action_result()),
    ]
    for view in views:
        live, snapshot = displayed(shell, lambda v=view: display(v))
        assert "application/vnd.jupyter.widget-view+json" in live.data
        assert "claimlab-live" in view._dom_classes
        assert "text/html" in snapshot.data and snapshot.transient["display_id"]
        assert "claimlab-snapshot" in snapshot.data["text/html"]


def test_the_card_snapshot_has_the_dog_inline_and_follows_new_dogs(shell: Any) -> None:
    from IPython.display import display

    corgi = dogs.image_url("corgi")
    card = cw.profile_card(user_claims(), on_new_dog=lambda: user_claims(**{DOG: corgi}))
    outputs = displayed(shell, lambda: (display(card), card.new_dog_button.click()))
    first, update = outputs[1], outputs[2]
    assert update.transient["display_id"] == first.transient["display_id"]
    pug = base64.b64encode(dogs.image_bytes(dogs.image_url("pug"))).decode()
    assert f"data:image/svg+xml;base64,{pug}" in first.data["text/html"]
    html_now = update.data["text/html"]
    assert base64.b64encode(dogs.image_bytes(corgi)).decode() in html_now
    assert ">Corgi</div>" in html_now and "alt='a corgi'" in html_now
    assert "<button" not in html_now


def test_snapshots_fetch_nothing_and_escape_what_they_show(store: KeyStore) -> None:
    token = mint(user_claims(**{"https://example.com/note": SCRIPT}), store.current)
    snapshot = cw.token_inspector(token).snapshot_html()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in snapshot and SCRIPT not in snapshot
    assert re.findall(r"src='(?!data:)", snapshot) == []


def test_a_card_takes_a_login_over_http_as_it_takes_a_local_one() -> None:
    from claimlab import LocalTenant
    from claimlab.oauth import login_password

    tenant = LocalTenant()
    tenant.bind(
        Path(__file__).resolve().parent.parent / "notebooks" / "actions" / "assign-random-dog.js",
        dependencies=["axios@1.7.9"],
    )
    with tenant.serve() as server:
        tokens = login_password(
            server.domain, tenant.default_client_id, "alice", "correct-horse-battery-staple"
        )
        card = cw.profile_card(tokens)
    # The card shows the verified token's claims: the dog the Action set, and who logged in.
    assert card.claims == tokens.decode().claims
    assert card.claims[DOG] == tokens.claims[DOG]
    assert card.dog_image is not None
    assert tenant.user("alice").name in card.identity.value
