"""Conformance: ``api.groups`` and ``api.roles``.

Sources: auth0/auth0-actions src/post-login/v3/test/index.js (`GroupsAPIImpl`,
`RolesAPIImpl`: their argument checks and texts), src/post-login/v3/index.d.ts
(`hasGroupMembership` answers `{memberships}`, a map keyed by the group asked about); docs,
api-object page (take <= 100, at most 100 ids and 50 names), checked after the library's.
"""

from __future__ import annotations

import pytest
from conformance import calls, covers, ok, out, thrown

from claimlab import make_event


@covers("groups.getUserGroups", "groups.hasGroupMembership")
def test_groups_are_async_and_answer_the_documented_shapes() -> None:
    got = out(
        """
  const pending = api.groups.hasGroupMembership(['admins', 'dogs']);
  out.isPromise = pending instanceof Promise;
  out.member = await pending;
  out.groups = await api.groups.getUserGroups({take: 10});
"""
    )
    assert got == {
        "isPromise": True,
        "member": {"memberships": {"admins": {"is_member": False}, "dogs": {"is_member": False}}},
        "groups": {"groups": []},
    }


@covers("groups.getUserGroups", "groups.hasGroupMembership")
@pytest.mark.parametrize(
    ("call", "message"),
    [
        (
            "hasGroupMembership([])",
            'Error: The "groups" parameter must be a non-empty array of strings.',
        ),
        (
            "hasGroupMembership('admins')",
            'Error: The "groups" parameter must be a non-empty array of strings.',
        ),
        ("getUserGroups({from: 5})", 'Error: The "from" parameter must be a string if provided.'),
        (
            "getUserGroups({take: 0})",
            'Error: The "take" parameter must be a positive integer if provided.',
        ),
        (
            "getUserGroups({take: 1.5})",
            'Error: The "take" parameter must be a positive integer if provided.',
        ),
    ],
)
def test_group_argument_checks(call: str, message: str) -> None:
    assert thrown(f"  await api.groups.{call};") == message


@covers(
    "roles.getUserEffectiveRoles",
    "roles.getUserEffectiveRolesByIds",
    "roles.getUserEffectiveRolesByNames",
)
def test_roles_answer_role_objects() -> None:
    event = make_event("interactive", {"authorization": {"roles": ["admin", "walker"]}})
    result_out = out(
        """
  const all = await api.roles.getUserEffectiveRoles();
  out.all = all.roles.map((r) => [r.name, r.type]);
  const names = (answer) => answer.roles.map((r) => r.name);
  out.byName = names(await api.roles.getUserEffectiveRolesByNames(['walker', 'nope']));
  out.byId = names(await api.roles.getUserEffectiveRolesByIds([all.roles[0].id]));
""",
        event,
    )
    assert result_out == {
        "all": [["admin", "direct"], ["walker", "direct"]],
        "byName": ["walker"],
        "byId": ["admin"],
    }


@covers(
    "roles.getUserEffectiveRoles",
    "roles.getUserEffectiveRolesByIds",
    "roles.getUserEffectiveRolesByNames",
)
@pytest.mark.parametrize(
    ("call", "message"),
    [
        (
            "getUserEffectiveRoles({from: 1})",
            'Error: The "from" parameter must be a string if provided.',
        ),
        (
            "getUserEffectiveRoles({take: -1})",
            'Error: The "take" parameter must be a positive integer if provided.',
        ),
        (
            "getUserEffectiveRolesByIds([])",
            'Error: The "ids" parameter must be a non-empty array of strings.',
        ),
        (
            "getUserEffectiveRolesByNames()",
            'Error: The "names" parameter must be a non-empty array of strings.',
        ),
        ("getUserEffectiveRoles({take: 101})", "RangeError: take must be at most 100."),
        (
            "getUserEffectiveRolesByIds(Array(101).fill('x'))",
            "RangeError: Pass at most 100 role ids.",
        ),
        (
            "getUserEffectiveRolesByNames(Array(51).fill('x'))",
            "RangeError: Pass at most 50 role names.",
        ),
    ],
)
def test_role_argument_checks(call: str, message: str) -> None:
    assert thrown(f"  await api.roles.{call};") == message


@covers(
    "groups.getUserGroups",
    "groups.hasGroupMembership",
    "roles.getUserEffectiveRoles",
    "roles.getUserEffectiveRolesByIds",
    "roles.getUserEffectiveRolesByNames",
)
def test_directory_calls_are_recorded() -> None:
    result = ok(
        "  await api.groups.getUserGroups({take: 5});\n"
        "  await api.groups.hasGroupMembership(['admins']);\n"
        "  await api.roles.getUserEffectiveRoles({from: '0'});\n"
        "  await api.roles.getUserEffectiveRolesByIds(['rol_1']);\n"
        "  await api.roles.getUserEffectiveRolesByNames(['admin']);"
    )
    assert calls(result) == [
        ("groups.getUserGroups", [{"take": 5}]),
        ("groups.hasGroupMembership", [["admins"]]),
        ("roles.getUserEffectiveRoles", [{"from": "0"}]),
        ("roles.getUserEffectiveRolesByIds", [["rol_1"]]),
        ("roles.getUserEffectiveRolesByNames", [["admin"]]),
    ]
