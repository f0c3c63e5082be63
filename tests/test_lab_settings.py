"""The repository's JupyterLab settings: valid for the JupyterLab it pins, and used where promised.

The browser tests run JupyterLab with these settings and show them at work (widget state saved
and restored); this checks, without a browser, that every setting names a real plugin and
property with a valid value, and that `make lab` and Binder both point JupyterLab at the file.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
OVERRIDES = json.loads((ROOT / "jupyterlab-settings" / "overrides.json").read_text())
SHARE = Path(sys.prefix) / "share" / "jupyter"


def _schema(plugin_id: str) -> dict:
    package, plugin = plugin_id.split(":")
    for base in (SHARE / "lab" / "schemas", SHARE / "labextensions" / package / "schemas"):
        path = base / package / f"{plugin}.json"
        if path.is_file():
            return json.loads(path.read_text())
    raise AssertionError(f"no JupyterLab plugin {plugin_id} is installed")


@pytest.mark.parametrize("plugin_id", sorted(OVERRIDES))
def test_each_setting_is_one_the_plugin_has_with_a_valid_value(plugin_id: str) -> None:
    # Imported here: jsonschema takes about a second to import (its IRI grammar), which only
    # the process that runs this test should pay, not every process that collects it.
    import jsonschema

    schema = _schema(plugin_id)
    for name, value in OVERRIDES[plugin_id].items():
        assert name in schema["properties"], f"{plugin_id} has no setting {name}"
        jsonschema.validate(value, schema["properties"][name])


def test_widget_state_is_saved_and_news_stay_away() -> None:
    assert OVERRIDES["@jupyter-widgets/jupyterlab-manager:plugin"]["saveState"] is True
    assert OVERRIDES["@jupyterlab/apputils-extension:notification"]["fetchNews"] == "false"


def test_make_lab_and_binder_use_the_settings() -> None:
    makefile = (ROOT / "Makefile").read_text()
    lab = makefile.split("\nlab: setup\n", 1)[1].split("\n\n", 1)[0]
    assert "--LabApp.app_settings_dir=$(CURDIR)/jupyterlab-settings" in lab
    post_build = (ROOT / "binder" / "postBuild").read_text()
    assert "cp jupyterlab-settings/overrides.json" in post_build
