"""npm dependencies: spec parsing, Auth0's limit, installing into the cache, and require."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from claimlab.errors import DependencyError
from claimlab.runtime import Action, run_action
from claimlab.runtime import dependencies as deps

IS_NUMBER = "is-number@7.0.0"
USES_IS_NUMBER = """exports.onExecutePostLogin = async (event, api) => {
  const isNumber = require('is-number');
  api.idToken.setCustomClaim('checks', [isNumber(5), isNumber('5'), isNumber('five')]);
};
"""


@pytest.fixture
def empty_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "empty-home"
    monkeypatch.setenv("CLAIMLAB_HOME", str(home))
    return home


# --- specs ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("spec", "parsed"),
    [
        ("axios@1.7.9", ("axios", "1.7.9")),
        ("axios", ("axios", None)),
        ("  axios@1.7.9  ", ("axios", "1.7.9")),
        ("@auth0/auth0-spa-js@2.1.3", ("@auth0/auth0-spa-js", "2.1.3")),
        ("@scope/pkg", ("@scope/pkg", None)),
        ("lodash.merge@^4.6.2", ("lodash.merge", "^4.6.2")),
        ("jose@latest", ("jose", "latest")),
    ],
)
def test_parse_dependency(spec: str, parsed: tuple[str, str | None]) -> None:
    assert deps.parse_dependency(spec) == parsed


@pytest.mark.parametrize(
    "spec", ["", "axios@", "@scope", "@scope/", "axios@1.7.9@x", "two words", "../escape", "-flag"]
)
def test_parse_dependency_rejects_what_npm_names_cannot_be(spec: str) -> None:
    with pytest.raises(DependencyError) as caught:
        deps.parse_dependency(spec)
    assert f"{spec!r} is not an npm dependency" in str(caught.value)
    assert "'axios@1.7.9'" in str(caught.value)


def test_normalise_sorts_and_deduplicates() -> None:
    assert deps.normalise(["b@1.0.0", " a@2.0.0", "b@1.0.0", "a@2.0.0 "]) == ("a@2.0.0", "b@1.0.0")
    assert deps.normalise(None) == ()
    assert deps.normalise([]) == ()
    # One spec as a plain string is one dependency, not a list of characters.
    assert deps.normalise("axios@1.7.9") == ("axios@1.7.9",)


def test_a_package_declared_twice_is_refused() -> None:
    with pytest.raises(
        DependencyError, match=r"axios is declared twice \(axios@1.7.8 and axios@1.7.9\)"
    ):
        deps.normalise(["axios@1.7.9", "axios@1.7.8"])


def test_at_most_ten_dependencies() -> None:
    ten = [f"pkg-{i}@1.0.0" for i in range(10)]
    assert len(deps.normalise(ten)) == 10

    with pytest.raises(DependencyError) as caught:
        deps.normalise([*ten, "pkg-10@1.0.0"])
    assert str(caught.value) == (
        "11 dependencies declared; Auth0 allows at most 10 per Action. "
        "Drop the ones the Action does not require."
    )
    with pytest.raises(DependencyError, match="at most 10"):
        Action.load("exports.onExecutePostLogin = async () => {};", dependencies=[*ten, "x@1"])


# --- the cache -----------------------------------------------------------------------------------


def test_no_dependencies_need_no_install(empty_home: Path) -> None:
    folder = deps.modules_dir([])
    assert folder == empty_home / "npm" / "none"
    assert json.loads((folder / ".complete").read_text()) == []
    assert not (folder / "node_modules").exists()


def test_a_dependency_is_installed_into_an_empty_cache_and_required(empty_home: Path) -> None:
    assert not (empty_home / "npm").exists()

    folder = deps.modules_dir([IS_NUMBER])

    assert folder.parent == empty_home / "npm"
    assert json.loads((folder / ".complete").read_text()) == [IS_NUMBER]
    manifest = json.loads((folder / "node_modules" / "is-number" / "package.json").read_text())
    assert manifest["version"] == "7.0.0"
    # Only the finished folder is left: no half-done scratch installs.
    assert [p.name for p in (empty_home / "npm").iterdir()] == [folder.name]
    assert deps.installed_versions([IS_NUMBER]) == {"is-number": "7.0.0"}

    result = run_action(USES_IS_NUMBER, dependencies=[IS_NUMBER])
    assert result.error is None, result.error
    assert result.id_token_claims == {"checks": [True, True, False]}


def test_an_installed_set_is_reused(empty_home: Path) -> None:
    folder = deps.modules_dir([IS_NUMBER])
    marker = (folder / ".complete").stat()

    assert deps.modules_dir([f" {IS_NUMBER} "]) == folder
    assert (folder / ".complete").stat().st_mtime_ns == marker.st_mtime_ns
    assert deps.cache_root() == empty_home / "npm"


def test_each_set_is_isolated(empty_home: Path, axios: list[str]) -> None:
    # axios is installed (in the session's cache), but an Action that declares only is-number
    # cannot require it, as on Auth0.
    source = "exports.onExecutePostLogin = async () => { require('axios'); };"
    error = run_action(source, dependencies=[IS_NUMBER]).error
    assert isinstance(error, DependencyError)
    assert error.message.startswith("Cannot find module 'axios'.")


def test_node_modules_above_the_cache_are_not_visible(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # CLAIMLAB_HOME inside a project (or a home folder) that has its own node_modules: Node
    # would climb to it, Auth0 has nothing of the sort.
    package = tmp_path / "project" / "node_modules" / "leaky"
    package.mkdir(parents=True)
    (package / "package.json").write_text('{"name": "leaky", "version": "1.0.0"}')
    (package / "index.js").write_text("module.exports = 'leaked';")
    monkeypatch.setenv("CLAIMLAB_HOME", str(tmp_path / "project" / ".claimlab"))

    source = "exports.onExecutePostLogin = async () => {\n  require('leaky');\n};"
    for declared in ([], [IS_NUMBER]):
        error = run_action(source, dependencies=declared).error
        assert isinstance(error, DependencyError)
        assert error.line == 2
        assert error.message.startswith("Cannot find module 'leaky'.")
    # Nor are its files readable: the worker may read nothing above its npm cache.
    index = json.dumps(str(package / "index.js"))
    reader = (
        f"exports.onExecutePostLogin = async () => {{\n  require('fs').readFileSync({index});\n}};"
    )
    error = run_action(reader).error
    assert error is not None and "Access to this API has been restricted" in error.message


def test_a_version_that_does_not_exist_fails_to_install(empty_home: Path) -> None:
    with pytest.raises(DependencyError) as caught:
        deps.modules_dir(["is-number@999.0.0"])
    assert "npm could not install is-number@999.0.0" in str(caught.value)
    assert "claimlab prefetch is-number@999.0.0" in str(caught.value)
    # Nothing half-installed is left for later runs to trust.
    assert [p.name for p in (empty_home / "npm").iterdir()] == []


def test_installed_versions_of_the_tutorial_dependency(axios: list[str]) -> None:
    assert deps.installed_versions(axios) == {"axios": "1.7.9"}
    folder = deps.modules_dir(axios)
    assert (folder / ".complete").exists()
    assert (folder / "node_modules" / "axios").is_dir()


# --- npm's own errors ----------------------------------------------------------------------------


def test_an_npm_failure_shows_npms_error_lines_not_its_log_path(
    empty_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A registry on 127.0.0.1 that refuses connections: npm fails at once, offline.
    monkeypatch.setenv("npm_config_registry", "http://127.0.0.1:9/")
    monkeypatch.setenv("npm_config_fetch_retries", "0")
    with pytest.raises(DependencyError) as caught:
        deps.modules_dir([IS_NUMBER])
    message = caught.value.message
    assert message.startswith(f"npm could not install {IS_NUMBER}:\n  code ECONNREFUSED\n")
    assert "request to http://127.0.0.1:9/is-number failed" in message
    assert "complete log of this run" not in message
    assert " at " not in message  # npm's JavaScript stack stays in its log
    assert f"claimlab prefetch {IS_NUMBER}" in message
    assert not (empty_home / "npm" / "none").exists()


def test_npm_error_lines_keep_both_spellings_and_drop_the_log_pointer() -> None:
    npm10 = (
        "npm error code ETARGET\n"
        "npm error notarget No matching version found for axios@99.0.0.\n"
        "npm error A complete log of this run can be found in: /home/x/.npm/_logs/1-debug-0.log\n"
    )
    assert deps.npm_error_lines(npm10) == [
        "code ETARGET",
        "notarget No matching version found for axios@99.0.0.",
    ]
    npm8 = "npm ERR! code E404\nnpm ERR! 404 Not Found - GET https://registry/nope\n"
    assert deps.npm_error_lines("", npm8) == [
        "code E404",
        "404 Not Found - GET https://registry/nope",
    ]
    assert deps.npm_error_lines("something odd\nhappened\n") == ["something odd", "happened"]
    assert deps.npm_error_lines("") == ["npm exited without saying why"]


def test_a_dependency_list_of_the_wrong_type_says_what_it_takes() -> None:
    with pytest.raises(ValueError, match=r'takes a list of npm specs .* \["axios@1.7.9"\]; got 5'):
        deps.normalise(5)  # type: ignore[arg-type]
    with pytest.raises(DependencyError, match="got \\[1\\]"):
        deps.normalise([1])  # type: ignore[list-item]
