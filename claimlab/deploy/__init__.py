"""Deploy an Action to an Auth0 tenant, real or claimlab's local one, and compare the two.

``claimlab.deploy(action, ...)`` is a :class:`Deployment`: ``.plan()`` to look, ``.apply()`` to
deploy and bind it into the Login flow. The package holds one idea per module:

- ``credentials``: where a tenant's Management API is and who may call it (``.env``, prompts);
- ``client``: auth0-python's Management client on httpx, its tokens and retries;
- ``deployment``: plan, apply, versions, rollback, remove, test_remote;
- ``parity``: one event run locally and on the tenant, compared;
- ``probe``: asking a real tenant's test endpoint what the documentation does not say.

Each name below is imported from its module on first use, so importing ``credentials`` (as the
local tenant, ``connect()`` and the OAuth helpers do) loads no auth0-python.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS: dict[str, str] = {
    "Credentials": "credentials",
    "ManagementTarget": "credentials",
    "credentials_for": "credentials",
    "read_env_file": "credentials",
    "RETRIES": "client",
    "management_client": "client",
    "BUILD_TIMEOUT": "deployment",
    "Applied": "deployment",
    "Deployment": "deployment",
    "Plan": "deployment",
    "Version": "deployment",
    "deploy": "deployment",
    "Parity": "parity",
    "NOT_IN_ANSWER": "probe",
    "ODD_CLAIMS": "probe",
    "PROBE_CLAIM": "probe",
    "PROBE_SOURCE": "probe",
    "ProbeAnswer": "probe",
    "probe_test_endpoint": "probe",
    # Auth0's facts, importable from here as before they moved to claimlab.facts.
    "DEFAULT_RUNTIME": "facts",
    "TRIGGER": "facts",
    "TRIGGER_VERSION": "facts",
    # The probe's answer readers, tested on their own.
    "_claim_value": "probe",
    "_probe_log": "probe",
}

__all__ = sorted(name for name in _EXPORTS if not name.startswith("_"))


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'claimlab.deploy' has no attribute {name!r}")
    where = "claimlab.facts" if module == "facts" else f"{__name__}.{module}"
    value = getattr(importlib.import_module(where), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
