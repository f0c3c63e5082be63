"""Input the Python API refuses before anything runs: a budget Node cannot keep, secrets and
configuration that are not text. Each is a typed claimlab error that is also a ValueError or a
TypeError, and says what it expected."""

from __future__ import annotations

import math

import pytest

from claimlab import OptionError, OptionTypeError, run_action, run_flow, run_many
from claimlab.runtime import Action, Runner
from claimlab.tenant import LocalTenant

OK = "exports.onExecutePostLogin = async (event, api) => { api.idToken.setCustomClaim('ok', 1); };"


@pytest.mark.parametrize("timeout", [math.nan, math.inf, -math.inf, 0, 0.0, -1, 600.001, 1e9])
def test_a_timeout_node_cannot_keep_is_refused(timeout: float, fresh_runner: Runner) -> None:
    for call in (
        lambda: run_action(OK, timeout=timeout),
        lambda: run_flow([OK], timeout=timeout),
        lambda: run_many(OK, [None], timeout=timeout),
        lambda: fresh_runner.run_many([Action.load(OK)], [None], timeout=timeout),
    ):
        with pytest.raises(OptionError) as caught:
            call()
        assert isinstance(caught.value, ValueError)
        assert str(caught.value).startswith(
            "timeout must be a finite number of seconds above 0 and at most 600, not "
        )
    # Refused before anything ran: no worker was started for it.
    assert fresh_runner.worker.starts == 0


@pytest.mark.parametrize("timeout", ["5", None, True, [1]])
def test_a_timeout_that_is_no_number_is_a_type_error(timeout: object) -> None:
    with pytest.raises(OptionTypeError, match="timeout must be a number of seconds") as caught:
        run_action(OK, timeout=timeout)  # type: ignore[arg-type]
    assert isinstance(caught.value, TypeError)


def test_the_largest_and_a_small_timeout_are_accepted() -> None:
    for timeout in (600, 0.25):
        result = run_action(OK, timeout=timeout)
        assert result.ok, result.error


def test_a_tenant_login_refuses_a_bad_timeout_too() -> None:
    with pytest.raises(OptionError):
        LocalTenant().login(timeout=math.nan)


def test_a_secret_that_is_not_text_is_a_type_error_that_does_not_echo_it() -> None:
    with pytest.raises(OptionTypeError) as caught:
        run_action(OK, secrets={"API_KEY": 123456789})  # type: ignore[dict-item]
    assert isinstance(caught.value, TypeError)
    message = str(caught.value)
    assert message.startswith("Secret 'API_KEY' of action.js must be a string")
    assert "not int" in message
    assert "123456789" not in message


def test_secrets_that_are_no_mapping_are_a_type_error() -> None:
    with pytest.raises(OptionTypeError, match="secrets must be a mapping of names to strings"):
        run_action(OK, secrets=[("A", "b")])  # type: ignore[arg-type]


def test_configuration_values_must_be_text() -> None:
    action = Action(source=OK, configuration={"level": 3})  # type: ignore[dict-item]
    with pytest.raises(OptionTypeError, match=r"Configuration value 'level' .* must be a string"):
        run_action(action)


def test_an_unknown_network_is_a_value_error() -> None:
    with pytest.raises(OptionError, match="network must be 'mock' or 'live'") as caught:
        run_action(OK, network="offline")  # type: ignore[arg-type]
    assert isinstance(caught.value, ValueError)


SOURCE = "exports.onExecutePostLogin = async (event, api) => {};"


@pytest.mark.parametrize(
    ("call", "expected"),
    [
        (lambda: run_action(5), "An Action is a path to a .js file"),
        (lambda: run_flow(5), "A flow is a list of Actions"),
        (lambda: run_flow(SOURCE), "A flow is a list of Actions"),
        (lambda: run_many(SOURCE, 5), "run_many takes a list of events"),
        (lambda: run_many(SOURCE, {"user": {}}), "run_many takes a list of events"),
        (lambda: run_action(SOURCE, mocks=5), "mocks must be a mapping"),
    ],
)
def test_arguments_of_the_wrong_type_are_a_typed_type_error(call, expected: str) -> None:
    with pytest.raises(OptionTypeError, match=expected) as raised:
        call()
    assert isinstance(raised.value, TypeError)


def test_an_unknown_handler_is_a_value_error_naming_both() -> None:
    with pytest.raises(OptionError, match="onExecutePostLogin, onContinuePostLogin"):
        run_action(SOURCE, handler="onExecute")


@pytest.mark.parametrize(
    ("kwargs", "suggestion"),
    [({"flow": "refrsh"}, "Did you mean 'refresh'?"), ({"who": "alicee"}, "Did you mean 'alice'?")],
)
def test_a_misspelled_flow_or_user_gets_a_suggestion(kwargs: dict, suggestion: str) -> None:
    who = kwargs.pop("who", "alice")
    with pytest.raises(OptionError, match=suggestion) as raised:
        LocalTenant().login(who, **kwargs)
    assert isinstance(raised.value, ValueError)
