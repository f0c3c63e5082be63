"""The public API: what ``claimlab`` exports, and that importing it stays light.

``import claimlab`` and the command line's start must not load auth0-python, ipywidgets or the
design lab's libraries: each public name is imported from its module on first use.
"""

from __future__ import annotations

import json
import subprocess
import sys
import types

import pytest

import claimlab

HEAVY = ("auth0", "ipywidgets", "pandas", "matplotlib", "tqdm", "hypothesis")


def _loaded_after(code: str) -> list[str]:
    probe = (
        f"import json, sys\n{code}\nprint(json.dumps([m for m in {HEAVY!r} if m in sys.modules]))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=120
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


def test_import_claimlab_loads_none_of_the_heavy_libraries() -> None:
    assert _loaded_after("import claimlab") == []


def test_cli_help_loads_none_of_the_heavy_libraries() -> None:
    code = (
        "from claimlab.cli import main\n"
        "try:\n"
        "    main(['run', '--help'])\n"
        "except SystemExit:\n"
        "    pass"
    )
    assert _loaded_after(code) == []


def test_using_a_name_loads_what_it_needs() -> None:
    assert "ipywidgets" in _loaded_after("import claimlab; claimlab.profile_card")


def test_all_is_sorted_and_every_name_resolves() -> None:
    assert claimlab.__all__ == sorted(claimlab.__all__)
    for name in claimlab.__all__:
        assert getattr(claimlab, name) is not None, name
    assert set(claimlab.__all__) <= set(dir(claimlab))


def test_an_unknown_name_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="no_such_thing"):
        _ = claimlab.no_such_thing


def test_deploy_and_connect_stay_functions_after_their_modules_are_imported() -> None:
    import claimlab.connect
    import claimlab.deploy

    assert callable(claimlab.deploy) and not isinstance(claimlab.deploy, types.ModuleType)
    assert callable(claimlab.connect) and not isinstance(claimlab.connect, types.ModuleType)
    assert isinstance(claimlab.workshop, types.ModuleType)


def test_star_import_gives_the_public_api() -> None:
    namespace: dict[str, object] = {}
    exec("from claimlab import *", namespace)
    assert set(claimlab.__all__) <= set(namespace)
