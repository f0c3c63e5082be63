"""Reproducible logins for the lab: users, flows and event variants drawn from a seed.

A sweep needs many logins that differ the way real ones do (roles, metadata sizes,
organizations, connections, locales, flows); a matrix needs the same user logged in under
variants Auth0 can produce but the sample users do not (no ``event.authorization``, an
Organization, a first login, a social connection). Both build their events with
:meth:`LocalTenant.login_event`, so an event here is the one a login would hand the Actions.
"""

from __future__ import annotations

import copy
import hashlib
import random
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any, get_args

from claimlab import dogs
from claimlab.errors import ClaimlabError
from claimlab.tenant.directory import User
from claimlab.tenant.local import Flow, LocalTenant

FLOWS: tuple[str, ...] = get_args(Flow)
"""The login flows of :meth:`LocalTenant.login`, in its order."""


def _without_authorization(event: dict[str, Any]) -> None:
    event.pop("authorization", None)


def _in_organization(user: User) -> User:
    if user.organization:
        return user
    return replace(user, organization=copy.deepcopy(_ORGANIZATIONS[0]))


def _first_login(user: User) -> User:
    # login_event counts this login in, as Auth0's stats.logins_count does.
    return replace(user, logins_count=0)


def _social(user: User) -> User:
    if user.is_social:
        return user
    bare = user.user_id.partition("|")[2] or user.user_id
    return replace(
        user,
        user_id=f"google-oauth2|{int(hashlib.sha1(bare.encode()).hexdigest()[:15], 16)}",
        connection="google-oauth2",
        strategy="google-oauth2",
        username=None,
        password=None,
    )


@dataclass(frozen=True)
class Variant:
    """One way a login can differ from the sample user's: a change to the user, the event,
    or both, applied before the Actions run."""

    name: str
    description: str
    user: Callable[[User], User] | None = None
    event: Callable[[dict[str, Any]], None] | None = None

    def apply(self, user: User) -> User:
        """A copy of ``user`` as this variant logs in (the directory's user is not touched)."""
        fresh = copy.deepcopy(user)
        return self.user(fresh) if self.user else fresh


VARIANTS: dict[str, Variant] = {
    v.name: v
    for v in (
        Variant("as is", "the user as the directory has them"),
        Variant(
            "no authorization",
            "event.authorization absent: optional in Auth0's types, guarded in its examples",
            event=_without_authorization,
        ),
        Variant(
            "organization", "logged in through an Organization (org_id claim)", _in_organization
        ),
        Variant("first login", "the user's first login (stats.logins_count is 1)", _first_login),
        Variant("social", "a Google account (google-oauth2 connection)", _social),
    )
}
"""The event variants of :func:`claimlab.matrix`, by name."""


def variant(name: str | Variant) -> Variant:
    """Look a variant up by name (a :class:`Variant` is returned as is)."""
    if isinstance(name, Variant):
        return name
    try:
        return VARIANTS[name]
    except KeyError:
        raise ClaimlabError(
            f"No event variant {name!r}; variants: {', '.join(VARIANTS)} (or pass a Variant)."
        ) from None


def check_flows(flows: Sequence[str] | None) -> tuple[str, ...]:
    """The flows asked for, checked against :data:`FLOWS` (all of them for ``None``)."""
    if flows is None:
        return FLOWS
    chosen = tuple(flows)
    unknown = [f for f in chosen if f not in FLOWS]
    if unknown or not chosen:
        raise ClaimlabError(
            f"Unknown flow(s) {', '.join(map(repr, unknown)) or '(none given)'}; "
            f"flows: {', '.join(FLOWS)}."
        )
    return chosen


def steady_mocks(seed: int, mocks: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Mock routes whose answers do not depend on how many runs came before.

    The offline Dog API rotates through its breeds per Node worker, so which dog a run gets
    depends on the order runs reach the workers. Pinning it to one dog (chosen by ``seed``)
    makes a sweep's tokens, and their sizes, the same with one worker or many. ``mocks``
    are laid over it, as ``run_action`` lays them over the rotating one.
    """
    route = f"GET {dogs.DOG_API_URL}"
    choices = dogs.dog_api_mocks()[route]["choices"]
    return {route: choices[dogs.pick(seed, 0, len(choices))], **(mocks or {})}


# --- generated users ---------------------------------------------------------------------------

_ROLES = ("admin", "editor", "member", "viewer", "billing", "support")
_CONNECTIONS = (
    ("Username-Password-Authentication", "auth0", "auth0"),
    ("google-oauth2", "google-oauth2", "google-oauth2"),
    ("github", "github", "github"),
    ("acme-saml", "samlp", "samlp"),
)
_ORGANIZATIONS = (
    {
        "id": "org_Acme7Y3kQ2pLm9Xz",
        "name": "acme",
        "display_name": "Acme Corp",
        "metadata": {"plan": "enterprise"},
    },
    {"id": "org_Globex4Rt8Wq1Nv", "name": "globex", "display_name": "Globex", "metadata": {}},
    {
        "id": "org_Initech2Hb6Zy0K",
        "name": "initech",
        "display_name": "Initech",
        "metadata": {"plan": "team", "region": "eu"},
    },
)
_LOCALES = ("en", "en-GB", "fr-FR", "de-DE", "pl-PL", "ja-JP", "pt-BR", "es-419")
_FIRST_NAMES = ("Ana", "Ben", "Chen", "Dara", "Emeka", "Fatima", "Gosia", "Hiro", "Ines", "Jon")
_LAST_NAMES = ("Silva", "Okafor", "Nowak", "Tanaka", "Müller", "Garcia", "Smith", "Haddad")
# Metadata sizes of real tenants run from nothing to a few kilobytes of preferences or
# permissions; the tail is what pushes tokens past a cookie.
_METADATA_ITEMS = (0, 0, 1, 2, 4, 8, 32, 128)


@dataclass(frozen=True)
class GeneratedLogin:
    """One login of a sweep: who, through which flow, and the event the Actions get."""

    index: int
    user: User
    flow: str
    locale: str
    event: dict[str, Any]

    def describe(self) -> dict[str, Any]:
        """The features the generator varied, as plain values (a row of a sweep's table)."""
        metadata = self.user.app_metadata
        return {
            "user_id": self.user.user_id,
            "flow": self.flow,
            "connection": self.user.connection,
            "roles": ",".join(self.user.roles),
            "organization": (self.user.organization or {}).get("name"),
            "locale": self.locale,
            "logins_count": self.user.logins_count + 1,
            "app_metadata_items": len(metadata.get("permissions", [])),
        }


def _user(rng: random.Random, index: int) -> tuple[User, str]:
    first, last = rng.choice(_FIRST_NAMES), rng.choice(_LAST_NAMES)
    connection, strategy, provider = rng.choice(_CONNECTIONS)
    bare = f"{index:08x}{rng.getrandbits(64):016x}"
    handle = f"{first}.{last}.{index}".lower()
    locale = rng.choice(_LOCALES)
    items = rng.choice(_METADATA_ITEMS)
    app_metadata: dict[str, Any] = {}
    if items:
        app_metadata = {
            "plan": rng.choice(("free", "pro", "enterprise")),
            "permissions": [f"read:report-{rng.getrandbits(24):06x}" for _ in range(items)],
        }
    organization = None
    if rng.random() < 0.3:
        organization = copy.deepcopy(rng.choice(_ORGANIZATIONS))
    user = User(
        user_id=f"{provider}|{bare}",
        email=f"{handle}@example.com",
        name=f"{first} {last}",
        given_name=first,
        family_name=last,
        nickname=handle,
        connection=connection,
        strategy=strategy,
        username=handle if strategy == "auth0" else None,
        roles=rng.sample(_ROLES, rng.choice((0, 1, 1, 2, 3))),
        organization=organization,
        app_metadata=app_metadata,
        user_metadata={"locale": locale} if rng.random() < 0.7 else {},
        # One login in ten is a first login: onboarding logic lives there.
        logins_count=0 if rng.random() < 0.1 else rng.randrange(1, 500),
    )
    return user, locale


def iter_logins(
    n: int,
    seed: int = 0,
    *,
    flows: Sequence[str] | None = None,
    users: Sequence[str | User] | None = None,
    tenant: LocalTenant | None = None,
    check: bool = True,
) -> Iterator[GeneratedLogin]:
    """``n`` logins drawn from ``seed``: the same seed gives the same logins, events included.

    Without ``users``, each login is a new user with varied roles, metadata sizes,
    organization, connection and locale; with ``users`` (handles of the tenant's directory,
    or :class:`User` objects), logins cycle through those. Flows are drawn from ``flows``
    (all five by default). ``check=False`` leaves validating the events to whatever runs
    them (:func:`claimlab.run_many` does), so a sweep checks each event once.
    """
    if n < 0:
        raise ClaimlabError(f"n must be 0 or more, not {n}.")
    chosen_flows = check_flows(flows)
    tenant = tenant or LocalTenant(build_delay=0)
    known = [tenant.user(u) for u in users] if users else None
    rng = random.Random(seed)
    for index in range(n):
        if known:
            person = copy.deepcopy(known[index % len(known)])
            locale = person.user_metadata.get("locale", "en")
        else:
            person, locale = _user(rng, index)
        flow = rng.choice(chosen_flows)
        session = hashlib.sha256(f"{seed}|{index}".encode()).hexdigest()[:32]
        event = tenant.login_event(
            person,
            flow=flow,  # type: ignore[arg-type]
            session_id=session,
            check=check,
        )
        event["request"]["language"] = locale
        yield GeneratedLogin(index, person, flow, locale, event)


def generate_logins(
    n: int,
    seed: int = 0,
    *,
    flows: Sequence[str] | None = None,
    users: Sequence[str | User] | None = None,
    tenant: LocalTenant | None = None,
) -> list[GeneratedLogin]:
    """The logins of :func:`iter_logins`, as a list."""
    return list(iter_logins(n, seed, flows=flows, users=users, tenant=tenant))
