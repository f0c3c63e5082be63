"""Counterexamples: the smallest event on which a claim design breaks, found and shrunk."""

from __future__ import annotations

from pathlib import Path

import pytest

from claimlab import falsify, run_action
from claimlab.lab.falsify import removable_paths
from claimlab.lab.generate import steady_mocks

DOG = "https://dogfy.com/random_dog"


def _holds(action, event, predicate, axios) -> bool:
    result = run_action(action, event, dependencies=axios, mocks=steady_mocks(0))
    return predicate(event, result)


def test_every_login_gets_the_dog_fails_without_authorization_and_is_shrunk(
    dog_action,
    axios,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(tmp_path)

    def gets_the_dog(event: dict, result) -> bool:
        return DOG in result.id_token_claims

    found = falsify(dog_action, gets_the_dog, max_examples=100, dependencies=axios)
    assert found.found
    assert "authorization" not in found.event
    assert found.essential == ["event.authorization"]
    assert not gets_the_dog(found.event, found.result)
    # Shrunk: removing any field still there makes the predicate hold (or leaves nothing to
    # remove); putting authorization back makes it hold too.
    for path in removable_paths():
        node = found.event
        for key in path[:-1]:
            node = node.get(key, {})
        if path[-1] in node:
            smaller = {k: dict(v) if isinstance(v, dict) else v for k, v in found.event.items()}
            target = smaller
            for key in path[:-1]:
                target = target[key]
            del target[path[-1]]
            assert _holds(dog_action, smaller, gets_the_dog, axios), path
    assert "event.authorization removed" in str(found)
    # Hypothesis kept no database: nothing written where it ran.
    assert list(tmp_path.iterdir()) == []


def test_a_predicate_that_always_holds_finds_nothing(dog_action, axios) -> None:
    found = falsify(
        dog_action, lambda event, result: result.ok, max_examples=30, dependencies=axios
    )
    assert not found.found
    assert found.examples >= 30
    assert "No counterexample" in str(found)


def test_a_predicate_that_raises_counts_as_false_and_says_why() -> None:
    action = "exports.onExecutePostLogin = async (event, api) => {};"

    def roles(event: dict, result) -> bool:
        return len(event["authorization"]["roles"]) >= 0

    found = falsify(action, roles, max_examples=50)
    assert found.found and "authorization" not in found.event
    assert found.error.startswith("KeyError")
